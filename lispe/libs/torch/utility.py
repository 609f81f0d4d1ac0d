"""lispe_torch, Utility (torch spec §3.25): `tensor_in_memory` for leak hunting, and the
extension `torch_manual_seed` for reproducible runs.

Tensors are plain `torch.Tensor` objects (no wrapper class with a counter), so
`tensor_in_memory` counts the live tensor objects the garbage collector knows, leaving out
module parameters (`nn.Parameter`).  Unlike the original it also counts buffers and optimizer
state; what matters for leak hunting is that the figure stays flat from one step to the next.
The count walks every tracked object: call it in logs, not in inner loops.
"""

import collections
import gc
import random

import numpy
import torch

from ...registry import builtin
from ._common import LIBRARY, check_int


@builtin("tensor_in_memory", library=LIBRARY)
def tensor_in_memory():
    """The number of tensor objects alive in the process, model parameters excepted."""
    kinds = collections.Counter(map(type, gc.get_objects()))
    return sum(n for kind, n in kinds.items()
               if issubclass(kind, torch.Tensor) and not issubclass(kind, torch.nn.Parameter))


@builtin("torch_manual_seed", library=LIBRARY)
def torch_manual_seed(seed):
    """Seed torch (every device), Python's random and numpy with seed; returns seed."""
    value = check_int(seed, "torch_manual_seed", "seed")
    torch.manual_seed(value)
    random.seed(value)
    numpy.random.seed(value % 2**32)
    return value
