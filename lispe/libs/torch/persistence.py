"""lispe_torch Model family, part two (torch spec §3.11): saving and loading modules, state
dicts, and training checkpoints (model, optimizer state, epoch).

Files are ordinary PyTorch files: `torch.save(module.state_dict(), path)` for a model,
`{"model": ..., "optimizer": ..., "epoch": ...}` for a checkpoint. They are read with
`torch.load(..., weights_only=True)` (DECISIONS.md 6): a file holding anything but tensors and
plain data is refused, so nothing in it executes. For the same reason a pickled `nn.Module`
cannot be loaded; `(torch_load_model path)` rebuilds an MLP from its weights instead, and
returns a TorchScript model for TorchScript archives.

Extensions (DECISIONS.md 9): `torch_load_state_dict` also restores an optimizer from a loaded
checkpoint, and `torch_checkpoint_epoch` gives its epoch, so training resumes exactly.
"""

import collections.abc
import os
import pickle
import zipfile

import torch

from ...errors import LispError
from ...registry import builtin, lookup
from ...values import register_protocol
from ._common import LIBRARY, backend_errors, describe
from ._modules import as_module, library_kind
from .model import MLP
from .optim import Optimizer


class StateDict(collections.abc.Mapping):
    """Named tensors (a module's parameters), with the optimizer state and epoch of the
    checkpoint they were read from, if any."""

    def __init__(self, tensors, optimizer_state=None, epoch=None):
        self.tensors = dict(tensors)
        self.optimizer_state = optimizer_state
        self.epoch = epoch

    def __getitem__(self, name):
        return self.tensors[name]

    def __iter__(self):
        return iter(self.tensors)

    def __len__(self):
        return len(self.tensors)


library_kind(StateDict, "torch_state_dict_", lambda s: f"PyTorch State Dict ({len(s)} parameters)")
register_protocol("at", StateDict, lambda s, name: s.tensors[name])
register_protocol("size", StateDict, len)
register_protocol("iter", StateDict, lambda s: list(s.tensors))

_MLP_KEYS = {f"fc{i}.{p}" for i in (1, 2, 3) for p in ("weight", "bias")}


def _split_model_path(a, b, fname):
    """(module, path) from two arguments given in either order."""
    if isinstance(a, str) and not isinstance(b, str):
        a, b = b, a
    module = as_module(a)
    if module is None:
        raise LispError(f"Error: First argument must be a PyTorch module (in {fname}, got {describe(a)})")
    if not isinstance(b, str):
        raise LispError(f"Error in {fname}: path must be a string (got {describe(b)})")
    return module, b


def _read(path, fname, prefix):
    """The content of a `.pt` file, read with `weights_only=True`."""
    if not isinstance(path, str):
        raise LispError(f"Error in {fname}: path must be a string (got {describe(path)})")
    if not os.path.isfile(path):
        raise LispError(f"{prefix}: no such file: {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise LispError(f"{prefix}: {path} holds objects other than tensors and plain data; "
                        "refused (files are read with weights_only=True)") from e
    except Exception as e:  # noqa: BLE001
        raise LispError(f"{prefix}: {e}") from e


def _model_entries(data):
    """The model's named tensors in a state dict or a checkpoint, else None."""
    if isinstance(data, dict) and isinstance(data.get("model"), dict):
        data = data["model"]
    if isinstance(data, dict) and all(isinstance(v, torch.Tensor) for v in data.values()):
        return data
    return None


def _copy_into(module, entries):
    """Copy every entry whose name is a parameter or buffer of `module` (shapes must match)."""
    targets = dict(module.named_parameters())
    targets.update(module.named_buffers())
    with torch.no_grad():
        for name, value in entries.items():
            target = targets.get(name)
            if target is None:
                continue
            if target.shape != value.shape:
                raise ValueError(f"size mismatch for {name}: {list(value.shape)} in the "
                                 f"state dict, {list(target.shape)} in the model")
            target.copy_(value)


@builtin("torch_save_model", library=LIBRARY)
def torch_save_model(model, path):
    """Save a module's state dict to a `.pt` file (arguments in either order)."""
    module, path = _split_model_path(model, path, "torch_save_model")
    with backend_errors("Error saving model"):
        torch.save(module.state_dict(), path)
    return "Model saved successfully"


@builtin("torch_load_model", library=LIBRARY)
def torch_load_model(model, path=None):
    """Load a `.pt` file into a module (`(model path)` or `(path model)`); with a path alone,
    return a TorchScript model, an MLP rebuilt from its weights, or a state dict."""
    fname, prefix = "torch_load_model", "Error loading model"
    if path is None:
        return _load_new(model, fname, prefix)
    module, path = _split_model_path(model, path, fname)
    entries = _model_entries(_read(path, fname, prefix))
    if entries is None:
        raise LispError(f"{prefix}: {path} does not hold a state dict")
    with backend_errors(prefix):
        module.load_state_dict(_without_foreign_lora(entries, module))
    return "Model loaded successfully"


