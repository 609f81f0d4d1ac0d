"""Regular expressions: the `rgx` family (the reference's own dialect) and the `prgx` family
(ECMAScript/POSIX expressions, as C++'s std::regex reads them), both run by Python's `re`.

The rgx dialect, translated to a Python pattern when the expression is built:

    %d digit   %a letter or _   %c lower   %C upper   %p punctuation   %s space/tab/nbsp
    %S blank (codes 0-32, nbsp)   %r \\n or \\r   %x hexadecimal digit   %e emoji
    %E emoji modifier   %h Greek   %H CJK/Hangul   %n nbsp   %<other> that character
    ?  any character   x+  x*  loops   ~x  any character but x   \\ddd \\xFFFF codes
    {a b c}  one of (a space is an alternative too)   [abc]  a sequence   (abc) optional
    {a-z} [a-z]  ranges   ^ $  start and end of the string

Matching follows the reference's automaton: a loop followed by a single element is lazy
(`%d+%d` finds "12" in "12345"), any other loop is greedy.  `rgx_match` and `prgx_match`
match the whole string.  Each family's functions accept only its own kind of expression.
"""

import functools
import re

from ..errors import LispError
from ..registry import builtin
from ..values import Integers
from ._chartables import EMOJI, PUNCTUATION
from ._common import check_int
from .characters import is_alpha, is_lower, is_upper
from .strings import keep, strings_like, text


class Regex:
    """A compiled rgx or prgx expression; prints as its source text."""

    __slots__ = ("source", "kind", "pattern")

    def __init__(self, source, kind, pattern):
        self.source, self.kind, self.pattern = source, kind, pattern

    def lisp_type(self):
        """The type atom: rgx_ or prgx_."""
        return self.kind

    def __str__(self):
        return self.source


# ---------------------------------------------------------------- the rgx dialect: classes

def _ranges_class(ranges):
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                   for a, b in ranges)


@functools.cache
def _predicate_class(name):
    """The character-class body of the characters that satisfy a predicate of characters.py."""
    test = {"a": lambda c: c == "_" or is_alpha(c), "c": is_lower, "C": is_upper}[name]
    ranges, start = [], None
    for code in range(0x30000):
        inside = test(chr(code))
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            ranges.append((start, code - 1))
            start = None
    return _ranges_class(ranges)


_CJK = ((0x1100, 0x115F), (0x2329, 0x232A), (0x2E80, 0x303E), (0x3040, 0xA4CF),
        (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFE10, 0xFE19), (0xFE30, 0xFE6F),
        (0xFF00, 0xFF60), (0xFFE0, 0xFFE6), (0x20000, 0x2FFFD), (0x30000, 0x3FFFD))
_FIXED_CLASSES = {
    "d": "0-9", "x": "0-9A-Fa-f", "s": "\t \xa0", "S": "\x00- \xa0", "r": "\n\r", "n": "\xa0",
    "h": "\u0391-\u03db", "H": _ranges_class(_CJK), "p": _ranges_class(PUNCTUATION),
    "e": _ranges_class(EMOJI),
    "E": _ranges_class(((0x200D, 0x200D), (0x20E3, 0x20E3), (0xFE0F, 0xFE0F),
                        (0x1F3FB, 0x1F3FF), (0xE0020, 0xE007F))),
}


def _meta_class(name):
    return _FIXED_CLASSES.get(name) or _predicate_class(name)


# ---------------------------------------------------------------- the rgx dialect: parsing

_OPEN = {"{": "}", "[": "]", "(": ")"}


def _lex(source):
    """Tokens (kind, value, loop) as the reference cuts an rgx expression, or None."""
    tokens, depth, i = [], 0, 0
    while i < len(source):
        c = source[i]
        kind, value = "char", c
        if c in "\n\r":
            i += 1
            continue
        if c == "\\" and i + 1 < len(source):
            i += 1
            value = source[i]
            if re.fullmatch(r"\d{3}", source[i:i + 3]):
                value, i = chr(int(source[i:i + 3])), i + 2
            elif re.fullmatch(r"x[0-9a-fA-F]{4}", source[i:i + 5]):
                value, i = chr(int(source[i + 1:i + 5], 16)), i + 4
        elif c == "%" and i + 1 < len(source):
            i += 1
            kind, value = ("meta", source[i]) if source[i] in "CESacdehHnprsx" else ("char", source[i])
        elif c == "~":
            kind = "not"
        elif c == "?":
            kind = "any"
        elif c == ")":
            tokens.append(("close", c, ""))
            i += 1
            continue
        elif c in "([{":
            kind, depth = "open", depth + (c != "(")
        elif c in "]}":
            kind, depth = "close", depth - 1
        elif c == "-" and depth and i + 1 < len(source) and tokens and tokens[-1][0] == "char" \
                and not tokens[-1][2]:
            first, last = ord(tokens[-1][1]), ord(source[i + 1])
            tokens.extend(("char", chr(code), "") for code in range(first + 1, last + 1))
            i += 2
            continue
        loop = source[i + 1] if i + 1 < len(source) and source[i + 1] in "+*" else ""
        tokens.append((kind, value, loop))
        i += 1 + len(loop)
    return tokens if depth == 0 else None


