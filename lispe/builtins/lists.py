"""Building and modifying lists (spec §9.2, §9.3): `list`, `llist`, `cons`, `consb`,
`conspoint`, `to_llist`, the typed lists, `range`, `irange`, `push`/`pop` and friends,
`insert`, `extend`, `nconc`, `clone`, `reverse`, `sort`, `unique`, `flatten`, `slice`,
`swap`, `shift`, `replicate`, `enum`, `cycle`/`repeat`, `link`, and the marks of `mark`.

Mutating builtins modify their argument in place and return it (the compiler copies quoted
constants before they reach us).  `irange` returns a lazy iterable (a Python `range` for
integers); `cycle` and `repeat` return endless iterables that `take`, `drop` and the loops
consume lazily.  An `llist` that `extend` links to itself is cyclic: it iterates once round
and prints with a final `...`.  Every instruction that builds a list checks its size first
(`check_size`), so a huge request fails at once instead of exhausting the memory.
Decisions: `(sort l f)` is accepted as well as `(sort f l)`.  Reading containers is in
`containers.py`, the APL operators in `apl.py`, the functional helpers in `functional.py`.
"""

import array
import copy
import itertools
import math
import os
import sys

from ..errors import LispError
from ..printer import register_printer, to_string
from ..registry import builtin, lookup
from ..runtime import is_lispe_code, mangle, to_callable
from ..values import (Floats, Integers, LList, LispSet, Numbers, Pair, Shorts, Strings,
                      TypedArray, register_type_name, truthy)
from ._common import SEQUENCES, check_int, parse_number, type_error
from .compare import equal
from .dictionaries import dict_key, sorted_keys
from .sets import Heap


def _memory_limit():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 1 << 34


_NOT_GIVEN = object()
MAX_ELEMENTS = _memory_limit() // 16      # a list of more elements could not fit in memory


def check_size(n, fname):
    """`n` when a list of n elements can be built; else a LispError, raised at once."""
    if n > MAX_ELEMENTS:
        raise LispError(f"Error: {fname}: {n} elements would not fit in memory "
                        f"(at most {MAX_ELEMENTS})", fname)
    return n


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


@builtin("consb")
def consb(rest, x):
    """A new list with x added at the end of rest: (consb '(1 2) 3) is (1 2 3)."""
    if rest is None:
        return [x]
    if isinstance(rest, LList):
        return LList((*rest, x))
    if isinstance(rest, (TypedArray, Strings)):
        return typed(type(rest), (rest, [x]))
    if isinstance(rest, list):
        return [*rest, x]
    return Pair(rest, x)


@builtin("conspoint")
def conspoint(first, *rest):
    """A dotted list: (conspoint 1 2) is (1 . 2), (conspoint 1 2 3) is (1 2 . 3)."""
    if not rest:
        return first
    tail = rest[-1]
    for x in reversed((first, *rest[:-1])):
        tail = Pair(x, tail)
    return tail


@builtin("to_llist")
def to_llist(c):
    """A linked list of the elements of a list (of the value itself otherwise)."""
    if isinstance(c, (list, array.array, LList)):
        return LList(c)
    return LList([c])


# typed lists ------------------------------------------------------------------------------

def _flat_into(out, value):
    if isinstance(value, SEQUENCES):
        for v in value:
            _flat_into(out, v)
    elif hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        _flat_into(out, value.tolist())
    else:
        out.append(value)


_INT_BITS = {Integers: 64, Shorts: 16}


def _element(kind, x):
    """x as an element of the typed list `kind` (the reference's conversions)."""
    if kind is Strings:
        return x if isinstance(x, str) else to_string(x)
    if x is None or x is False:
        x = 0
    elif isinstance(x, str):
        x = parse_number(x)
    elif not isinstance(x, (int, float)):
        raise type_error(kind.__name__.lower(), "numbers or strings", x)
    if kind in _INT_BITS:
        half = 1 << (_INT_BITS[kind] - 1)
        x = int(x) if math.isfinite(x) else 0
        return (x + half) % (half << 1) - half     # wraps around like the reference's
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
    return kind([_element(kind, x) for x in values])


def _leaves(c):
    """The typed rows of a matrix or a tensor, in order."""
    for row in c:
        if isinstance(row, TypedArray):
            yield row
        else:
            yield from _leaves(row)


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


