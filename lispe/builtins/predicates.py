"""`type` and the type predicates, as the reference interpreter answers them, each also
spelled with a question mark (`atom?`, `cons?`, `empty?`, `null?`, `number?`, `sign?`,
`string?`, `zero?`), plus the `integerp floatp listp dictionaryp` extension (DECISIONS.md 1).

- `atomp`: atoms, nil, true and the empty list (an operator given as a value is an atom);
- `consp`: lists of every kind (typed lists, linked lists, dotted pairs), empty or not;
- `nullp`: nil and the empty list only; `emptyp`: nil, atoms, 0, and empty strings or
  containers;
- `numberp`, `stringp`: numbers, strings (not atoms);
- `zerop`: true when the value read as an integer is 0 (`(zerop 0.5)` and `(zerop "")` are
  true, an atom never is); `signp`: -1, 0 or 1 for the value read as a number.
"""

from ..errors import LispError
from ..registry import builtin
from ..values import LList, Pair, Symbol, register_type_name, type_name
from ._common import SEQUENCES
from .compare import as_integer, as_number
from .functional import OPERATORS


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _is_atom(x):
    return (x is None or isinstance(x, (bool, Symbol))
            or getattr(x, "lispe_name", None) in OPERATORS)


register_type_name(LispError, "maybe_")     # what `catch` gives, as the reference names it


@builtin("type")
def type_(x):
    """The type atom of x: integer_, number_, string_, list_, dictionary_, ..."""
    return Symbol(type_name(x))


@builtin("atomp", aliases=("atom?",))
def atomp(x):
    """True for atoms, nil, true and the empty list."""
    return _is_atom(x) or (type(x) is list and not x)


@builtin("consp", aliases=("cons?", "listp"))
def consp(x):
    """True for lists, typed lists, linked lists and dotted pairs, even empty."""
    return isinstance(x, (SEQUENCES, Pair))


@builtin("nullp", aliases=("null?",))
def nullp(x):
    """True for nil and the empty list."""
    return x is None or x is False or (type(x) is list and not x)


@builtin("emptyp", aliases=("empty?",))
def emptyp(x):
    """True for nil, atoms, 0, and empty strings, lists and dictionaries."""
    if _is_atom(x):
        return True
    if _is_number(x):
        return x == 0
    if isinstance(x, (str, SEQUENCES, LList, dict, set, frozenset)):
        return not len(x)
    return False


@builtin("numberp", aliases=("number?",))
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


@builtin("stringp", aliases=("string?",))
def stringp(x):
    """True for strings (not atoms)."""
    return isinstance(x, str) and not isinstance(x, Symbol)


@builtin("dictionaryp")
def dictionaryp(x):
    """True for dictionaries."""
    return isinstance(x, dict)


@builtin("zerop", aliases=("zero?",))
def zerop(x):
    """True when x read as an integer is 0 (nil, "", "0", 0.5 are; atoms never are)."""
    return type(x) is not Symbol and as_integer(x) == 0


@builtin("signp", aliases=("sign?",))
def signp(x):
    """-1, 0 or 1: the sign of x read as a number."""
    v = as_number(x)
    return (v > 0) - (v < 0)