class _BadRegex(Exception):
    pass


def _parse(tokens, i, closer):
    """Items of a sequence up to `closer`: (kind, value, loop, negated) with groups as lists."""
    items = []
    while i < len(tokens):
        kind, value, loop = tokens[i]
        if kind == "close":
            if value != closer:
                raise _BadRegex
            return items, i
        negated = kind == "not"
        if negated:
            i += 1
            if i == len(tokens):
                raise _BadRegex
            kind, value, loop = tokens[i]
        if kind == "open":
            body, i = _parse(tokens, i + 1, _OPEN[value])
            loop = tokens[i][2]
            if value == "(" and negated:
                raise _BadRegex
            items.append((value, body, loop, negated))
        elif kind == "close":
            raise _BadRegex
        else:
            items.append((kind, value, loop, negated))
        i += 1
    if closer is not None:
        raise _BadRegex
    return items, i


def _single(item):
    """True for an element the reference's automaton tries before a preceding loop."""
    if item is None:
        return False
    kind, value, loop, _ = item
    if kind == "(":
        return bool(value) and _single(value[0])
    return kind in ("char", "meta", "any") and not loop and value not in "^$"


def _atom(kind, value, negated):
    if kind == "char" and value == "^":
        return r"\A"
    if kind == "char" and value == "$":
        return r"\Z"
    if kind == "any":
        return "(?!)" if negated else "(?s:.)"
    body = _meta_class(value) if kind == "meta" else re.escape(value)
    if kind == "meta" or negated:
        return f"[{'^' if negated else ''}{body}]"
    return body


def _translate(items, after=None):
    """The Python pattern of a sequence; `after` is the element that follows it."""
    out = []
    for n, (kind, value, loop, negated) in enumerate(items):
        following = items[n + 1] if n + 1 < len(items) else after
        if kind == "{":
            alternatives = "|".join(_translate([alt], None) for alt in value)
            body = f"(?:(?!{alternatives})(?s:.))" if negated else f"(?:{alternatives})"
        elif kind == "[":
            body = f"(?:{_translate(value, following if not loop else None)})"
        elif kind == "(":
            out.append(f"(?:{_translate(value, following)})?")
            continue
        else:
            body = _atom(kind, value, negated)
        if loop:
            body += loop + ("?" if _single(following) else "")
        out.append(body)
    return "".join(out)


@functools.cache
def _compile_rgx(source):
    tokens = _lex(source)
    try:
        if tokens is None:
            raise _BadRegex
        items, _ = _parse(tokens, 0, None)
        return Regex(source, "rgx_", re.compile(_translate(items)))
    except (_BadRegex, re.error):
        raise LispError("Error: Unrecognized regular expression", "rgx") from None


# ---------------------------------------------------------------- the prgx dialect

_POSIX = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
          "lower": "a-z", "space": r"\s", "blank": r" \t", "punct": r"!-/:-@\[-`{-~",
          "xdigit": "0-9A-Fa-f", "word": r"\w", "w": r"\w", "d": "0-9", "s": r"\s",
          "cntrl": r"\x00-\x1f\x7f", "print": r"\x20-\x7e", "graph": r"\x21-\x7e"}
_POSIX_CLASS = re.compile(r"\[:(\w+):\]")


def _ecmascript(source):
    """A Python pattern for an ECMAScript expression: POSIX classes, (?<name>, $ at the end."""
    out, i, in_class = [], 0, False
    while i < len(source):
        c = source[i]
        if c == "\\":
            out.append(source[i:i + 2])
            i += 2
            continue
        if in_class:
            posix = _POSIX_CLASS.match(source, i)
            if posix and posix.group(1) in _POSIX:
                out.append(_POSIX[posix.group(1)])
                i = posix.end()
                continue
            in_class = c != "]" or source[i - 1] == "["
        elif c == "[":
            in_class = True
            if source[i + 1:i + 2] == "^":
                out.append("[^")
                i += 2
                continue
        elif c == "$":
            c = r"\Z"
        elif source.startswith("(?<", i) and source[i + 3:i + 4] not in ("=", "!"):
            c, i = "(?P<", i + 2
        out.append(c)
        i += 1
    return "".join(out)


@functools.cache
def _compile_prgx(source):
    try:
        return Regex(source, "prgx_", re.compile(_ecmascript(source)))
    except re.error as e:
        raise LispError(f"Error: prgx: {e.msg} in the regular expression {source!r}",
                        "prgx") from None


