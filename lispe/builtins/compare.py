"""Comparison and equality (spec §10.4) and `not`, as the reference interpreter does them.

The first operand decides how the second is read, and a comparison never fails:

- an integer compares with the second operand read as an integer (`(< 2 2.5)` is nil,
  `(= 2 2.5)` is true), a number with it read as a number: strings by their leading number,
  nil as 0, true as 1, anything else as 0;
- a string compares with the second operand's printed form (`(= "1" 1)` is true);
- anything else (atoms, nil, lists, dictionaries) is never smaller nor larger; `=` compares
  atoms by identity and containers element by element (each element deciding for itself), so
  `(= '(1 2) (integers 1 2))` is true.

`< > <= >=` chain over their arguments, `=` too, `!=` compares its first two arguments, `eq` and
`neq` compare the first argument with each of the others: `eq` is `=` for numbers and strings of
the same kind, identity for containers (two empty ones are eq).  `==` answers the integers 1/0
(a list of them for two lists), `>=<` answers -1/0/1 (nil when the first operand is not a number
or a string).  `not` negates element by element inside lists and dictionaries.  Values of other
kinds (tensors, DECISIONS.md 3) use their own Python operators; a 0-dim tensor's answer reads as
a boolean.
"""

import array
import math
import operator

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin
from ..values import LList, Pair, Symbol, TypedArray, truthy
from ._common import SEQUENCES, describe, parse_number


def _is_int(x):
    return type(x) is int or (isinstance(x, int) and not isinstance(x, bool))


def _is_float(x):
    return isinstance(x, float)


def _is_text(x):
    return isinstance(x, str) and type(x) is not Symbol


def _is_tensor(x):
    return hasattr(x, "ndim") and not isinstance(x, array.array)


def as_number(x):
    """The reference's reading of any value as a number: strings by their leading number,
    true as 1, anything that is not a number as 0."""
    if isinstance(x, (int, float)):
        return x
    if _is_text(x):
        return parse_number(x)
    if _is_tensor(x) and x.ndim == 0:
        return x.item()
    return 0


def as_integer(x):
    """`as_number`, truncated to an integer."""
    n = as_number(x)
    if isinstance(n, float):
        return int(n) if math.isfinite(n) else 0
    return int(n)


def as_text(x):
    """The reference's reading of any value as a string: its printed form."""
    return x if isinstance(x, str) else to_string(x)


def _converted(a, b):
    """`b` read the way the first operand `a` wants it, or None when `a` does not compare."""
    if _is_int(a):
        return as_integer(b)
    if _is_float(a):
        return float(as_number(b))
    if _is_text(a):
        return as_text(b)
    return None


def _tensor_answer(result, name):
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
        if _is_tensor(a) or _is_tensor(b):
            try:
                return _tensor_answer(op(a, b), name)
            except TypeError:
                raise LispError(f"Error: cannot compare {describe(a)} with {describe(b)} "
                                f"in '{name}'", name) from None
        other = _converted(a, b)
        return other is not None and op(a, other)

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


def _elements_equal(a, b):
    if isinstance(a, TypedArray) or isinstance(a, list) and type(a) is not list:
        if type(a) is type(b):
            return list(a) == list(b)
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(b, TypedArray) or (isinstance(b, list) and type(b) is not list):
        return _elements_equal(b, a)
    if not len(a):
        return not len(b)
    return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))


def equal(a, b):
    """LispE `=`: `b` read the way `a` wants it (see the module docstring)."""
    ta, tb = type(a), type(b)
    if ta is tb and (ta is int or ta is float or ta is str):
        return a == b
    if a is b:
        return True
    if _is_nil(a):
        return _is_nil(b)
    if a is True or ta is Symbol:
        return b is a or (tb is Symbol and a == b)
    if isinstance(a, SEQUENCES):
        return isinstance(b, SEQUENCES) and _elements_equal(a, b)
    if isinstance(a, dict):
        return (isinstance(b, dict) and a.keys() == b.keys()
                and all(equal(a[k], b[k]) for k in a))
    if isinstance(a, Pair):
        return isinstance(b, Pair) and equal(a.car, b.car) and equal(a.cdr, b.cdr)
    if _is_tensor(a) or _is_tensor(b):
        return _tensors_equal(a, b)
    other = _converted(a, b)
    if other is not None:
        return a == other
    try:
        return bool(a == b)
    except (TypeError, RuntimeError, ValueError):
        return False


def _tensors_equal(a, b):
    try:
        result = a == b
    except (TypeError, RuntimeError, ValueError):   # e.g. tensors of different shapes
        return False
    try:
        return bool(result)
    except (RuntimeError, ValueError):     # several elements: all equal
        return bool(result.all())


@builtin("=")
def equals(a, b, *rest):
    """True when each argument equals the next (the first one deciding how to compare)."""
    values = (a, b, *rest)
    return all(equal(x, y) for x, y in zip(values, values[1:]))


@builtin("!=")
def not_equals(a, b, *rest):
    """True when the first two arguments are not equal."""
    return not equal(a, b)


_FAMILIES = (SEQUENCES, dict, set)


def same(a, b):
    """LispE `eq`: numbers with numbers, strings with strings, atoms with themselves,
    containers by identity (two empty ones of a kind are the same; so are nil and ())."""
    if a is b:
        return True
    if _is_nil(a):
        return _is_nil(b) or (type(b) is list and not b)
    for family in _FAMILIES:
        if isinstance(a, family):
            return isinstance(b, family) and not len(a) and not len(b)
    if _is_int(a) or _is_float(a):
        return (isinstance(b, (int, float)) and not isinstance(b, bool)
                and a == (as_integer(b) if _is_int(a) else b))
    if _is_text(a):
        return _is_text(b) and a == b
    if type(a) is Symbol or a is True:
        return b is a or (type(b) is Symbol and a == b)
    return equal(a, b)


@builtin("eq")
def eq(a, b, *rest):
    """True when the first argument is the same as each of the others."""
    return all(same(a, x) for x in (b, *rest))


@builtin("neq")
def neq(a, b, *rest):
    """True when the first argument is the same as none of the others."""
    return not any(same(a, x) for x in (b, *rest))


@builtin("==")
def eq_int(a, b):
    """1 when a equals b, else 0; two lists give a list of 1/0 per position."""
    if isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES):
        return [1 if equal(x, y) else 0 for x, y in zip(a, b)]
    return 1 if equal(a, b) else 0


@builtin(">=<")
def compare3(a, b):
    """Three-way comparison: -1 when a < b, 0 when equal, 1 when a > b (nil when a is not a
    number or a string)."""
    if _is_tensor(a) or _is_tensor(b):
        return 0 if equal(a, b) else -1 if _tensor_answer(a < b, ">=<") else 1
    other = _converted(a, b)
    if other is None:
        return None
    return 0 if a == other else -1 if a < other else 1


@builtin("not", aliases=("¬",))
def not_(x):
    """Logical negation; inside lists, typed lists and dictionaries, element by element."""
    if type(x) is list or type(x) is LList:
        return type(x)(not_(v) for v in x)
    if isinstance(x, TypedArray):
        return type(x)([0 if v else 1 for v in x])
    if isinstance(x, list):             # strings
        return [not v for v in x]
    if isinstance(x, dict):
        return type(x)((k, not_(v)) for k, v in x.items())
    return not truthy(x)
