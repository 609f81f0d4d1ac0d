"""lispe_torch, Tensor - Mathematics (torch spec §3.21): element-wise functions, powers,
log-softmax, linear maps, einsum, RMS normalisation and the L2 norm.

Every function is backed by one torch call; integer inputs follow torch's type promotion
(`tensor_sqrt` of int64 gives float32).  `torch_norm` returns a LispE number (the seeds divide
two norms with `/`); everything else returns a tensor.
"""

import torch
import torch.nn.functional as F

from ...errors import LispError
from ...registry import builtin
from ._common import LIBRARY, check_number, check_tensor, diagnose, diagnose_dim, register_unary

_UNARY = [
    ("exp", torch.exp, "e^x"), ("log", torch.log, "natural logarithm"),
    ("log10", torch.log10, "base-10 logarithm"), ("log2", torch.log2, "base-2 logarithm"),
    ("sqrt", torch.sqrt, "square root"), ("rsqrt", torch.rsqrt, "1/sqrt(x)"),
    ("sin", torch.sin, "sine (radians)"), ("cos", torch.cos, "cosine (radians)"),
    ("tan", torch.tan, "tangent (radians)"), ("asin", torch.asin, "arcsine"),
    ("acos", torch.acos, "arccosine"), ("atan", torch.atan, "arctangent"),
    ("sinh", torch.sinh, "hyperbolic sine"), ("cosh", torch.cosh, "hyperbolic cosine"),
    ("floor", torch.floor, "round down"), ("ceil", torch.ceil, "round up"),
    ("round", torch.round, "round to nearest, ties to even"),
]

for _op, _fn, _what in _UNARY:
    register_unary(f"tensor_{_op}", _fn, f"Element-wise {_what} of a tensor.")


@builtin("tensor_pow", library=LIBRARY)
def tensor_pow(tensor, exponent):
    """Raise a tensor to a number or (element-wise, broadcast) to a tensor of exponents."""
    check_tensor(tensor, "tensor_pow")
    try:
        return torch.pow(tensor, exponent)
    except Exception as e:  # noqa: BLE001 - diagnosed after the fact
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float, torch.Tensor)):
            raise diagnose("tensor_pow", e, (exponent,), "Exponent must be a scalar or tensor") from e
        raise diagnose("tensor_pow", e) from e


@builtin("tensor_log_softmax", library=LIBRARY)
def tensor_log_softmax(tensor, dim):
    """log(softmax(x)) along dim, computed stably."""
    try:
        return torch.log_softmax(tensor, dim)
    except Exception as e:  # noqa: BLE001 - diagnosed after the fact
        raise diagnose_dim("tensor_log_softmax", e, tensor, dim) from e


@builtin("tensor_linear", library=LIBRARY)
def tensor_linear(tensor1, tensor2):
    """x times the transpose of W (torch.nn.functional.linear without bias)."""
    try:
        return F.linear(tensor1, tensor2)
    except Exception as e:  # noqa: BLE001 - diagnosed after the fact
        raise diagnose("tensor_linear", e, (tensor1, tensor2), "Both arguments must be tensors") from e


@builtin("tensor_einsum", library=LIBRARY)
def tensor_einsum(indices, tensors):
    """Einstein summation: (tensor_einsum "ij,jk->ik" (list a b))."""
    if not isinstance(indices, str):
        raise LispError("Error: first argument must be an einsum equation string (in tensor_einsum)")
    if not isinstance(tensors, list):
        raise LispError("Error: second argument must be a list of tensors (in tensor_einsum)")
    if not tensors:
        raise LispError("Error: tensor list cannot be empty (in tensor_einsum)")
    if not all(isinstance(t, torch.Tensor) for t in tensors):
        raise LispError("Error: all elements in the list must be tensors (in tensor_einsum)")
    try:
        return torch.einsum(indices, *tensors)
    except Exception as e:  # noqa: BLE001 - backend failure, reported with its text
        raise diagnose("tensor_einsum", e) from e


@builtin("tensor_rms_norm", library=LIBRARY)
def tensor_rms_norm(input, weight, eps=1e-6):  # noqa: A002 - the spec's argument name
    """RMS normalisation over the last dim: x * rsqrt(mean(x^2) + eps) * weight."""
    if not (isinstance(input, torch.Tensor) and isinstance(weight, torch.Tensor)):
        raise LispError("Error: Input and weight must be tensors (in tensor_rms_norm)")
    epsilon = 1e-6 if eps is None else check_number(eps, "tensor_rms_norm", "eps")
    try:
        return F.rms_norm(input, input.shape[-1:], weight, epsilon)
    except Exception as e:  # noqa: BLE001 - backend failure, reported with its text
        raise diagnose("tensor_rms_norm", e) from e


@builtin("torch_norm", library=LIBRARY)
def torch_norm(tensor):
    """The L2 (Frobenius) norm of all elements of a tensor, as a number."""
    check_tensor(tensor, "torch_norm", "Argument")
    try:
        return torch.linalg.vector_norm(tensor).item()
    except Exception as e:  # noqa: BLE001 - backend failure, reported with its text
        raise diagnose("torch_norm", e) from e
