"""Numbers: arithmetic, bitwise operators, the maths functions, reductions and `random`.

Arithmetic follows the reference interpreter (DECISIONS.md 12):

- The first operand's kind decides the result's.  An integer stays an integer: `(+ 1 2.5)`
  is 3 (the exact sum, truncated toward zero), `(+ 2.5 1)` is 3.5.  `/` is the exception: it
  always gives a number, `(/ 8 2)` is 4.0.  `%` works on integers (a float operand is truncated
  first) with the sign of the dividend; `^^` gives a number.  Integers never wrap around
  (the reference's wrap at 64 bits); `short_` values wrap at 16 bits, `float_` values are
  rounded to 32 bits.
- A string first operand makes `+` concatenate: `(+ "a" 1)` is "a1".
- A list operand makes the operation element-wise.  A list on the left keeps its kind: a
  `list` applies these rules to each element (nested lists recursively), a typed list
  converts the other operand to its element type first, so `(+ (integers 1 2) 0.5)` is
  `(1 2)` and `(/ (integers 7 8) 2)` is `(3 4)`.  With two lists, the left one's length wins
  (its extra elements are kept as they are).  A number on the left of `+ * & | ^` meets the
  list as if it were on the right; for `- / % ^^ << >> &~` it is first spread into a list
  of its own kind, so `(- 10 (list 1 2))` is the integers `(9 8)`.
- One list argument reduces it: `(+ '(1 2 3))` is 6, `(- '(10 1 2))` is 7, an empty list
  gives 0.  One argument that is not a list is returned as it is, as the reference's
  `(apply '+ '(1))` does (its direct `(+ 1)` is an error: no valid program relies on it).

Any other object (a torch tensor, a numpy array) goes to Python's own operator, so LispE
arithmetic on tensors keeps autograd; the maths functions take 0-dim tensors as numbers
(DECISIONS.md 3) and apply the tensor's own method (`sqrt`, `exp`, ...) to larger tensors.
The compiler inlines `+ - * /` for two plain ints/floats with these same rules; these
functions are the general case.  Comparisons live in `compare.py`.
"""

import array
import math
import operator
import struct

from ..errors import LispError
from ..printer import to_string
from ..registry import builtin
from ..values import (Float32, Floats, Integers, LList, LispSet, Numbers, Short, Shorts, Strings,
                      TypedArray)
from .sets import SetI
from ._common import DIVISION_BY_ZERO, as_number, check_int, parse_number

COMMUTATIVE = frozenset("+ * & | ^".split())
_BITS = {"&": operator.and_, "|": operator.or_, "^": operator.xor, "<<": operator.lshift,
         ">>": operator.rshift, "&~": lambda a, b: a & ~b}
_CONTAINERS = (list, array.array, LList, LispSet)
_WORD = struct.Struct("<q")
_DOUBLE = struct.Struct("<d")


def bad_operand(value):
    """The error for a value that cannot take part in arithmetic."""
    return LispError("Error: cannot use this element in an arithmetic expression: "
                     f"'{to_string(value)}'")


def bad_operands(op):
    """The error for a first operand that has no such operation."""
    return LispError(f"Error: cannot evaluate '{op}' with these operands", op)


def _is_foreign(x):
    """A tensor or an array: Python's operators handle it."""
    return hasattr(x, "ndim") and not isinstance(x, (int, float))


def _number(x):
    """`x` as a Python number, for a numeric first operand."""
    if isinstance(x, (int, float)) and type(x) is not bool:
        return x
    if getattr(x, "ndim", None) == 0 and hasattr(x, "item"):
        return x.item()
    raise bad_operand(x)


def _as_int(x):
    """An operand where the reference wants an integer (floats are truncated)."""
    if isinstance(x, float):
        return int(x) if math.isfinite(x) else 0
    return int(x)


def _truncate(x):
    """A float result stored in an integer: truncated toward zero (C's conversion)."""
    return int(x) if math.isfinite(x) else x


def _c_remainder(a, b):
    if b == 0:
        raise LispError(DIVISION_BY_ZERO)
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def _c_quotient(a, b):
    if b == 0:
        raise LispError(DIVISION_BY_ZERO)
    q = abs(a) // abs(b)
    return -q if (a < 0) != (b < 0) else q


def _c_pow(a, b):
    try:
        return math.pow(a, b)
    except ValueError:
        return math.nan
    except OverflowError:
        return math.inf


