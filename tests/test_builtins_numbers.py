"""Core builtins: arithmetic, comparison, maths functions, reductions (spec §10)."""

import decimal
import math
import operator

import pytest
from hypothesis import given, strategies as st

import lispe.builtins  # noqa: F401  (registers the core builtins)
from lispe.errors import LispError
from lispe.printer import to_string
from lispe.registry import lookup
from lispe.values import Floats, Integers, Numbers, Strings, Symbol


def call(name, *args):
    return lookup(name).func(*args)


ints = st.integers(min_value=-10**30, max_value=10**30)
floats = st.floats(allow_nan=False, allow_infinity=False, width=64)


# arithmetic -------------------------------------------------------------------------------

@given(ints, ints)
def test_integer_arithmetic_matches_python_and_never_wraps(a, b):
    assert call("+", a, b) == a + b and type(call("+", a, b)) is int
    assert call("-", a, b) == a - b
    assert call("*", a, b) == a * b


@given(ints, floats)
def test_any_float_makes_a_float(a, b):
    assert type(call("+", a, b)) is float
    assert call("*", a, b) == a * b


def test_division_never_truncates():
    assert call("/", 7, 2) == 3.5
    assert type(call("/", 6, 3)) is float
    assert call("/", 100, 2, 5) == 10.0


@pytest.mark.parametrize("zero", [0, 0.0, "0"])
def test_division_and_modulo_by_zero(zero):
    with pytest.raises(LispError, match="division by zero"):
        call("/", 1, zero)
    with pytest.raises(LispError, match="division by zero"):
        call("%", 1, zero)


@given(ints, ints.filter(lambda b: b != 0))
def test_modulo_is_the_c_remainder(a, b):
    with decimal.localcontext(decimal.Context(prec=100)):
        expected = int(decimal.Decimal(a) % decimal.Decimal(b))   # Decimal % has C's sign rule
    assert call("%", a, b) == expected


def test_modulo_truncates_floats_first():
    assert call("%", 7.9, 2) == 1
    assert call("%", -7, 2) == -1


def test_power_is_a_float():
    assert call("^^", 2, 10) == 1024.0 and type(call("^^", 2, 10)) is float
    assert call("**", 2, 0.5) == math.sqrt(2)
    assert math.isnan(call("^^", -8, 1 / 3))


def test_unary_minus_and_division():
    assert call("-", 5) == -5
    assert call("/", 4) == 0.25
    assert call("+", 5) == 5


def test_string_concatenation_uses_printed_forms():
    assert call("+", "n=", 5) == "n=5"
    assert call("+", "x", 1.5, " ", 2.0) == "x1.5 2"
    assert call("+", "dir", "/ckpt_", 3, ".pt") == "dir/ckpt_3.pt"
    assert call("+", "l=", [1, "a"]) == 'l=(1 "a")'


def test_number_then_numeric_string():
    assert call("+", 1, "2") == 3
    assert call("*", 2, "1.5") == 3.0


@pytest.mark.parametrize("bad", [None, True, Symbol("abc"), {"a": 1}])
def test_bad_operands(bad):
    with pytest.raises(LispError, match="cannot use this element in an arithmetic expression"):
        call("+", 1, bad)
    with pytest.raises(LispError, match="arithmetic expression: 'hello'"):
        call("-", 1, "hello")


def test_elementwise_keeps_the_typed_list_kind():
    r = call("+", Integers([1, 2, 3]), 10)
    assert type(r) is Integers and list(r) == [11, 12, 13]
    r = call("*", [1, 2, 3], [4, 5, 6, 7])
    assert r == [4, 10, 18] and type(r) is list
    r = call("-", Floats([1.5, 2.5]), 1)
    assert type(r) is Floats and list(r) == [0.5, 1.5]
    r = call("-", 10, Integers([1, 2]))
    assert type(r) is Integers and list(r) == [9, 8]


def test_integer_lists_promote_to_numbers_like_scalars():
    r = call("/", Integers([1, 2]), 2)
    assert type(r) is Numbers and list(r) == [0.5, 1.0]
    assert type(call("+", Integers([1]), 0.5)) is Numbers


def test_strings_list_concatenation():
    r = call("+", Strings(["a", "b"]), "!")
    assert type(r) is Strings and list(r) == ["a!", "b!"]


def test_bitwise():
    assert call("&", 12, 10) == 12 & 10
    assert call("|", 12, 10, 1) == 12 | 10 | 1
    assert call("^", 12, 10) == 12 ^ 10
    assert call("<<", 1, 4) == 16 and call(">>", 16, 2) == 4
    assert call("~", 5) == ~5
    assert call("&~", 15, 4) == 11
    with pytest.raises(LispError, match="arithmetic"):
        call("&", 1.5, 2)


# comparison ---------------------------------------------------------------------------------

@given(st.one_of(ints, floats), st.one_of(ints, floats))
def test_numeric_comparisons_match_python(a, b):
    for name, op in (("<", operator.lt), (">", operator.gt), ("<=", operator.le),
                     (">=", operator.ge)):
        assert call(name, a, b) is op(a, b)
    assert call("=", a, b) is (a == b)
    assert call("==", a, b) == (1 if a == b else 0)
    assert call(">=<", a, b) == (a > b) - (a < b)


