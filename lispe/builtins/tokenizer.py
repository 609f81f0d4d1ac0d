"""Rule-based tokenizers: `segment`, `segment_e`, `tokenize`, `tokenizer_main`,
`tokenizer_rules`, `segmenter`, `get_/set_tokenizer_rules`, `get_/set_tokenizer_operators`,
`tokenizer_display`.  The rule language and the matcher are in `_token_rules.py`.
"""

from ..errors import LispError
from ..registry import builtin
from ..values import LispSet, Shorts, Strings
from ._common import SEQUENCES, check_int
from ._token_rules import MAIN_RULES, TOKENIZER_RULES, Segmenter, Tokenizer, display
from .strings import text


_MAIN = []
_SEGMENTERS = {}


def _main_tokenizer():
    if not _MAIN:
        _MAIN.append(Tokenizer(MAIN_RULES, "rules"))
    return _MAIN[0]


def _segment(s, keepblanks, point):
    key = (keepblanks, point)
    if key not in _SEGMENTERS:
        _SEGMENTERS[key] = Segmenter(keepblanks, point)
    return Strings(_SEGMENTERS[key].tokenize(text(s))[0])


@builtin("segment")
def segment(string, point=0):
    """The tokens of a string, as LispE's segmenter cuts it (numbers, words, punctuation;
    blanks dropped); point 1 reads "," as the decimal point, 2 both "." and ","."""
    return _segment(string, False, check_int(point or 0, "segment"))


@builtin("segment_e")
def segment_e(string, point=0):
    """Like segment, with the blanks kept as tokens."""
    return _segment(string, True, check_int(point or 0, "segment_e"))


@builtin("tokenizer_main")
def tokenizer_main():
    """LispE's own tokenizer (the one that reads programs), as a tokenizer value."""
    return _main_tokenizer()


@builtin("tokenizer_rules")
def tokenizer_rules():
    """A new tokenizer with the default rules (which get_tokenizer_rules lists)."""
    return Tokenizer(TOKENIZER_RULES, "rules")


@builtin("segmenter")
def segmenter(keepblanks, point):
    """A new segmenter: keepblanks keeps the blanks as tokens; point 0 ".", 1 ",", 2 both."""
    return Segmenter(keepblanks not in (None, False), check_int(point or 0, "segmenter"))


def _rules(value, fname):
    if not isinstance(value, Tokenizer):
        raise LispError("Error: the first element should be a string_rule object", fname)
    return value


@builtin("tokenize_rules", aliases=("tokenize",))
def tokenize_rules(rules, string, types=None):
    """The tokens of a string cut by a tokenizer; with types true, (tokens types)."""
    tokens, kinds = _rules(rules, "tokenize").tokenize(text(string))
    if types in (None, False):
        return Strings(tokens)
    return [Strings(tokens), Shorts(kinds if not isinstance(rules, Segmenter) else ())]


@builtin("get_tokenizer_rules")
def get_tokenizer_rules(rules):
    """The rules of a tokenizer, as a strings list."""
    return Strings(_rules(rules, "get_tokenizer_rules").rules)


@builtin("set_tokenizer_rules")
def set_tokenizer_rules(rules, lst):
    """Replace the rules of a tokenizer (compiled at once); returns true."""
    tokenizer = _rules(rules, "set_tokenizer_rules")
    if not isinstance(lst, SEQUENCES):
        raise LispError("Error: This function expects a list", "set_tokenizer_rules")
    tokenizer.set_rules([text(x) for x in lst])
    return True


@builtin("get_tokenizer_operators")
def get_tokenizer_operators(rules):
    """The characters that %o stands for, as a set of strings."""
    return LispSet(_rules(rules, "get_tokenizer_operators").operators)


@builtin("set_tokenizer_operators")
def set_tokenizer_operators(rules, a_set):
    """Replace the characters that %o stands for (the first character of each string).  As
    in the reference, the rules keep the first characters they were compiled with: a rule
    that starts with %o is still tried at the old operators only."""
    tokenizer = _rules(rules, "set_tokenizer_operators")
    if not isinstance(a_set, LispSet):
        raise LispError("Error: This function expects a set of strings (sets)",
                        "set_tokenizer_operators")
    tokenizer.operators = {text(s)[0] for s in a_set if text(s)}
    return True


@builtin("tokenizer_display")
def tokenizer_display(rules):
    """The automaton of each rule of a tokenizer, as the reference shows it."""
    return display(_rules(rules, "tokenizer_display"))
