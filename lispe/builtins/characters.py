"""Characters (spec §11): `ord`/`chr`/`chrbyte`, the character-class predicates (`alphap`,
`digitp`, `vowelp`, `emojip`..., also spelled `alpha?`, `digit?`...), `deaccentuate`,
`editdistance` and `convert_in_base`.

Letters are the cased letters of Unicode (plus the Hebrew and Arabic letters, which the
reference counts as lower case); digits are 0-9; punctuation, vowels, consonants, emoji and
accents follow the reference's own tables (`_chartables.py`).
"""

from ..errors import LispError
from ..registry import builtin
from ..values import Integers
from ._chartables import DEACCENT, is_consonant, is_emoji, is_emoji_complement, \
    is_punctuation, is_vowel
from ._common import SEQUENCES, check_int, parse_number, type_error
from .strings import Stringbyte, keep, text


@builtin("ord")
def ord_(s):
    """The `integers` list of the code points of s (of its UTF-8 bytes for a stringbyte)."""
    if type(s) is Stringbyte:
        return Integers(s.encode("utf-8"))
    return Integers([ord(c) for c in text(s)])


def _code_point(n, fname):
    code = check_int(n, fname, "a character code")
    if not 0 <= code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise type_error(fname, "a character code (0 to 1114111)", n)
    return chr(code)


@builtin("chr")
def chr_(nb):
    """The character of code nb, or the string of the codes of a list."""
    if isinstance(nb, SEQUENCES):
        return "".join(_code_point(x, "chr") for x in nb)
    return _code_point(nb, "chr")


def _byte(n):
    code = check_int(n, "chrbyte", "a byte")
    if not 0 <= code <= 255:
        raise LispError("Error: cannot convert this value to a stringbyte", "chrbyte")
    return chr(code)


@builtin("chrbyte")
def chrbyte(nb):
    """The stringbyte of byte nb (0 to 255), or of the bytes of a list."""
    if isinstance(nb, SEQUENCES):
        return Stringbyte("".join(_byte(x) for x in nb))
    return Stringbyte(_byte(nb))


def _semitic_letter(c):
    return "\u05d0" <= c <= "\u06ff" and c.isalpha()


def is_upper(c):
    """True for an upper-case letter."""
    return c.isupper()


def is_lower(c):
    """True for a lower-case letter (Hebrew and Arabic letters count as lower case)."""
    return c.islower() or _semitic_letter(c)


def is_alpha(c):
    """True for a letter."""
    return c.isupper() or is_lower(c)


def is_digit(c):
    """True for 0 to 9."""
    return "0" <= c <= "9"


def _every(test, empty=False):
    def predicate(s):
        value = text(s)
        return all(test(c) for c in value) if value else empty
    return predicate


def _is_emoji_text(s):
    value = text(s)
    return bool(value) and is_emoji(value[0]) and all(
        is_emoji(c) or is_emoji_complement(c) for c in value)


for _names, _test, _what in (
        (("lowerp", "lower?"), _every(is_lower), "a lower-case letter"),
        (("upperp", "upper?"), _every(is_upper), "an upper-case letter"),
        (("alphap", "alpha?"), _every(is_alpha), "a letter"),
        (("digitp", "digit?"), _every(is_digit), "a digit (0-9)"),
        (("punctuationp", "punctuation?"), _every(is_punctuation, True), "punctuation"),
        (("vowelp", "vowel?"), _every(is_vowel), "a vowel"),
        (("consonantp", "consonant?"), _every(is_consonant), "a consonant"),
        (("spacep",), _every(str.isspace), "whitespace")):
    builtin(_names[0], aliases=_names[1:], signature=f"({_names[0]} str)",
            doc=f"True when every character of the string is {_what}.")(_test)

builtin("emojip", aliases=("emoji?",), signature="(emojip str)",
        doc="True when the string is an emoji (with its modifiers).")(_is_emoji_text)


@builtin("deaccentuate")
def deaccentuate(s):
    """s with its accented Latin letters replaced by plain letters: "éà" -> "ea"."""
    return keep(s, text(s).translate(DEACCENT))


@builtin("editdistance")
def editdistance(s, strbis):
    """The Levenshtein distance between two strings."""
    a, b = text(s), text(strbis)
    previous = list(range(len(a) + 1))
    for j, cb in enumerate(b, 1):
        current = [j]
        for i, ca in enumerate(a, 1):
            current.append(min(previous[i] + 1, current[i - 1] + 1,
                               previous[i - 1] + (ca != cb)))
        previous = current
    return previous[-1]


_DIGITS = ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#@")


@builtin("convert_in_base")
def convert_in_base(s, b, convert=None):
    """(convert_in_base n b): the integer n written in base b (2 to 64, digits 0-9 A-Z a-z #
    @); (convert_in_base str b true): the integer that str writes in base b."""
    base = check_int(b, "convert_in_base", "a base")
    if base <= 1:
        raise LispError("Error: cannot convert to this base", "convert_in_base")
    if base > len(_DIGITS):
        raise LispError("Error: Base too large", "convert_in_base")
    if convert is None or convert is False:
        n = int(parse_number(s)) if isinstance(s, str) else check_int(s, "convert_in_base")
        digits = ""
        while n > 0:
            n, rest = divmod(n, base)
            digits = _DIGITS[rest] + digits
        return digits
    value = 0
    for c in text(s):
        digit = _DIGITS.find(c)
        if digit < 0 or digit >= base:
            raise LispError("Error: Cannot analyze this string in this base.",
                            "convert_in_base")
        value = value * base + digit
    return value
