"""The APL operators of LispE on lists, matrices and tensors: `⍳`/`iota`, `⍳0`/`iota0`,
`ρ`/`rho`, `⍉`/`transpose`, `⌽`/`rotate`, `°` (outer product), `.` (inner product), `∈`/
`member`, `≢`/`tally`, `⊂`/`to_list`, `⊃`/`to_tensor`, `,` (concatenate), `rank@`/`⍤`,
`irank@`, `atshape`/`@@@`, `setshape`/`set@@@`, `setrange`/`set@@`, `mask@` and `+*`.

The reductions and scans that take a function (`↗ ↘ ⌿ ⍀`) are in `reductions.py`.  The
typed results follow the reference: `(rho 2 3 (iota 6))` is a `matrix_integer`, with three
dimensions a `tensor_integer`, with `list` data a plain nested list; `⍉` of a list of lists
is a `matrix_number`; `°` and `.` type their matrix by the kind of the values computed.
Decisions where the reference build misbehaves: `(∈ l values)` answers 1/0 for every
element (the reference returns the list itself for a `list`), `rank@` keeps the nesting
of the selected elements.
"""

import array
import math

from ..errors import LispError
from ..registry import builtin
from ..runtime import to_callable
from ..values import Float32, Integers, LList, Numbers, Strings, TypedArray, truthy
from ._common import check_int, type_error
from .lists import check_size, typed
from .matrices import MATRICES, Matrix, Tensor, build, flat_values, is_array, shape_of

_SEQUENCES = (list, array.array, LList)


def _is_nested(c):
    """A matrix, a tensor, or a non-empty list whose elements are all lists."""
    return is_array(c) or (isinstance(c, list) and len(c) > 0
                           and all(isinstance(r, _SEQUENCES) for r in c))


# ⍳ ⍳0 ----------------------------------------------------------------------------------------

def _count_up(n, origin, fname):
    if isinstance(n, float):
        top = n - 1 + origin
        count = check_size(max(math.floor(top - origin + 1), 0), fname) if top >= origin else 0
        return Numbers(top - i for i in range(count - 1, -1, -1))
    n = check_int(n, fname, "a number")
    check_size(max(n, 0), fname)
    return Integers.from_array(array.array("q", range(origin, n + origin)))


def _iota(origin, fname, args):
    if len(args) == 1:
        return _count_up(args[0], origin, fname)
    return [_count_up(n, origin, fname) for n in args]


@builtin("⍳", aliases=("iota",))
def iota(n, *more):
    """(1 2 ... n) as integers; a float n counts down to it: (iota 2.5) is (1.5 2.5);
    several arguments give one list each."""
    return _iota(1, "iota", (n, *more))


@builtin("⍳0", aliases=("iota0",))
def iota0(n, *more):
    """(0 1 ... n-1) as integers (as numbers for a float n); several arguments: one list each."""
    return _iota(0, "iota0", (n, *more))


# ρ -------------------------------------------------------------------------------------------

def _data_kind(data):
    if isinstance(data, TypedArray):
        return type(data)
    if isinstance(data, Strings):
        return Strings
    return None


