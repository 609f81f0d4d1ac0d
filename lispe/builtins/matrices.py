"""LispE's own matrix and tensor lists (not torch tensors): `matrix_integer`, `matrix_number`,
`matrix_float`, `matrix_short`, `matrix_string`, `matrix_stringbyte` and the `tensor_*`
family, with the linear algebra of the reference: `determinant`, `ludcmp`, `lubksb`, `solve`
and `⌹` (`invert`).

A matrix is a list of rows, each row a typed list (`integers`, `numbers`, ...); a tensor is a
list of sub-tensors whose innermost rows are typed lists.  They print as nested lists and
answer `(type m)` with `matrix_integer_`, `tensor_number_`, ...; `car`/`@` give a row (a
typed list) or a sub-tensor.  Element-wise arithmetic on them gives plain lists, as in the
reference.  `rho`, `⍉`, `°`, `.` (in `apl.py`) build them.

The LU decomposition is Crout's method with partial pivoting, written here because
`ludcmp`/`lubksb` expose its row permutation as the reference does (numpy does not give that
form); a singular matrix gives `()` as in the reference.  Decisions: `ludcmp` returns the
permutation indexes (the reference build returns an empty list), `determinant` uses the LU
decomposition instead of the reference's cofactor expansion (same value up to rounding, in
cubic instead of exponential time).
"""

import math

from ..errors import LispError
from ..registry import builtin
from ..values import (Floats, Integers, Numbers, Shorts, Strings, TypedArray, register_type_name)
from ._common import check_int
from .lists import check_size, typed

TINY = 1.5e-16        # a zero pivot is replaced by this, as in the reference


class Matrix(list):
    """A matrix: a list of typed rows (`row_kind`)."""

    row_kind = Numbers


class Tensor(list):
    """A tensor of three or more dimensions: nested lists down to typed rows."""

    row_kind = Numbers


def _family(base, prefix):
    """One subclass of `base` per element kind, registered with its `(type x)` name."""
    classes = {}
    for name, kind in (("integer", Integers), ("number", Numbers), ("float", Floats),
                       ("short", Shorts), ("string", Strings), ("stringbyte", Strings)):
        cls = type(f"{base.__name__}_{name}", (base,), {"row_kind": kind, "__slots__": ()})
        cls.__doc__ = f"`{prefix}_{name}`: {base.__doc__}"
        register_type_name(cls, f"{prefix}_{name}_")
        classes[name] = cls
    return classes


MATRICES = _family(Matrix, "matrix")
TENSORS = _family(Tensor, "tensor")
_BY_ROW_KIND = {Integers: "integer", Numbers: "number", Floats: "float", Shorts: "short",
                Strings: "string"}


def array_class(row_kind, ndims):
    """The matrix (2 dimensions) or tensor (3 or more) class for rows of `row_kind`."""
    name = _BY_ROW_KIND[row_kind]
    return MATRICES[name] if ndims == 2 else TENSORS[name]


def is_array(value):
    """True for matrices and tensors."""
    return isinstance(value, (Matrix, Tensor))


def shape_of(value):
    """The dimensions of a matrix, a tensor or nested lists (following first elements)."""
    dims = []
    while isinstance(value, (list, TypedArray)):
        dims.append(len(value))
        if not len(value):
            break
        value = value[0]
    return dims