def test_comparison_chains_and_strings():
    assert call("<", 1, 2, 3) is True
    assert call("<", 1, 3, 2) is False
    assert call("<", "abc", "abd") is True
    with pytest.raises(LispError, match="cannot compare"):
        call("<", 1, "a")
    with pytest.raises(LispError, match="cannot compare"):
        call("<", None, 1)


def test_structural_equality():
    assert call("=", [1, [2, "a"]], [1, [2, "a"]]) is True
    assert call("=", [1, 2], Integers([1, 2])) is True
    assert call("=", {"a": [1]}, {"a": [1]}) is True
    assert call("=", 2, 2.0) is True
    assert call("=", True, 1) is False
    assert call("=", None, False) is True
    assert call("!=", [1], [2]) is True
    assert call("==", [1, 2, 3], [1, 5, 3]) == [1, 0, 1]


def test_eq_compares_containers_by_identity():
    a = [1]
    assert call("eq", a, a) is True
    assert call("eq", [1], [1]) is False
    assert call("eq", [], []) is True
    assert call("eq", "ab", "ab") is True and call("neq", 1, 2) is True


def test_not():
    assert call("not", None) is True and call("not", 0) is True and call("not", "") is True
    assert call("not", [1]) is False and call("¬", True) is False


# maths -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sqrt", "exp", "log", "log2", "log10", "sin", "cos", "tan",
                                  "atan", "sinh", "cosh", "tanh", "asinh"])
@given(x=st.floats(min_value=0.01, max_value=50))
def test_maths_functions_match_math(name, x):
    assert call(name, x) == getattr(math, name)(x)


def test_maths_out_of_domain_follows_c():
    assert math.isnan(call("sqrt", -1)) and math.isnan(call("acos", 2))
    assert call("log", 0) == -math.inf
    assert call("exp", 1000) == math.inf


def test_floor_ceil_trunc_are_floats():
    assert call("floor", 3.7) == 3.0 and type(call("floor", 3.7)) is float
    assert call("ceil", 3.2) == 4.0 and call("trunc", -3.7) == -3.0
    assert call("floor", math.inf) == math.inf
    assert to_string(call("floor", 3.7)) == "3"


@given(st.floats(min_value=-1e9, max_value=1e9))
def test_round_is_half_away_from_zero(x):
    expected = float(decimal.Decimal(x).quantize(0, rounding=decimal.ROUND_HALF_UP))
    assert call("round", x) == expected


def test_round_just_below_a_half():
    assert call("round", 0.49999999999999994) == 0.0


def test_round_with_digits_and_with_a_precision():
    assert call("round", 3.14159, 2) == 3.14
    assert call("round", 1234.5, -2) == 1200.0
    loss = 0.123456789        # the seed idiom (round (* loss 10000) 10000)
    assert call("round", call("*", loss, 10000), 10000) == 0.1235


def test_abs_sign_factorial():
    assert call("abs", -3) == 3 and type(call("abs", -3)) is int
    assert call("abs", -2.5) == 2.5
    assert call("sign", -2.5) == -1 and call("sign", 0) == 0 and call("sign", 7) == 1
    assert call("!", 10) == math.factorial(10)
    with pytest.raises(LispError, match="non-negative"):
        call("!", -1)


def test_maths_error_names_the_function():
    with pytest.raises(LispError, match="sqrt expects a number, got string_"):
        call("sqrt", "x")


# reductions ---------------------------------------------------------------------------------

def test_sum_and_product():
    assert call("sum", Integers([1, 2, 3])) == 6 and type(call("sum", Integers([1, 2]))) is int
    assert call("sum", [1, 2, 3]) == 6.0 and type(call("sum", [1, 2, 3])) is float
    assert call("sum", [0.5, 0.25]) == 0.75
    assert call("∑", 1, 2, 3) == 6
    assert call("product", Integers([2, 3, 4])) == 24
    assert call("∏", [2, 0.5]) == 1.0


def test_min_max_minmax():
    assert call("max", 3, 9, 2) == 9 and call("min", [3, 9, 2]) == 2
    assert call("max", Numbers([1.5, 0.5])) == 1.5
    assert call("minmax", [4, 1, 7]) == [1, 7]
    assert call("max", "abc", "abd") == "abd"
    with pytest.raises(LispError, match="non-empty"):
        call("max", [])


def test_random_is_in_range():
    values = [call("random", 10) for _ in range(200)]
    assert all(0 <= v < 10 for v in values) and len(set(values)) > 100
    assert 0 <= call("random") < 1


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


def test_zero_dim_tensors_compare_and_round_as_numbers():
    torch = pytest.importorskip("torch")
    loss = torch.tensor(0.123456)
    assert call("<", loss, 1) is True and call(">", loss, 1) is False
    assert call("=", torch.tensor(2), 2) is True
    assert call("round", call("*", loss, 10000), 10000) == 0.1235
    assert call("sqrt", torch.tensor(4.0)) == 2.0
    assert call("max", [loss, 0.5]) == 0.5


def test_maths_on_tensors_apply_the_tensor_method():
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.0, 4.0, 9.0])
    assert torch.equal(call("sqrt", t), torch.sqrt(t))
    assert torch.equal(call("exp", t), torch.exp(t))
    assert torch.equal(call("abs", -t), t)
    assert call("=", t, t.clone()) is True and call("=", t, t + 1) is False
    with pytest.raises(LispError, match="needs single values"):
        call("<", t, 2)