def _character_range(start, stop, step, fname):
    """(range "a" "e" 1): the characters from start to stop, both included."""
    if len(start) != 1 or len(stop) != 1 or type(step) is not int:
        raise type_error(fname, "two characters and an integer step", start + stop)
    first, last = ord(start), ord(stop)
    if step == 0 or (last - first) * step < 0:
        return Strings()
    check_size(abs(last - first) // abs(step) + 1, fname)
    return Strings(chr(c) for c in range(first, last + (1 if step > 0 else -1), step))


def _progression(start, stop, step, fname, inclusive):
    """The values of range/rangein; a step going away from stop is turned round."""
    if isinstance(start, str) and isinstance(stop, str):
        return _character_range(start, stop, step, fname)
    for v in (start, stop, step):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise type_error(fname, "numbers", v)
    if step == 0:
        return Integers()
    if start > stop and step > 0 and not inclusive:
        step = -step
    span = (stop - start) / step
    if not math.isfinite(span) or span + 1 > MAX_ELEMENTS:
        raise LispError("Error: Exceeding range", fname)
    if type(start) is int and type(stop) is int and type(step) is int:
        end = stop + (1 if step > 0 else -1) if inclusive else stop
        try:
            return Integers.from_array(array.array("q", range(start, end, step)))
        except OverflowError:       # beyond 64 bits: a plain list of (unbounded) integers
            return list(range(start, end, step))
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
    """`v` converted to the element type of typed list `c` (integers wrap around) or of set
    `c`; a container cannot go into a set."""
    if isinstance(c, TypedArray):
        return _element(type(c), v)
    convert = getattr(type(c), "convert", None)
    try:
        v = v if convert is None else convert(v)
        hash(v)
    except (TypeError, ValueError, OverflowError):
        raise type_error(fname, f"an element for {type(c).__name__.lower()}", v) from None
    return v


def _refuse(fname, c):
    if c is None or isinstance(c, (int, float, dict)):
        return LispError("Error: cannot push in this kind of elements", fname)
    return type_error(fname, "a list", c)


def _push_one(c, v, front, fname):
    """Add v to c at its front or its end (a set: into it); returns c (a new string)."""
    if isinstance(c, str):
        v = v if isinstance(v, str) else to_string(v)
        return v + c if front else c + v
    if isinstance(c, Strings):
        v = v if isinstance(v, str) else to_string(v)
    elif isinstance(c, TypedArray):
        v = _convert_for(c, v, fname)
    elif isinstance(c, LispSet):
        c.add(_convert_for(c, v, fname))
        return c
    elif isinstance(c, Heap):
        return c.add(v)
    elif not isinstance(c, (list, LList)):
        raise _refuse(fname, c)
    if not front:
        c.append(v)
    elif isinstance(c, LList):
        c.appendleft(v)
    else:
        c.insert(0, v)
    return c


@builtin("push")
def push(c, v, *more):
    """Add the values at the end of a list (at the front of an llist; into a set); returns it."""
    if type(c) is list and not more:   # the common case, kept short
        c.append(v)
        return c
    front = isinstance(c, LList)
    for x in (v, *more):
        c = _push_one(c, x, front, "push")
    return c


@builtin("pushlast")
def pushlast(c, v, *more):
    """Add the values at the end of a list or an llist; returns the list."""
    for x in (v, *more):
        c = _push_one(c, x, False, "pushlast")
    return c


@builtin("pushfirst")
def pushfirst(c, v, *more):
    """Add the values, one after the other, at the front of a list; returns the list."""
    for x in (v, *more):
        c = _push_one(c, x, True, "pushfirst")
    return c


@builtin("pushtrue")
def pushtrue(c, v, *more):
    """`push` of the values that are not nil, false or an empty list; returns the list.

    0, "" and {} are pushed, as in the original."""
    front = isinstance(c, LList)
    for x in (v, *more):
        if not (x is None or x is False or (isinstance(x, (list, TypedArray)) and not len(x))):
            c = _push_one(c, x, front, "pushtrue")
    return c


@builtin("insert")
def insert(c, v, index=None):
    """Insert v before position index (at the end by default); a string gives a new string."""
    if index is None:
        i = len(c) if isinstance(c, (str, list, array.array, LList)) else 0
    else:
        i = check_int(index, "insert", "an integer index")
        if i < 0:
            raise LispError("Error: Wrong index in 'insert'", "insert")
        i = min(i, len(c)) if hasattr(c, "__len__") else i
    if isinstance(c, str):
        return c[:i] + (v if isinstance(v, str) else to_string(v)) + c[i:]
    if isinstance(c, Strings):
        v = v if isinstance(v, str) else to_string(v)
    elif isinstance(c, TypedArray):
        v = _convert_for(c, v, "insert")
    elif isinstance(c, (LispSet, Heap)):
        return _push_one(c, v, False, "insert")
    elif not isinstance(c, (list, LList)):
        raise _refuse("insert", c)
    c.insert(i, v)
    return c


@builtin("extend")
def extend(c, values):
    """Append the elements of values (a single value: itself) to the list c; returns c.

    `(extend l l)` on an llist links its end to its start: the llist becomes cyclic."""
    if isinstance(c, LList) and values is c:
        c.cyclic = True
        return c
    if isinstance(values, str) or not isinstance(values, (SEQUENCES, set, range, IRange)):
        values = [values]
    if isinstance(c, (Strings, TypedArray)):
        c.extend(typed(type(c), (list(values),)))
    elif isinstance(c, (list, LList)):
        c.extend(values)
    else:
        raise LispError("Error: missing list in 'extend'", "extend")
    return c


def _concatenated(fname, lists):
    """The first list and the elements of the other arguments (values are appended)."""
    if not lists:
        return None, []
    first = lists[0]
    if not isinstance(first, (list, array.array, LList)):
        raise LispError("Error: first element is not a list", fname)
    tail = []
    for x in lists[1:]:
        if isinstance(x, (list, array.array, LList)):
            tail.extend(x)
        elif x is not None:
            tail.append(x)
    return first, tail


@builtin("nconc")
def nconc(*lists):
    """Concatenate the lists (values are appended) into the first one, which is returned."""
    first, tail = _concatenated("nconc", lists)
    if first is None:
        return []
    return extend(first, tail) if tail else first


@builtin("nconcn")
def nconcn(*lists):
    """A new list: the concatenation of the lists (values are appended); nothing is modified."""
    first, tail = _concatenated("nconcn", lists)
    if first is None:
        return []
    out = clone_value(first)
    return extend(out, tail) if tail else out


def _pop_index(c, index):
    if isinstance(c, LList):
        del c[index]
    else:
        c.pop(index)


@builtin("pop")
def pop(c, key=None):
    """Remove the last element (llist: the first), or the one at index/key; returns c or nil."""
    if isinstance(c, str):
        if not c:
            return c
        i = len(c) - 1 if key is None else check_int(key, "pop") % len(c)
        return c[:i] + c[i + 1:]
    if isinstance(c, dict):
        k = dict_key(c, key, "pop")
        if k not in c:
            return None
        del c[k]
        return c
    if isinstance(c, LispSet):
        try:
            c.discard(key)
        except TypeError:       # a container is never in a set
            pass
        return c
    if not isinstance(c, SEQUENCES):
        raise _refuse("pop", c)
    if not c:
        return None
    if key is None:
        c.popleft() if isinstance(c, LList) else c.pop()
        return c
    i = check_int(key, "pop", "an integer index")
    if not -len(c) <= i < len(c):
        return None
    _pop_index(c, i)
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
    """A new flat list of every element of c and of its nested lists (a typed list: a copy;
    a dictionary: its keys and values)."""
    if isinstance(c, TypedArray):
        return c[:]
    if getattr(c, "row_kind", None) in (Numbers, Floats):     # a matrix or tensor of numbers
        return c.row_kind(x for row in _leaves(c) for x in row)
    if isinstance(c, dict):
        c = [x for k in sorted_keys(c) for x in (k, c[k])]
    out = []
    _flat_into(out, c)
    return out




# list instructions ---------------------------------------------------------------------------

def _sequence(c, fname, what="a list"):
    if not isinstance(c, (list, array.array, LList)):
        raise type_error(fname, what, c)
    return c


@builtin("slice", aliases=("cutlist",))
def slice_(c, n):
    """c cut in consecutive pieces of n elements: (slice '(1 2 3 4 5) 2) is ((1 2) (3 4) (5))."""
    size = check_int(n, "slice", "a positive size")
    if size <= 0:
        raise LispError("Error: slice expects a positive size", "slice")
    if isinstance(c, str):
        return Strings(c[i:i + size] for i in range(0, len(c), size))
    if not isinstance(c, (list, array.array, LList)):
        return []
    items = list(c)
    return [items[i:i + size] for i in range(0, len(items), size)]


@builtin("swap")
def swap(c, i, j=None):
    """Exchange the elements at i and j (j defaults to i + 1) of a list, in place; returns it."""
    first = check_int(i, "swap", "an integer index")
    second = first + 1 if j is None else check_int(j, "swap", "an integer index")
    if not isinstance(c, (list, array.array)):
        raise LispError("Error: cannot swap in this element", "swap")
    if first < 0 or second >= len(c) or second < 0:
        raise LispError("Error: cannot swap values in this list", "swap")
    c[first], c[second] = c[second], c[first]
    return c


@builtin("shift")
def shift(f, c, n=1):
    """(f l[:-n] l[n:]): f applied to the list and to itself shifted by n (negative n: the
    arguments swap): (shift '- '(1 3 6 10)) is (-2 -3 -4)."""
    fn = to_callable(f)
    step = check_int(n, "shift", "an integer shift")
    items = _sequence(c, "shift")
    right, step = step < 0, abs(step)
    if len(items) <= step:
        return None
    values = list(items) if isinstance(items, LList) else items
    head, tail = values[:len(values) - step], values[step:]
    result = fn(tail, head) if right else fn(head, tail)
    return LList(result) if isinstance(items, LList) and isinstance(result, list) else result


@builtin("replicate")
def replicate(n, value):
    """A list of n copies of value: (replicate 3 "a") is ("a" "a" "a")."""
    count = check_size(max(check_int(n, "replicate", "an integer count"), 0), "replicate")
    return [clone_value(value) for _ in range(count)]


@builtin("enum")
def enum(c, start=0):
    """The list of (index element) pairs of c, indexes counted from start (default 0)."""
    first = check_int(start, "enum", "an integer start")
    if isinstance(c, dict):
        c = sorted_keys(c)
    elif not isinstance(c, (str, list, array.array, LList)):
        return []
    return [[first + i, x] for i, x in enumerate(c)]


class Endless:
    """What `cycle` and `repeat` give: an endless iterable, for `take`, `drop` and loops."""

    __slots__ = ("source", "cycled")

    def __init__(self, source, cycled):
        self.source, self.cycled = source, cycled

    def __iter__(self):
        if self.cycled:
            return itertools.cycle(self.source)
        return itertools.repeat(self.source)

    def __repr__(self):
        name = "cycle" if self.cycled else "repeat"
        return f"({name} {to_string(self.source, True)})"


register_printer(Endless, repr)
register_type_name(Endless, "list_")


@builtin("cycle")
def cycle(c):
    """The elements of c repeated endlessly, for `take`, `drop` or a loop with `break`."""
    items = list(_sequence(c, "cycle")) if not isinstance(c, str) else list(c)
    if not items:
        return []
    return Endless(items, True)


@builtin("repeat")
def repeat(value):
    """value repeated endlessly, for `take`, `drop` or a loop with `break`."""
    return Endless(value, False)


def _caller_globals():
    frame = sys._getframe(2)
    while frame is not None and not is_lispe_code(frame.f_code):
        frame = frame.f_back
    return None if frame is None else frame.f_globals


@builtin("link")
def link(name, atom):
    """(link "name" 'atom): name becomes another name for the function or value of atom."""
    if not isinstance(atom, str):
        raise LispError("Error: the second argument must be an atom", "link")
    target = _caller_globals()
    if target is None:
        raise LispError("Error: link must be called from LispE code", "link")
    value = target.get(mangle(str(atom)))
    if value is None:
        entry = lookup(str(atom))
        if entry is None or entry.special:
            raise LispError(f"Error: link cannot give a second name to '{atom}'", "link")
        value = entry.func
    target[mangle(name if isinstance(name, str) else to_string(name))] = value
    return True


_MARKS = {}     # id(container) -> (container, mark): the marks of `mark`


@builtin("mark")
def mark(c, value=None):
    """(mark c): the mark of a list or dictionary (nil when none); (mark c v) sets it."""
    if value is None:
        kept = _MARKS.get(id(c))
        return kept is not None and kept[0] is c and kept[1]
    if isinstance(c, (list, dict)):
        _MARKS[id(c)] = (c, truthy(value))
    return True


@builtin("resetmark")
def resetmark(c):
    """Clear the marks of c and of the containers it holds."""
    stack, seen = [c], set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        _MARKS.pop(id(x), None)
        if isinstance(x, (list, dict, LList)):
            stack.extend(x.values() if isinstance(x, dict) else x)
    return True


@builtin("cyclicp", aliases=("cyclic?",))
def cyclicp(c):
    """True for an llist whose end is linked back to its start (see `extend`)."""
    return isinstance(c, LList) and c.cyclic



@builtin("takenb", signature="(takenb n l (from_end))")
def takenb(n, c, from_end=_NOT_GIVEN):
    """The first n elements of a list (the last ones when n is negative or a third argument
    is given), in a list of the same kind."""
    count = check_int(n, "takenb", "an integer count")
    if not isinstance(c, (list, array.array, LList)):
        raise LispError("Error: Expecting a list as second element", "takenb")
    backward = from_end is not _NOT_GIVEN
    if count < 0:
        if backward:
            raise LispError("Error: wrong value for first argument", "takenb")
        count, backward = -count, True
    items = list(c) if isinstance(c, LList) else c
    taken = items[max(len(items) - count, 0):] if backward else items[:count]
    return LList(taken) if isinstance(c, LList) else taken
