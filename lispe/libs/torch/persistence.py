"""lispe_torch Model family, part two (torch spec §3.11): saving and loading modules, state
dicts, and training checkpoints.

Files are ordinary PyTorch files: `torch.save(module.state_dict(), path)` for a model, and for
a checkpoint `{"model", "optimizer", "epoch", "scheduler", "rng"}`: the model's and the
optimizer's state dicts, the epoch, the step of the learning-rate schedule attached to the
optimizer, and the states of the random generators (torch, CUDA, Python's `random`, numpy), so
that a run resumed from a checkpoint computes exactly the losses of a run never stopped
(DECISIONS.md 11).  Every file is written under a temporary name and renamed into place
(`lispe/files.py`): a kill during a save leaves the previous file whole.

Files are read with `torch.load(..., weights_only=True)` (DECISIONS.md 6): a file holding
anything but tensors and plain data is refused, so nothing in it executes. For the same reason
a pickled `nn.Module` cannot be loaded; `(torch_load_model path)` rebuilds an MLP from its
weights instead, and returns a TorchScript model for TorchScript archives.

Loads are strict (DECISIONS.md 11): every parameter of the module must be in the file, every
entry of the file must be a parameter or buffer of the module, shapes must match, and nothing is
copied unless everything fits; the error lists a few of the missing and unexpected names.  A
last argument `nil` (`strict`) loads the matching entries only, but never nothing.  Buffers
(positional tables, ...) are loaded when present and not required: `torch_state_dict` holds
parameters only.

Extensions (DECISIONS.md 9): `torch_load_state_dict` also restores an optimizer from a loaded
checkpoint (with its schedule's step and the random generators: resuming), or a schedule's step
alone, and `torch_checkpoint_epoch` gives the epoch, so training resumes exactly.
"""

import collections.abc
import os
import random
import zipfile

import numpy
import torch

from ...errors import LispError
from ...files import atomic_write
from ...registry import builtin, lookup
from ...values import register_protocol, truthy
from ._common import LIBRARY, backend_errors, check_bounded, check_entries, describe, read_weights
from ._modules import as_module, library_kind
from .model import MLP
from .optim import Optimizer
from .schedulers import LRScheduler


class StateDict(collections.abc.Mapping):
    """Named tensors (a module's parameters), with the training state of the checkpoint they
    were read from, if any: `training` holds "optimizer", "epoch", "scheduler" and "rng"."""

    def __init__(self, tensors, training=None):
        self.tensors = dict(tensors)
        self.training = training or {}

    @property
    def epoch(self):
        """The epoch of the checkpoint (None for a plain state dict)."""
        return self.training.get("epoch")

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


def _model_entries(data):
    """The model's named tensors in a state dict or a checkpoint, else None."""
    if isinstance(data, dict) and isinstance(data.get("model"), dict):
        data = data["model"]
    if isinstance(data, dict) and all(isinstance(v, torch.Tensor) for v in data.values()):
        return data
    return None


def _copy_into(module, entries, strict, prefix):
    """Copy `entries` into the parameters and buffers of `module`, all checked first: with
    `strict`, every parameter must be given and every entry must have a place."""
    targets = dict(module.named_parameters())
    targets.update(module.named_buffers())
    required = [name for name, _ in module.named_parameters()]
    matched = check_entries(entries, required, targets, strict, prefix)
    with backend_errors(prefix), torch.no_grad():
        for name in matched:
            targets[name].copy_(entries[name])


def _save(content, path, prefix):
    """torch.save `content` to `path` under a temporary name, renamed into place."""
    with backend_errors(prefix), atomic_write(path) as temporary:
        torch.save(content, temporary)


@builtin("torch_save_model", library=LIBRARY)
def torch_save_model(model, path):
    """Save a module's state dict to a `.pt` file (arguments in either order)."""
    module, path = _split_model_path(model, path, "torch_save_model")
    _save(module.state_dict(), path, "Error saving model")
    return "Model saved successfully"


@builtin("torch_load_model", library=LIBRARY)
def torch_load_model(model, path=None, strict=True):
    """Load a `.pt` file into a module (`(model path)` or `(path model)`; strict nil: matching
    entries only); with a path alone, return a TorchScript model, an MLP rebuilt from its
    weights, or a state dict."""
    fname, prefix = "torch_load_model", "Error loading model"
    if path is None:
        return _load_new(model, fname, prefix)
    module, path = _split_model_path(model, path, fname)
    entries = _model_entries(read_weights(path, fname, prefix))
    if entries is None:
        raise LispError(f"{prefix}: {path} does not hold a state dict")
    _copy_into(module, _without_foreign_lora(entries, module), truthy(strict), prefix)
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
    data = read_weights(path, fname, prefix)
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
def torch_load_state_dict(model, state_dict, strict=True):
    """Copy a state dict into a module (strict nil: the matching entries only); given an
    optimizer and a loaded checkpoint, resume: restore the optimizer, its schedule's step and
    the random generators; given a schedule, restore its step."""
    fname, prefix = "torch_load_state_dict", "Error loading state dict"
    if not isinstance(state_dict, (StateDict, dict)):
        raise LispError("Error: Second argument must be a state dict "
                        f"(in {fname}, got {describe(state_dict)})")
    training = getattr(state_dict, "training", {})
    if isinstance(model, Optimizer):
        _restore_optimizer(model, training, prefix)
    elif isinstance(model, LRScheduler):
        _restore_scheduler(model, training, prefix)
    else:
        module = as_module(model)
        if module is None:
            raise LispError(f"Error: First argument must be a model (in {fname}, got {describe(model)})")
        _copy_into(module, state_dict, truthy(strict), prefix)
    return "State dict loaded successfully"


