"""Reading containers (spec §9.1): `@` and its aliases, `set@`, `@@`, `car`/`cdr` and their
compositions, `last`, `size`, `in`, `find`, `findall`, `rfind`, `count`.

Core containers (lists, typed lists, linked lists, strings, dictionaries, dotted pairs) are
handled here; any other kind (tensors, class instances) is asked through the container
protocol of `lispe.values` (operations "at", "set_at", "extract", "car", "cdr", "size").
Decisions: `(cdr l)` is nil when l has fewer than two elements; `(@@ c i)` without an end is
the element at i; a string start/end in `@@` searches that substring and the result lies
strictly between the delimiters.  Building and modifying containers is in `lists.py`.
"""

import array
import itertools
import re

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin, lookup, make_entry, name_family
from ..values import Integers, LList, Pair, Strings, TypedArray, protocol
from ._common import OUT_OF_BOUNDS, SEQUENCES, check_index, check_int, type_error
from .compare import equal
from .dictionaries import dict_key
from .matrices import Matrix, Tensor

_INDEXED = (list, str, array.array, LList)


_MISSING = object()


def at_one(c, k):
    """`c[k]` with LispE's rules: negative indexes count from the end, keys are converted."""
    if isinstance(c, _INDEXED):
        try:
            return c[k]
        except IndexError:
            raise LispError(OUT_OF_BOUNDS) from None
        except TypeError:
            if isinstance(k, (int, float)) and not isinstance(k, bool):
                return at_one(c, check_index(k, "@"))
            raise type_error("@", "an integer index", k) from None
    if isinstance(c, dict):
        value = c.get(dict_key(c, k, "@"), _MISSING)
        if value is _MISSING:
            raise LispError(OUT_OF_BOUNDS)
        return value
    fn = protocol("at", c)
    if fn is not None:
        return fn(c, k)
    if isinstance(c, Pair):
        return (c.car, c.cdr)[check_int(k, "@")]
    if c is None or not hasattr(c, "__getitem__"):
        raise LispError("Error: value cannot be access through index", "@")
    try:
        return c[k]
    except (IndexError, KeyError):
        raise LispError(OUT_OF_BOUNDS) from None


@builtin("@", aliases=("at", "nth", "get"))
def at(container, key, *keys):
    """Element at index/key (successive keys go deeper); negative indexes count from the end."""
    if not keys:
        kind = type(container)
        if (kind is dict and type(key) is str) or (kind is list and type(key) is int):
            try:
                return container[key]
            except (KeyError, IndexError):
                raise LispError(OUT_OF_BOUNDS) from None
        return at_one(container, key)
    value = at_one(container, key)
    for k in keys:
        value = at_one(value, k)
    return value


def set_one(c, k, v):
    """Store `v` at index/key `k` of `c` (a list index must exist)."""
    if isinstance(c, (list, LList)):
        try:
            c[check_index(k, "set@")] = v
        except IndexError:
            raise LispError(OUT_OF_BOUNDS) from None
    elif isinstance(c, TypedArray):
        try:
            c[check_index(k, "set@")] = type(c).convert(v)
        except IndexError:
            raise LispError(OUT_OF_BOUNDS) from None
        except (TypeError, ValueError, OverflowError):
            raise type_error("set@", f"a value for {type(c).__name__.lower()}", v) from None
    elif isinstance(c, dict):
        c[dict_key(c, k, "set@")] = v
    elif protocol("set_at", c) is not None:
        protocol("set_at", c)(c, k, v)
    elif isinstance(c, str):
        raise LispError("Error: set@ cannot modify a string (strings are immutable)", "set@")
    else:
        try:
            c[k] = v
        except (TypeError, AttributeError):
            raise type_error("set@", "a modifiable container", c) from None
        except (IndexError, KeyError):
            raise LispError(OUT_OF_BOUNDS) from None


@builtin("set@")
def set_at(container, key, value, *more):
    """`(set@ c k1 ... kn v)`: store v at the position reached by the keys; returns c."""
    if not more:
        kind = type(container)
        if kind is dict and type(key) is str:
            container[key] = value
        else:
            set_one(container, key, value)
        return container
    keys = (key, value, *more)
    target = container
    for k in keys[:-2]:
        target = at_one(target, k)
    set_one(target, keys[-2], keys[-1])
    return container


def _slice(c, begin, end):
    """Elements begin..end-1 of c, in a container of c's kind (a cyclic llist's cdr goes on
    round: the cdr of the cyclic (1 2 3) is the cyclic (2 3 1))."""
    if isinstance(c, LList):
        if c.cyclic and begin == 1 and end is None:
            out = LList(c)
            out.rotate(-1)
            out.cyclic = True
            return out
        return LList(itertools.islice(c, begin, end))
    if isinstance(c, (Matrix, Tensor)):
        return type(c)(c[begin:end])
    return c[begin:end]