@builtin("ρ", aliases=("rho", "⍴"))
def rho(first, *rest):
    """(rho l): the dimensions of l; (rho d1 ... dk data): data reshaped (cycled to fill) into
    a typed list, a matrix or a tensor of data's kind (nested lists for a `list`)."""
    if not rest:
        if isinstance(first, str):
            return Integers([len(first)])
        if isinstance(first, (dict, set)):
            return Integers([len(first)])
        return Integers(shape_of(first) or [0])
    *dims, data = (first, *rest)
    if isinstance(first, float):           # the original checks the first dimension's type
        raise LispError("Error: Shape elements are either integers or a list of integers", "rho")
    if len(rest) == 1 and isinstance(first, _SEQUENCES):    # (rho (integers 2 3) data)
        dims = [int(d) if isinstance(d, float) else d for d in first]
        if not dims:
            raise LispError("Error: Shape elements are either integers or a list of integers", "rho")
    if not isinstance(data, _SEQUENCES):
        raise LispError("Error: last argument should be a list", "rho")
    if is_array(data):
        return None
    dims = [max(check_int(d, "rho", "integer dimensions"), 0) for d in dims]
    check_size(math.prod(dims), "rho")
    values = list(data)
    if not values:
        raise LispError("Error: rho: no values to reshape", "rho")
    kind = _data_kind(data)
    if kind is not None:
        return build(kind, dims, values)
    total = math.prod(dims)
    flat = (values * (total // len(values) + 1))[:total]
    return _nest_lists(dims, flat, type(data) if isinstance(data, LList) else list)


def _nest_lists(dims, flat, kind):
    if len(dims) == 1:
        return kind(flat)
    step = math.prod(dims[1:])
    return [_nest_lists(dims[1:], flat[i * step:(i + 1) * step], kind) for i in range(dims[0])]


# ⍉ -------------------------------------------------------------------------------------------

@builtin("⍉", aliases=("transpose",))
def transpose(m):
    """Transposed matrix (the first two axes of a tensor); a list of lists becomes a
    `matrix_number`; a 2-D tensor/array gives its own transpose."""
    if isinstance(m, Matrix):
        return type(m)(typed(m.row_kind, ([r[i] for r in m],)) for i in range(len(m[0])))
    if isinstance(m, Tensor):
        return type(m)(type(m)([m[j][i] for j in range(len(m))]) for i in range(len(m[0])))
    if isinstance(m, _SEQUENCES):
        if not _is_nested(m):
            return []
        width = len(m[0])
        if any(len(r) < width for r in m):
            raise LispError("Error: ⍉ expects rows of the same size", "⍉")
        rows = [[r[i] for r in m] for i in range(width)]
        if all(isinstance(x, (int, float)) for r in rows for x in r):
            return MATRICES["number"](Numbers(r) for r in rows)
        return rows
    if getattr(m, "ndim", None) == 2:
        return m.T
    return m


# ⌽ -------------------------------------------------------------------------------------------

def _rotated(items, n):
    if not len(items):
        return items[:] if not isinstance(items, LList) else LList()
    n %= len(items)
    if isinstance(items, LList):
        out = LList(items)
        out.rotate(-n)
        return out
    return items[n:] + items[:n]


@builtin("⌽", aliases=("rotate",))
def rotate(c, n=None, first_axis=None):
    """c rotated left by n (default 1; negative: right); the rows of a matrix rotate each,
    unless first_axis is true (then the rows move); a string without n rotates right."""
    if isinstance(c, str):
        return _rotated(c, -1 if n is None else check_int(n, "⌽"))
    shift = 1 if n is None else check_int(n, "⌽", "an integer shift")
    if not isinstance(c, _SEQUENCES):
        raise type_error("⌽", "a list or a string", c)
    if _is_nested(c):
        if truthy(first_axis):
            return type(c)(_rotated(list(c), shift)) if is_array(c) else _rotated(list(c), shift)
        rows = [rotate(r, shift) for r in c]
        return type(c)(rows) if is_array(c) else rows
    return _rotated(c, shift)


# ° and . ------------------------------------------------------------------------------------

def _typed_rows(rows):
    """Rows of numbers as a matrix of the narrowest kind (integers, numbers), else lists."""
    if not rows or not all(isinstance(r, list) for r in rows):
        return rows
    values = [x for r in rows for x in r]
    if all(type(x) is int for x in values):
        return MATRICES["integer"](Integers(r) for r in rows)
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in values):
        kind = "float" if all(type(x) is Float32 for x in values) else "number"
        return MATRICES[kind](MATRICES[kind].row_kind(r) for r in rows)
    return rows


def _function(f, fname):
    """f as a Python callable; a typed list or a number is not a function."""
    if isinstance(f, (TypedArray, int, float)) or f is None:
        raise LispError("Error: Not a function or a data structure", fname)
    return to_callable(f)


@builtin("°", aliases=("outer",))
def outer(f, a, b):
    """Outer product: the matrix of (f x y) for every x of a and y of b."""
    if not isinstance(a, _SEQUENCES) or not isinstance(b, _SEQUENCES):
        raise LispError("Error: arguments for '°' are lists", "°")
    fn = _function(f, "°")
    check_size(len(a) * len(b), "°")
    return _typed_rows([[fn(x, y) for y in b] for x in a])


def _reduce_with(fn, values):
    total = values[0]
    for v in values[1:]:
        total = fn(total, v)
    return total


@builtin(".", signature="(. f g a b)", aliases=("inner",))
def inner(f, g, a, b):
    """Inner product: (. '+ '* a b) is the dot product of two lists, the matrix product of
    two matrices (f reduces what g combines)."""
    nested_a, nested_b = _is_nested(a), _is_nested(b)
    if not isinstance(a, _SEQUENCES) or not isinstance(b, _SEQUENCES) or nested_a != nested_b:
        raise LispError("Error: arguments for '.' must be compatible lists or matrices", ".")
    fold, combine = _function(f, "."), _function(g, ".")
    if not nested_a:
        if len(a) != len(b) or not len(a):
            raise LispError("Error: lists should have the same size for '.'", ".")
        return _reduce_with(fold, [combine(x, y) for x, y in zip(a, b)])
    inner_size = len(a[0])
    if inner_size != len(b) or any(len(r) != inner_size for r in a):
        raise LispError("Error: arguments for '.' must be compatible lists or matrices", ".")
    width = len(b[0])
    return _typed_rows([[_reduce_with(fold, [combine(row[k], b[k][j]) for k in range(inner_size)])
                         for j in range(width)] for row in a])


@builtin("+*")
def plus_multiply(m1, shape1, m2, shape2):
    """Matrix product of two flat lists read with their (rows columns) shapes:
    returns (shape values)."""
    for shape, which in ((shape1, "first"), (shape2, "second")):
        if not isinstance(shape, _SEQUENCES) or len(shape) != 2:
            raise LispError(f"Error: The {which} shape should be a list of two elements", "+*")
    rows, inner_size = (check_int(x, "+*") for x in shape1)
    inner2, cols = (check_int(x, "+*") for x in shape2)
    if type(m1) is not type(m2):
        raise LispError("Error: The two matrices should have the same type", "+*")
    if inner2 != inner_size:
        raise LispError("Error: Incompatible shapes", "+*")
    if len(m1) != rows * inner_size:
        raise LispError("Error: Mismatch between shape and size of first matrix", "+*")
    if len(m2) != inner2 * cols:
        raise LispError("Error: Mismatch between shape and size of second matrix", "+*")
    values = [sum(m1[i * inner_size + k] * m2[k * cols + j] for k in range(inner_size))
              for i in range(rows) for j in range(cols)]
    kind = type(m1) if isinstance(m1, TypedArray) else list
    return [Integers([rows, cols]), kind(values)]


# ∈ ≢ ⊂ ⊃ , -----------------------------------------------------------------------------------

@builtin("∈", aliases=("member",))
def member(c, values):
    """For every element of c, 1 when it is one of values, else 0 (same shape as c)."""
    if not isinstance(c, _SEQUENCES) or not isinstance(values, _SEQUENCES):
        raise LispError("Error: expecting a list as first element", "∈")
    pool = list(values)

    def mask(x):
        if isinstance(x, _SEQUENCES):
            return member(x, pool)
        return int(any(x == v for v in pool))
    marks = [mask(x) for x in c]
    if is_array(c) or (marks and isinstance(marks[0], _SEQUENCES)):
        return type(c)(marks) if is_array(c) else marks
    return Integers(marks)


@builtin("≢", aliases=("tally",))
def tally(c):
    """Number of elements: every element of a matrix or tensor, the size of anything else."""
    if is_array(c):
        return math.prod(shape_of(c))
    if isinstance(c, (str, dict, set, *_SEQUENCES)):
        return len(c)
    return 0


@builtin("⊂", aliases=("to_list",))
def to_list(c, n=None):
    """A plain list: of a typed list's elements, of a matrix's rows; (⊂ x n): n copies of x."""
    if n is not None:
        count = check_size(max(check_int(n, "⊂", "a count"), 0), "⊂")
        return [c for _ in range(count)]
    if is_array(c):
        return [to_list(r) if isinstance(r, list) else list(r) for r in c]
    if isinstance(c, _SEQUENCES):
        return list(c)
    return [c]


def _narrowest(values):
    if all(type(x) is int for x in values):
        return Integers
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in values):
        return Numbers
    return None