MAX_SHIFT = 1 << 24     # (<< 1 n) beyond this would build an integer of megabytes


def _shift(op, a, b):
    if b < 0:
        raise LispError(f"Error: negative shift count for '{op}'", op)
    if op == "<<" and b > MAX_SHIFT and a:
        raise LispError(f"Error: shift count too large for '{op}'", op)
    return _BITS[op](a, b)


def _int_op(op, a, b):
    """`a op b` for an integer a and a number b: an integer, except for `/` and `^^`."""
    if op == "+":
        r = a + b
    elif op == "-":
        r = a - b
    elif op == "*":
        r = a * b
    elif op == "/":
        if b == 0:
            raise LispError(DIVISION_BY_ZERO)
        try:
            return a / b
        except OverflowError:       # an unbounded integer beyond the float range
            return math.inf if (a < 0) == (b < 0) else -math.inf
    elif op == "%":
        return _c_remainder(a, _as_int(b))
    elif op == "^^":
        return _c_pow(a, b)
    elif op in ("<<", ">>"):
        return _shift(op, a, _as_int(b))
    else:
        return _BITS[op](a, _as_int(b))
    return _truncate(r) if type(r) is float else r


def _float_bits(op, a, b):
    """Bitwise operators on a float: on its integer value, or on its IEEE bits."""
    if a.is_integer():
        return float(_int_op(op, int(a), b))
    bits = _WORD.unpack(_DOUBLE.pack(a))[0]
    bits = _int_op(op, bits, b) & 0xFFFFFFFFFFFFFFFF
    return _DOUBLE.unpack(_WORD.pack(bits - (1 << 64) if bits >> 63 else bits))[0]


