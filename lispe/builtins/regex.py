"""Regular expressions: the `rgx` family (the reference's own dialect, run by the automaton
of `_rgx_automaton.py`) and the `prgx` family (ECMAScript/POSIX expressions, as C++'s
std::regex reads them, run by Python's `re`).

The rgx dialect:

    %d digit   %a letter or _   %c lower   %C upper   %p punctuation   %s space/tab/nbsp
    %S blank (codes 0-32, nbsp)   %r \\n or \\r   %x hexadecimal digit   %e emoji
    %E emoji modifier   %h Greek   %H CJK/Hangul   %n nbsp   %<other> that character
    ?  any character   x+  x*  loops   ~x  any character but x   \\ddd \\xFFFF codes
    {a b c}  one of (a space is an alternative too)   [abc]  a sequence   (abc) optional
    {a-z} [a-z]  ranges   ^ $  start and end of the string

Which match is found follows the reference's automaton (a single element after a loop is
tried first: `%d+%d` finds "12" in "12345").  `rgx_match` and `prgx_match` match the whole
string.  Each family's functions accept only its own kind of expression.
"""

import functools
import re

from ..errors import LispError
from ..printer import quote_string
from ..registry import builtin
from ..values import Integers
from . import _rgx_automaton as automaton
from ._common import check_int
from .strings import keep, strings_like, text


class Regex:
    """A compiled rgx or prgx expression; prints as its source text."""

    __slots__ = ("source", "kind", "program")

    def __init__(self, source, kind, program):
        self.source, self.kind, self.program = source, kind, program

    def lisp_type(self):
        """The type atom: rgx_ or prgx_."""
        return self.kind

    def __str__(self):
        return self.source

    def search(self, w, start):
        """(start, end) of the first match from `start`, or None."""
        if self.kind == "rgx_":
            return automaton.search(self.program, w, start)
        m = self.program.search(w[start:])      # as std::regex: ^ matches at `start`
        return (m.start() + start, m.end() + start) if m else None

    def find_all(self, w, start):
        """(start, end) of the successive non-empty matches (prgx: from the beginning)."""
        if self.kind == "rgx_":
            return automaton.search_all(self.program, w, start)
        return [m.span() for m in self.program.finditer(w) if m.end() > m.start()]

    def fullmatch(self, w):
        if self.kind == "rgx_":
            return automaton.matches_all(self.program, w)
        return self.program.fullmatch(w) is not None

    def replace(self, w, rep):
        if self.kind == "prgx_":
            return self.program.sub(_ecmascript_replacement(rep), w)
        out, pos = [], 0
        for begin, end in self.find_all(w, 0):
            out += [w[pos:begin], rep]
            pos = end
        return "".join(out) + w[pos:]


@functools.cache
def _compile_rgx(source):
    try:
        return Regex(source, "rgx_", automaton.compile_expression(source))
    except automaton.BadExpression:
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
        raise LispError(f"Error: prgx: {e.msg} in the regular expression {quote_string(source)}",
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
    return exp


def _start(pos, fname):
    return max(0, int(check_int(pos, fname)))


@builtin("rgx")
def rgx(exp, string=None):
    """A regular expression in the rgx dialect; with a string, whether it matches it all."""
    r = _compile_rgx(text(exp))
    return r if string is None else r.fullmatch(text(string))


@builtin("prgx")
def prgx(exp, string=None):
    """A POSIX (ECMAScript) regular expression; with a string, whether it matches it all."""
    r = _compile_prgx(text(exp))
    return r if string is None else r.fullmatch(text(string))


def _finders(prefix, kind):
    """Register the find, find_i, findall, findall_i, match, replace, split functions."""

    def find(exp, string, pos=0):
        fname = prefix + "_find"
        span = _expression(exp, kind, fname).search(text(string), _start(pos, fname))
        return keep(string, text(string)[span[0]:span[1]]) if span else ""

    def find_i(exp, string, pos=0):
        span = _expression(exp, kind, prefix + "_find_i").search(text(string),
                                                                  _start(pos, prefix + "_find_i"))
        return Integers(span) if span else Integers()

    def _all(exp, string, pos, fname):
        return _expression(exp, kind, fname).find_all(text(string), _start(pos, fname))

    def findall(exp, string, pos=0):
        value = text(string)
        spans = _all(exp, string, pos, prefix + "_findall")
        return strings_like(string, [value[b:e] for b, e in spans]) if spans else []

    def findall_i(exp, string, pos=0):
        return Integers([i for span in _all(exp, string, pos, prefix + "_findall_i") for i in span])

    def match(exp, string):
        return _expression(exp, kind, prefix + "_match").fullmatch(text(string))

    def replace(exp, string, rep):
        expression = _expression(exp, kind, prefix + "_replace")
        return keep(string, expression.replace(text(string), text(rep)))

    def split(exp, string):
        spans = _all(exp, string, 0, prefix + "_split")
        if not spans:
            return []
        value, pieces, pos = text(string), [], 0
        for begin, end in spans:
            pieces.append(value[pos:begin])
            pos = end
        if pos < len(value):
            pieces.append(value[pos:])
        return strings_like(string, pieces)

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


_finders("rgx", "rgx_")
_finders("prgx", "prgx_")
