"""Strings (spec §11), as the reference's string library does them: case, trimming,
`split`/`splite`/`join`, `replace`, `left`/`right`/`middle`, `ngrams`, `getstruct`,
`format` (`%1`...`%9`), `sprintf`/`stringf` (C formats), `padding`/`fill`, `startwith`/
`endwith`, `replaceall`.  Characters, predicates and bases are in `characters.py`, `indent` in
`indentation.py`.

Strings are Python strings: indexes count code points.  Like the reference, these functions
take any value and work on its printed form (`(upper 12)` is "12").  A `stringbyte` (what
`fread` and `stringbyte` give) is a `Stringbyte`: a string that keeps its type atom
`stringbyte_` through the functions that keep it in the reference (upper, trim, left, ...).
"""

import re

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin
from ..values import Floats, Integers, LispSet, Numbers, Pair, Shorts, Strings, register_type_name
from ._common import SEQUENCES, as_number, check_int, type_error


class Stringbyte(str):
    """A LispE `stringbyte`: a string whose type atom is `stringbyte_`."""

    __slots__ = ()


class Stringbytes(Strings):
    """A LispE `stringbytes` list (type atom `stringbytes_`)."""


register_type_name(Stringbyte, "stringbyte_")
register_type_name(Stringbytes, "stringbytes_")


def text(value):
    """The string a value stands for: itself for strings, else its printed form."""
    return value if isinstance(value, str) else to_string(value)


def keep(original, result):
    """`result` as a `Stringbyte` when `original` is one (the reference keeps the type)."""
    return Stringbyte(result) if type(original) is Stringbyte else result


def strings_like(original, items):
    """A `stringbytes` list when `original` is a stringbyte, else a `strings` list."""
    return Stringbytes(items) if type(original) is Stringbyte else Strings(items)


def _case(s, convert):
    if s.isascii():
        return convert(s)
    out = []
    for c in s:
        changed = convert(c)
        out.append(changed if len(changed) == 1 else c)   # one character for one character
    return "".join(out)


@builtin("upper")
def upper(s):
    """The string in upper case (one character for one character)."""
    return keep(s, _case(text(s), str.upper))


@builtin("lower")
def lower(s):
    """The string in lower case (one character for one character)."""
    return _case(text(s), str.lower)


_BLANKS = "".join(chr(i) for i in range(33))   # the reference trims the codes 0 to 32


@builtin("trim")
def trim(s):
    """The string without leading and trailing blanks (codes 0 to 32)."""
    return keep(s, text(s).strip(_BLANKS))


@builtin("trimleft")
def trimleft(s):
    """The string without leading blanks."""
    return keep(s, text(s).lstrip(_BLANKS))


@builtin("trimright")
def trimright(s):
    """The string without trailing blanks."""
    return keep(s, text(s).rstrip(_BLANKS))


@builtin("trim0")
def trim0(s):
    """A decimal string without its trailing zeros (and its trailing point): "1.500" -> "1.5"."""
    value = text(s)
    if "." in value:
        value = value.rstrip("0")
        if value.endswith("."):
            value = value[:-1]
    return keep(s, value)


_BLANK_RUN = re.compile("[\x00- ]+")
_BLANK = re.compile("[\x00- ]")


@builtin("split")
def split(s, sep=None):
    """A `strings` list: s cut at runs of blanks, or at sep; empty fields are dropped, and an
    empty sep gives the characters."""
    value = text(s)
    if sep is None:
        return strings_like(s, [f for f in _BLANK_RUN.split(value) if f])
    sep = text(sep)
    if not sep:
        return strings_like(s, value)
    return strings_like(s, [f for f in value.split(sep) if f])


@builtin("splite")
def splite(s, sep=None):
    """Like split, but empty fields are kept.  As in the reference, the text after the last
    separator is not part of the result: (splite "a,,b" ",") is ("a" "")."""
    value = text(s)
    if sep is None:
        fields = _BLANK.split(value)
        if fields and not fields[-1]:
            fields.pop()
        return strings_like(s, fields)
    sep = text(sep)
    if not sep:
        return strings_like(s, value)
    return strings_like(s, value.split(sep)[:-1])


