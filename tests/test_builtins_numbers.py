"""Core builtins: arithmetic as the reference interpreter does it, the maths functions,
reductions and the APL / matrix operators on numbers (spec §10, DECISIONS.md 12).

The builtins are called directly (the compiler inlines two-number `+ - * /`, which
test_conformance and the conformance programs cover)."""

import decimal
import math

import pytest
from hypothesis import given, strategies as st

import lispe.builtins  # noqa: F401  (registers the core builtins)
from lispe.errors import LispError
from lispe.printer import to_string
from lispe.registry import lookup
from lispe.values import Float32, Floats, Integers, LList, Numbers, Short, Shorts, Strings, Symbol


def call(name, *args):
    return lookup(name).func(*args)


def show(value):
    return to_string(value), lookup("type").func(value)


ints = st.integers(min_value=-10**30, max_value=10**30)
floats = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)


# the first operand decides --------------------------------------------------------------------

@given(ints, ints)
def test_integer_arithmetic_matches_python_and_never_wraps(a, b):
    assert call("+", a, b) == a + b and type(call("+", a, b)) is int
    assert call("-", a, b) == a - b
    assert call("*", a, b) == a * b


@given(st.integers(min_value=-10**12, max_value=10**12), floats)
def test_an_integer_first_operand_truncates_the_exact_result(a, b):
    for name, op in (("+", float.__add__), ("-", float.__sub__), ("*", float.__mul__)):
        result = call(name, a, b)
        assert type(result) is int and result == math.trunc(op(float(a), b))


@given(floats, st.integers(min_value=-10**12, max_value=10**12))
def test_a_float_first_operand_gives_a_float(a, b):
    assert call("+", a, b) == a + b and type(call("+", a, b)) is float
    assert type(call("*", a, b)) is float


def test_the_issue_examples():
    assert call("+", 1, 2.5) == 3 and call("+", 2.5, 1) == 3.5
    assert call("-", 1, 2.5) == -1 and call("*", 2, 1.5) == 3


def test_division_always_gives_a_number():
    assert call("/", 7, 2) == 3.5
    assert call("/", 8, 2) == 4.0 and type(call("/", 8, 2)) is float
    assert call("/", 100, 2, 5) == 10.0


@pytest.mark.parametrize("zero", [0, 0.0])
def test_division_and_modulo_by_zero(zero):
    for name in ("/", "%"):
        with pytest.raises(LispError, match="division by zero"):
            call(name, 1, zero)
        with pytest.raises(LispError, match="division by zero"):
            call(name, 1.5, zero)


@given(ints, ints.filter(lambda b: b != 0))
def test_modulo_is_the_c_remainder(a, b):
    with decimal.localcontext(decimal.Context(prec=100)):
        expected = int(decimal.Decimal(a) % decimal.Decimal(b))   # Decimal % has C's sign rule
    assert call("%", a, b) == expected


def test_modulo_truncates_floats_and_keeps_the_first_kind():
    assert call("%", 7, 2.5) == 1 and type(call("%", 7, 2.5)) is int
    assert call("%", 7.5, 2) == 1.0 and type(call("%", 7.5, 2)) is float
    assert call("%", -7, 2) == -1


def test_power_is_a_number():
    assert call("^^", 2, 10) == 1024.0 and type(call("^^", 2, 10)) is float
    assert call("**", 2, 0.5) == math.sqrt(2)
    assert math.isnan(call("^^", -8, 1 / 3))


def test_one_argument_that_is_not_a_list_is_returned():
    for name in ("+", "-", "*", "/"):
        assert call(name, 5) == 5


def test_strings_concatenate_with_printed_forms():
    assert call("+", "n=", 5) == "n=5"
    assert call("+", "x", 1.5, " ", 2.0) == "x1.5 2"
    assert call("+", "l=", [1, "a"]) == ["l=1", "l=a"]          # a list: element-wise
    with pytest.raises(LispError, match="cannot evaluate '-' with these operands"):
        call("-", "abc", "b")