@builtin("⊃", aliases=("to_tensor",))
def to_tensor(c, n=None):
    """Nested lists of numbers as a typed list, a matrix or a tensor (integers or numbers)."""
    if not isinstance(c, _SEQUENCES):
        raise LispError("Error: Expecting a list", "⊃")
    shape = shape_of(c)
    values = flat_values(c)
    kind = _narrowest(values)
    if kind is None or len(values) != math.prod(shape):
        return c
    if n is not None:
        check_int(n, "⊃")
    return build(kind, shape, values)


@builtin(",", signature="(, a b)")
def concatenate(a, b=None):
    """Concatenation: two lists end to end; a matrix and a list or a matrix: row by row."""
    if b is None:
        return a
    if _is_nested(a):
        extra = b if _is_nested(b) else ([b] * len(a) if not isinstance(b, _SEQUENCES) else b)
        rows = [concatenate(r, e) for r, e in zip(a, extra)]
        return type(a)(rows) if is_array(a) else rows
    if isinstance(a, str) and isinstance(b, str):
        return Strings([a, b])
    left = a if isinstance(a, _SEQUENCES) else [a]
    right = b if isinstance(b, _SEQUENCES) else [b]
    if isinstance(left, TypedArray):
        return typed(type(left), (left, list(right)))
    if isinstance(left, Strings):
        return Strings([*left, *right]) if all(isinstance(x, str) for x in right) else \
            [*left, *right]
    return type(left)([*left, *right]) if isinstance(left, LList) else [*left, *right]


