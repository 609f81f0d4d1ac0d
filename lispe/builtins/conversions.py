"""Conversions and predicates (spec §12): `integer`, `number`, `float`, `string`, `atom`,
`type`, and the predicates `nullp emptyp zerop numberp stringp atomp consp`, plus the
`integerp floatp listp dictionaryp` extension (DECISIONS.md 1).

A `float` (32-bit) is a `Float32`, a Python float rounded to single precision whose type atom
is `float_`.  Numeric strings are parsed by their leading numeric prefix ("12abc" -> 12,
"abc" -> 0); 0-dim tensors convert like numbers.
"""

import math
import struct

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin
from ..values import Pair, Symbol, register_type_name, type_name
from ._common import SEQUENCES, parse_number, type_error


class Float32(float):
    """A LispE `float`: a single-precision value (type atom `float_`)."""

    __slots__ = ()

    def __new__(cls, x):
        return super().__new__(cls, struct.unpack("f", struct.pack("f", x))[0])


register_type_name(Float32, "float_")


def _numeric(x, fname):
    """A Python int or float for any value that has a numeric reading."""
    if type(x) is int or type(x) is float:
        return x
    if isinstance(x, str):
        return parse_number(x)
    if x is None or x is False:
        return 0
    if x is True:
        return 1
    if isinstance(x, (int, float)):
        return x
    if getattr(x, "ndim", None) == 0 and hasattr(x, "item"):
        return x.item()
    raise type_error(fname, "a number or a numeric string", x)


@builtin("integer")
def integer(x):
    """x as an integer: floats are truncated toward zero, strings parsed."""
    value = _numeric(x, "integer")
    if type(value) is int:
        return value
    if not math.isfinite(value):
        raise LispError(f"Error: integer: cannot convert {to_string(value)} to an integer",
                        "integer")
    return int(value)


@builtin("number")
def number(x):
    """x as a (64-bit) number."""
    return float(_numeric(x, "number"))


@builtin("float")
def float_(x):
    """x as a 32-bit float."""
    try:
        return Float32(_numeric(x, "float"))
    except OverflowError:
        return Float32(math.copysign(math.inf, _numeric(x, "float")))


@builtin("string")
def string(x):
    """The printed form of x (strings unchanged, containers with quoted strings)."""
    kind = type(x)
    if kind is str:
        return x
    return str(x) if kind is int else to_string(x)


@builtin("atom")
def atom(x):
    """The atom whose name is the string x."""
    return Symbol(x if isinstance(x, str) else to_string(x))


@builtin("type")
def type_(x):
    """The type atom of x: integer_, number_, string_, list_, dictionary_, ..."""
    return Symbol(type_name(x))


@builtin("nullp")
def nullp(x):
    """True for nil (and for the empty list)."""
    return x is None or x is False or (isinstance(x, SEQUENCES) and not len(x))


@builtin("emptyp")
def emptyp(x):
    """True for nil, "", and empty containers."""
    if x is None or x is False:
        return True
    try:
        return len(x) == 0
    except TypeError:
        return False


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


@builtin("zerop")
def zerop(x):
    """True when x is the number 0."""
    return _is_number(x) and x == 0


@builtin("numberp")
def numberp(x):
    """True for integers and numbers."""
    return _is_number(x)


@builtin("integerp")
def integerp(x):
    """True for integers."""
    return isinstance(x, int) and not isinstance(x, bool)


@builtin("floatp")
def floatp(x):
    """True for numbers and floats (not for integers)."""
    return isinstance(x, float)


@builtin("stringp")
def stringp(x):
    """True for strings (not atoms)."""
    return isinstance(x, str) and not isinstance(x, Symbol)


@builtin("atomp")
def atomp(x):
    """True for atoms, nil and true."""
    return x is None or isinstance(x, (Symbol, bool))


@builtin("consp", aliases=("listp",))
def consp(x):
    """True for lists, typed lists, linked lists and dotted pairs."""
    return isinstance(x, SEQUENCES) or isinstance(x, Pair)


@builtin("dictionaryp")
def dictionaryp(x):
    """True for dictionaries."""
    return isinstance(x, dict)