@pytest.mark.parametrize("bad", [None, True, Symbol("abc"), {"a": 1}, "2"])
def test_bad_second_operands(bad):
    with pytest.raises(LispError, match="cannot use this element in an arithmetic expression"):
        call("+", 1, bad)


@pytest.mark.parametrize("bad", [None, Symbol("abc"), {"a": 1}])
def test_bad_first_operands(bad):
    with pytest.raises(LispError, match="cannot evaluate '\\+' with these operands"):
        call("+", bad, 1)


def test_error_messages_use_the_lispe_printer():
    with pytest.raises(LispError) as info:
        call("+", 1, {"a": [1, Symbol("b")]})
    assert "'{\"a\":(1 b)}'" in str(info.value)


# float_ and short_ scalars ---------------------------------------------------------------------

def test_float32_and_short_scalars_keep_their_kind():
    f = Float32(1.1)
    assert show(call("+", f, 1)) == ("2.1", "float_")
    assert show(call("+", 1, f)) == ("2", "integer_")
    assert show(call("/", 1, Float32(3))) == ("0.333333", "float_")
    assert show(call("+", Short(32767), 1)) == ("-32768", "short_")
    assert show(call("/", Short(7), 2)) == ("3.5", "number_")


def test_complex_numbers_make_complex_results():
    assert call("+", 1, complex(1, 2)) == complex(2, 2)
    assert call("*", complex(1, 2), 2) == complex(2, 4)
    assert call("^^", complex(1, 2), 2) == complex(-3, 4)
    with pytest.raises(LispError, match="division by zero"):
        call("/", complex(1, 2), 0)
    with pytest.raises(LispError, match="cannot evaluate '%' with these operands"):
        call("%", complex(1, 2), 2)


# element-wise --------------------------------------------------------------------------------

def test_list_operands_work_element_wise():
    assert call("+", [1, 2, 3], [10, 20, 30]) == [11, 22, 33]
    assert call("+", [1, 2, 3], [10, 20]) == [11, 22, 3]       # the left list's length wins
    assert call("+", [1, 2], [10, 20, 30]) == [11, 22]
    assert call("+", [1, [2, 3]], 1) == [2, [3, 4]]
    assert call("/", [1, 2], 2) == [0.5, 1.0]
    assert call("+", [1, 2], 3.5) == [4, 5]                    # each element keeps its kind


def test_a_number_on_the_left():
    assert call("+", 100, [1, 2, 3]) == [101, 102, 103]
    assert show(call("-", 3, [1, 2])) == ("(2 1)", "integers_")
    assert show(call("-", 3.5, [1, 2])) == ("(2.5 1.5)", "numbers_")
    assert show(call("/", 3, [1, 2])) == ("(3 1)", "integers_")
    assert call("-", 10, [1, [2, 3]]) == [9, [8, 7]]


def test_typed_lists_convert_the_other_operand():
    assert show(call("+", Integers([1, 2]), 0.5)) == ("(1 2)", "integers_")
    assert show(call("/", Integers([7, 8]), 2)) == ("(3 4)", "integers_")
    assert show(call("/", Integers([10, 20]), 2.5)) == ("(5 10)", "integers_")
    assert show(call("*", Floats([1.5, 2.5]), Floats([2, 2]))) == ("(3 5)", "floats_")
    assert show(call("+", Numbers([1, 2]), 0.5)) == ("(1.5 2.5)", "numbers_")
    assert show(call("+", Shorts([32767]), 1)) == ("(-32768)", "shorts_")
    assert show(call("+", Integers([1, 2]), [[1, 2], [3, 4]])) == ("((2 3) (5 6))", "list_")
    assert show(call("*", [1, 2], Integers([3, 4]))) == ("(3 8)", "list_")


def test_strings_lists_concatenate():
    assert show(call("+", Strings(["a", "b"]), "!")) == ('("a!" "b!")', "strings_")
    assert show(call("+", "c", Strings(["a", "b"]))) == ('("ca" "cb")', "strings_")