# rank@ irank@ ---------------------------------------------------------------------------------

def _select(c, indexes, fname):
    if not indexes:
        return c
    i, rest = indexes[0], indexes[1:]
    if not isinstance(c, _SEQUENCES):
        raise LispError("Error: indexes out of bounds", fname)
    if i < 0:
        rows = [_select(row, rest, fname) for row in c]
        if rows and not isinstance(rows[0], _SEQUENCES):
            kind = type(c) if isinstance(c, TypedArray) else _narrowest(rows)
            return kind(rows) if kind else rows
        return rows
    if i >= len(c):
        raise LispError("Error: indexes out of bounds", fname)
    return _select(c[i], rest, fname)


def _rank_indexes(indexes, fname):
    return [check_int(i, fname, "integer indexes") if isinstance(i, (int, float)) else -1
            for i in indexes]


@builtin("rank@", aliases=("rank", "⍤"))
def rank(c, *indexes):
    """Sub-array of a matrix/tensor: one index per axis, -1 for every position of that axis:
    (rank@ m 0) is row 0, (rank@ m -1 1) is column 1."""
    return _select(c, _rank_indexes(indexes, "rank@"), "rank@")


@builtin("irank@", aliases=("irank",))
def irank(c, first, *indexes):
    """The list of what `rank@` gives along the next axis: (irank@ m -1) is every column."""
    positions = _rank_indexes((first, *indexes), "irank@")
    shape = shape_of(c)
    if len(shape) < len(positions):
        raise LispError("Error: cannot loop with 'irank' with these indexes", "irank@")
    while len(positions) > 1 and positions[-1] < 0:
        positions.pop()
    if len(positions) == len(shape):
        return [_select(c, positions, "irank@")]
    return [_select(c, positions + [k], "irank@") for k in range(shape[len(positions)])]


# atshape setshape setrange mask@ ---------------------------------------------------------------