def _without_foreign_lora(entries, module):
    """A LoRA layer saved after merging (seed 004, deployment option 1) loads into a plain
    linear layer: its `lora_A`/`lora_B` entries are dropped when the module has none."""
    def is_lora(key):
        return any(part in ("lora_A", "lora_B") for part in key.split("."))

    if any(is_lora(k) for k in module.state_dict()):
        return entries
    return {k: v for k, v in entries.items() if not is_lora(k)}


def _is_torchscript(path):
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.endswith("/constants.pkl") for name in archive.namelist())


def _load_new(path, fname, prefix):
    if isinstance(path, str) and os.path.isfile(path) and _is_torchscript(path):
        return lookup("torch_jit_load").func(path)
    data = _read(path, fname, prefix)
    entries = _model_entries(data)
    if entries is None:
        raise LispError(f"{prefix}: {path} does not hold a state dict")
    if set(entries) == _MLP_KEYS:
        first, last = entries["fc1.weight"], entries["fc3.weight"]
        with backend_errors(prefix):
            model = MLP(first.shape[1], first.shape[0], last.shape[0])
            model.load_state_dict(entries)
        return model
    return StateDict(entries)


@builtin("torch_state_dict", library=LIBRARY)
def torch_state_dict(model):
    """A state dict holding detached copies of a module's named parameters."""
    module = as_module(model)
    if module is None:
        raise LispError("Error: Argument must be a PyTorch module "
                        f"(in torch_state_dict, got {describe(model)})")
    with backend_errors("Error getting model state dict"):
        return StateDict({name: p.detach().clone() for name, p in module.named_parameters()})


@builtin("torch_load_state_dict", library=LIBRARY)
def torch_load_state_dict(model, state_dict):
    """Copy the matching entries of a state dict into a module (or, from a loaded checkpoint,
    restore an optimizer's state)."""
    fname, prefix = "torch_load_state_dict", "Error loading state dict"
    if not isinstance(state_dict, (StateDict, dict)):
        raise LispError("Error: Second argument must be a state dict "
                        f"(in {fname}, got {describe(state_dict)})")
    if isinstance(model, Optimizer):
        _restore_optimizer(model, state_dict, prefix)
        return "State dict loaded successfully"
    module = as_module(model)
    if module is None:
        raise LispError(f"Error: First argument must be a model (in {fname}, got {describe(model)})")
    with backend_errors(prefix):
        _copy_into(module, state_dict)
    return "State dict loaded successfully"


def _restore_optimizer(optimizer, state_dict, prefix):
    state = getattr(state_dict, "optimizer_state", None)
    if state is None:
        raise LispError(f"{prefix}: this state dict holds no optimizer state")
    if optimizer.torch is None:
        raise LispError(f"{prefix}: the optimizer has no parameters yet")
    with backend_errors(prefix):
        optimizer.torch.load_state_dict(state)


@builtin("torch_save_checkpoint", library=LIBRARY)
def torch_save_checkpoint(model, optimizer, epoch, path):
    """Save model state, optimizer state and epoch to a `.pt` file."""
    fname = "torch_save_checkpoint"
    module = as_module(model)
    if module is None:
        raise LispError(f"Error: First argument must be a model (in {fname}, got {describe(model)})")
    if not isinstance(optimizer, Optimizer):
        raise LispError("Error: Second argument must be an optimizer "
                        f"(in {fname}, got {describe(optimizer)})")
    if not isinstance(path, str):
        raise LispError(f"Error in {fname}: path must be a string (got {describe(path)})")
    content = {"model": module.state_dict(),
               "optimizer": None if optimizer.torch is None else optimizer.torch.state_dict(),
               "epoch": epoch}
    with backend_errors("Error saving checkpoint"):
        torch.save(content, path)
    return "Checkpoint saved successfully"


@builtin("torch_load_checkpoint", library=LIBRARY)
def torch_load_checkpoint(path):
    """Read a checkpoint (or a plain state dict): a state dict of the model, carrying the
    optimizer state and epoch."""
    prefix = "Error loading checkpoint"
    data = _read(path, "torch_load_checkpoint", prefix)
    entries = _model_entries(data)
    if entries is None:
        raise LispError(f"{prefix}: {path} holds neither a checkpoint nor a state dict")
    if entries is data:
        return StateDict(entries)
    return StateDict(entries, data.get("optimizer"), data.get("epoch"))


@builtin("torch_checkpoint_epoch", library=LIBRARY)
def torch_checkpoint_epoch(checkpoint):
    """The epoch stored in a checkpoint read by torch_load_checkpoint (nil if none)."""
    if not isinstance(checkpoint, StateDict):
        raise LispError("Error: Argument must be a state dict "
                        f"(in torch_checkpoint_epoch, got {describe(checkpoint)})")
    return checkpoint.epoch
