"""Numbers: arithmetic, bitwise operators, the maths functions, reductions and `random`.

Typing rules (spec §10): integers stay integers (Python ints: they never wrap around, unlike
the original's 64-bit integers), any float makes the result a float, `/` always returns a
float, `%` is the C remainder (sign of the dividend), `^^`/`**` returns a float.  A string
first operand makes `+` concatenate (§10.2); a list or typed list operand makes the operation
element-wise (§10.3) and the result a container of the same kind (integer typed lists become
`numbers` when a float appears, by the same promotion rule as scalars).  Any other object
(a torch tensor, a numpy array) goes to Python's own operator, so LispE arithmetic on tensors
keeps autograd.  The maths functions take 0-dim tensors as numbers (DECISIONS.md 3) and apply
the tensor's own method (`sqrt`, `exp`, ...) to larger tensors.

The compiler inlines `+ - * /` and comparisons for two plain ints/floats; these functions are
the general case.  Comparisons live in `compare.py`.
"""

import math
import operator
import random as _random

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin
from ..values import Floats, Integers, LList, LispSet, Numbers, Pair, Shorts, Strings, Symbol
from ._common import DIVISION_BY_ZERO, SEQUENCES, as_number, check_int, type_error


def bad_operand(value):
    """The error for a value that cannot take part in arithmetic."""
    return LispError("Error: cannot use this element in an arithmetic expression: "
                     f"'{to_string(value)}'")


def _operand(x):
    """`x` ready for a Python operator: numeric strings become numbers, atoms are refused."""
    if x is None or isinstance(x, (bool, Symbol, dict, LispSet, Pair)):
        raise bad_operand(x)
    if isinstance(x, str):
        try:
            return int(x)
        except ValueError:
            try:
                return float(x)
            except ValueError:
                raise bad_operand(x) from None
    return x


def _typed_like(like, values):
    """`values` as a container of the kind of `like` (typed lists follow the promotion rule)."""
    kind = type(like)
    if kind is list:
        return values
    if kind in (Integers, Shorts) and any(type(v) is float for v in values):
        kind = Numbers
    if kind in (Integers, Shorts, Numbers, Floats):
        try:
            return kind(values)
        except (TypeError, ValueError):
            return values
        except OverflowError:
            return Numbers(values) if kind in (Integers, Shorts) else values
    if kind is Strings:
        return Strings(values) if all(isinstance(v, str) for v in values) else values
    if kind is LList:
        return LList(values)
    return values


def _elementwise(two, a, b):
    if isinstance(a, SEQUENCES):
        if isinstance(b, SEQUENCES):
            return _typed_like(a, [two(x, y) for x, y in zip(a, b)])
        return _typed_like(a, [two(x, b) for x in a])
    return _typed_like(b, [two(a, y) for y in b])


def _general(op, two, a, b):
    """Everything but two plain numbers: containers, numeric strings, tensors, errors."""
    if isinstance(a, SEQUENCES) or isinstance(b, SEQUENCES):
        return _elementwise(two, a, b)
    x, y = _operand(a), _operand(b)
    try:
        return op(x, y)
    except ZeroDivisionError:
        raise LispError(DIVISION_BY_ZERO) from None
    except TypeError:
        raise bad_operand(b if isinstance(x, (int, float)) else a) from None


def _add2(a, b):
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return a + b
    if ta is str:
        return a + (b if tb is str else to_string(b))
    return _general(operator.add, _add2, a, b)


def _sub2(a, b):
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return a - b
    return _general(operator.sub, _sub2, a, b)


def _mul2(a, b):
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return a * b
    return _general(operator.mul, _mul2, a, b)


def _div2(a, b):
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        if b == 0:
            raise LispError(DIVISION_BY_ZERO)
        return a / b
    return _general(operator.truediv, _div2, a, b)


