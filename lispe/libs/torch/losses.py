"""lispe_torch Loss (torch spec §3.10): mean squared error, cross-entropy, back-propagation.

Each loss is `torch.nn.functional`'s, called first and diagnosed only when it fails, so the
training-loop path stays as short as the Python one. Cross-entropy also accepts the shapes
the seeds use (an unbatched `[C]` row with a one-element target; `[B, S, C]` logits with
`[B, S]` class ids, flattened as language models do) when PyTorch's own reading does not fit.
"""

import torch
import torch.nn.functional as F

from ...errors import LispError
from ...registry import builtin
from ._common import LIBRARY, backend_message, describe


def _both_tensors(a, b, error):
    for value in (a, b):
        if not isinstance(value, torch.Tensor):
            raise LispError(f"Error: Both arguments must be tensors (got {describe(value)})") from error


@builtin("torch_mse_loss", library=LIBRARY)
def torch_mse_loss(predictions, targets):
    """Mean squared error (0-dim tensor), broadcasting as PyTorch does."""
    try:
        if predictions.shape == targets.shape:
            return F.mse_loss(predictions, targets)
        return torch.mean((predictions - targets) ** 2)
    except Exception as e:  # noqa: BLE001
        _both_tensors(predictions, targets, e)
        if predictions.is_floating_point() and targets.dtype != predictions.dtype:
            return torch_mse_loss(predictions, targets.to(predictions.dtype))
        raise LispError(f"Error calculating MSE loss: {backend_message(e)}") from e


def _class_last(predictions, targets):
    """Reshape to what `F.cross_entropy` reads when PyTorch's own reading does not fit."""
    if not targets.is_floating_point():
        if targets.dtype != torch.int64:
            targets = targets.long()
        native = predictions.shape[:1] + predictions.shape[2:]
        if predictions.dim() == 1 and targets.numel() == 1:
            return predictions.unsqueeze(0), targets.reshape(1)
        if predictions.dim() >= 3 and targets.shape != native and targets.shape == predictions.shape[:-1]:
            return predictions.reshape(-1, predictions.shape[-1]), targets.reshape(-1)
    elif targets.dtype != predictions.dtype:
        targets = targets.to(predictions.dtype)
    return predictions, targets


@builtin("torch_cross_entropy", library=LIBRARY,
         aliases=("torch_crossentropy_loss", "torch_loss_crossentropy"))
def torch_cross_entropy(predictions, targets):
    """Cross-entropy (mean) of logits `[N, C]` against class ids `[N]` or probabilities."""
    try:
        return F.cross_entropy(predictions, targets)
    except Exception as e:  # noqa: BLE001
        _both_tensors(predictions, targets, e)
        error = e
    try:
        return F.cross_entropy(*_class_last(predictions, targets))
    except Exception:  # noqa: BLE001 - report PyTorch's reading of the original call
        raise LispError(f"Error calculating cross-entropy loss: {backend_message(error)}") from error


@builtin("torch_backward", library=LIBRARY)
def torch_backward(loss, retain_graph=None, create_graph=None):
    """Back-propagate from a scalar loss tensor (gradients accumulate into `.grad`)."""
    try:
        loss.backward(retain_graph=None if retain_graph is None else bool(retain_graph),
                      create_graph=bool(create_graph))
    except Exception as e:  # noqa: BLE001
        if not isinstance(loss, torch.Tensor):
            raise LispError("Error: Argument must be a tensor (loss) (in torch_backward)") from e
        raise LispError(f"Error in backward pass: {backend_message(e)}") from e
    return True
