"""Building and modifying lists (spec §9.2, §9.3): `list`, `llist`, `cons`, the typed lists,
`iota`, `range`, `irange`, `push`/`pop` and friends, `insert`, `extend`, `clone`, `reverse`,
`sort`, `unique`, `flatten`, `rotate`, `shuffle`, and the APL-style `rho` and `transpose`.

Mutating builtins modify their argument in place and return it (the compiler copies quoted
constants before they reach us).  `irange` returns a lazy iterable (a Python `range` for
integers).  Decisions: `(rotate l n)` moves the last n elements to the front; `(sort l f)` is
accepted as well as `(sort f l)`; `rho` builds nested lists, not the original's matrix kinds.
Reading containers is in `containers.py`, the functional helpers in `functional.py`.
"""

import array
import copy
import itertools
import math
import random

from ..errors import LispError
from ..printer import register_printer, to_string
from ..registry import builtin, lookup
from ..runtime import to_callable
from ..values import (Floats, Integers, LList, LispSet, Numbers, Pair, Shorts, Strings,
                      TypedArray, register_type_name, truthy)
from ._common import OUT_OF_BOUNDS, SEQUENCES, check_int, parse_number, type_error
from .compare import equal
from .containers import dict_key


@builtin("list")
def list_(*elements):
    """A new list of the arguments."""
    return list(elements)


@builtin("llist")
def llist(*elements):
    """A new linked list of the arguments (`push` adds at its front)."""
    return LList(elements)


@builtin("cons")
def cons(x, rest):
    """A new list with x in front of rest; a dotted pair (x . rest) when rest is not a list."""
    if rest is None:
        return [x]
    if type(rest) is list:
        return [x, *rest]
    if isinstance(rest, LList):
        return LList((x, *rest))
    if isinstance(rest, (TypedArray, Strings)):
        try:
            return typed(type(rest), (x, rest))
        except LispError:
            return [x, *rest]
    if isinstance(rest, list):
        return [x, *rest]
    return Pair(x, rest)


# typed lists ------------------------------------------------------------------------------

def _flat_into(out, value):
    if isinstance(value, SEQUENCES):
        for v in value:
            _flat_into(out, v)
    elif hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        _flat_into(out, value.tolist())
    else:
        out.append(value)


def _element(kind, x):
    if isinstance(x, str) and kind is not Strings:
        x = parse_number(x)
    if kind is Strings:
        return x if isinstance(x, str) else to_string(x)
    if kind in (Integers, Shorts):
        return int(x) if math.isfinite(x) else 0
    return float(x)


def typed(kind, args):
    """A typed list of `kind` from the arguments; nested containers are flattened."""
    values = []
    for a in args:
        if isinstance(a, array.array) and a.typecode == getattr(kind, "typecode_", None):
            values.extend(a)
        else:
            _flat_into(values, a)
    if kind is not Strings:
        try:
            return kind.from_array(array.array(kind.typecode_, values))
        except (TypeError, OverflowError):
            pass
    name = kind.__name__.lower()
    try:
        return kind([_element(kind, x) for x in values])
    except OverflowError:
        raise LispError(f"Error: {name}: a value is out of range", name) from None
    except (TypeError, ValueError):
        bad = next(x for x in values if not isinstance(x, (int, float, str)))
        raise type_error(name, "numbers or strings", bad) from None


def _typed_constructor(kind, name, what):
    def make(*elements):
        return typed(kind, elements)
    builtin(name, doc=f"A new `{name}` list ({what}); list arguments are flattened.",
            signature=f"({name} e...)")(make)


for _kind, _name, _what in ((Integers, "integers", "64-bit integers"),
                            (Numbers, "numbers", "64-bit floats"),
                            (Floats, "floats", "32-bit floats"),
                            (Shorts, "shorts", "16-bit integers"),
                            (Strings, "strings", "strings")):
    _typed_constructor(_kind, _name, _what)


@builtin("iota")
def iota(n):
    """(1 2 ... n) as integers (as numbers when n is a float)."""
    if isinstance(n, float):
        return Numbers(range(1, math.floor(n) + 1))
    return Integers.from_array(array.array("q", range(1, check_int(n, "iota") + 1)))


@builtin("iota0")
def iota0(n):
    """(0 1 ... n-1) as integers (as numbers when n is a float)."""
    if isinstance(n, float):
        return Numbers(range(math.ceil(n)))
    return Integers.from_array(array.array("q", range(check_int(n, "iota0"))))