def build(row_kind, dims, values, cls=None, fname="rho"):
    """A matrix/tensor (or a typed row when dims has one entry) of `values` cycled to fill;
    `cls` forces the class of the result and of its sub-arrays."""
    total = check_size(math.prod(dims), fname)
    if not values:
        values = [row_kind.convert(0) if row_kind is not Strings else ""]
    flat = (values * (total // len(values) + 1))[:total] if total else []
    return _nest(row_kind, dims, flat, cls)


def _nest(row_kind, dims, flat, cls):
    if len(dims) == 1:
        return typed(row_kind, (flat,))
    step = math.prod(dims[1:])
    rows = [_nest(row_kind, dims[1:], flat[i * step:(i + 1) * step], cls)
            for i in range(dims[0])]
    return (cls or array_class(row_kind, len(dims)))(rows)


def flat_values(value):
    """Every element of nested lists, depth first."""
    out = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, (list, TypedArray)):
            stack.extend(reversed(v))
        else:
            out.append(v)
    return out


def _dimensions(args, fname):
    """Dimensions from the arguments: numbers, truncated; a negative one counts as 0."""
    dims = []
    for d in args:
        if isinstance(d, float) and math.isfinite(d):
            d = int(d)
        dims.append(max(check_int(d, fname, "integer dimensions"), 0))
    return dims


def _matrix_constructor(name):
    cls = MATRICES[name]
    kind = cls.row_kind
    fname = f"matrix_{name}"

    def make(rows_or_x, y=None, value=None):
        if y is None:
            if not (isinstance(rows_or_x, list) and rows_or_x
                    and all(isinstance(r, (list, TypedArray)) for r in rows_or_x)):
                raise LispError("Error: Cannot initialize a matrix with this value", fname)
            dims = [len(rows_or_x), len(rows_or_x[0])]
            return build(kind, dims, flat_values(rows_or_x), cls, fname)
        dims = _dimensions((rows_or_x, y), fname)
        if not all(dims):
            return []
        fill = 0 if value is None or isinstance(value, (list, TypedArray)) else value
        return build(kind, dims, [typed(kind, (fill,))[0]], cls, fname)
    make.__name__ = make.__qualname__ = fname
    builtin(fname, signature=f"({fname} x y (value))",
            doc=f"A matrix of {name} values: (x y) zeros or `value`, or converted from a list "
                "of rows.")(make)


def _tensor_constructor(name):
    cls = TENSORS[name]
    kind = cls.row_kind
    fname = f"tensor_{name}"

    def make(first, *dims):
        if not dims:
            if not isinstance(first, list) or not first:
                raise LispError("Error: The first element should be a list", fname)
            shape = shape_of(first)
            if len(shape) < 2:
                raise LispError("Error: a tensor needs nested lists", fname)
            return build(kind, shape, flat_values(first), cls, fname)
        shape = _dimensions((first, *dims), fname)
        if not all(shape):
            return []
        return build(kind, shape, [], cls, fname)
    make.__name__ = make.__qualname__ = fname
    builtin(fname, signature=f"({fname} d1 d2 ...)",
            doc=f"A tensor of {name} values: zeros of dimensions d1 d2 ..., or converted from "
                "nested lists.")(make)


for _name in MATRICES:
    _matrix_constructor(_name)
    _tensor_constructor(_name)


# linear algebra ------------------------------------------------------------------------------

def _square(m, fname, what):
    if not isinstance(m, Matrix) or m.row_kind is Strings:
        raise LispError(f"Error: {what}", fname)
    n = len(m)
    if any(len(row) != n for row in m):
        raise LispError(f"Error: we can only apply '{fname}' to square matrices", fname)
    return n


def _result(like, rows):
    return type(like)(typed(like.row_kind, (r,)) for r in rows)


def lu_decompose(a, exact=False):
    """Crout LU decomposition in place of the rows `a`: (permutation, sign), or None when a row
    is all zeros.  A zero pivot becomes TINY, unless `exact` (then the result is None too)."""
    n = len(a)
    scale = []
    for row in a:
        biggest = max((abs(x) for x in row), default=0.0)
        if biggest < TINY:
            return None
        scale.append(1.0 / biggest)
    indexes, sign = [0] * n, 1
    for j in range(n):
        for i in range(j):
            a[i][j] -= sum(a[i][k] * a[k][j] for k in range(i))
        best, i_max = 0.0, j
        for i in range(j, n):
            a[i][j] -= sum(a[i][k] * a[k][j] for k in range(j))
            weight = scale[i] * abs(a[i][j])
            if weight >= best:
                best, i_max = weight, i
        if i_max != j:
            a[i_max], a[j] = a[j], a[i_max]
            sign = -sign
            scale[i_max] = scale[j]
        indexes[j] = i_max
        if abs(a[j][j]) < TINY:
            if exact:
                return None
            a[j][j] = TINY
        for i in range(j + 1, n):
            a[i][j] /= a[j][j]
    return indexes, sign


def lu_solve(a, indexes, b):
    """Solve in place for one right-hand side `b`, given the LU rows `a` and `indexes`."""
    n = len(a)
    first = -1
    for i in range(n):
        p = indexes[i]
        total = b[p]
        b[p] = b[i]
        if first != -1:
            total -= sum(a[i][j] * b[j] for j in range(first, i))
        elif total != 0.0:
            first = i
        b[i] = total
    for i in range(n - 1, -1, -1):
        total = b[i] - sum(a[i][j] * b[j] for j in range(i + 1, n))
        b[i] = total / a[i][i]
    return b


def _float_rows(m):
    return [[float(x) for x in row] for row in m]


def _solve_columns(lu, indexes, columns_of):
    n = len(lu)
    out = [[0.0] * n for _ in range(n)]
    for j in range(n):
        column = lu_solve(lu, indexes, [columns_of[i][j] for i in range(n)])
        for i in range(n):
            out[i][j] = column[i]
    return out


def _identity(n):
    return [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]


@builtin("determinant")
def determinant(m):
    """Determinant of a square `matrix_number`."""
    if type(m) is not MATRICES["number"]:
        raise LispError("Error: We can only compute the determinant of a matrix", "determinant")
    n = _square(m, "determinant", "We can only compute the determinant of a matrix")
    lu = _float_rows(m)
    found = lu_decompose(lu, exact=True)
    if found is None:       # singular
        return 0.0
    return found[1] * math.prod(lu[i][i] for i in range(n))


@builtin("ludcmp")
def ludcmp(m):
    """LU decomposition of a square matrix, in place; returns the row permutation indexes."""
    _square(m, "ludcmp", "solve can only be applied to matrices")
    lu = _float_rows(m)
    found = lu_decompose(lu)
    if found is None:
        return []
    m[:] = _result(m, lu)
    return Integers(found[0])


@builtin("lubksb")
def lubksb(m, indexes, y=None):
    """Solve with an `ludcmp`-decomposed matrix: for the columns of y (identity: the inverse)."""
    if not isinstance(indexes, Integers):
        raise LispError("Error: the second element should be an integers_ (a list of integers)",
                        "lubksb")
    if y is not None and type(y) is not type(m):
        raise LispError("Error: solve can only be applied to matrices of same type", "lubksb")
    n = _square(m, "lubksb", "solve can only be applied to matrices")
    if len(indexes) != n or any(not 0 <= i < n for i in indexes):
        raise LispError("Error: we can only apply 'lubksb' to square matrices with the same "
                        "number of indexes", "lubksb")
    columns = _identity(n) if y is None else _float_rows(y)
    if len(columns) != n:
        raise LispError("Error: we can only apply 'lubksb' to square matrices of the same shape",
                        "lubksb")
    return _result(m, _solve_columns(_float_rows(m), list(indexes), columns))


def _solve(m, y, fname):
    if type(y) is not type(m):
        raise LispError("Error: solve can only be applied to matrices of same type", fname)
    n = _square(m, fname, "solve can only be applied to matrices")
    if len(y) != n or any(len(row) != n for row in y):
        raise LispError("Error: we can only apply 'solve' to square matrices of equal sizes", fname)
    lu = _float_rows(m)
    found = lu_decompose(lu)
    if found is None:
        return []
    return _result(m, _solve_columns(lu, found[0], _float_rows(y)))


@builtin("solve")
def solve(m, y):
    """The matrix X such that m X = y (two square matrices of the same type); () if singular."""
    return _solve(m, y, "solve")


@builtin("⌹", aliases=("invert",))
def invert(m, y=None):
    """Inverse of a square `matrix_number` ((⌹ m y) solves m X = y); () when singular."""
    if type(m) is not MATRICES["number"]:
        raise LispError("Error: 'invert' can only be applied to matrices", "⌹")
    if y is not None:
        return _solve(m, y, "⌹")
    n = _square(m, "⌹", "'invert' can only be applied to matrices")
    lu = _float_rows(m)
    found = lu_decompose(lu)
    if found is None:
        return []
    return _result(m, _solve_columns(lu, found[0], _identity(n)))