def _c_mod(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        a, b = int(a), int(b)
        if b == 0:
            raise LispError(DIVISION_BY_ZERO)
        r = abs(a) % abs(b)
        return -r if a < 0 else r
    return a % b


def _mod2(a, b):
    return _general(_c_mod, _mod2, a, b)


def _c_pow(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        try:
            return math.pow(a, b)
        except ValueError:
            return math.nan
        except OverflowError:
            return math.inf
    return a ** b


def _pow2(a, b):
    return _general(_c_pow, _pow2, a, b)


@builtin("+")
def add(first, *rest):
    """Sum of the arguments; concatenation when the first is a string; element-wise on lists."""
    for x in rest:
        first = _add2(first, x)
    return first


@builtin("-")
def sub(first, *rest):
    """Difference of the arguments, left to right; `(- x)` is the negation of x."""
    if not rest:
        return _sub2(0, first)
    for x in rest:
        first = _sub2(first, x)
    return first


@builtin("*")
def mul(first, *rest):
    """Product of the arguments; element-wise on lists."""
    for x in rest:
        first = _mul2(first, x)
    return first


@builtin("/")
def div(first, *rest):
    """Division, always a float (`(/ 7 2)` is 3.5); `(/ x)` is 1/x; zero raises an error."""
    if not rest:
        return _div2(1, first)
    for x in rest:
        first = _div2(first, x)
    return first


@builtin("%")
def mod(first, second, *rest):
    """Integer remainder with the sign of the dividend (floats are truncated first)."""
    first = _mod2(first, second)
    for x in rest:
        first = _mod2(first, x)
    return first


@builtin("^^", aliases=("**",))
def power(first, second, *rest):
    """Power, a float: `(^^ 2 10)` is 1024."""
    first = _pow2(first, second)
    for x in rest:
        first = _pow2(first, x)
    return first


# bitwise ---------------------------------------------------------------------------------

def _bitwise(op, a, b):
    if type(a) is int and type(b) is int:
        return op(a, b)
    if isinstance(a, LispSet) and isinstance(b, (set, frozenset)):
        return type(a)(op(a, b))
    return _general(op, lambda x, y: _bitwise(op, x, y), a, b)


def _bitwise_fold(op):
    def fold(first, second, *rest):
        first = _bitwise(op, first, second)
        for x in rest:
            first = _bitwise(op, first, x)
        return first
    return fold


for _name, _op, _doc in (("&", operator.and_, "Bitwise and of integers (intersection of sets)."),
                         ("|", operator.or_, "Bitwise or of integers (union of sets)."),
                         ("^", operator.xor, "Bitwise exclusive or of integers."),
                         ("<<", operator.lshift, "Left shift: `(<< 1 4)` is 16."),
                         (">>", operator.rshift, "Right shift: `(>> 16 2)` is 4."),
                         ("&~", lambda a, b: a & ~b, "Bitwise and-not: `(&~ a b)` is a & ~b.")):
    builtin(_name, doc=_doc)(_bitwise_fold(_op))


@builtin("~")
def bitwise_not(x):
    """Bitwise complement of an integer."""
    if type(x) is int:
        return ~x
    try:
        return ~_operand(x)
    except TypeError:
        raise bad_operand(x) from None


# maths functions ---------------------------------------------------------------------------

def _c_float(fn):
    """`fn` with C's answers for out-of-domain inputs: nan, -inf for log(0), inf on overflow."""
    def c_fn(x):
        try:
            return fn(x)
        except ValueError:
            return -math.inf if x == 0 else math.nan
        except OverflowError:
            return math.inf
    return c_fn


def _integral(fn):
    """floor/ceil/trunc as floats; infinities and nan go through unchanged."""
    return lambda x: float(fn(x)) if math.isfinite(x) else float(x)


def round_half_away(x):
    """Round to the nearest integer, halves away from zero (C `round`), as a float."""
    if not math.isfinite(x):
        return float(x)
    magnitude = abs(x)
    r = math.floor(magnitude)
    if magnitude - r >= 0.5:      # exact for doubles, unlike floor(x + 0.5)
        r += 1
    return float(-r if x < 0 else r)


_MATHS = {
    "sqrt": (math.sqrt, "Square root (nan for a negative number)."),
    "exp": (math.exp, "e to the power x."),
    "log": (math.log, "Natural logarithm."),
    "log2": (math.log2, "Base-2 logarithm."),
    "log10": (math.log10, "Base-10 logarithm."),
    "sin": (math.sin, "Sine (radians)."),
    "cos": (math.cos, "Cosine (radians)."),
    "tan": (math.tan, "Tangent (radians)."),
    "asin": (math.asin, "Arc sine."),
    "acos": (math.acos, "Arc cosine."),
    "atan": (math.atan, "Arc tangent."),
    "sinh": (math.sinh, "Hyperbolic sine."),
    "cosh": (math.cosh, "Hyperbolic cosine."),
    "tanh": (math.tanh, "Hyperbolic tangent."),
    "asinh": (math.asinh, "Inverse hyperbolic sine."),
    "acosh": (math.acosh, "Inverse hyperbolic cosine."),
    "atanh": (math.atanh, "Inverse hyperbolic tangent."),
    "floor": (_integral(math.floor), "Largest integral value <= x, as a float."),
    "ceil": (_integral(math.ceil), "Smallest integral value >= x, as a float."),
    "trunc": (_integral(math.trunc), "x truncated toward zero, as a float."),
}


def _maths_function(name, fn):
    fn = _c_float(fn)

    def maths(x):
        if type(x) is float or type(x) is int:
            return fn(x)
        if getattr(x, "ndim", None) != 0 and callable(getattr(x, name, None)):
            return getattr(x, name)()       # a tensor: its own element-wise method
        return fn(as_number(x, name))
    return maths


for _name, (_fn, _doc) in _MATHS.items():
    builtin(_name, doc=_doc, signature=f"({_name} x)")(_maths_function(_name, _fn))


@builtin("abs")
def abs_(x):
    """Absolute value (an integer stays an integer)."""
    if type(x) is int or type(x) is float:
        return abs(x)
    if getattr(x, "ndim", None) not in (None, 0):
        return abs(x)
    return abs(as_number(x, "abs"))


@builtin("round")
def round_(x, digits=None):
    """Round half away from zero; (round x n): to n digits when n <= 15, else round(x)/n."""
    if type(x) is not float and type(x) is not int:
        if getattr(x, "ndim", None) not in (None, 0) and digits is None:
            return x.round()
        x = as_number(x, "round")
    if digits is None:
        return round_half_away(x)
    n = check_int(digits, "round", "an integer number of digits")
    if n > 15:            # the seed idiom (round (* v 10000) 10000): v with 4 decimals
        return round_half_away(x) / n
    scale = 10.0 ** n
    return round_half_away(x * scale) / scale


@builtin("sign")
def sign(x):
    """-1, 0 or 1 according to the sign of x."""
    x = as_number(x, "sign")
    return (x > 0) - (x < 0)


@builtin("!")
def factorial(n):
    """Factorial of a non-negative integer."""
    n = check_int(n, "!", "a non-negative integer")
    if n < 0:
        raise type_error("!", "a non-negative integer", n)
    return math.factorial(n)


# reductions ----------------------------------------------------------------------------------

def _items(args, fname):
    """The values a reduction works on: a single container's elements, or the arguments."""
    if len(args) == 1 and not isinstance(args[0], (int, float, str)):
        container = args[0]
        if isinstance(container, dict):
            return list(container.values())
        try:
            return list(container)
        except TypeError:
            raise type_error(fname, "numbers or a container", container) from None
    return list(args)


@builtin("sum", aliases=("∑",))
def sum_(first, *rest):
    """Sum of a container's elements (or of the arguments); integer only for integer lists."""
    values = _items((first, *rest), "sum")
    total = add(0, *values)
    if type(total) is int and not (rest or isinstance(first, (Integers, Shorts))):
        return float(total)
    return total


@builtin("product", aliases=("∏",))
def product(first, *rest):
    """Product of a container's elements (or of the arguments)."""
    values = _items((first, *rest), "product")
    total = mul(1, *values)
    if type(total) is int and not (rest or isinstance(first, (Integers, Shorts))):
        return float(total)
    return total


def _extreme(fn, fname, args):
    values = _items(args, fname)
    if not values:
        raise type_error(fname, "a non-empty container", args[0])
    try:
        return fn(values)
    except TypeError:
        raise LispError(f"Error: {fname} cannot compare these elements", fname) from None


@builtin("max")
def max_(first, *rest):
    """Largest argument, or largest element of a single container."""
    return _extreme(max, "max", (first, *rest))


@builtin("min")
def min_(first, *rest):
    """Smallest argument, or smallest element of a single container."""
    return _extreme(min, "min", (first, *rest))


@builtin("minmax")
def minmax(first, *rest):
    """The list (min max) of the arguments or of a single container's elements."""
    args = (first, *rest)
    return [_extreme(min, "minmax", args), _extreme(max, "minmax", args)]


@builtin("random")
def random_(limit=None):
    """A random float in [0, limit) (limit defaults to 1)."""
    if limit is None:
        return _random.random()
    return _random.random() * as_number(limit, "random")
