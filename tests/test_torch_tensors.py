"""lispe_torch tensor families (creation, arithmetic, activation, mathematics, reduction):
every function against the same computation done directly with torch, plus its errors."""

import math

import pytest
import torch
import torch.nn.functional as F

from lispe.errors import LispError
from lispe.registry import load_library, lookup
from lispe.values import Floats, Integers, Numbers, Shorts

load_library("lispe_torch")


def call(name, *args):
    return lookup(name).func(*args)


def same(a, b):
    assert isinstance(a, torch.Tensor)
    torch.testing.assert_close(a, b, equal_nan=True)


@pytest.fixture
def x():
    torch.manual_seed(0)
    return torch.randn(3, 4)


def raises(fragment, name, *args):
    with pytest.raises(LispError) as info:
        call(name, *args)
    assert fragment in str(info.value)
    return str(info.value)


# Creation --------------------------------------------------------------------------------

@pytest.mark.parametrize("data, dtype", [
    (Floats([1, 2, 3]), torch.float32), (Numbers([1, 2, 3]), torch.float64),
    (Integers([1, 2, 3]), torch.int64), (Shorts([1, 2, 3]), torch.int16),
    ([1, 2, 3], torch.int64), ([1, 2.5, 3], torch.float64),
])
def test_tensor_create_typed_lists(data, dtype):
    t = call("tensor_create", data)
    assert t.dtype == dtype
    same(t, torch.tensor([float(v) for v in data]).to(dtype))


