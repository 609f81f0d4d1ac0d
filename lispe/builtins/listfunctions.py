"""The functions of the reference that call any function and type their results:
`maplist` (`mapcar`, `↑↑`, `¨`), `filterlist`, `takelist`, `droplist`, `filtercar`, `takecar`,
`dropcar`, `scanlist`, and `apply`, `zip`, `zipwith`, `over`.

In a quoted call the element goes where `_` is, or at the end (`(maplist '(- 10) l)` computes
`(- 10 x)`, where `map` computes `(- x 10)`).  `maplist` and `zipwith` give a typed list chosen
by their first result (integers, numbers, strings; the later results converted to it), the
`filterlist` family keeps its list's kind (a string gives a string) unless its last argument is
nil, the `*car` forms always give plain lists; comparisons inside them answer 1/0, as in the
reference.  `droplist` drops the elements up to the first one that passes its test.
"""

import array

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin, lookup
from ..values import Floats, Integers, LList, Numbers, Shorts, Strings, truthy
from ._common import SEQUENCES, parse_number
from .functional import any_function, as_list, elements, function_of


# the *list family ---------------------------------------------------------------------------

def bool_as_int(value):
    """Comparisons answer 1/0 inside the *list family (the reference's `true as one`)."""
    if value is True:
        return 1
    if value is False:
        return 0
    return value


def _to_int(v):
    if isinstance(v, str):
        return int(parse_number(v))
    return 0 if v is None else int(v)


def _to_float(v):
    if isinstance(v, str):
        return float(parse_number(v))
    return 0.0 if v is None else float(v)


def _to_text(v):
    return v if isinstance(v, str) else to_string(v)


_TYPED = {int: (Integers, "q", _to_int), float: (Numbers, "d", _to_float),
          str: (Strings, None, _to_text)}


def _typed_results(values):
    """The results of `maplist` as a typed list chosen by the first one: integers, numbers or
    strings (the others converted to it), else a plain list."""
    target = _TYPED.get(type(values[0])) if values else None
    if target is None:
        return values
    cls, code, convert = target
    if not all(type(v) is type(values[0]) for v in values):
        try:
            values = [convert(v) for v in values]
        except (TypeError, ValueError, OverflowError):
            return values
    if code is None:
        return cls(values)
    try:
        return cls.from_array(array.array(code, values))
    except OverflowError:       # integers beyond 64 bits stay in a plain list
        return values


@builtin("maplist", aliases=("↑↑", "¨", "mapcar"))
def maplist(f, c, typed=True):
    """The results of (f x) for every element x of c, as a typed list when the first result's
    type allows (integers, numbers, strings); typed nil: always a plain list."""
    fn = any_function(f)
    values = [bool_as_int(fn(x)) for x in elements(c)]
    return _typed_results(values) if truthy(typed) else values


_KEEPS_KIND = (Integers, Shorts, Numbers, Floats, Strings, LList)


def _like(source, values, typed):
    """`values` in a container of `source`'s kind (a string for a string) when `typed`."""
    if typed and isinstance(source, str):
        return "".join(values)
    if typed and isinstance(source, _KEEPS_KIND):
        return type(source)(values)
    return list(values)


def _selected(f, c, typed, select):
    fn = any_function(f)
    values = list(elements(c))
    tests = (truthy(bool_as_int(fn(x))) for x in values)
    return _like(c, select(values, tests), truthy(typed))


def _where(values, tests):
    return [x for x, t in zip(values, tests) if t]


def _leading(values, tests):
    out = []
    for x, t in zip(values, tests):
        if not t:
            break
        out.append(x)
    return out


def _from_first_true(values, tests):
    for i, t in enumerate(tests):
        if t:
            return values[i:]
    return []


@builtin("filterlist")
def filterlist(f, c, typed=True):
    """The elements x of c for which (f x) is true, in a container of c's kind."""
    return _selected(f, c, typed, _where)


@builtin("takelist")
def takelist(f, c, typed=True):
    """The leading elements x of c for which (f x) is true, in a container of c's kind."""
    return _selected(f, c, typed, _leading)


@builtin("droplist")
def droplist(f, c, typed=True):
    """The elements of c from the first x for which (f x) is true, in a container of c's kind."""
    return _selected(f, c, typed, _from_first_true)


@builtin("filtercar")
def filtercar(f, c):
    """`filterlist` giving a plain list."""
    return _selected(f, c, False, _where)


@builtin("takecar")
def takecar(f, c):
    """`takelist` giving a plain list."""
    return _selected(f, c, False, _leading)


@builtin("dropcar")
def dropcar(f, c):
    """`droplist` giving a plain list."""
    return _selected(f, c, False, _from_first_true)


@builtin("scanlist")
def scanlist(f, c):
    """The first non-nil value of (f x) over the elements x of c, or nil."""
    fn = any_function(f)
    for x in elements(c):
        value = bool_as_int(fn(x))
        if value is not None:
            return value
    return None


# apply, zip, zipwith, over -------------------------------------------------------------------

@builtin("apply")
def apply(f, arguments):
    """Call f with the elements of a list as its arguments."""
    args = as_list(arguments, "apply")
    fn = function_of(f)
    entry = lookup(getattr(fn, "lispe_name", ""))
    if entry is not None and not (entry.min_args <= len(args)
                                  and (entry.max_args is None or len(args) <= entry.max_args)):
        raise LispError(f"Error: wrong number of arguments for: '{entry.name}'")
    return fn(*args)


def _same_size_lists(lists, fname, message):
    for c in lists:
        if not isinstance(c, SEQUENCES):
            raise LispError(f"Error: '{fname}' only accepts lists as arguments")
    if any(len(c) != len(lists[0]) for c in lists):
        raise LispError(message)
    return [list(c) for c in lists]


_ZIP_KINDS = (Integers, Numbers, Floats, Shorts, Strings)


def _zip_kind(lists):
    kinds = {type(c) for c in lists}
    if len(kinds) == 1 and kinds <= set(_ZIP_KINDS):
        return kinds.pop()
    if kinds == {Integers, Numbers}:
        return Numbers
    return list


@builtin("zip")
def zip_(first, second, *rest):
    """The list of lists (x1 y1 ...) (x2 y2 ...) ... of lists of the same size (typed lists of
    one kind give typed lists)."""
    lists = (first, second, *rest)
    values = _same_size_lists(lists, "zip", "Error: Lists should all have the same size in 'zip'")
    kind = _zip_kind(lists)
    return [kind(t) for t in zip(*values)]


@builtin("zipwith")
def zipwith(f, first, second, *rest):
    """The results of (f x1 y1 ...) (f x2 y2 ...) ... over lists of the same size, as a typed
    list when the first result allows."""
    values = _same_size_lists((first, second, *rest), "zipwith",
                              "Error: 'zipwith' only accepts lists of same size as arguments")
    fn = function_of(f)
    return _typed_results([fn(*t) for t in zip(*values)])


@builtin("over")
def over(f, c):
    """Replace the elements of list c with those of (f c), which must be of c's type; gives c."""
    if not isinstance(c, SEQUENCES):
        raise LispError("Error: argument to 'over' should be a list")
    result = function_of(f)(c)
    if type(result) is not type(c):
        raise LispError("Error: The result should be of the same type as the argument")
    values = list(result)
    if isinstance(c, LList):
        c.clear()
        c.extend(values)
    else:
        c[:] = type(c)(values)
    return c
