"""LispE's printed forms, in one place.

`to_string(v)` is the top-level form (strings raw), `to_string(v, nested=True)` the form
inside a container (strings quoted).  Libraries give their own objects a printed form with
`register_printer(kind, fn)`, where `kind` is a Python class or a predicate and `fn(value)`
returns the text.
"""

import array
import collections.abc
import math
import threading

from .values import Symbol, Pair, LispSet, LList

_CLASS_PRINTERS = {}   # class -> fn
_PRINTERS = []         # (predicate, fn)
_printing = threading.local()   # per thread: the ids of the lists being printed


def register_printer(kind, fn):
    """Print values of `kind` (a class, or a predicate on the value) with `fn(value) -> str`."""
    if isinstance(kind, type):
        _CLASS_PRINTERS[kind] = fn
    else:
        _PRINTERS.append((kind, fn))


def format_number(x):
    """A float as C's `%g` prints it: `2.0` -> `2`, `1e-06`, `nan`, `inf`."""
    if math.isnan(x):
        return "nan"
    return "%g" % x


def quote_string(s):
    """A string as it appears inside a container: double-quoted, with its backslashes and
    double quotes escaped (other characters, newlines included, print as they are)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key_text(k):
    return quote_string(k) if isinstance(k, str) else to_string(k, True)


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def _custom(value):
    for kind in type(value).__mro__:     # the most specific registered class wins
        fn = _CLASS_PRINTERS.get(kind)
        if fn is not None:
            return fn(value)
    for predicate, fn in _PRINTERS:
        if predicate(value):
            return fn(value)
    return None


def _list_text(value):
    """A list's printed form; a list met again inside itself prints as `...`, as in the
    original (`(push a b) (push b a)` makes `a` print as `(1 2 3 (10 20 30 ...))`)."""
    active = getattr(_printing, "lists", None)
    if active is None:
        active = _printing.lists = set()
    key = id(value)
    if key in active:
        return "..."
    active.add(key)
    try:
        return "(" + " ".join(to_string(x, True) for x in value) + ")"
    finally:
        active.discard(key)


def to_string(value, nested=False):
    """The printed form of any LispE value."""
    if value is None or value is False:
        return "nil"
    if value is True:
        return "true"
    t = type(value)
    if t is int:
        return str(value)
    if t is float:
        return format_number(value)
    if t is Symbol:
        return str(value)
    if t is str:
        return quote_string(value) if nested else value
    if isinstance(value, array.array):
        return "(" + " ".join(to_string(x, True) for x in value) + ")"
    if isinstance(value, (list, LList)):
        return _list_text(value)
    if isinstance(value, dict):
        keys = _sorted_keys(value)
        return "{" + " ".join(f"{_key_text(k)}:{to_string(value[k], True)}" for k in keys) + "}"
    if isinstance(value, LispSet):
        return "{" + " ".join(to_string(x, True) for x in _sorted_keys(value)) + "}"
    if isinstance(value, Pair):
        return f"({to_string(value.car, True)} . {to_string(value.cdr, True)})"
    if isinstance(value, str):
        return quote_string(value) if nested else str(value)
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, int):
        return str(int(value))
    custom = _custom(value)
    if custom is not None:
        return custom
    source = getattr(value, "lispe_source", None)
    if source is not None:
        return source
    name = getattr(value, "lispe_name", None)
    if name is not None:
        return name
    if isinstance(value, BaseException):
        return str(value)
    if isinstance(value, collections.abc.Mapping):
        return "{" + " ".join(f"{_key_text(k)}:{to_string(v, True)}" for k, v in value.items()) + "}"
    return str(value)