def test_llists_stay_llists():
    assert show(call("-", LList([1, 2]), 1)) == ("(0 1)", "llist_")


def test_bitwise():
    assert call("&", 12, 10) == 12 & 10
    assert call("|", 12, 10, 1) == 12 | 10 | 1
    assert call("^", 12, 10) == 12 ^ 10
    assert call("<<", 1, 4) == 16 and call(">>", 16, 2) == 4
    assert call("~", 5) == ~5 and call("~", [1, 2]) == [-2, -3]
    assert call("&~", 15, 4) == 11
    assert call("&", [12, 10], 6) == [4, 2]
    assert to_string(call("~", 1.5)) == "-3"     # a float's bits, as the reference does
    assert to_string(call("|", 1.5, 2)) == "1.5"
    with pytest.raises(LispError, match="negative shift"):
        call("<<", 1, -1)


# one list: reduced ----------------------------------------------------------------------------

def test_one_list_is_reduced():
    assert call("+", [1, 2, 3]) == 6 and call("*", [1, 2, 3, 4]) == 24
    assert call("-", [10, 1, 2]) == 7 and call("/", [8, 2, 2]) == 2.0
    assert call("+", [1, 2.5, 3]) == 6                # folded with the first element's kind
    assert call("+", Strings(["a", "b"])) == "ab" and call("+", ["a", "b"]) == "ab"
    assert call("+", []) == 0 and call("*", Integers([])) == 0
    assert show(call("/", Integers([7, 2]))) == ("3", "integer_")
    assert show(call("*", Floats([1.5, 2]))) == ("3", "float_")
    assert show(call("+", Shorts([1, 2]))) == ("3", "short_")
    assert call("&", [12, 10]) == 8 and call("%", [7, 4]) == 3
    with pytest.raises(LispError, match="division by zero"):
        call("/", Integers([8, 0]))


# maths -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sqrt", "exp", "log", "log2", "log10", "sin", "cos", "tan",
                                  "atan", "sinh", "cosh", "tanh", "asinh", "erf", "erfc",
                                  "expm1", "log1p", "lgamma"])
@given(x=st.floats(min_value=0.01, max_value=50))
def test_maths_functions_match_math(name, x):
    assert call(name, x) == getattr(math, name)(x)


def test_more_maths_functions():
    assert call("cbrt", 27) == pytest.approx(3) and call("∛", -8) == pytest.approx(-2)
    assert call("√", 16) == 4.0 and call("exp2", 3) == 8.0 and call("tgamma", 5) == 24.0
    assert call("logb", 8) == 3.0 and call("fabs", -3) == 3.0 and type(call("fabs", -3)) is float
    assert call("iabs", -3.5) == 3 and type(call("iabs", -3.5)) is int
    assert call("rint", 3.5) == 4.0 and call("nearbyint", 2.5) == 2.0
    assert call("radian", 180) == math.pi and call("degree", math.pi) == 180.0
    assert call("gcd", 12, 18) == 6 and call("hcf", 12.5, 18) == 6
    assert call("sqrt", "4") == 2.0


def test_cosine_similarity():
    assert call("cosine", Numbers([1, 2]), Numbers([2, 4])) == pytest.approx(1.0)
    with pytest.raises(LispError, match="expected 'floats' or 'numbers'"):
        call("cosine", [1, 0], [0, 1])


def test_maths_out_of_domain_follows_c():
    assert math.isnan(call("sqrt", -1)) and math.isnan(call("acos", 2))
    assert call("log", 0) == -math.inf
    assert call("exp", 1000) == math.inf


def test_floor_ceil_trunc_are_numbers():
    assert call("floor", 3.7) == 3.0 and type(call("floor", 3.7)) is float
    assert call("ceil", 3.2) == 4.0 and call("trunc", -3.7) == -3.0
    assert call("floor", math.inf) == math.inf
    assert to_string(call("floor", 3.7)) == "3"