def _progression(start, stop, step, fname, inclusive):
    for v in (start, stop, step):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise type_error(fname, "numbers", v)
    if step == 0:
        raise LispError(f"Error: {fname}: the step cannot be 0", fname)
    if type(start) is int and type(stop) is int and type(step) is int:
        end = stop + (1 if step > 0 else -1) if inclusive else stop
        return Integers.from_array(array.array("q", range(start, end, step)))
    slack = abs(step) * 1e-9 if inclusive else 0.0
    values, i = [], 0
    while True:
        v = start + i * step
        if (v > stop + slack if step > 0 else v < stop - slack) or (v == stop and not inclusive):
            return Numbers(values)
        values.append(v)
        i += 1


@builtin("range")
def range_(start, stop, step):
    """Values start, start+step, ... strictly before stop: integers, or numbers for floats."""
    return _progression(start, stop, step, "range", False)


@builtin("rangein")
def rangein(start, stop, step):
    """Like `range`, but stop is included when reached."""
    return _progression(start, stop, step, "rangein", True)


class IRange:
    """A lazy arithmetic progression of floats, or an endless one (stop is None)."""

    __slots__ = ("start", "stop", "step", "inclusive")

    def __init__(self, start, stop, step, inclusive):
        self.start, self.stop, self.step, self.inclusive = start, stop, step, inclusive

    def __iter__(self):
        if self.stop is None:
            return itertools.count(self.start, self.step)
        return iter(_progression(self.start, self.stop, self.step, "irange", self.inclusive))

    def __repr__(self):
        stop = "" if self.stop is None else f" {to_string(self.stop)}"
        name = "irangein" if self.inclusive else "irange"
        return f"({name} {to_string(self.start)}{stop} {to_string(self.step)})"


def _irange(fname, inclusive, start, stop_or_step, step):
    stop, step = (None, stop_or_step) if step is None else (stop_or_step, step)
    for v in (start, stop, step):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise type_error(fname, "numbers", v)
    if step == 0:
        raise LispError(f"Error: {fname}: the step cannot be 0", fname)
    if stop is not None and type(start) is int and type(stop) is int and type(step) is int:
        end = stop + (1 if step > 0 else -1) if inclusive else stop
        return range(start, end, step)
    return IRange(start, stop, step, inclusive)


@builtin("irange")
def irange(start, stop_or_step, step=None):
    """Lazy range for `loop`: (irange from to step), or endless (irange from step)."""
    return _irange("irange", False, start, stop_or_step, step)


@builtin("irangein")
def irangein(start, stop_or_step, step=None):
    """Lazy range like `irange`, stop included."""
    return _irange("irangein", True, start, stop_or_step, step)


def _range_text(r):
    return f"(irange {r.start} {r.stop} {r.step})"


register_printer(range, _range_text)
register_printer(IRange, repr)
register_type_name(range, "irange_")
register_type_name(IRange, "irange_")


# mutation ----------------------------------------------------------------------------------

def _convert_for(c, v, fname):
    """`v` converted to the element type of typed list/set `c`."""
    try:
        return type(c).convert(v)
    except (TypeError, ValueError, OverflowError):
        raise type_error(fname, f"an element for {type(c).__name__.lower()}", v) from None


def _refuse(fname, c):
    if isinstance(c, str):
        return LispError(f"Error: {fname} cannot modify a string (strings are immutable)", fname)
    return type_error(fname, "a list", c)


@builtin("push")
def push(c, v):
    """Add v at the end of a list (at the front of an llist; into a set); returns the list."""
    if type(c) is list:
        c.append(v)
    elif isinstance(c, LList):
        c.appendleft(v)
    elif isinstance(c, Strings):
        c.append(v if isinstance(v, str) else to_string(v))
    elif isinstance(c, TypedArray):
        c.append(_convert_for(c, v, "push"))
    elif isinstance(c, list):
        c.append(v)
    elif isinstance(c, LispSet):
        c.add(_convert_for(c, v, "push") if hasattr(type(c), "convert") else v)
    else:
        raise _refuse("push", c)
    return c


@builtin("pushlast")
def pushlast(c, v):
    """Add v at the end of a list or llist; returns the list."""
    if isinstance(c, LList):
        c.append(v)
        return c
    return push(c, v)


@builtin("pushfirst")
def pushfirst(c, v):
    """Add v at the front of a list; returns the list."""
    return insert(c, v, 0)


