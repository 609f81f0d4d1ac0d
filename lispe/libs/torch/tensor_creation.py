"""lispe_torch, Tensor - Creation (torch spec §3.18): tensors from LispE data, filled and random
tensors, concatenation.

Conversion of LispE data follows §1.7 (`_common.to_tensor`: typed lists become tensors with one
buffer copy, no per-element loop).  Filled and random tensors are float32, as in the original.
This module does not seed the random generator: `torch_manual_seed` (utility.py) does.
"""

import torch

from ...errors import LispError
from ...registry import builtin
from ._common import LIBRARY, check_int, check_number, check_tensor, int_list, to_tensor


@builtin("tensor_create", library=LIBRARY, aliases=("torch_tensor",))
def tensor_create(thedata):
    """Create a tensor from LispE data: floats, numbers, integers, shorts, nested lists, a number."""
    return to_tensor(thedata, "tensor_create")


def _float32(fname, make, shape, *args):
    dims = int_list(shape, fname)
    try:
        return make(*args, dims, dtype=torch.float32)
    except Exception as e:  # noqa: BLE001 - backend failure, reported with its text
        raise LispError(f"Error in {fname}: {e}") from e


@builtin("tensor_zeros", library=LIBRARY, aliases=("torch_zeros",))
def tensor_zeros(shape):
    """A float32 tensor of zeros with the given shape."""
    return _float32("tensor_zeros", torch.zeros, shape)


@builtin("tensor_ones", library=LIBRARY, aliases=("torch_ones",))
def tensor_ones(shape):
    """A float32 tensor of ones with the given shape."""
    return _float32("tensor_ones", torch.ones, shape)


@builtin("tensor_randn", library=LIBRARY, aliases=("torch_randn",))
def tensor_randn(shape):
    """A float32 tensor of standard normal samples with the given shape."""
    return _float32("tensor_randn", torch.randn, shape)


@builtin("torch_rand", library=LIBRARY, aliases=("tensor_rand",))
def torch_rand(shape):
    """A float32 tensor of uniform samples in [0, 1) with the given shape."""
    return _float32("torch_rand", torch.rand, shape)


@builtin("tensor_full", library=LIBRARY)
def tensor_full(shape, value):
    """A float32 tensor of the given shape filled with value."""
    dims = int_list(shape, "tensor_full")
    fill = check_number(value, "tensor_full", "value")
    try:
        return torch.full(dims, fill, dtype=torch.float32)
    except Exception as e:  # noqa: BLE001 - backend failure, reported with its text
        raise LispError(f"Error in tensor_full: {e}") from e


@builtin("tensor_randint", library=LIBRARY)
def tensor_randint(low, high, shape):
    """An int64 tensor of the given shape with uniform integers in [low, high)."""
    lo = check_int(low, "tensor_randint", "low")
    hi = check_int(high, "tensor_randint", "high")
    dims = int_list(shape, "tensor_randint")
    try:
        return torch.randint(lo, hi, dims, dtype=torch.int64)
    except Exception as e:  # noqa: BLE001 - backend failure, reported with its text
        raise LispError(f"Error in tensor_randint: {e}") from e


@builtin("tensor_full_like", library=LIBRARY, aliases=("torch_full_like",))
def tensor_full_like(tensor, fill_value):
    """A tensor with the shape, dtype and device of tensor, filled with fill_value."""
    check_tensor(tensor, "tensor_full_like")
    fill = check_number(fill_value, "tensor_full_like", "fill_value")
    try:
        return torch.full_like(tensor, fill)
    except Exception as e:  # noqa: BLE001 - backend failure, reported with its text
        raise LispError(f"Error in tensor_full_like: {e}") from e


@builtin("tensor_cat", library=LIBRARY)
def tensor_cat(tensors, dim):
    """Concatenate a list of tensors along dim."""
    if not isinstance(tensors, list):
        raise LispError("Error: First argument must be a list of tensors (in tensor_cat)")
    if not all(isinstance(t, torch.Tensor) for t in tensors):
        raise LispError("Error: All elements must be tensors (in tensor_cat)")
    axis = check_int(dim, "tensor_cat", "dim")
    try:
        return torch.cat(tensors, axis)
    except Exception as e:  # noqa: BLE001 - backend failure, reported with its text
        raise LispError(f"Error in tensor_cat: {e}") from e
