"""lispe_torch Gradient Checkpointing (torch spec §3.5): a module wrapper whose forward, when
enabled, stores no intermediate activations and recomputes them during the backward pass
(`torch.utils.checkpoint.checkpoint`, non-reentrant).

The wrapped module is shared, not copied. Besides the original's kinds (linear, multi-head
attention, layer norm, embedding) any library module can be wrapped; multi-head attention
runs as self-attention.
"""

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from ...errors import LispError
from ...registry import builtin
from ._common import LIBRARY, check_tensor
from ._modules import as_module, library_kind
from .encoding import embed


class CheckpointedModule(nn.Module):
    """`module` behind a switch: with checkpointing on (and grad mode on), activations are
    recomputed in the backward pass instead of being kept."""

    def __init__(self, module):
        super().__init__()
        self.module = module
        self.enabled = False

    def _plain(self, x):
        if isinstance(self.module, nn.MultiheadAttention):
            return self.module(x, x, x, need_weights=False)[0]
        if isinstance(self.module, nn.Embedding):
            return embed(self.module, x, "Error in checkpointed forward: ")
        return self.module(x)

    def forward(self, x):
        if self.enabled and torch.is_grad_enabled():
            return checkpoint(self._plain, x, use_reentrant=False)
        return self._plain(x)


library_kind(CheckpointedModule, "torch_checkpointed_module_",
             lambda c: "PyTorch Checkpointed Module (checkpointing "
                       f"{'enabled' if c.enabled else 'disabled'})")


def _check(value, fname, what="Argument"):
    if not isinstance(value, CheckpointedModule):
        raise LispError(f"Error: {what} must be a checkpointed module (in {fname})")
    return value


@builtin("torch_checkpoint_create", library=LIBRARY)
def torch_checkpoint_create(module):
    """Wrap a module for gradient checkpointing (initially disabled; the module is shared)."""
    inner = as_module(module)
    if inner is None or isinstance(inner, CheckpointedModule):
        raise LispError("Error: Unsupported module type for checkpointing (in torch_checkpoint_create)")
    return CheckpointedModule(inner)


@builtin("torch_checkpoint_enable", library=LIBRARY)
def torch_checkpoint_enable(module):
    """Turn gradient checkpointing on."""
    _check(module, "torch_checkpoint_enable").enabled = True
    return True


@builtin("torch_checkpoint_disable", library=LIBRARY)
def torch_checkpoint_disable(module):
    """Turn gradient checkpointing off."""
    _check(module, "torch_checkpoint_disable").enabled = False
    return True


@builtin("torch_checkpoint_forward", library=LIBRARY)
def torch_checkpoint_forward(module, input_data):
    """Forward through a checkpointed module; same values whether checkpointing is on or off."""
    _check(module, "torch_checkpoint_forward", "First argument")
    check_tensor(input_data, "torch_checkpoint_forward", "Second argument")
    try:
        return module(input_data)
    except LispError:
        raise
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error in checkpointed forward: {e}") from e
