"""lispe_torch, Sampling (torch spec §3.15): top-k, multinomial draws, sorting.

`torch_topk` and `torch_sort` return a LispE list `(values indices)` of two tensors.  Draws use
torch's global generator: seed it with `torch_manual_seed` for reproducible runs.
"""

import torch

from ...registry import builtin
from ._common import LIBRARY, check_int, diagnose

_NOT_TENSOR = "First argument must be a torch tensor"


@builtin("torch_topk", library=LIBRARY)
def torch_topk(tensor, k, dim=-1, largest=True):
    """The k largest (or smallest) values along dim, as a list (values indices)."""
    count = check_int(k, "torch_topk", "k")
    axis = -1 if dim is None else check_int(dim, "torch_topk", "dim")
    biggest = True if largest is None else bool(largest)
    try:
        return list(torch.topk(tensor, count, axis, biggest))
    except Exception as e:  # noqa: BLE001 - diagnosed after the fact
        raise diagnose("torch_topk", e, (tensor,), _NOT_TENSOR) from e


@builtin("torch_multinomial", library=LIBRARY, aliases=("tensor_multinomial",))
def torch_multinomial(probs, num_samples, replacement=False):
    """Draw num_samples indices from the distribution(s) in probs (rows of a 2-D tensor)."""
    try:
        return torch.multinomial(probs, num_samples, bool(replacement))
    except Exception as e:  # noqa: BLE001 - diagnosed after the fact, off the hot path
        if isinstance(probs, torch.Tensor):
            check_int(num_samples, "torch_multinomial", "num_samples")
        raise diagnose("torch_multinomial", e, (probs,), _NOT_TENSOR) from e


@builtin("torch_sort", library=LIBRARY)
def torch_sort(tensor, dim=-1, descending=False):
    """Sort along dim, as a list (values indices); (torch_sort t true) sorts the last dim descending."""
    if isinstance(dim, bool) or dim is None:
        dim, descending = -1, bool(dim) or bool(descending)
    axis = check_int(dim, "torch_sort", "dim")
    try:
        return list(torch.sort(tensor, dim=axis, descending=bool(descending)))
    except Exception as e:  # noqa: BLE001 - diagnosed after the fact
        raise diagnose("torch_sort", e, (tensor,), _NOT_TENSOR) from e