@builtin("join")
def join(elements, sep=None):
    """The printed forms of the elements joined with sep (default "")."""
    if isinstance(elements, LispSet):
        elements = sorted(elements, key=lambda x: (type(x).__name__, x))   # as sets print
    elif isinstance(elements, Pair):
        elements = (elements.car, elements.cdr)          # (cons "1" "2") joins as "12"
    elif not isinstance(elements, SEQUENCES):
        raise LispError("Error: 'join' can only be used for lists", "join")
    glue = "" if sep is None else text(sep)
    return glue.join(x if type(x) is str else text(x) for x in elements)


def _position(i, size):
    return size + i if i < 0 else i


@builtin("replace")
def replace(s, fnd, rep, index=None):
    """(replace s old new): every occurrence of old replaced by new.
    (replace s new from to): the characters from..to replaced by new."""
    if not isinstance(s, str):
        raise LispError("Error: cannot apply 'replace' to this type of object", "replace")
    if index is None:
        old = text(fnd)
        return s.replace(old, text(rep)) if old else s
    size = len(s)
    begin = _position(check_int(rep, "replace"), size)
    if begin >= size:
        raise LispError("Error: out of range", "replace")
    begin = max(begin, 0)
    end = _position(check_int(index, "replace"), size)
    if end < begin:
        raise LispError("Error: out of range", "replace")
    end = min(end, size)
    return keep(s, s[:begin] + text(fnd) + s[end:])


@builtin("left")
def left(s, nb):
    """The first nb characters of s."""
    n = check_int(nb, "left")
    return keep(s, text(s)[:n] if n > 0 else "")


@builtin("right")
def right(s, nb):
    """The last nb characters of s."""
    n = check_int(nb, "right")
    return keep(s, text(s)[-n:] if n > 0 else "")


@builtin("middle")
def middle(s, pos, nb):
    """The nb characters of s from position pos (a negative pos counts from the end, a
    negative nb takes the rest of the string)."""
    value = text(s)
    pos, n = check_int(pos, "middle"), check_int(nb, "middle")
    if pos < 0:
        pos = max(0, pos + len(value))
    return keep(s, value[pos:] if n < 0 else value[pos:pos + n])


@builtin("ngrams")
def ngrams(s, nb):
    """The list of the substrings of nb consecutive characters of s."""
    n = as_number(nb, "ngrams")
    if not n > 0 or n == float("inf"):
        raise LispError("Error: nb should be a positive value", "ngrams")
    value, n = text(s), int(n)
    return strings_like(s, [value[i:i + n] for i in range(len(value) - n + 1)])


def _skip_string(value, i, size):
    """The position of the closing double quote of the string opening at i - 1."""
    while i < size and value[i] != '"':
        i += 2 if value[i] == "\\" else 1
    return i


@builtin("getstruct")
def getstruct(s, opening, closing, pos=0):
    """(text start end) of the first balanced open...close structure of s from pos (double
    quoted strings inside are skipped); nil when there is none."""
    value, size = text(s), len(text(s))
    o, c = text(opening)[:1], text(closing)[:1]
    i = value.find(o, max(0, check_int(pos, "getstruct"))) if o else -1
    if i < 0:
        return None
    start, i = i, i + 1
    if i < size and value[i] == c:
        return [o + c, start, i + 1]
    depth = 1
    while depth and i < size:
        if value[i] == o:
            depth += 1
        elif value[i] == '"':
            i = _skip_string(value, i + 1, size)
        i += 1
        if i < size and value[i] == c:
            depth -= 1
    if i >= size:
        return None
    return [value[start:i + 1], start, i + 1]


@builtin("startwith")
def startwith(s, fnd):
    """True when s starts with the (non-empty) string fnd."""
    prefix = text(fnd)
    return bool(prefix) and text(s).startswith(prefix)


