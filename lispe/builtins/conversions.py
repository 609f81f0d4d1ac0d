"""Conversions (spec §12): `integer`, `number`, `float`, `int16_t`, `string`, `stringbyte`,
`stringbytes`, `bytes`, `atom`, `complex`/`real`/`imaginary`.  `type` and the predicates are
in `predicates.py`.

A `float` (32-bit) is a `Float32` and an `int16_t` a `Short` (values.py).  Numeric strings
are read as the reference reads them: blanks, a sign, then `0x` hexadecimal, `0b` binary or
a decimal with an optional fraction and exponent; whatever follows is ignored ("12abc" ->
12) and a string without a number gives 0.  nil gives 0, true 1, containers 0; 0-dim tensors
convert like numbers.  Integers stay unbounded (DECISIONS.md 12).  Complex numbers are
Python complex numbers, printed `1,2i` as in the reference.
"""

import math
import re

from ..errors import LispError
from ..printer import format_number, register_printer, to_string
from ..registry import builtin
from ..values import Float32, LispSet, Pair, Short, Shorts, Symbol, register_type_name
from ._common import SEQUENCES, as_number, type_error
from .strings import Stringbyte, Stringbytes, text

_NUMBER = re.compile(r"[ \t\n\r]*([-+]?)"
                     r"(?:0x([0-9a-fA-F]+)|0b([01]+)|(\d+(\.\d+)?([eE][-+]?\d+)?))")


def string_to_number(s):
    """The number a string starts with, as the reference reads it (0 when there is none)."""
    match = _NUMBER.match(s)
    if match is None:
        return 0
    sign, hexa, binary, decimal, fraction, exponent = match.groups()
    if hexa or binary:
        value = int(hexa, 16) if hexa else int(binary, 2)
    elif fraction or exponent:
        value = float(decimal)
    else:
        value = int(decimal)
    return -value if sign == "-" else value


def _numeric(x, fname):
    """A Python int or float for any value that has a numeric reading."""
    if type(x) is int or type(x) is float:
        return x
    if isinstance(x, str):
        return string_to_number(x)
    if x is None or x is False:
        return 0
    if x is True:
        return 1
    if isinstance(x, (int, float)):
        return x
    if getattr(x, "ndim", None) == 0 and hasattr(x, "item"):
        return x.item()
    if isinstance(x, (*SEQUENCES, dict, LispSet, Pair)):
        return 0
    raise type_error(fname, "a number or a numeric string", x)


def _truncate(value, fname):
    if type(value) is int:
        return value
    if not math.isfinite(value):
        raise LispError(f"Error: {fname}: cannot convert {to_string(value)} to an integer",
                        fname)
    return int(value)


@builtin("integer")
def integer(x):
    """x as an integer: numbers are truncated toward zero, strings parsed."""
    return _truncate(_numeric(x, "integer"), "integer")


@builtin("int16_t")
def int16_t(x):
    """x as a 16-bit integer (a `short_`, wrapping around like C's int16_t)."""
    return Short(_truncate(_numeric(x, "int16_t"), "int16_t"))


@builtin("number")
def number(x):
    """x as a (64-bit) number."""
    return float(_numeric(x, "number"))


@builtin("float")
def float_(x):
    """x as a 32-bit float."""
    return Float32(_numeric(x, "float"))


@builtin("string")
def string(x):
    """The printed form of x (strings unchanged, containers with quoted strings)."""
    kind = type(x)
    if kind is str:
        return x
    return str(x) if kind is int or isinstance(x, str) else to_string(x)


@builtin("stringbyte")
def stringbyte(x):
    """x as a `stringbyte_` (a string handled as UTF-8 bytes by `bytes` and `ord`)."""
    return Stringbyte(text(x))


def _flat_texts(values):
    for value in values:
        if isinstance(value, SEQUENCES):
            yield from (text(x) for x in value)
        else:
            yield text(value)


@builtin("stringbytes")
def stringbytes(*values):
    """A `stringbytes_` list of the printed forms of the values (lists are spread)."""
    return Stringbytes(_flat_texts(values))


@builtin("bytes")
def bytes_(s):
    """The bytes of a string as a `shorts` list: UTF-8 for a stringbyte, 4 bytes per
    character (UTF-32, little-endian) for a string; () for any other value."""
    if type(s) is Stringbyte:
        return Shorts(s.encode("utf-8"))
    if isinstance(s, str) and not isinstance(s, Symbol):
        return Shorts(s.encode("utf-32-le"))
    return Shorts()


@builtin("atom")
def atom(x):
    """The atom whose name is the string x."""
    return Symbol(x if isinstance(x, str) else to_string(x))


def _complex_text(z):
    imaginary = z.imag
    part = "" if imaginary == 1 else "-" if imaginary == -1 else format_number(imaginary)
    return f"{format_number(z.real)},{part}i"


register_type_name(complex, "complex_")
register_printer(complex, _complex_text)


@builtin("complex")
def complex_(real, imaginary):
    """The complex number real + imaginary*i, printed `real,imaginaryi`."""
    return complex(as_number(real, "complex"), as_number(imaginary, "complex"))


def _check_complex(z, fname):
    if not isinstance(z, complex):
        raise LispError("Error: expecting a complex value", fname)
    return z


@builtin("real")
def real(z):
    """The real part of a complex number (any other value: as a number)."""
    return z.real if isinstance(z, complex) else number(z)


@builtin("imaginary")
def imaginary(z):
    """The imaginary part of a complex number."""
    return _check_complex(z, "imaginary").imag
