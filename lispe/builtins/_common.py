"""Helpers shared by the core builtin families: argument checks and error messages.

Registers no LispE function.  Every wrong-type error names the builtin, what it expected and
what it was given (DECISIONS.md 4), e.g. `Error: size expects a container, got integer_ 3`.
"""

import array
import math
import re

from ..errors import LispError
from ..printer import to_string
from ..values import LList, type_name

OUT_OF_BOUNDS = "Error: index out of bounds"
DIVISION_BY_ZERO = "Error: division by zero"

SEQUENCES = (list, array.array, LList)   # lists, typed lists, linked lists
_NUMBER_PREFIX = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def describe(value):
    """`integer_ 3`: a value's type atom and a short printed form, for error messages."""
    text = to_string(value, True)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type_name(value)} {text}"


def type_error(fname, expected, value):
    """The LispError for a builtin given a value of the wrong kind."""
    return LispError(f"Error: {fname} expects {expected}, got {describe(value)}", fname)


def check_int(value, fname, what="an integer"):
    """`value` as an int: integers, integral floats and 0-dim integer tensors are accepted."""
    if type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, bool) and getattr(value, "ndim", None) == 0:
        item = value.item()
        if isinstance(item, int) or (isinstance(item, float) and item.is_integer()):
            return int(item)
    raise type_error(fname, what, value)


def check_index(value, fname):
    """`value` as a list index: a float is truncated, as in the original (`(@ l 2.5)` is
    `(@ l 2)`); anything else must be an integer."""
    if type(value) is float and math.isfinite(value):
        return int(value)
    return check_int(value, fname, "an integer index")


def check_str(value, fname, what="a string"):
    """`value` if it is a string (atoms included), else a LispError."""
    if isinstance(value, str):
        return value
    raise type_error(fname, what, value)


def as_number(value, fname):
    """A Python int/float for a number or a 0-dim tensor/array (DECISIONS.md 3)."""
    if type(value) is int or type(value) is float:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        return value.item()
    raise type_error(fname, "a number", value)


def is_sequence(value):
    """True for lists, typed lists and linked lists (not strings, not dotted pairs)."""
    return isinstance(value, SEQUENCES)


def parse_number(text):
    """The number at the start of `text` (spec §11: leading numeric prefix, else 0).

    `"12"` -> 12, `"3.5e2x"` -> 350.0, `"0x1F"` -> 31, `"abc"` -> 0.
    """
    s = text.strip()
    try:
        return int(s, 0) if s[:2].lower() in ("0x", "0b", "0o") else int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        match = _NUMBER_PREFIX.match(s)
        if not match:
            return 0
        number = match.group(0)
        return float(number) if any(c in number for c in ".eE") else int(number)