def _shape_offset(c, shape, indexes, fname):
    if not isinstance(c, _SEQUENCES):
        raise type_error(fname, "a list", c)
    if not isinstance(shape, _SEQUENCES):
        raise type_error(fname, "a shape (a list of dimensions)", shape)
    dims = [check_int(d, fname, "integer dimensions") for d in shape]
    idx = [check_int(i, fname, "integer indexes") for i in indexes]
    if len(idx) > len(dims) or any(not 0 <= i < d for i, d in zip(idx, dims)):
        raise LispError("Error: index mismatch with shape", fname)
    offset = 0
    for i, d in zip(idx, dims):
        offset = offset * d + i
    block = math.prod(dims[len(idx):])
    return offset * block, block, len(idx) == len(dims)


@builtin("atshape", aliases=("@@@",))
def atshape(c, shape, i, *indexes):
    """An element (or a block) of the flat list c read as an array of the given shape."""
    start, block, single = _shape_offset(c, shape, (i, *indexes), "atshape")
    if start + block > len(c):
        raise LispError("Error: index mismatch with shape", "atshape")
    return c[start] if single else c[start:start + block]


@builtin("setshape", aliases=("set@@@",))
def setshape(c, shape, i, *indexes_and_value):
    """Store a value (or a block of values) into the flat list c read with the given shape."""
    *indexes, value = (i, *indexes_and_value)
    if not indexes:
        raise LispError("Error: setshape expects indexes and a value", "setshape")
    start, block, single = _shape_offset(c, shape, indexes, "setshape")
    if start + block > len(c):
        raise LispError("Error: index mismatch with shape", "setshape")
    values = [value] if single else (list(value) if isinstance(value, _SEQUENCES)
                                     else [value] * block)
    for k, v in enumerate(values[:block]):
        c[start + k] = type(c).convert(v) if isinstance(c, TypedArray) else v
    return c


@builtin("setrange", aliases=("set@@",))
def setrange(c, begin, end, value, *more):
    """(setrange l b e v): the elements b..e-1 of l replaced by v; (setrange m r1 r2 c1 c2 v):
    the cells of rows r1..r2-1 and columns c1..c2-1 set to v."""
    if not isinstance(c, list):
        raise type_error("setrange", "a list", c)
    if not more:
        b, e = check_int(begin, "setrange"), check_int(end, "setrange")
        c[b:e] = [value]
        return c
    if len(more) != 2:
        raise LispError("Error: setrange expects 3 or 5 positions and a value", "setrange")
    r1, r2 = check_int(begin, "setrange"), check_int(end, "setrange")
    c1, c2, v = check_int(value, "setrange"), check_int(more[0], "setrange"), more[1]
    for row in c[r1:r2]:
        cells = list(v) if isinstance(v, _SEQUENCES) else [v] * (c2 - c1)
        for k, x in zip(range(c1, c2), cells):
            row[k] = type(row).convert(x) if isinstance(row, TypedArray) else x
    return c


def _zero_of(c):
    if isinstance(c, Strings):
        return ""
    return 0 if isinstance(c, TypedArray) else None


@builtin("mask@", aliases=("mask",))
def mask(flags, a, b=None):
    """Merge two lists: a true flag takes the next element of a, a false one the next of b
    (without b: the zero of a's kind, nil for a list)."""
    if not isinstance(flags, _SEQUENCES) or not isinstance(a, _SEQUENCES):
        raise LispError("Error: first element should be a list of 1 and 0", "mask@")
    if b is not None and (not isinstance(b, _SEQUENCES) or not len(b)):
        raise LispError("Error: wrong third argument. Should be a non empty list", "mask@")
    taken, out = 0, []
    zeros = iter(b) if b is not None else None
    for flag in flags:
        if truthy(flag):
            if taken >= len(a):
                raise LispError("Error: size mismatch", "mask@")
            out.append(a[taken])
            taken += 1
        else:
            value = next(zeros, _MISSING) if zeros is not None else _zero_of(a)
            if value is _MISSING:
                raise LispError("Error: size mismatch", "mask@")
            out.append(value)
    return type(a)(out) if isinstance(a, (TypedArray, Strings)) else out


_MISSING = object()
