"""Strings (spec §11): case, trimming, `split`/`join`, `replace`, `left`/`right`/`middle`,
`startwith`/`endwith`, `format` (`%1`...`%9`), `fill`, `ord`/`chr` and the character-class
predicates (`digitp`, `alphap`, ...).  Strings are Python strings: indexes count code points.

Decision for `split` with a separator: empty fields are dropped (spec §11 [L]); an empty
separator splits into characters.  Parsing numbers is in `conversions.py`.
"""

import re
import string as _string

from ..printer import to_string
from ..registry import builtin
from ..values import Integers, Strings
from ._common import check_int, check_str, type_error


@builtin("upper")
def upper(s):
    """The string in upper case."""
    return check_str(s, "upper").upper()


@builtin("lower")
def lower(s):
    """The string in lower case."""
    return check_str(s, "lower").lower()


@builtin("trim")
def trim(s):
    """The string without leading and trailing whitespace."""
    return check_str(s, "trim").strip()


@builtin("trimleft")
def trimleft(s):
    """The string without leading whitespace."""
    return check_str(s, "trimleft").lstrip()


@builtin("trimright")
def trimright(s):
    """The string without trailing whitespace."""
    return check_str(s, "trimright").rstrip()


@builtin("split")
def split(s, sep=None):
    """A `strings` list: s split on runs of whitespace, or on sep (empty fields dropped)."""
    check_str(s, "split")
    if sep is None:
        return Strings(s.split())
    check_str(sep, "split", "a string separator")
    if not sep:
        return Strings(s)
    return Strings(field for field in s.split(sep) if field)


@builtin("join")
def join(elements, sep=None):
    """The printed forms of the elements joined with sep (default "")."""
    if isinstance(elements, str) or not hasattr(elements, "__iter__"):
        raise type_error("join", "a list", elements)
    glue = "" if sep is None else check_str(sep, "join", "a string separator")
    return glue.join(x if type(x) is str else to_string(x) for x in elements)


@builtin("replace")
def replace(s, old, new):
    """s with every occurrence of old replaced by new."""
    check_str(s, "replace")
    return s.replace(check_str(old, "replace"), check_str(new, "replace"))


@builtin("left")
def left(s, n):
    """The first n characters of s."""
    return check_str(s, "left")[:max(0, check_int(n, "left"))]


@builtin("right")
def right(s, n):
    """The last n characters of s."""
    n = check_int(n, "right")
    return check_str(s, "right")[-n:] if n > 0 else ""


@builtin("middle")
def middle(s, pos, n):
    """The n characters of s starting at position pos."""
    pos, n = check_int(pos, "middle"), check_int(n, "middle")
    check_str(s, "middle")
    if pos < 0:
        pos += len(s)
    return s[max(0, pos):max(0, pos + n)]


@builtin("startwith")
def startwith(s, prefix):
    """True when s starts with prefix."""
    return check_str(s, "startwith").startswith(check_str(prefix, "startwith"))


@builtin("endwith")
def endwith(s, suffix):
    """True when s ends with suffix."""
    return check_str(s, "endwith").endswith(check_str(suffix, "endwith"))


_PLACEHOLDER = re.compile(r"%([1-9])")


@builtin("format")
def format_(fmt, *args):
    """fmt with %1 ... %9 replaced by the printed forms of the arguments."""
    check_str(fmt, "format")

    def value(match):
        i = int(match.group(1)) - 1
        return to_string(args[i]) if i < len(args) else match.group(0)
    return _PLACEHOLDER.sub(value, fmt)


@builtin("fill")
def fill(s, n):
    """s repeated n times."""
    return check_str(s, "fill") * max(0, check_int(n, "fill"))


@builtin("ord")
def ord_(s):
    """Code point of a one-character string; an `integers` list for a longer string."""
    check_str(s, "ord")
    if len(s) == 1:
        return ord(s)
    return Integers([ord(c) for c in s])


@builtin("chr")
def chr_(n):
    """The one-character string of code point n."""
    n = check_int(n, "chr")
    if not 0 <= n <= 0x10FFFF:
        raise type_error("chr", "a code point (0 to 1114111)", n)
    return chr(n)


_VOWELS = set("aeiouyAEIOUYàâäéèêëîïôöùûüÿÀÂÄÉÈÊËÎÏÔÖÙÛÜŸ")
_PUNCTUATION = set(_string.punctuation) | set("«»¿¡…–—‘’“”")


def _char_class(name, test, what):
    def predicate(s):
        s = check_str(s, name)
        return bool(s) and all(test(c) for c in s)
    builtin(name, doc=f"True when every character of the string is {what}.",
            signature=f"({name} s)")(predicate)


for _name, _test, _what in (("digitp", str.isdigit, "a digit"),
                            ("alphap", str.isalpha, "a letter"),
                            ("upperp", str.isupper, "an upper-case letter"),
                            ("lowerp", str.islower, "a lower-case letter"),
                            ("spacep", str.isspace, "whitespace"),
                            ("vowelp", _VOWELS.__contains__, "a vowel"),
                            ("consonantp", lambda c: c.isalpha() and c not in _VOWELS,
                             "a consonant"),
                            ("punctuationp", _PUNCTUATION.__contains__, "punctuation")):
    _char_class(_name, _test, _what)