@builtin("@@", aliases=("extract",), signature="(@@ container start (end))")
def extract(container, start, *rest):
    """Sub-list or substring [start, end); end <= 0 counts from the end; no end: one element.
    In a string, start and end may be delimiters: `"s"` (excluded), `+ "s"` (kept), `- "s"`
    (its last occurrence), and a final `-` reaches the end."""
    c = container
    bounds = _bounds((start, *rest))
    if isinstance(c, str) and any(kind or isinstance(v, str) for kind, v in bounds):
        return _extract_text(c, bounds)
    if bounds[1:] == [("end", None)]:
        bounds[1] = (None, 0)                       # (@@ l 1 -): up to the end
    if len(bounds) > 2 or any(kind for kind, _ in bounds):
        raise LispError("Error: Wrong number of arguments for: '@@'", "@@")
    end = bounds[1][1] if len(bounds) > 1 else None
    if not isinstance(c, _INDEXED):
        fn = protocol("extract", c)
        if fn is None:
            raise type_error("@@", "a list or a string", c)
        return fn(c, start, end)
    n = len(c)
    begin = check_int(start, "@@", "an integer or a string delimiter")
    if begin < 0:
        begin += n
    if end is None:
        if not 0 <= begin < n:
            raise LispError(OUT_OF_BOUNDS)
        return c[begin]
    if isinstance(end, str) and isinstance(c, str):
        stop = c.find(end, max(begin, 0))
        if stop < 0:
            return ""
    else:
        stop = check_int(end, "@@", "an integer or a string delimiter")
        if stop <= 0:
            stop += n
        stop = min(stop, n)
    if begin < 0 or begin >= n or stop <= begin:
        return _slice(c, 0, 0)
    return _slice(c, begin, stop)


def _bounds(args):
    """The (marker, value) bounds of an extraction: `+` and `-` (which arrive as the
    functions those names denote) mark the delimiter after them; a final `-` is ("end", None)."""
    plus, minus = lookup("+").func, lookup("-").func
    found, i = [], 0
    while i < len(args):
        kind = "+" if args[i] is plus else "-" if args[i] is minus else None
        if kind is None:
            found.append((None, args[i]))
        elif i + 1 < len(args):
            found.append((kind, args[i + 1]))
            i += 1
        else:
            found.append(("end", None))
        i += 1
    return found


def _extract_text(text, bounds):
    """A substring between delimiters, as the original's string extraction computes it."""
    (kind, value), n = bounds[0], len(text)
    kept = -1                       # the length of a start delimiter that is kept
    if isinstance(value, str):
        begin = text.rfind(value) if kind == "-" else text.find(value)
        if begin < 0:
            return ""
        kept = len(value) if kind == "+" else 0
        begin += 0 if kind == "+" else len(value)
    else:
        begin = check_int(value, "@@", "an integer or a string delimiter")
        begin += n if begin < 0 else 0
    if not 0 <= begin < n:
        return ""
    if len(bounds) == 1:
        return text[begin]
    kind, value = bounds[1]
    if kind == "end":
        stop = n
    elif isinstance(value, str):
        stop = text.rfind(value) if kind == "-" else text.find(value, begin + max(kept, 0))
        if stop < 0:
            return ""
        stop += len(value) if kind == "+" else 0
    else:
        stop = check_int(value, "@@", "an integer or a string delimiter")
        stop = stop + begin + kept if kept != -1 and stop > 0 else stop + n if stop <= 0 else stop
    return text[begin:min(stop, n)] if stop > begin else ""


def _cannot(fname, c):
    return LispError(f"Error: You cannot apply '{fname}' to: '{to_string(c)}'", fname)


@builtin("car")
def car(c):
    """First element of a list (nil when empty); first character of a string."""
    if isinstance(c, _INDEXED):
        if len(c):
            return c[0]
        if isinstance(c, str):
            raise LispError("Error: Empty string", "car")
        return None
    if isinstance(c, Pair):
        return c.car
    fn = protocol("car", c)
    if fn is None:
        raise _cannot("car", c)
    return fn(c)


@builtin("cdr")
def cdr(c):
    """The list without its first element (nil when fewer than two elements)."""
    if isinstance(c, _INDEXED):
        return _slice(c, 1, None) if len(c) > 1 else None
    if isinstance(c, Pair):
        return c.cdr
    fn = protocol("cdr", c)
    if fn is None:
        raise _cannot("cdr", c)
    return fn(c)