@given(st.floats(min_value=-1e9, max_value=1e9))
def test_round_is_half_away_from_zero(x):
    expected = float(decimal.Decimal(x).quantize(0, rounding=decimal.ROUND_HALF_UP))
    assert call("round", x) == expected


def test_round_with_digits_and_with_a_precision():
    assert call("round", 3.14159, 2) == 3.14
    assert call("round", 1234.5, -2) == 1200.0
    loss = 0.123456789        # the seed idiom (round (* loss 10000) 10000)
    assert call("round", call("*", loss, 10000), 10000) == 0.1235


def test_sign_negates_and_signp_gives_the_sign():
    assert call("sign", 3) == -3 and call("sign", -2.5) == 2.5
    assert call("signp", -2.5) == -1 and call("signp", 0) == 0 and call("signp", 7) == 1
    with pytest.raises(LispError, match="Cannot invert this object"):
        call("sign", "a")


def test_abs_and_factorial():
    assert call("abs", -3) == 3 and type(call("abs", -3)) is int
    assert call("!", 10) == math.factorial(10) and call("!", 5.5) == 120
    with pytest.raises(LispError, match="factorial of a negative number"):
        call("!", -1)


def test_maths_error_names_the_function():
    with pytest.raises(LispError, match="sqrt expects a number, got atom_ x"):
        call("sqrt", Symbol("x"))


# reductions ---------------------------------------------------------------------------------

def test_sum_and_product():
    assert show(call("sum", Integers([1, 2, 3]))) == ("6", "integer_")
    assert show(call("sum", [1, 2, 3])) == ("6", "number_")
    assert call("sum", [0.5, 0.25]) == 0.75 and call("∑", Strings(["a", "b"])) == "ab"
    assert show(call("sum", Floats([1, 2]))) == ("3", "float_")
    assert call("product", Integers([2, 3, 4])) == 24 and call("∏", [2, 2.5]) == 5.0
    assert call("product", []) == 1.0
    for bad in (3, "abc", {"a": 1}):
        with pytest.raises(LispError, match="expecting a container as argument"):
            call("sum", bad)
    with pytest.raises(LispError, match="arithmetic expression: '\\(1 2\\)'"):
        call("sum", [[1, 2], 3])


def test_min_max_minmax():
    assert call("max", 3, 9, 2) == 9 and call("min", [3, 9, 2]) == 2
    assert call("max", Numbers([1.5, 0.5])) == 1.5 and call("max", 1, 2.5) == 2.5
    assert call("minmax", [4, 1, 7]) == [1, 7] and call("minmax", 3, 1, 2) == [1, 3]
    assert call("max", "abc", "abd") == "abd"
    assert call("max", []) is None
    with pytest.raises(LispError, match="cannot find the maximum for this object"):
        call("max", 3)


# other kinds: tensors (DECISIONS.md 3) -------------------------------------------------------

def test_arithmetic_on_tensors_uses_torch_and_keeps_autograd():
    torch = pytest.importorskip("torch")
    x = torch.tensor(2.0, requires_grad=True)
    y = call("+", call("*", x, 3), 1)
    assert isinstance(y, torch.Tensor) and y.requires_grad
    y.backward()
    assert x.grad.item() == 3.0
    t = torch.tensor([1.0, 4.0])
    assert torch.equal(call("-", t, t), torch.zeros(2))
    assert torch.equal(call("/", t, 2), t / 2)
    assert torch.equal(call("*", 2, t), t * 2)


def test_zero_dim_tensors_round_as_numbers():
    torch = pytest.importorskip("torch")
    loss = torch.tensor(0.123456)
    assert call("round", call("*", loss, 10000), 10000) == 0.1235
    assert call("sqrt", torch.tensor(4.0)) == 2.0
    assert call("max", [loss, 0.5]) == 0.5


def test_maths_on_tensors_apply_the_tensor_method():
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.0, 4.0, 9.0])
    assert torch.equal(call("sqrt", t), torch.sqrt(t))
    assert torch.equal(call("exp", t), torch.exp(t))
    assert torch.equal(call("abs", -t), t)