def _restore_optimizer(optimizer, training, prefix):
    state = training.get("optimizer")
    if state is None:
        raise LispError(f"{prefix}: this state dict holds no optimizer state")
    if optimizer.torch is None:
        raise LispError(f"{prefix}: the optimizer has no parameters yet")
    scheduler = optimizer.scheduler
    step = None if scheduler is None else _saved_step(scheduler, training, prefix, required=False)
    with backend_errors(prefix):
        optimizer.torch.load_state_dict(state)
    if step is not None:
        scheduler.step_count = step
    restore_random_states(training.get("rng"))


def _restore_scheduler(scheduler, training, prefix):
    scheduler.step_count = _saved_step(scheduler, training, prefix, required=True)


def _saved_step(scheduler, training, prefix, required):
    """The step of the checkpoint's schedule, which must be of the same kind as `scheduler`."""
    saved = training.get("scheduler")
    if saved is None:
        if required:
            raise LispError(f"{prefix}: this state dict holds no learning-rate schedule")
        return None
    if saved["kind"] != scheduler.kind:
        raise LispError(f"{prefix}: the checkpoint's schedule is {saved['kind']}, this one is "
                        f"{scheduler.kind}")
    return saved["step"]


def random_states():
    """The states of every random generator a training run draws from."""
    kind, keys, position, has_gauss, gauss = numpy.random.get_state()
    states = {"torch": torch.get_rng_state(), "python": random.getstate(),
              "numpy": [kind, keys.tolist(), position, has_gauss, gauss]}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_random_states(states):
    """Put the generators back in the states saved by `random_states` (None: unchanged)."""
    if not states:
        return
    torch.set_rng_state(states["torch"])
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, position, has_gauss, cached = states["numpy"]
    numpy.random.set_state((kind, numpy.array(keys, dtype=numpy.uint32), position, has_gauss, cached))
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def _scheduler_state(optimizer):
    scheduler = optimizer.scheduler
    return None if scheduler is None else {"kind": scheduler.kind, "step": scheduler.step_count}


@builtin("torch_save_checkpoint", library=LIBRARY)
def torch_save_checkpoint(model, optimizer, epoch, path):
    """Save everything a resumed run needs: model and optimizer states, epoch, the step of the
    optimizer's learning-rate schedule, and the random generators' states."""
    fname = "torch_save_checkpoint"
    module = as_module(model)
    if module is None:
        raise LispError(f"Error: First argument must be a model (in {fname}, got {describe(model)})")
    if not isinstance(optimizer, Optimizer):
        raise LispError("Error: Second argument must be an optimizer "
                        f"(in {fname}, got {describe(optimizer)})")
    epoch = check_bounded(epoch, fname, "epoch", low=0, integer=True)
    if not isinstance(path, str):
        raise LispError(f"Error in {fname}: path must be a string (got {describe(path)})")
    content = {"model": module.state_dict(),
               "optimizer": None if optimizer.torch is None else optimizer.torch.state_dict(),
               "epoch": epoch, "scheduler": _scheduler_state(optimizer), "rng": random_states()}
    _save(content, path, "Error saving checkpoint")
    return "Checkpoint saved successfully"


@builtin("torch_load_checkpoint", library=LIBRARY)
def torch_load_checkpoint(path):
    """Read a checkpoint (or a plain state dict): a state dict of the model, carrying the
    optimizer state, epoch, schedule step and random states for resuming."""
    prefix = "Error loading checkpoint"
    data = read_weights(path, "torch_load_checkpoint", prefix)
    entries = _model_entries(data)
    if entries is None:
        raise LispError(f"{prefix}: {path} holds neither a checkpoint nor a state dict")
    if entries is data:
        return StateDict(entries)
    return StateDict(entries, {key: data.get(key) for key in ("optimizer", "epoch", "scheduler", "rng")})


@builtin("torch_checkpoint_epoch", library=LIBRARY)
def torch_checkpoint_epoch(checkpoint):
    """The epoch stored in a checkpoint read by torch_load_checkpoint (nil if none)."""
    if not isinstance(checkpoint, StateDict):
        raise LispError("Error: Argument must be a state dict "
                        f"(in torch_checkpoint_epoch, got {describe(checkpoint)})")
    return checkpoint.epoch