@builtin("endwith")
def endwith(s, fnd):
    """True when s ends with the (non-empty) string fnd."""
    suffix = text(fnd)
    return bool(suffix) and text(s).endswith(suffix)


@builtin("format")
def format_(fmt, n1, n2=None, n3=None, n4=None, n5=None, n6=None, n7=None, n8=None, n9=None):
    """fmt with %1 ... %9 replaced by the printed forms of the values (%9 first, as in the
    reference); a placeholder without a value stays."""
    result = text(fmt)
    values = (n1, n2, n3, n4, n5, n6, n7, n8, n9)
    for i in range(9, 0, -1):
        if values[i - 1] is not None:
            result = result.replace(f"%{i}", text(values[i - 1]))
    return keep(fmt, result)


_C_LENGTH = re.compile(r"(%[-+ #0]*(?:\d+|\*)?(?:\.\d+)?)(?:hh|h|ll|l|L|q|j|z|t)")


def c_format(fmt, value):
    """C's printf of one number: fmt's length modifiers (%ld, %lf...) are accepted."""
    return _C_LENGTH.sub(r"\1", fmt) % value


def _number_value(x):
    if type(x) in (int, float) or isinstance(x, (int, float)) and not isinstance(x, bool):
        return x
    return None


@builtin("sprintf")
def sprintf(nb, fmt):
    """The number nb formatted with the C format fmt: (sprintf 3.5 "%.2f") is "3.50"."""
    value = _number_value(nb)
    try:
        if value is None:
            raise TypeError
        return c_format(text(fmt), value)
    except (TypeError, ValueError, OverflowError):
        raise LispError("Error: wrong format", "sprintf") from None


@builtin("stringf")
def stringf(value, fmt):
    """The number value formatted with the C format fmt: (stringf 42 "%05d") is "00042"."""
    number = _number_value(value)
    if number is None:
        raise LispError("Error: the first argument should be a number", "stringf")
    try:
        return c_format(text(fmt), number)
    except (TypeError, ValueError, OverflowError):
        raise LispError(f"Error: stringf: wrong format {to_string(fmt, True)}",
                        "stringf") from None


_MAX_SIZE = 1 << 30     # characters: a larger string fails at once instead of swapping


def _check_size(size, fname):
    if size > _MAX_SIZE:
        raise LispError(f"Error: {fname}: a string of {size} characters is too large", fname)


@builtin("padding")
def padding(s, c, nb):
    """s completed up to nb characters with c (repeated, cycling through its characters)."""
    value, pad = text(s), text(c)
    missing = check_int(nb, "padding") - len(value)
    _check_size(missing, "padding")
    if missing > 0 and pad:
        value += (pad * (missing // len(pad) + 1))[:missing]
    return keep(s, value)


@builtin("fill")
def fill(s, nb):
    """s repeated nb times."""
    value, n = text(s), max(0, check_int(nb, "fill"))
    if not value:
        return keep(s, "")
    _check_size(len(value) * n, "fill")
    return keep(s, value * n)


def _replace_in(container, search, rep):
    count = 0
    for i, x in enumerate(container):
        if x == search:
            container[i] = rep
            count += 1
    return count


@builtin("replaceall")
def replaceall(container, search, rep):
    """Replace every element (list), value (dictionary) or substring (string) equal to search
    by rep, in place; returns the number of replacements.  Strings cannot change in place:
    for a string, only the count is returned."""
    if isinstance(container, str):
        old = text(search)
        return container.count(old) if old else 0
    if isinstance(container, dict):
        keys = [k for k, v in container.items() if v == search]
        for k in keys:
            container[k] = rep
        return len(keys)
    if isinstance(container, (Integers, Shorts, Numbers, Floats)):
        try:
            rep = type(container).convert(rep)
        except (TypeError, ValueError, OverflowError):
            raise type_error("replaceall", "a number for a numeric list", rep) from None
    if isinstance(container, SEQUENCES):
        return _replace_in(container, search, rep)
    return 0