@builtin("insert")
def insert(c, v, index):
    """Insert v before position index (a string gives a new string); returns the list."""
    i = check_int(index, "insert", "an integer index")
    if isinstance(c, str):
        return c[:i] + (v if isinstance(v, str) else to_string(v)) + c[i:]
    if isinstance(c, Strings):
        v = v if isinstance(v, str) else to_string(v)
    elif isinstance(c, TypedArray):
        v = _convert_for(c, v, "insert")
    elif not isinstance(c, (list, LList)):
        raise _refuse("insert", c)
    c.insert(i, v)
    return c


@builtin("extend")
def extend(c, values):
    """Append every element of values to the list c; returns c."""
    if not isinstance(values, (SEQUENCES, set, range, IRange)) or isinstance(values, str):
        raise type_error("extend", "a container to append", values)
    if isinstance(c, (Strings, TypedArray)):
        c.extend(typed(type(c), (list(values),)))
    elif isinstance(c, (list, LList)):
        c.extend(values)
    else:
        raise _refuse("extend", c)
    return c


def _pop_index(c, index):
    try:
        if isinstance(c, LList):
            del c[index]
        else:
            c.pop(index)
    except IndexError:
        raise LispError(OUT_OF_BOUNDS) from None


@builtin("pop")
def pop(c, key=None):
    """Remove the last element (llist: the first), or the one at index/key; returns c or nil."""
    if isinstance(c, str):
        if not c:
            return c
        i = len(c) - 1 if key is None else check_int(key, "pop") % len(c)
        return c[:i] + c[i + 1:]
    if isinstance(c, dict):
        if key is None:
            raise type_error("pop", "a key to remove from a dictionary", key)
        k = dict_key(c, key)
        if k not in c:
            return None
        del c[k]
        return c
    if isinstance(c, LispSet):
        c.discard(key)
        return c
    if not isinstance(c, SEQUENCES):
        raise _refuse("pop", c)
    if not c:
        return None
    if key is None:
        c.popleft() if isinstance(c, LList) else c.pop()
    else:
        _pop_index(c, check_int(key, "pop", "an integer index"))
    return c


@builtin("popfirst")
def popfirst(c):
    """Remove the first element; returns the list (nil if it was empty)."""
    if isinstance(c, str):
        return c[1:]
    if not isinstance(c, SEQUENCES):
        raise _refuse("popfirst", c)
    if not c:
        return None
    _pop_index(c, 0)
    return c


@builtin("poplast")
def poplast(c):
    """Remove the last element; returns the list (nil if it was empty)."""
    if isinstance(c, str):
        return c[:-1]
    if not isinstance(c, SEQUENCES):
        raise _refuse("poplast", c)
    if not c:
        return None
    c.pop()
    return c


# copies and reorderings --------------------------------------------------------------------

def clone_value(v):
    """A deep copy of a LispE value (tensors are cloned; functions are shared)."""
    t = type(v)
    if t is int or t is float or t is str or v is None or t is bool:
        return v
    if t is list:
        return [clone_value(x) for x in v]
    if isinstance(v, TypedArray):
        return copy.copy(v)
    if isinstance(v, (list, LList)):
        return type(v)(clone_value(x) for x in v)
    if isinstance(v, dict):
        out = type(v)()
        for k, x in v.items():
            out[k] = clone_value(x)
        return out
    if isinstance(v, set):
        return type(v)(v)
    if isinstance(v, Pair):
        return Pair(clone_value(v.car), clone_value(v.cdr))
    if callable(v) and not hasattr(v, "state_dict"):
        return v
    if callable(getattr(v, "clone", None)):
        return v.clone()
    return copy.deepcopy(v)


@builtin("clone")
def clone(c):
    """A deep copy of a container."""
    return clone_value(c)


@builtin("reverse")
def reverse(c, keep=None):
    """Reverse a list in place and return it; `(reverse l true)` returns a reversed copy."""
    if isinstance(c, str):
        return c[::-1]
    if isinstance(c, LList):
        if truthy(keep):
            return LList(reversed(c))
        c.reverse()
        return c
    if not isinstance(c, (list, array.array)):
        raise type_error("reverse", "a list or a string", c)
    if truthy(keep):
        return c[::-1]
    c.reverse()
    return c


def _less_than(fn):
    """A sort key class whose `<` asks the LispE comparator."""
    class Key:
        __slots__ = ("value",)

        def __init__(self, value):
            self.value = value

        def __lt__(self, other):
            return truthy(fn(self.value, other.value))
    return Key


