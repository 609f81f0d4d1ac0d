"""lispe_torch, Tensor - Information (torch spec §3.19) and the tensor object protocol (§1.6).

Shape, element count, single values and conversion back to LispE data (§1.8, in
`_common.from_tensor`).  The protocol lets the core builtins `at`/`@`, `car`, `cdr`, `@@`,
`size` and `loop` work on tensors: `at` indexes the flattened tensor and returns a plain number,
`car`/`cdr`/`@@` slice along dim 0, `size` is the element count, `loop` visits the flattened
elements.  Arithmetic operators on tensors belong to the core builtins, not here.
"""

import torch

from ...errors import LispError
from ...registry import builtin, lookup
from ...values import Integers, register_protocol
from ._common import LIBRARY, check_int, check_tensor, diagnose, from_tensor


@builtin("tensor_shape", library=LIBRARY, aliases=("torch_shape",))
def tensor_shape(tensor):
    """The sizes of a tensor's dims, as integers (() for a 0-dim tensor)."""
    try:
        return Integers(tensor.shape)
    except AttributeError as e:
        raise diagnose("tensor_shape", e, (tensor,)) from e


@builtin("tensor_size", library=LIBRARY, aliases=("torch_size",))
def tensor_size(tensor):
    """The shape of a tensor, as integers (same as tensor_shape; torch_numel counts elements)."""
    check_tensor(tensor, "tensor_size", "Argument")
    return Integers(tensor.shape)


@builtin("torch_numel", library=LIBRARY)
def torch_numel(tensor):
    """The number of elements of a tensor."""
    check_tensor(tensor, "torch_numel", "Argument")
    return tensor.numel()


@builtin("tensor_item", library=LIBRARY, aliases=("torch_item",))
def tensor_item(tensor):
    """The value of a one-element tensor as a LispE number (true/false for bool)."""
    try:
        return tensor.item()
    except Exception as e:  # noqa: BLE001 - diagnosed after the fact, off the hot path
        if isinstance(tensor, torch.Tensor) and tensor.numel() != 1:
            raise LispError(f"Error: tensor must contain exactly one element, but has "
                            f"{tensor.numel()} elements (in tensor_item)") from e
        raise diagnose("tensor_item", e, (tensor,)) from e


@builtin("tensor_to_list", library=LIBRARY)
def tensor_to_list(tensor):
    """A tensor as LispE data: a number (0-dim), a typed list (1-D), nested lists (2-D and more)."""
    check_tensor(tensor, "tensor_to_list", "Argument")
    return from_tensor(tensor, "tensor_to_list")


@builtin("torch_tensor_at", library=LIBRARY, signature="(torch_tensor_at container index)")
def torch_tensor_at(container, index, *indexes):
    """Same as at: element of the flattened tensor (or of any LispE container) at index."""
    if isinstance(container, torch.Tensor) and not indexes:
        return tensor_at(container, index)
    core_at = lookup("at")
    if core_at is None or core_at.special:
        raise LispError("Error: torch_tensor_at needs the core function 'at'")
    return core_at.func(container, index, *indexes)


# the tensor object protocol (§1.6) -----------------------------------------------------------

def tensor_at(tensor, index):
    """Element `index` of the flattened tensor (negative from the end) as a plain number."""
    i = check_int(index, "at", "index")
    n = tensor.numel()
    if not -n <= i < n:
        raise LispError("Error: tensor index out of bounds")
    return tensor.reshape(-1)[i].item()


def tensor_car(tensor):
    """The first slice along dim 0, or nil."""
    return tensor[0] if tensor.dim() and tensor.shape[0] else None


def tensor_cdr(tensor):
    """Every slice but the first along dim 0, or nil when there is none."""
    return tensor[1:] if tensor.dim() and tensor.shape[0] > 1 else None


def tensor_extract(tensor, start, end=None):
    """`(@@ t start end)`: the slices [start, end) along dim 0; negative bounds count from the end."""
    if tensor.dim() == 0:
        raise LispError("Error: tensor index out of bounds")
    n = tensor.shape[0]
    first = check_int(start, "@@", "start")
    last = n if end is None else check_int(end, "@@", "end")
    first, last = (first + n if first < 0 else first), (last + n if last < 0 else last)
    if not 0 <= first <= last <= n:
        raise LispError("Error: tensor index out of bounds")
    return tensor[first:last]


def tensor_elements(tensor):
    """The flattened elements as numbers, bools as 0/1 (what `loop` visits)."""
    flat = tensor.detach().reshape(-1)
    return (flat.to(torch.int64) if flat.dtype == torch.bool else flat).tolist()


register_protocol("at", torch.Tensor, tensor_at)
register_protocol("car", torch.Tensor, tensor_car)
register_protocol("cdr", torch.Tensor, tensor_cdr)
register_protocol("extract", torch.Tensor, tensor_extract)
register_protocol("size", torch.Tensor, torch.Tensor.numel)
register_protocol("iter", torch.Tensor, tensor_elements)