def _float_op(op, a, b):
    """`a op b` for a float a and a number b: a float."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise LispError(DIVISION_BY_ZERO)
        return a / b
    if op == "%":
        return float(_c_remainder(_as_int(a), _as_int(b)))
    if op == "^^":
        return _c_pow(a, b)
    if not math.isfinite(a):
        return a
    return _float_bits(op, a, b)


def _scalar(op, a, b):
    """`a op b` for a first operand that is not a container."""
    if isinstance(a, (int, float)) and type(a) is not bool:
        b = _number(b)
        if isinstance(a, int):
            r = _int_op(op, a, b)
            if type(r) is int:
                return Short(r) if type(a) is Short else r
            return Float32(r) if type(b) is Float32 else r
        r = _float_op(op, float(a), b)
        return Float32(r) if type(a) is Float32 else r
    if isinstance(a, str) and type(a) is str and op == "+":
        return a + (b if isinstance(b, str) else to_string(b))
    raise bad_operands(op)


def arith(op, a, b):
    """`(op a b)` for any two LispE values."""
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        if op == "+":
            r = a + b
        elif op == "-":
            r = a - b
        elif op == "*":
            r = a * b
        else:
            return _int_op(op, a, b) if ta is int else _float_op(op, a, b)
        return _truncate(r) if ta is int and tb is float else r
    if isinstance(a, _CONTAINERS):
        return _left(op, a, b)
    if isinstance(b, _CONTAINERS):
        return _right(op, a, b)
    if _is_foreign(a) or _is_foreign(b):
        return _foreign(op, a, b)
    if type(a) is complex or type(b) is complex:
        return _complex(op, a, b)
    return _scalar(op, a, b)


_COMPLEX_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
                "^^": operator.pow}


def _complex(op, a, b):
    """Arithmetic where a complex number takes part: a complex result (`+ - * / ^^`)."""
    fn = _COMPLEX_OPS.get(op)
    if fn is None or isinstance(a, (str, bool)) or not isinstance(a, (int, float, complex)):
        raise bad_operands(op)
    if isinstance(b, bool) or not isinstance(b, (int, float, complex)):
        raise bad_operand(b)
    try:
        return complex(fn(a, b))
    except ZeroDivisionError:
        raise LispError(DIVISION_BY_ZERO) from None


_PYTHON_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul,
               "/": operator.truediv, "%": operator.mod, "^^": operator.pow, **_BITS}


def _foreign(op, a, b):
    try:
        return _PYTHON_OPS[op](a, b)
    except ZeroDivisionError:
        raise LispError(DIVISION_BY_ZERO) from None
    except TypeError:
        raise bad_operand(b if _is_foreign(a) else a) from None


# element-wise --------------------------------------------------------------------------------

_INT_BITS = {Integers: 64, Shorts: 16}


def _wrap(value, bits):
    half = 1 << (bits - 1)
    return (value + half) % (1 << bits) - half


def typed_op(kind, op, x, y):
    """`x op y` inside a typed list of `kind`: y takes the element type, so does the result."""
    y = _number(y)
    bits = _INT_BITS.get(kind)
    if bits is None:
        r = _float_op(op, float(x), y)
        return Float32(r) if kind is Floats else r
    if op == "/":
        if y == 0:
            raise LispError(DIVISION_BY_ZERO)
        r = _c_quotient(x, y) if isinstance(y, int) else _truncate(x / y)
    elif op == "^^":
        r = _truncate(_c_pow(x, y))
    else:
        r = _int_op(op, x, _as_int(y))
    return _wrap(r, bits) if isinstance(r, int) else 0


def _store(kind, values):
    """A typed list of `kind` holding `values` (integers wrap around like the reference's)."""
    try:
        return kind.from_array(array.array(kind.typecode_, values))
    except OverflowError:
        bits = _INT_BITS[kind]
        return kind.from_array(array.array(kind.typecode_, [_wrap(v, bits) for v in values]))


_FAST = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def _fast_typed(kind, op, items, other):
    """`+ - *` of a numeric typed list and a number or a list of numbers of its own kind,
    without the per-element conversions (None when this shortcut does not apply)."""
    fn = _FAST.get(op)
    if fn is None:
        return None
    if isinstance(other, _CONTAINERS):
        if type(other) is not kind:
            return None
        n = min(len(items), len(other))
        return _store(kind, list(map(fn, items[:n], other[:n])) + list(items[n:]))
    y = _number(other)
    y = _as_int(y) if kind in _INT_BITS else float(y)
    return _store(kind, [fn(x, y) for x in items])


def _rebuild(like, values):
    """`values` in a container of the kind of `like` (a list, an llist, strings, a set)."""
    kind = type(like)
    if kind is list:
        return values
    if kind is Strings:
        return Strings(values) if all(isinstance(v, str) for v in values) else values
    if issubclass(kind, LispSet):
        try:
            return kind(values)
        except TypeError:
            return values
    if issubclass(kind, LList):
        return kind(values)
    return values           # a matrix, a tensor or a heap gives a plain list, as in the reference


def _elements(c):
    return sorted(c, key=_set_order) if isinstance(c, LispSet) else c


def _set_order(x):
    return (isinstance(x, str), x if isinstance(x, (int, float, str)) else 0)


def _left(op, a, b):
    """`(op a b)` for a container a."""
    items = _elements(a)
    if isinstance(b, _CONTAINERS):
        other = _elements(b)
        n = min(len(items), len(other))
        if isinstance(a, TypedArray):
            if n and isinstance(other[0], _CONTAINERS):
                return [arith(op, items[i], other[i]) for i in range(n)]
            kind = type(a)
            fast = _fast_typed(kind, op, items, other)
            if fast is not None:
                return fast
            head = [typed_op(kind, op, items[i], other[i]) for i in range(n)]
            return _store(kind, head + list(items[n:]))
        head = [arith(op, items[i], other[i]) for i in range(n)]
        return _rebuild(a, head + list(items)[n:])
    if isinstance(a, TypedArray):
        kind = type(a)
        if kind in _INT_BITS and op == "/":
            b = _as_int(_number(b))     # (/ (integers 10 20) 2.5) divides by 2
        fast = _fast_typed(kind, op, items, b)
        if fast is not None:
            return fast
        return _store(kind, [typed_op(kind, op, x, b) for x in items])
    return _rebuild(a, [arith(op, x, b) for x in items])


_SPREAD = ((Short, Shorts), (Float32, Floats), (bool, None), (int, Integers), (float, Numbers),
           (str, Strings))


def _spread(c, x):
    """A container shaped like `c` filled with `x` (the reference's `newInstance`)."""
    if isinstance(c, TypedArray):
        return _store(type(c), [type(c).convert(_number(x))] * len(c))
    items = list(_elements(c))
    if not any(isinstance(e, _CONTAINERS) for e in items):
        kind = next((k for t, k in _SPREAD if isinstance(x, t)), None)
        if kind is not None and kind is not Strings:
            return _store(kind, [kind.convert(x)] * len(items))
        return Strings([x] * len(items)) if kind is Strings else [x] * len(items)
    return [_spread(e, x) if isinstance(e, _CONTAINERS) else x for e in items]


def _right(op, a, b):
    """`(op a b)` for a non-container a and a container b."""
    if op in COMMUTATIVE:
        if isinstance(a, str):
            return _rebuild(b, [arith(op, a, y) for y in _elements(b)])
        return _left(op, b, a)
    return _left(op, _spread(b, a), b)


def reduce_list(op, c):
    """`(op l)`: the elements of one list folded with op, left to right (0 when empty); a
    single value is returned as it is (as `(apply '+ '(1))` gives 1 in the reference)."""
    if not isinstance(c, (list, array.array, LList)):
        return c
    if not len(c):
        return 0
    items = iter(c)
    total = next(items)
    if isinstance(c, TypedArray):
        kind = type(c)
        if op == "+" and kind in _INT_BITS:
            return _scalar_of(kind, _wrap(sum(c), _INT_BITS[kind]))
        if op == "+" and kind is Numbers:
            return sum(c, 0.0)
        for x in items:
            total = typed_op(kind, op, total, x)
        return _scalar_of(kind, total)
    for x in items:
        total = arith(op, total, x)
    return total


def _scalar_of(kind, value):
    if kind is Floats:
        return Float32(value)
    if kind is Shorts:
        return Short(value)
    return value


def _fold(op, first, rest):
    if not rest:
        return reduce_list(op, first)
    for x in rest:
        first = arith(op, first, x)
    return first


def _operator(op, doc):
    def fn(first, *rest):
        try:
            return _fold(op, first, rest)
        except OverflowError:       # an unbounded integer met a float
            raise LispError(f"Error: a number is too large for a float in '{op}'", op) from None
    fn.__name__ = fn.__qualname__ = "op_" + op
    return builtin(op, doc=doc, signature=f"({op} a b...)",
                   aliases=("**",) if op == "^^" else ())(fn)


for _op, _doc in (
        ("+", "Sum (the first operand's type decides the result's); concatenation when the first "
              "is a string; element-wise on lists; (+ l) sums the list l."),
        ("-", "Difference, left to right (integer when the first operand is); (- l) folds l."),
        ("*", "Product (integer when the first operand is); element-wise on lists; (* l) folds l."),
        ("/", "Division, always a number: (/ 7 2) is 3.5; dividing by zero is an error."),
        ("%", "Integer remainder with the sign of the dividend (floats are truncated first)."),
        ("^^", "Power, a number: (^^ 2 10) is 1024."),
        ("&", "Bitwise and of integers; element-wise on lists."),
        ("|", "Bitwise or of integers; element-wise on lists."),
        ("^", "Bitwise exclusive or of integers; element-wise on lists."),
        ("<<", "Left shift: (<< 1 4) is 16."),
        (">>", "Right shift: (>> 16 2) is 4."),
        ("&~", "Bitwise and-not: (&~ a b) is a & ~b.")):
    _operator(_op, _doc)


@builtin("~")
def bitwise_not(x):
    """Bitwise complement of an integer (element-wise on a list)."""
    if type(x) is int:
        return ~x
    if isinstance(x, TypedArray):
        return _store(type(x), [bitwise_not(v) for v in x])
    if isinstance(x, _CONTAINERS):
        return _rebuild(x, [bitwise_not(v) for v in _elements(x)])
    if isinstance(x, int) and not isinstance(x, bool):
        return type(x)(~x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return x
        r = float(~int(x)) if x.is_integer() else _DOUBLE.unpack(_WORD.pack(
            ~_WORD.unpack(_DOUBLE.pack(x))[0]))[0]
        return Float32(r) if type(x) is Float32 else r
    if _is_foreign(x):
        return ~x
    raise bad_operand(x)


# maths functions -----------------------------------------------------------------------------

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


def round_half_away(x):
    """Round to the nearest integer, halves away from zero (C `round`), as a float."""
    if not math.isfinite(x):
        return float(x)
    magnitude = abs(x)
    r = math.floor(magnitude)
    if magnitude - r >= 0.5:      # exact for doubles, unlike floor(x + 0.5)
        r += 1
    return float(-r if x < 0 else r)


def _integral(fn):
    """floor/ceil/trunc as floats; infinities and nan go through unchanged."""
    return lambda x: float(fn(x)) if math.isfinite(x) else float(x)


def _logb(x):
    if x == 0:
        return -math.inf
    if not math.isfinite(x):
        return abs(x)
    return float(math.frexp(x)[1] - 1)


_MATHS = {
    "sqrt": (math.sqrt, "Square root (nan for a negative number).", ("√",)),
    "cbrt": (lambda x: math.copysign(abs(x) ** (1 / 3), x), "Cube root.", ("∛",)),
    "exp": (math.exp, "e to the power x.", ()),
    "exp2": (lambda x: 2.0 ** x, "2 to the power x.", ()),
    "expm1": (math.expm1, "e to the power x, minus 1.", ()),
    "log": (math.log, "Natural logarithm.", ()),
    "log2": (math.log2, "Base-2 logarithm.", ()),
    "log10": (math.log10, "Base-10 logarithm.", ()),
    "log1p": (math.log1p, "Natural logarithm of 1 + x.", ()),
    "logb": (_logb, "The binary exponent of x: (logb 8) is 3.", ()),
    "sin": (math.sin, "Sine (radians).", ()),
    "cos": (math.cos, "Cosine (radians).", ()),
    "tan": (math.tan, "Tangent (radians).", ()),
    "asin": (math.asin, "Arc sine.", ()),
    "acos": (math.acos, "Arc cosine.", ()),
    "atan": (math.atan, "Arc tangent.", ()),
    "sinh": (math.sinh, "Hyperbolic sine.", ()),
    "cosh": (math.cosh, "Hyperbolic cosine.", ()),
    "tanh": (math.tanh, "Hyperbolic tangent.", ()),
    "asinh": (math.asinh, "Inverse hyperbolic sine.", ()),
    "acosh": (math.acosh, "Inverse hyperbolic cosine.", ()),
    "atanh": (math.atanh, "Inverse hyperbolic tangent.", ()),
    "erf": (math.erf, "The error function.", ()),
    "erfc": (math.erfc, "The complementary error function.", ()),
    "lgamma": (math.lgamma, "Natural logarithm of the absolute value of the gamma function.", ()),
    "tgamma": (math.gamma, "The gamma function: (tgamma 5) is 24.", ()),
    "fabs": (math.fabs, "Absolute value, as a number.", ()),
    "floor": (_integral(math.floor), "Largest integral value <= x, as a number.", ()),
    "ceil": (_integral(math.ceil), "Smallest integral value >= x, as a number.", ()),
    "trunc": (_integral(math.trunc), "x truncated toward zero, as a number.", ()),
    "rint": (_integral(round), "Nearest integral value, halves to even, as a number.", ()),
    "nearbyint": (_integral(round), "Nearest integral value, halves to even, as a number.", ()),
    "radian": (math.radians, "Degrees to radians.", ()),
    "degree": (math.degrees, "Radians to degrees.", ()),
}


def maths_operand(x, name):
    """A number for a maths function: numbers, 0-dim tensors and numeric strings."""
    if isinstance(x, str) and type(x) is str:
        return parse_number(x)
    return as_number(x, name)


def _maths_function(name, fn):
    fn = _c_float(fn)

    def maths(x):
        if type(x) is float or type(x) is int:
            return fn(x)
        if getattr(x, "ndim", None) not in (None, 0) and callable(getattr(x, name, None)):
            return getattr(x, name)()       # a tensor: its own element-wise method
        return fn(maths_operand(x, name))
    return maths


for _name, (_fn, _doc, _aliases) in _MATHS.items():
    builtin(_name, doc=_doc, signature=f"({_name} x)", aliases=_aliases)(
        _maths_function(_name, _fn))


@builtin("abs")
def abs_(x):
    """Absolute value (an integer stays an integer)."""
    if type(x) is int or type(x) is float:
        return abs(x)
    if getattr(x, "ndim", None) not in (None, 0):
        return abs(x)
    return abs(maths_operand(x, "abs"))


@builtin("iabs")
def iabs(x):
    """Absolute value as an integer: (iabs -3.5) is 3."""
    return abs(_as_int(maths_operand(x, "iabs")))


@builtin("round")
def round_(x, digits=None):
    """Round half away from zero; (round x n): to n digits when n <= 15, else round(x)/n."""
    if type(x) is not float and type(x) is not int:
        if getattr(x, "ndim", None) not in (None, 0) and digits is None:
            return x.round()
        x = maths_operand(x, "round")
    if digits is None:
        return round_half_away(x)
    n = check_int(digits, "round", "an integer number of digits")
    if n > 15:            # the seed idiom (round (* v 10000) 10000): v with 4 decimals
        return round_half_away(x) / n
    scale = 10.0 ** n
    return round_half_away(x * scale) / scale


def _integer_arguments(fname, a, b):
    return (_as_int(maths_operand(a, fname)), _as_int(maths_operand(b, fname)))


@builtin("gcd", aliases=("hcf",))
def gcd(a, b):
    """Greatest common divisor of two integers (floats are truncated)."""
    return math.gcd(*_integer_arguments("gcd", a, b))


@builtin("cosine")
def cosine(a, b):
    """Cosine similarity of two `numbers` (or two `floats`) lists of the same size."""
    if not isinstance(a, (Numbers, Floats)) or not isinstance(b, (Numbers, Floats)):
        raise LispError("Error: Incompatible types, expected 'floats' or 'numbers'", "cosine")
    if type(a) is not type(b) or len(a) != len(b):
        raise LispError("Error: expected 'floats' or 'numbers' or same size lists", "cosine")
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    value = dot / norm if norm else 0.0
    return Float32(value) if isinstance(a, Floats) else value


@builtin("sign")
def sign(x):
    """x with its sign changed: (sign 3) is -3, (sign -2.5) is 2.5."""
    if isinstance(x, (int, float)) and type(x) is not bool:
        return type(x)(-x) if type(x) in (Short, Float32) else -x
    if _is_foreign(x):
        return -x
    raise LispError("Error: Cannot invert this object", "sign")


@builtin("signp", aliases=("sign?",))
def signp(x):
    """-1, 0 or 1 according to the sign of x."""
    x = as_number(x, "signp")
    return (x > 0) - (x < 0)


MAX_FACTORIAL = 100000


@builtin("!")
def factorial(n):
    """Factorial of a non-negative integer (a float is truncated)."""
    if isinstance(n, float):
        n = _as_int(n)
    n = check_int(n, "!", "an integer")
    if n < 0:
        raise LispError("Error: factorial of a negative number does not exists", "!")
    if n > MAX_FACTORIAL:
        raise LispError(f"Error: factorial of {n} is too large to compute", "!")
    return math.factorial(n)


# reductions ----------------------------------------------------------------------------------

def _container(c, fname):
    if isinstance(c, (list, array.array, LList, LispSet)):
        return c
    raise LispError("Error: expecting a container as argument", fname)


def _total(c, fname, start, op):
    c = _container(c, fname)
    if isinstance(c, Strings):
        if op == "+":
            return "".join(c)
        raise bad_operands(op)
    if isinstance(c, (Integers, Shorts, SetI)):
        total = math.prod(c, start=start) if op == "*" else sum(c, start)
        return Short(total) if isinstance(c, Shorts) else total
    total = float(start)
    for x in c:
        total = total + _number(x) if op == "+" else total * _number(x)
    return Float32(total) if isinstance(c, Floats) else total


@builtin("∑", aliases=("sum",))
def sum_(c):
    """Sum of a list's elements: an integer for integer typed lists, else a number."""
    return _total(c, "∑", 0, "+")


@builtin("∏", aliases=("product",))
def product(c):
    """Product of a list's elements: an integer for integer typed lists, else a number."""
    return _total(c, "∏", 1, "*")


def _extreme(fn, fname, args, what):
    if len(args) == 1:
        c = args[0]
        if isinstance(c, dict):
            raise LispError(f"Error: cannot find the {what} for this object", fname)
        if not isinstance(c, (list, array.array, LList, LispSet)):
            raise LispError(f"Error: cannot find the {what} for this object", fname)
        if not len(c):
            return None
        args = list(c)
    try:
        return fn(args)
    except TypeError:
        raise LispError(f"Error: {fname} cannot compare these elements", fname) from None


@builtin("max")
def max_(first, *rest):
    """Largest argument, or largest element of a single container (nil when empty)."""
    return _extreme(max, "max", (first, *rest), "maximum")


@builtin("min")
def min_(first, *rest):
    """Smallest argument, or smallest element of a single container (nil when empty)."""
    return _extreme(min, "min", (first, *rest), "minimum")


@builtin("minmax")
def minmax(first, *rest):
    """The list (min max) of the arguments or of a single container's elements."""
    args = (first, *rest)
    low = _extreme(min, "minmax", args, "minmax")
    return None if low is None else [low, _extreme(max, "minmax", args, "minmax")]