def _composition(letters):
    steps = [car if letter == "a" else cdr for letter in reversed(letters)]

    def c_r(c):
        if not isinstance(c, (*_INDEXED, Pair)) and protocol("car", c) is None:
            raise _cannot("car' or 'cdr", c)
        for step in steps:
            if c is None:
                raise LispError("Error: No more elements to traverse with 'cad..r'", "cad..r")
            c = step(c)
        return c
    return c_r


def _composition_doc(name):
    return f"Composition of car/cdr: `({name} l)` is " + \
        "".join(f"(c{x}r " for x in name[1:-1]) + "l" + ")" * (len(name) - 2) + "."


for _letters in ("aa", "ad", "da", "dd", "aaa", "aad", "ada", "add", "daa", "dad", "dda", "ddd"):
    _name = f"c{_letters}r"
    builtin(_name, doc=_composition_doc(_name), signature=f"({_name} l)")(_composition(_letters))

# longer compositions (cadddr...) exist too, as in the original's reader
name_family(re.compile("c[ad]{4,}r"), lambda name: make_entry(
    name, _composition(name[1:-1]), doc=_composition_doc(name), signature=f"({name} l)"))


@builtin("last")
def last(c):
    """Last element of a list (nil when empty); last character of a string."""
    if isinstance(c, _INDEXED):
        return c[-1] if len(c) else None
    if protocol("at", c) is not None:
        return at_one(c, -1)
    return None


@builtin("size")
def size(c):
    """Number of elements of a container, characters of a string, entries of a dictionary
    (0 for anything else)."""
    if type(c) is list or type(c) is str:
        return len(c)
    fn = protocol("size", c)
    if fn is not None:
        return fn(c)
    if c is None or isinstance(c, (int, float)) or not hasattr(c, "__len__"):
        return 0
    return len(c)


@builtin("in")
def in_(c, x):
    """True when x is an element of c (a substring of a string; a value of a dictionary)."""
    if isinstance(c, str):
        return (x if isinstance(x, str) else to_string(x)) in c
    if isinstance(c, dict):
        return any(equal(v, x) for v in c.values())
    if not isinstance(c, (*SEQUENCES, set)):
        return False
    try:
        return x in c
    except TypeError:
        return any(equal(v, x) for v in c)


def matcher(c):
    """The element test of find, findall and count: a typed list reads the value its way,
    as `=` does; in a list, a number matches only a number and a string only a string."""
    return equal if isinstance(c, (array.array, Strings)) else element_is


def element_is(e, x):
    if type(e) in (int, float):
        return type(x) in (int, float) and e == x
    if type(e) is str:
        return type(x) is str and e == x
    return equal(e, x)


def _positions(c, x, start=0):
    """Every index of x in c from start on (non-overlapping for substrings; the keys for a
    dictionary); nothing for a value that is not a container."""
    if isinstance(c, str):
        x = x if isinstance(x, str) else to_string(x)
        found, pos = [], c.find(x, start)
        while pos >= 0 and x:
            found.append(pos)
            pos = c.find(x, pos + len(x))
        return found
    if isinstance(c, SEQUENCES):
        same = matcher(c)
        return [i for i, e in enumerate(c) if i >= start and same(e, x)]
    if isinstance(c, dict):
        return [k for k, v in c.items() if equal(v, x)]
    return []


def _start(start, fname):
    return 0 if start is None else check_int(start, fname, "an integer position")


@builtin("find")
def find(c, x, start=None):
    """Index of the first occurrence of x at or after start (the key, for a dictionary), or nil."""
    begin = _start(start, "find")
    if isinstance(c, str):
        pos = c.find(x if isinstance(x, str) else to_string(x), begin)
        return None if pos < 0 else pos
    if isinstance(c, SEQUENCES):
        same = matcher(c)
        for i in range(begin if begin >= 0 else max(0, len(c) + begin), len(c)):
            if same(c[i], x):
                return i
        return None
    found = _positions(c, x)
    return found[0] if found else None


@builtin("findall")
def findall(c, x, start=None):
    """Every index of x in c from start on (every key, for a dictionary)."""
    found = _positions(c, x, _start(start, "findall"))
    return found if isinstance(c, dict) else Integers(found)


@builtin("rfind")
def rfind(c, x, start=None):
    """Index of the last occurrence of x in c (not before start, for a list; starting at most
    start characters before the end, for a string), or nil."""
    begin = _start(start, "rfind")
    if isinstance(c, str):
        pos = c.rfind(x if isinstance(x, str) else to_string(x), 0, len(c) - begin +
                      len(x if isinstance(x, str) else to_string(x)))
        return None if pos < 0 else pos
    found = _positions(c, x, begin)
    return found[-1] if found else None


@builtin("count")
def count(c, x, start=None):
    """Number of occurrences of x in c from start on (non-overlapping substrings)."""
    return len(_positions(c, x, _start(start, "count")))