_REPLACEMENT = re.compile(r"\$(\d\d?|[&$`'])")


def _ecmascript_replacement(rep):
    """A function that builds ECMAScript's replacement ($1, $&, $$, $`, $') for a match."""
    pieces = _REPLACEMENT.split(rep)

    def build(match):
        out = []
        for n, piece in enumerate(pieces):
            if n % 2 == 0:
                out.append(piece)
            elif piece == "&":
                out.append(match.group(0))
            elif piece == "$":
                out.append("$")
            elif piece == "`":
                out.append(match.string[:match.start()])
            elif piece == "'":
                out.append(match.string[match.end():])
            elif int(piece) <= (match.re.groups or 0):
                out.append(match.group(int(piece)) or "")
            else:
                out.append("$" + piece)
        return "".join(out)
    return build


# ---------------------------------------------------------------- LispE functions

def _expression(exp, kind, fname):
    if not isinstance(exp, Regex) or exp.kind != kind:
        raise LispError("Error: the first element must be a regular expression", fname)
    return exp.pattern


def _start(pos, fname):
    return max(0, int(check_int(pos, fname)))


@builtin("rgx")
def rgx(exp, str_=None):
    """A regular expression in the rgx dialect; with a string, whether it matches it all."""
    r = _compile_rgx(text(exp))
    return r if str_ is None else r.pattern.fullmatch(text(str_)) is not None


@builtin("prgx")
def prgx(exp, str_=None):
    """A POSIX (ECMAScript) regular expression; with a string, whether it matches it all."""
    r = _compile_prgx(text(exp))
    return r if str_ is None else r.pattern.fullmatch(text(str_)) is not None


def _finders(prefix, kind, whole_string_findall):
    """Register the find, find_i, findall, findall_i, match, replace, split functions."""

    def find(exp, str_, pos=0):
        pattern, value = _expression(exp, kind, prefix + "_find"), text(str_)
        start = _start(pos, prefix + "_find")
        m = pattern.search(value[start:]) if kind == "prgx_" else pattern.search(value, start)
        return keep(str_, m.group(0)) if m else ""

    def find_i(exp, str_, pos=0):
        pattern, value = _expression(exp, kind, prefix + "_find_i"), text(str_)
        start = _start(pos, prefix + "_find_i")
        if kind == "prgx_":
            m = pattern.search(value[start:])
            return Integers([m.start() + start, m.end() + start]) if m else Integers()
        m = pattern.search(value, start)
        return Integers([m.start(), m.end()]) if m else Integers()

    def _all(exp, str_, pos, fname):
        pattern, value = _expression(exp, kind, fname), text(str_)
        start = 0 if whole_string_findall else _start(pos, fname)
        return [m for m in pattern.finditer(value, start) if m.end() > m.start()]

    def findall(exp, str_, pos=0):
        matches = _all(exp, str_, pos, prefix + "_findall")
        return strings_like(str_, [m.group(0) for m in matches]) if matches else []

    def findall_i(exp, str_, pos=0):
        return Integers([i for m in _all(exp, str_, pos, prefix + "_findall_i")
                         for i in (m.start(), m.end())])

    def match(exp, str_):
        return _expression(exp, kind, prefix + "_match").fullmatch(text(str_)) is not None

    def replace(exp, str_, rep):
        pattern, value = _expression(exp, kind, prefix + "_replace"), text(str_)
        builder = _ecmascript_replacement(text(rep)) if kind == "prgx_" else \
            (lambda m, r=text(rep): r)
        return keep(str_, pattern.sub(builder, value))

    def split(exp, str_):
        matches = _all(exp, str_, 0, prefix + "_split")
        if not matches:
            return []
        value, pieces, pos = text(str_), [], 0
        for m in matches:
            pieces.append(value[pos:m.start()])
            pos = m.end()
        if pos < len(value):
            pieces.append(value[pos:])
        return strings_like(str_, pieces)

    docs = {
        "find": "The first substring of str that the expression matches, from pos (\"\" if none).",
        "find_i": "(start end) of the first match in str from pos, () if none.",
        "findall": "Every substring of str that the expression matches (from pos).",
        "findall_i": "(start1 end1 start2 end2 ...) of every match in str.",
        "match": "True when the expression matches the whole of str.",
        "replace": "str with every match replaced by rep.",
        "split": "The pieces of str between the matches (() when nothing matches).",
    }
    for name, fn in (("find", find), ("find_i", find_i), ("findall", findall),
                     ("findall_i", findall_i), ("match", match), ("replace", replace),
                     ("split", split)):
        builtin(f"{prefix}_{name}", doc=docs[name])(fn)


_finders("rgx", "rgx_", whole_string_findall=False)
_finders("prgx", "prgx_", whole_string_findall=True)
