"""Comparison and equality (spec §10.4) and `not`.

`< > <= >=` compare numbers by value and strings by code points, and chain with more than two
arguments.  `=` is deep structural equality, `eq` compares scalars by value and containers by
identity, `==` answers the integers 1/0 (a list of them for two lists), `>=<` answers -1/0/1.
All but `==` and `>=<` return Python True/False (False prints and tests as nil).  Values of
other kinds use their own Python operators; a 0-dim tensor's answer is read as a boolean, so a
scalar loss compares like a number (DECISIONS.md 3).
"""

import array
import operator

from ..errors import LispError
from ..registry import builtin
from ..values import LList, Pair, truthy
from ._common import SEQUENCES, describe


def _as_bool(result, name):
    if result is True or result is False:
        return result
    try:
        return bool(result)
    except (RuntimeError, ValueError):
        raise LispError(f"Error: '{name}' needs single values, not several elements",
                        name) from None


def _ordering(op, name):
    def compare(a, b):
        ta, tb = type(a), type(b)
        if ta is tb and (ta is int or ta is float or ta is str):
            return op(a, b)
        if a is None or b is None:
            raise LispError(f"Error: cannot compare {describe(a)} with {describe(b)} in '{name}'")
        try:
            return _as_bool(op(a, b), name)
        except TypeError:
            raise LispError(f"Error: cannot compare {describe(a)} with {describe(b)} "
                            f"in '{name}'", name) from None

    def chain(a, b, *rest):
        if not rest:
            return compare(a, b)
        values = (a, b, *rest)
        return all(compare(x, y) for x, y in zip(values, values[1:]))
    return chain


for _name, _op, _doc in (("<", operator.lt, "True when each argument is smaller than the next."),
                         (">", operator.gt, "True when each argument is larger than the next."),
                         ("<=", operator.le, "True when no argument is larger than the next."),
                         (">=", operator.ge, "True when no argument is smaller than the next.")):
    builtin(_name, doc=_doc, signature=f"({_name} a b ...)")(_ordering(_op, _name))


def _is_nil(x):
    return x is None or x is False


def equal(a, b):
    """LispE `=`: numbers by value, strings by content, containers element by element."""
    ta, tb = type(a), type(b)
    if ta is tb and (ta is int or ta is float or ta is str):
        return a == b
    if _is_nil(a) or _is_nil(b) or a is True or b is True:
        return _is_nil(a) and _is_nil(b) or (a is True and b is True)
    if isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, Pair) and isinstance(b, Pair):
        return equal(a.car, b.car) and equal(a.cdr, b.cdr)
    try:
        result = a == b
    except (TypeError, RuntimeError, ValueError):   # e.g. tensors of different shapes
        return False
    try:
        return bool(result)
    except (RuntimeError, ValueError):     # tensors/arrays of several elements: all equal
        return bool(result.all())


def _equality_chain(a, b, rest):
    if not rest:
        return equal(a, b)
    values = (a, b, *rest)
    return all(equal(x, y) for x, y in zip(values, values[1:]))


@builtin("=")
def equals(a, b, *rest):
    """True when all arguments are structurally equal."""
    return _equality_chain(a, b, rest)


@builtin("!=")
def not_equals(a, b, *rest):
    """True when the arguments are not all structurally equal."""
    return not _equality_chain(a, b, rest)


_CONTAINERS = (list, array.array, LList, dict, set)


def same(a, b):
    """LispE `eq`: scalars by value, containers by identity (two empty lists are eq)."""
    if isinstance(a, _CONTAINERS) or isinstance(b, _CONTAINERS):
        return a is b or (isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES)
                          and not a and not b)
    return equal(a, b)


@builtin("eq")
def eq(a, b, *rest):
    """True when the arguments are the same: scalars by value, containers by identity."""
    values = (a, b, *rest)
    return all(same(x, y) for x, y in zip(values, values[1:]))


@builtin("neq")
def neq(a, b, *rest):
    """Negation of `eq`."""
    return not eq(a, b, *rest)


@builtin("==")
def eq_int(a, b):
    """1 when a equals b, else 0; two lists give a list of 1/0 per position."""
    if isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES):
        return [1 if equal(x, y) else 0 for x, y in zip(a, b)]
    return 1 if equal(a, b) else 0


@builtin(">=<")
def compare3(a, b):
    """Three-way comparison: -1 when a < b, 0 when equal, 1 when a > b."""
    if equal(a, b):
        return 0
    try:
        return -1 if _as_bool(a < b, ">=<") else 1
    except TypeError:
        raise LispError(f"Error: cannot compare {describe(a)} with {describe(b)} in '>=<'",
                        ">=<") from None


@builtin("not", aliases=("¬",))
def not_(x):
    """Logical negation: true for nil, 0, "" and empty containers."""
    return not truthy(x)
