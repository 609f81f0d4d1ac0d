"""Functional helpers (spec §9.4): `map`/`mapcar`, `filter`, `take`, `drop`, `takewhile`,
`dropwhile`, `foldl`/`foldr` (and `foldl1`, `foldr1`), `scanl`/`scanr` (and `scanl1`,
`scanr1`), `zip`, `zipwith`, `apply`, and `filterlist`/`takelist`/`droplist`.

Function arguments may be lambdas, defuns, builtins or quoted names (`'+`, `'my-fn`); they go
through `runtime.to_callable`.  A typed list keeps its kind when every result fits it
(`map` over `integers` giving integers), otherwise the result is a plain list.  `foldl` and
`scanl` take `(f list init)` as the spec writes them; `(f init list)` is accepted too when
init is not a container.  `for` is a special form of the compiler.
"""

import itertools

from ..registry import builtin
from ..runtime import to_callable
from ..values import Floats, Integers, LList, Numbers, Shorts, Strings, protocol, truthy
from ._common import SEQUENCES, check_int, type_error

_FITS = {
    Integers: lambda v: type(v) is int,
    Shorts: lambda v: type(v) is int and -32768 <= v < 32768,
    Numbers: lambda v: type(v) is float or type(v) is int,
    Floats: lambda v: type(v) is float or type(v) is int,
    Strings: lambda v: type(v) is str,
}


def _like(source, values):
    """`values` as a container of the kind of `source` when they fit it, else a list."""
    kind = type(source)
    fits = _FITS.get(kind)
    if fits is not None and all(fits(v) for v in values):
        return kind(values)
    if kind is LList:
        return LList(values)
    return values


def elements(c, fname):
    """The elements a functional builtin walks: list items, characters, dictionary keys."""
    if isinstance(c, (SEQUENCES, str)):
        return c
    if isinstance(c, dict):
        return sorted(c)
    if isinstance(c, (set, frozenset)):
        return sorted(c)
    fn = protocol("iter", c)
    if fn is not None:
        return list(fn(c))
    if c is None:
        return []
    if not hasattr(c, "__iter__"):
        raise type_error(fname, "a list", c)
    return list(c)


@builtin("map", aliases=("mapcar",))
def map_(f, c):
    """The list of (f x) for every element x of c."""
    fn = to_callable(f)
    return _like(c, [fn(x) for x in elements(c, "map")])


@builtin("filter", aliases=("filterlist",))
def filter_(predicate, c):
    """The elements x of c for which (predicate x) is true."""
    fn = to_callable(predicate)
    return _like(c, [x for x in elements(c, "filter") if truthy(fn(x))])


def _count_and_list(n, c, fname):
    if isinstance(n, (SEQUENCES, str)) and not isinstance(c, (SEQUENCES, str)):
        n, c = c, n
    return check_int(n, fname), c


def _part(c, begin, end, fname):
    if isinstance(c, LList):
        return LList(itertools.islice(c, begin, end))
    if isinstance(c, (SEQUENCES, str)):
        return c[begin:end]
    return elements(c, fname)[begin:end]


@builtin("take")
def take(n, c):
    """The first n elements of c."""
    n, c = _count_and_list(n, c, "take")
    return _part(c, 0, max(n, 0), "take")


@builtin("drop")
def drop(n, c):
    """c without its first n elements."""
    n, c = _count_and_list(n, c, "drop")
    return _part(c, max(n, 0), None, "drop")


def _prefix_length(fn, c, fname):
    n = 0
    for x in elements(c, fname):
        if not truthy(fn(x)):
            break
        n += 1
    return n


@builtin("takewhile", aliases=("takelist",))
def takewhile(predicate, c):
    """The leading elements of c for which (predicate x) is true."""
    fn = to_callable(predicate)
    return _part(c, 0, _prefix_length(fn, c, "takewhile"), "takewhile")


@builtin("dropwhile", aliases=("droplist",))
def dropwhile(predicate, c):
    """c without its leading elements for which (predicate x) is true."""
    fn = to_callable(predicate)
    return _part(c, _prefix_length(fn, c, "dropwhile"), None, "dropwhile")


def _list_and_init(c, init, fname):
    """Accept (f list init) and, when it is unambiguous, (f init list)."""
    container = (SEQUENCES, str, dict, set)
    if not isinstance(c, container) and isinstance(init, container):
        c, init = init, c
    return elements(c, fname), init


@builtin("foldl")
def foldl(f, c, init):
    """Left fold: (f (f (f init x1) x2) x3)..."""
    fn = to_callable(f)
    values, acc = _list_and_init(c, init, "foldl")
    for x in values:
        acc = fn(acc, x)
    return acc


@builtin("foldr")
def foldr(f, c, init):
    """Right fold: (f x1 (f x2 (f x3 init)))..."""
    fn = to_callable(f)
    values, acc = _list_and_init(c, init, "foldr")
    for x in reversed(values):
        acc = fn(x, acc)
    return acc


def _non_empty(c, fname):
    values = elements(c, fname)
    if not len(values):
        raise type_error(fname, "a non-empty list", c)
    return values


@builtin("foldl1")
def foldl1(f, c):
    """Left fold seeded with the first element."""
    values = _non_empty(c, "foldl1")
    return foldl(f, values[1:], values[0])


@builtin("foldr1")
def foldr1(f, c):
    """Right fold seeded with the last element."""
    values = _non_empty(c, "foldr1")
    return foldr(f, values[:-1], values[-1])


@builtin("scanl")
def scanl(f, c, init):
    """The successive values of a left fold: (init (f init x1) ...)."""
    fn = to_callable(f)
    values, acc = _list_and_init(c, init, "scanl")
    out = [acc]
    for x in values:
        acc = fn(acc, x)
        out.append(acc)
    return out


@builtin("scanr")
def scanr(f, c, init):
    """The successive values of a right fold, last first: (... (f xn init) init)."""
    fn = to_callable(f)
    values, acc = _list_and_init(c, init, "scanr")
    out = [acc]
    for x in reversed(values):
        acc = fn(x, acc)
        out.append(acc)
    out.reverse()
    return out


@builtin("scanl1")
def scanl1(f, c):
    """`scanl` seeded with the first element."""
    values = _non_empty(c, "scanl1")
    return scanl(f, values[1:], values[0])


@builtin("scanr1")
def scanr1(f, c):
    """`scanr` seeded with the last element."""
    values = _non_empty(c, "scanr1")
    return scanr(f, values[:-1], values[-1])


@builtin("zip")
def zip_(first, *rest):
    """The list of lists (x1 y1 ...) (x2 y2 ...) ..., as long as the shortest list."""
    lists = [elements(c, "zip") for c in (first, *rest)]
    return [list(t) for t in zip(*lists)]


@builtin("zipwith")
def zipwith(f, first, *rest):
    """The list of (f x1 y1 ...) (f x2 y2 ...) ..., as long as the shortest list."""
    fn = to_callable(f)
    lists = [elements(c, "zipwith") for c in (first, *rest)]
    return [fn(*t) for t in zip(*lists)]


@builtin("apply")
def apply(f, arguments):
    """Call f with the elements of the list as arguments."""
    fn = to_callable(f)
    return fn(*elements(arguments, "apply"))