def _sorted(fn, values):
    if fn is lookup("<").func:
        return sorted(values)
    if fn is lookup(">").func:
        return sorted(values, reverse=True)
    return sorted(values, key=_less_than(fn))


@builtin("sort")
def sort(comparator, c):
    """Sort the list c in place with a strict comparator (`'<`, `'>`, a lambda); returns c."""
    if isinstance(comparator, SEQUENCES) and not isinstance(c, SEQUENCES):
        comparator, c = c, comparator
    fn = to_callable(comparator)
    if not isinstance(c, SEQUENCES):
        raise type_error("sort", "a list", c)
    if len(c) and truthy(fn(c[0], c[0])):
        raise LispError("Error: The comparison must be strict for a 'sort': (comp a a) must "
                        "return 'nil'.", "sort")
    try:
        values = _sorted(fn, c)
    except TypeError:
        raise LispError("Error: sort cannot compare these elements", "sort") from None
    if type(c) is list:
        c[:] = values
    elif isinstance(c, TypedArray):
        c[:] = type(c)(values)
    else:
        c.clear()
        c.extend(values)
    return c


@builtin("unique")
def unique(c):
    """A new list without duplicates, first occurrences kept in order."""
    if not isinstance(c, SEQUENCES):
        raise type_error("unique", "a list", c)
    try:
        values = list(dict.fromkeys(c))
    except TypeError:
        values = []
        for x in c:
            if not any(equal(x, y) for y in values):
                values.append(x)
    return type(c)(values) if isinstance(c, (TypedArray, Strings, LList)) else values


@builtin("flatten")
def flatten(c):
    """A new flat list of every element of c and of its nested lists."""
    out = []
    _flat_into(out, c)
    return out


@builtin("rotate")
def rotate(c, n=None):
    """A copy of c rotated right by n positions (default 1): (rotate '(1 2 3)) is (3 1 2)."""
    shift = 1 if n is None else check_int(n, "rotate")
    if not isinstance(c, (SEQUENCES, str)):
        raise type_error("rotate", "a list or a string", c)
    if not len(c):
        return c[:] if not isinstance(c, LList) else LList()
    if isinstance(c, LList):
        out = LList(c)
        out.rotate(shift)
        return out
    shift %= len(c)
    out = c[-shift:] + c[:-shift] if shift else c[:]
    return type(c).from_array(out) if isinstance(c, TypedArray) else type(c)(out)


@builtin("shuffle")
def shuffle(c):
    """Shuffle a list in place (uniformly at random); returns it."""
    if not isinstance(c, SEQUENCES):
        raise type_error("shuffle", "a list", c)
    random.shuffle(c)
    return c


# APL-style -----------------------------------------------------------------------------------

def _shape(c):
    dims = []
    while isinstance(c, SEQUENCES):
        dims.append(len(c))
        if not len(c):
            break
        c = c[0]
    return dims


def _reshape(values, dims, like):
    if len(dims) == 1:
        row = values[:dims[0]]
        return type(like)(row) if isinstance(like, (TypedArray, Strings)) else row
    step = math.prod(dims[1:])
    return [_reshape(values[i * step:(i + 1) * step], dims[1:], like) for i in range(dims[0])]


@builtin("rho")
def rho(first, *rest):
    """(rho l): the dimensions of l; (rho d1 ... dk data): data reshaped, cycled to fill."""
    if not rest:
        return Integers(_shape(first))
    *dims, data = (first, *rest)
    dims = [check_int(d, "rho", "integer dimensions") for d in dims]
    values = []
    _flat_into(values, data)
    if not values:
        raise type_error("rho", "a non-empty list of values", data)
    total = math.prod(dims)
    cycled = list(itertools.islice(itertools.cycle(values), total))
    return _reshape(cycled, dims, data if isinstance(data, (TypedArray, Strings)) else [])


@builtin("transpose")
def transpose(m):
    """Transposed matrix: rows become columns (a list of lists, or a 2-D tensor/array)."""
    if isinstance(m, SEQUENCES):
        if not len(m) or not all(isinstance(r, SEQUENCES) for r in m):
            raise type_error("transpose", "a matrix (a list of lists)", m)
        width = min(len(r) for r in m)
        return [_reshape([r[i] for r in m], [len(m)], m[0]) for i in range(width)]
    if getattr(m, "ndim", None) == 2:
        return m.T
    raise type_error("transpose", "a matrix", m)