def test_tensor_create_nested_and_scalars():
    t = call("torch_tensor", [Floats([1, 2]), Floats([3, 4])])
    same(t, torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert call("tensor_create", 3).dim() == 0
    assert call("tensor_create", [True, None]).tolist() == [True, False]
    assert call("tensor_create", []).numel() == 0
    source = Floats([1, 2])
    call("tensor_create", source).add_(1)
    assert list(source) == [1.0, 2.0]  # the port copies: the list stays intact


def test_tensor_create_errors():
    raises("Unsupported type for tensor conversion", "tensor_create", "text")
    raises("same shape", "tensor_create", [Floats([1, 2]), Floats([3])])


@pytest.mark.parametrize("name, reference", [
    ("tensor_zeros", torch.zeros), ("torch_zeros", torch.zeros),
    ("tensor_ones", torch.ones), ("torch_ones", torch.ones),
])
def test_filled(name, reference):
    t = call(name, Integers([2, 3]))
    same(t, reference(2, 3))
    assert t.dtype == torch.float32


@pytest.mark.parametrize("name, reference", [
    ("tensor_randn", torch.randn), ("torch_randn", torch.randn),
    ("torch_rand", torch.rand), ("tensor_rand", torch.rand),
])
def test_random(name, reference):
    torch.manual_seed(7)
    expected = reference(4, 5)
    torch.manual_seed(7)
    same(call(name, [4, 5]), expected)


def test_randint_full_full_like():
    torch.manual_seed(3)
    expected = torch.randint(2, 9, (3, 3))
    torch.manual_seed(3)
    same(call("tensor_randint", 2, 9, Integers([3, 3])), expected)
    same(call("tensor_full", Integers([2, 2]), 1.5), torch.full((2, 2), 1.5))
    base = torch.arange(6, dtype=torch.int32).reshape(2, 3)
    for name in ("tensor_full_like", "torch_full_like"):
        same(call(name, base, 4), torch.full_like(base, 4))


def test_tensor_cat(x):
    same(call("tensor_cat", [x, x], 1), torch.cat([x, x], 1))
    raises("First argument must be a list of tensors", "tensor_cat", x, 0)
    raises("All elements must be tensors", "tensor_cat", [x, 1], 0)
    raises("Error in tensor_cat", "tensor_cat", [x, torch.ones(2)], 0)


@pytest.mark.parametrize("name, args, fragment", [
    ("tensor_zeros", ("3 4",), "shape must be a list of integers"),
    ("tensor_ones", ([2.5],), "must be a list of integers"),
    ("tensor_randn", ([-2],), "Error in tensor_randn"),
    ("tensor_full", ([2], "x"), "value must be a number"),
    ("tensor_randint", (5, 1, [2]), "Error in tensor_randint"),
    ("tensor_randint", (0.5, 1, [2]), "low must be an integer"),
    ("tensor_full_like", ([1], 2), "First argument must be a tensor"),
])
def test_creation_errors(name, args, fragment):
    raises(fragment, name, *args)


# Arithmetic --------------------------------------------------------------------------------

@pytest.mark.parametrize("name, reference", [
    ("tensor_add", torch.add), ("torch_add", torch.add), ("tensor_sub", torch.sub),
    ("torch_sub", torch.sub), ("tensor_mul", torch.mul), ("torch_mul", torch.mul),
    ("tensor_div", torch.div),
])
def test_elementwise_binary(name, reference, x):
    row = torch.linspace(1, 2, 4)
    same(call(name, x, row), reference(x, row))   # broadcast
    same(call(name, x, 2.0), reference(x, 2.0))   # numbers are accepted
    raises("Both arguments must be tensors", name, x, "a")
    raises(f"Error in {lookup(name).name}", name, x, torch.ones(5))


@pytest.mark.parametrize("name", ["tensor_matmul", "torch_matmul"])
def test_matmul(name, x):
    same(call(name, x, x.T), x @ x.T)
    raises("Both arguments must be tensors", name, x, [1, 2])
    raises("Error in tensor_matmul", name, x, x)


@pytest.mark.parametrize("name, reference", [
    ("tensor_add_scalar", lambda t, s: t + s), ("tensor_mul_scalar", lambda t, s: t * s),
    ("tensor_div_scalar", lambda t, s: t / s), ("torch_div_scalar", lambda t, s: t / s),
])
def test_scalar_ops(name, reference, x):
    same(call(name, x, 2.5), reference(x, 2.5))
    same(call(name, x, 3), reference(x, 3))
    raises("First argument must be a tensor", name, "t", 2)
    raises("Second argument must be a number", name, x, "2")


def test_div_scalar_by_zero(x):
    raises("Division by zero", "tensor_div_scalar", x, 0)
    raises("Division by zero", "torch_div_scalar", x, 0.0)


@pytest.mark.parametrize("name, reference", [
    ("tensor_neg", torch.neg), ("tensor_reciprocal", torch.reciprocal),
])
def test_arithmetic_unary(name, reference, x):
    same(call(name, x), reference(x))
    raises("Argument must be a tensor", name, 3)


def test_arithmetic_keeps_autograd(x):
    w = x.clone().requires_grad_(True)
    call("tensor_sum", call("tensor_mul", w, w)).backward()
    same(w.grad, 2 * x)


# Activation and mathematics ------------------------------------------------------------------

_POSITIVE = lambda: torch.rand(3, 4) + 0.1           # noqa: E731
_UNIT = lambda: torch.rand(3, 4) * 1.8 - 0.9         # noqa: E731
_ANY = lambda: torch.randn(3, 4) * 2                 # noqa: E731

UNARY = [
    ("tensor_relu", torch.relu, _ANY), ("tensor_sigmoid", torch.sigmoid, _ANY),
    ("tensor_tanh", torch.tanh, _ANY), ("tensor_gelu", lambda t: F.gelu(t, approximate="none"), _ANY),
    ("tensor_silu", lambda t: t * torch.sigmoid(t), _ANY), ("tensor_abs", torch.abs, _ANY),
    ("tensor_exp", torch.exp, _ANY), ("tensor_log", torch.log, _POSITIVE),
    ("tensor_log10", torch.log10, _POSITIVE), ("tensor_log2", torch.log2, _POSITIVE),
    ("tensor_sqrt", torch.sqrt, _POSITIVE), ("tensor_rsqrt", torch.rsqrt, _POSITIVE),
    ("tensor_sin", torch.sin, _ANY), ("tensor_cos", torch.cos, _ANY), ("tensor_tan", torch.tan, _UNIT),
    ("tensor_asin", torch.asin, _UNIT), ("tensor_acos", torch.acos, _UNIT),
    ("tensor_atan", torch.atan, _ANY), ("tensor_sinh", torch.sinh, _ANY),
    ("tensor_cosh", torch.cosh, _ANY), ("tensor_floor", torch.floor, _ANY),
    ("tensor_ceil", torch.ceil, _ANY), ("tensor_round", torch.round, _ANY),
]


@pytest.mark.parametrize("name, reference, domain", UNARY)
def test_unary(name, reference, domain):
    torch.manual_seed(1)
    t = domain()
    same(call(name, t), reference(t))
    raises("Argument must be a tensor", name, Floats([1.0]))


def test_round_ties_to_even_and_integer_promotion():
    same(call("tensor_round", torch.tensor([0.5, 1.5, 2.5])), torch.tensor([0.0, 2.0, 2.0]))
    assert call("tensor_sqrt", torch.tensor([4, 9])).dtype == torch.sqrt(torch.tensor([4, 9])).dtype


@pytest.mark.parametrize("name", ["tensor_softmax", "torch_softmax", "tensor_log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax(name, dim, x):
    reference = F.log_softmax if name == "tensor_log_softmax" else F.softmax
    same(call(name, x, dim), reference(x, dim))


@pytest.mark.parametrize("name", ["tensor_softmax", "tensor_log_softmax", "tensor_cumsum",
                                  "tensor_mean_dim"])
def test_dim_errors(name, x):
    raises("First argument must be a tensor", name, [1.0], 0)
    raises("dim must be an integer", name, x, 0.5)
    raises(f"Error in {name}", name, x, 5)   # out-of-range dim


def test_pow(x):
    same(call("tensor_pow", x, 2), x ** 2)
    exponents = torch.rand(4)
    same(call("tensor_pow", x.abs(), exponents), x.abs() ** exponents)
    raises("First argument must be a tensor", "tensor_pow", 2, x)
    raises("Exponent must be a scalar or tensor", "tensor_pow", x, "2")


def test_linear_einsum_rms_norm_norm(x):
    w = torch.randn(5, 4)
    same(call("tensor_linear", x, w), F.linear(x, w))
    raises("Both arguments must be tensors", "tensor_linear", x, [1])
    raises("Error in tensor_linear", "tensor_linear", x, torch.randn(5, 3))
    same(call("tensor_einsum", "ij,kj->ik", [x, w]), torch.einsum("ij,kj->ik", x, w))
    raises("second argument must be a list of tensors", "tensor_einsum", "ij", x)
    raises("tensor list cannot be empty", "tensor_einsum", "ij", [])
    raises("all elements in the list must be tensors", "tensor_einsum", "ij", [x, 1])
    raises("Error in tensor_einsum", "tensor_einsum", "ij,jk->ik", [x, w])
    weight = torch.rand(4)
    manual = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * weight
    same(call("tensor_rms_norm", x, weight), manual)
    manual = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 0.1) * weight
    same(call("tensor_rms_norm", x, weight, 0.1), manual)
    raises("Input and weight must be tensors", "tensor_rms_norm", x, 1.0)
    norm = call("torch_norm", x)
    assert type(norm) is float and math.isclose(norm, torch.linalg.norm(x).item(), rel_tol=1e-6)
    raises("Argument must be a tensor", "torch_norm", [1.0])


# Reduction ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, reference", [
    ("tensor_sum", torch.sum), ("tensor_mean", torch.mean), ("tensor_std", torch.std),
    ("tensor_max", torch.max), ("tensor_min", torch.min),
])
def test_whole_reductions_are_0dim_tensors(name, reference, x):
    result = call(name, x)
    assert result.dim() == 0     # DECISIONS.md 3
    same(result, reference(x))
    raises("Argument must be a tensor", name, Floats([1.0, 2.0]))


def test_reductions_keep_autograd_and_wrap_backend_errors(x):
    w = x.clone().requires_grad_(True)
    call("tensor_mean", w).backward()
    same(w.grad, torch.full_like(x, 1 / x.numel()))
    raises("Error in tensor_mean", "tensor_mean", torch.tensor([1, 2]))


def test_mean_dim_and_argmax(x):
    same(call("tensor_mean_dim", x, 1), x.mean(1))
    same(call("tensor_argmax", x), torch.argmax(x))
    same(call("tensor_argmax", x, -1), torch.argmax(x, -1, keepdim=True))
    same(call("tensor_argmax", x, 0, False), torch.argmax(x, 0))
    same(call("tensor_argmax", x, 0, None), torch.argmax(x, 0, keepdim=True))
    raises("First argument must be a tensor", "tensor_argmax", [1, 2])
    raises("dim must be an integer", "tensor_argmax", x, "a")
    raises("Error in tensor_argmax", "tensor_argmax", x, 4)
