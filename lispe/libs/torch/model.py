"""lispe_torch Model family, part one (torch spec §3.11): the MLP `torch_model` and the
generic forward pass `torch_forward`, which runs every module kind of the library.

`torch_forward` is on the hot path of every training loop: it calls the module directly and
only looks at argument types when the call fails. Persistence (save/load, state dicts,
checkpoints) lives in `persistence.py`.
"""

import torch
from torch import nn

from ...errors import LispError
from ...registry import builtin
from ...runtime import caller_var
from ._common import LIBRARY, backend_errors, check_int
from ._modules import cast_like_module, library_kind
from .encoding import embed


class MLP(nn.Module):
    """Three linear layers with ReLU between them: `fc3(relu(fc2(relu(fc1(x)))))`."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, hidden_size)
        self.fc3 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


library_kind(MLP, "torch_model_", "PyTorch Model")


@builtin("torch_model", library=LIBRARY)
@backend_errors("Error creating model")
def torch_model(input_size, hidden_size, output_size):
    """Create an MLP `input -> hidden -> hidden -> output` with ReLU (layers fc1, fc2, fc3)."""
    return _mlp("torch_model", input_size, hidden_size, output_size)


def _mlp(fname, *sizes):
    names = ("input_size", "hidden_size", "output_size")
    return MLP(*(check_int(size, fname, name) for size, name in zip(sizes, names)))


@builtin("torch_model_create", library=LIBRARY)
@backend_errors("Error creating model")
def torch_model_create(input_size=None, hidden_size=None, output_size=None):
    """`torch_model`; omitted sizes are read from the caller's variables of the same names."""
    sizes = [caller_var(name) if value is None else value
             for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                                 ("output_size", output_size))]
    return _mlp("torch_model_create", *sizes)


# forward ----------------------------------------------------------------------------------

def _self_attention(module, x):
    return module(x, x, x, need_weights=False)[0]


def _embedding(module, x):
    return embed(module, x, "Error in forward pass: ")


_SPECIAL_FORWARDS = {nn.MultiheadAttention: _self_attention, nn.Embedding: _embedding}
_FORWARDS = {}   # module class -> fn(module, x), filled on first use of each class


def register_forward(kind, fn):
    """Make `torch_forward` run modules of class `kind` (and subclasses) as `fn(module, x)`."""
    _SPECIAL_FORWARDS[kind] = fn
    _FORWARDS.clear()


def _forward_for(model, fname):
    kind = type(model)
    for base in kind.__mro__:
        if base in _SPECIAL_FORWARDS:
            fn = _SPECIAL_FORWARDS[base]
            break
    else:
        if isinstance(model, nn.Module):
            fn = kind.__call__
        elif isinstance(getattr(model, "module", None), nn.Module):
            def fn(holder, x):
                return holder.module(x)
        else:
            raise LispError(f"Error: First argument must be a model (in {fname})")
    _FORWARDS[kind] = fn
    return fn


@builtin("torch_forward", library=LIBRARY)
def torch_forward(model, input_data):
    """Run any module of the library on a tensor (attention modules: self-attention)."""
    return _forward("torch_forward", model, input_data)


def _forward(fname, model, input_data):
    fn = _FORWARDS.get(type(model)) or _forward_for(model, fname)
    try:
        return fn(model, input_data)
    except LispError:
        raise
    except Exception as e:  # noqa: BLE001
        return _forward_retry(fname, fn, model, input_data, e)


def _forward_retry(fname, fn, model, x, error):
    if not isinstance(x, torch.Tensor):
        raise LispError(f"Error: Second argument must be a tensor (in {fname})") from error
    module = model if isinstance(model, nn.Module) else model.module
    cast = cast_like_module(module, x) if not isinstance(module, nn.Embedding) else None
    if cast is None:
        raise LispError(f"Error in forward pass: {error}") from error
    try:
        return fn(model, cast)
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error in forward pass: {e}") from e


@builtin("torch_model_forward", library=LIBRARY)
def torch_model_forward(model=None, input_data=None):
    """`torch_forward`; omitted arguments are read from the caller's `model` and `input_data`."""
    if model is None:
        model = caller_var("model")
    if input_data is None:
        input_data = caller_var("input_data")
    return _forward("torch_model_forward", model, input_data)
