"""lispe_torch, Tensor - Activation (torch spec §3.16): element-wise activations and softmax.

Each function is one torch call (`torch`, `torch.nn.functional`); arguments are examined only
when torch refuses them.  Nothing here works in place.
"""

import torch
import torch.nn.functional as F

from ...registry import builtin
from ._common import LIBRARY, diagnose_dim, register_unary

tensor_relu = register_unary("tensor_relu", torch.relu, "ReLU: max(x, 0) element-wise.")
tensor_sigmoid = register_unary("tensor_sigmoid", torch.sigmoid, "Sigmoid: 1/(1+exp(-x)) element-wise.")
tensor_tanh = register_unary("tensor_tanh", torch.tanh, "Hyperbolic tangent element-wise.")
tensor_gelu = register_unary("tensor_gelu", F.gelu, "Exact (erf) GELU element-wise.")
tensor_silu = register_unary("tensor_silu", F.silu, "SiLU (swish): x*sigmoid(x) element-wise.")
tensor_abs = register_unary("tensor_abs", torch.abs, "Absolute value element-wise.")


@builtin("tensor_softmax", library=LIBRARY, aliases=("torch_softmax",))
def tensor_softmax(tensor, dim):
    """Softmax of a tensor along dim (negative dims count from the end)."""
    try:
        return torch.softmax(tensor, dim)
    except Exception as e:  # noqa: BLE001 - diagnosed after the fact, off the hot path
        raise diagnose_dim("tensor_softmax", e, tensor, dim) from e
