"""lispe_torch, Tensor - Reduction (torch spec §3.22): sums, means, extrema, argmax.

Per DECISIONS.md 3 the whole-tensor reductions (`tensor_sum`, `tensor_mean`, `tensor_std`,
`tensor_max`, `tensor_min`) return 0-dim tensors, not LispE numbers, so that a loss built from
them can be back-propagated; `tensor_item` turns one into a number.
"""

import torch

from ...registry import builtin
from ._common import LIBRARY, check_tensor, diagnose_dim, register_unary

tensor_sum = register_unary("tensor_sum", torch.sum, "Sum of all elements, as a 0-dim tensor.")
tensor_mean = register_unary("tensor_mean", torch.mean, "Mean of all elements, as a 0-dim tensor.")
tensor_std = register_unary("tensor_std", torch.std,
                            "Unbiased standard deviation of all elements, as a 0-dim tensor.")
tensor_max = register_unary("tensor_max", torch.max, "Largest element, as a 0-dim tensor.")
tensor_min = register_unary("tensor_min", torch.min, "Smallest element, as a 0-dim tensor.")


@builtin("tensor_mean_dim", library=LIBRARY)
def tensor_mean_dim(tensor, dim):
    """Mean along dim (the dim is removed)."""
    try:
        return torch.mean(tensor, dim)
    except Exception as e:  # noqa: BLE001 - diagnosed after the fact
        raise diagnose_dim("tensor_mean_dim", e, tensor, dim) from e


@builtin("tensor_argmax", library=LIBRARY)
def tensor_argmax(tensor, dim=None, keepdim=True):
    """Index of the maximum: flat index without dim, else indices along dim (kept by default)."""
    check_tensor(tensor, "tensor_argmax")
    try:
        if dim is None:
            return torch.argmax(tensor)
        keep = True if keepdim is None else bool(keepdim)
        return torch.argmax(tensor, dim, keepdim=keep)
    except Exception as e:  # noqa: BLE001 - diagnosed after the fact
        raise diagnose_dim("tensor_argmax", e, tensor, dim) from e
