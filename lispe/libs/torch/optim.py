"""lispe_torch Optimization (torch spec §3.13): Adam, AdamW and SGD optimizers, adding
parameters, zero_grad/step, gradient clipping and the global grad mode.

A LispE optimizer is an `Optimizer`: the algorithm, learning rate and weight decay, plus the
real `torch.optim` optimizer in `.torch` once it has parameters. The seeds create optimizers
before giving them parameters (`torch_adamw_optimizer_create` then
`torch_optimizer_add_params`) and torch refuses empty parameter lists, hence this small
deferred wrapper; everything else is torch's own code. Learning-rate schedules are in
`schedulers.py`.
"""

import torch

from ...errors import LispError
from ...registry import builtin
from ...runtime import caller_var
from ._common import LIBRARY, backend_errors, backend_message, check_bounded, check_choice
from ._modules import library_kind, parameters_of

_ALGORITHMS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}


class Optimizer:
    """An optimizer of kind `adam`, `adamw` or `sgd`; `.torch` is None until it has parameters."""

    def __init__(self, kind, lr, weight_decay=None):
        self.kind, self.lr, self.weight_decay = kind, lr, weight_decay
        self.torch = None
        self.scheduler = None   # the learning-rate schedule driving it (saved in checkpoints)

    def add(self, params):
        """Add the tensors not optimised yet (built on first use, then as a new group)."""
        known = set() if self.torch is None else {
            id(p) for group in self.torch.param_groups for p in group["params"]}
        fresh = []
        for p in params:
            if id(p) not in known:
                known.add(id(p))
                fresh.append(p)
        if not fresh:
            return
        if self.torch is None:
            options = {"lr": self.lr}
            if self.weight_decay is not None:
                options["weight_decay"] = self.weight_decay
            self.torch = _ALGORITHMS[self.kind](fresh, **options)
        else:
            self.torch.add_param_group({"params": fresh, "lr": self.current_lr()})

    def parameters(self):
        """Every tensor this optimizer updates."""
        if self.torch is None:
            return []
        return [p for group in self.torch.param_groups for p in group["params"]]

    def current_lr(self):
        """The learning rate of the first parameter group (the stored rate while deferred)."""
        return self.torch.param_groups[0]["lr"] if self.torch is not None else self.lr

    def set_lr(self, lr):
        """Write `lr` into every parameter group (kept for later while deferred)."""
        self.lr = lr
        if self.torch is not None:
            for group in self.torch.param_groups:
                group["lr"] = lr


library_kind(Optimizer, "torch_optimizer_", "PyTorch Optimizer")


def check_optimizer(value, fname, what="Argument"):
    """`value` if it is an optimizer, else `Error: <what> must be an optimizer`."""
    if not isinstance(value, Optimizer):
        raise LispError(f"Error: {what} must be an optimizer (in {fname})")
    return value


def _kind(name, fname):
    return check_choice(name.lower() if isinstance(name, str) else name, _ALGORITHMS, fname,
                        "optimizer type", lead="Error: Unsupported optimizer type")


def _rate(value, fname, what="learning_rate", prefix="Error creating optimizer"):
    """A learning rate or weight decay: a finite number >= 0."""
    return check_bounded(value, fname, what, low=0, prefix=prefix)


def _build(kind, lr, weight_decay, params, prefix):
    """A new optimizer over `params` (none: deferred); backend failures get `prefix`."""
    with backend_errors(prefix):
        optimizer = Optimizer(kind, lr, weight_decay)
        optimizer.add(params)
    return optimizer


@builtin("torch_optimizer", library=LIBRARY)
def torch_optimizer(model, learning_rate, type):  # noqa: A002 - the spec's parameter name
    """Create an optimizer ("adam", "adamw" or "sgd") over a module's or a list's parameters."""
    fname = "torch_optimizer"
    return _build(_kind(type, fname), _rate(learning_rate, fname), None,
                  parameters_of(model, fname), "Error creating optimizer")


def _caller_or(name, default):
    try:
        return caller_var(name)
    except LispError:
        return default


@builtin("torch_optimizer_create", library=LIBRARY)
def torch_optimizer_create(model=None, learning_rate=None, type=None):  # noqa: A002
    """`torch_optimizer`; omitted arguments come from the caller's `model`, `learning_rate` and
    `type` variables, else no parameters yet, 0.001 and AdamW."""
    fname = "torch_optimizer_create"
    model = _caller_or("model", None) if model is None else model
    lr = _caller_or("learning_rate", 0.001) if learning_rate is None else learning_rate
    if type is None:
        type = _caller_or("type", None)  # noqa: A001
    kind = _kind(type if isinstance(type, str) else "adamw", fname)
    params = [] if model is None else parameters_of(model, fname)
    return _build(kind, _rate(lr, fname), None, params, "Error creating optimizer")


def _deferred(kind, learning_rate, fname, label):
    prefix = f"Error creating {label} optimizer"
    return _build(kind, _rate(learning_rate, fname, prefix=prefix), None, [], prefix)


@builtin("torch_adam_optimizer", library=LIBRARY)
def torch_adam_optimizer(learning_rate):
    """Create an Adam optimizer with no parameters yet (add them with torch_optimizer_add_params)."""
    return _deferred("adam", learning_rate, "torch_adam_optimizer", "Adam")


@builtin("torch_adamw_optimizer", library=LIBRARY, aliases=("torch_adamw_optimizer_create",))
def torch_adamw_optimizer(learning_rate):
    """Create an AdamW optimizer with no parameters yet (add them with torch_optimizer_add_params)."""
    return _deferred("adamw", learning_rate, "torch_adamw_optimizer", "AdamW")


@builtin("torch_sgd_optimizer", library=LIBRARY)
def torch_sgd_optimizer(learning_rate):
    """Create an SGD optimizer with no parameters yet (add them with torch_optimizer_add_params)."""
    return _deferred("sgd", learning_rate, "torch_sgd_optimizer", "SGD")


@builtin("torch_optimizer_add_params", library=LIBRARY)
def torch_optimizer_add_params(params, learning_rate=None, weight_decay=None):
    """`(params lr wd)`: a new AdamW over a list of tensors; `(optimizer params)`: add to it."""
    fname, prefix = "torch_optimizer_add_params", "Error adding parameters to optimizer"
    if isinstance(params, Optimizer):
        tensors = parameters_of(learning_rate, fname)
        with backend_errors(prefix):
            params.add(tensors)
        return params
    if not isinstance(params, (list, tuple)):
        raise LispError(f"Error: params must be a list of tensors (in {fname})")
    tensors = parameters_of(params, fname)
    lr = 0.001 if learning_rate is None else _rate(learning_rate, fname, prefix=prefix)
    decay = 0.01 if weight_decay is None else _rate(weight_decay, fname, "weight_decay", prefix)
    return _build("adamw", lr, decay, tensors, prefix)


@builtin("torch_optimizer_step", library=LIBRARY)
def torch_optimizer_step(optimizer):
    """Apply one update to the optimizer's parameters."""
    try:
        optimizer.torch.step()
    except Exception as e:  # noqa: BLE001
        _failed(optimizer, e, "torch_optimizer_step", "Error in optimizer step: ")
    return True


@builtin("torch_optimizer_zero_grad", library=LIBRARY)
def torch_optimizer_zero_grad(optimizer):
    """Clear the gradients of the optimizer's parameters."""
    try:
        optimizer.torch.zero_grad()
    except Exception as e:  # noqa: BLE001
        _failed(optimizer, e, "torch_optimizer_zero_grad", "Error zeroing gradients: ")
    return True


def _failed(optimizer, error, fname, prefix):
    """After `optimizer.torch.<op>()` raised: nothing to do for a deferred optimizer, else an error."""
    if check_optimizer(optimizer, fname).torch is not None:
        raise LispError(f"{prefix}{backend_message(error)}") from error


@builtin("torch_clip_grad_norm", library=LIBRARY)
def torch_clip_grad_norm(optimizer, max_norm):
    """Clip the gradients of all the optimizer's parameters to total norm `max_norm`; returns
    the norm before clipping (a list of tensors or a module also work)."""
    fname = "torch_clip_grad_norm"
    if isinstance(optimizer, Optimizer):
        params = optimizer.parameters()
    elif isinstance(optimizer, (list, tuple)) or hasattr(optimizer, "parameters"):
        params = parameters_of(optimizer, fname)
    else:
        raise LispError(f"Error: First argument must be an optimizer (in {fname})")
    limit = check_bounded(max_norm, fname, "max_norm", low=0, open_low=True)
    try:
        return float(torch.nn.utils.clip_grad_norm_(params, limit))
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error in clip_grad_norm: {backend_message(e)}") from e


@builtin("torch_set_grad_enabled", library=LIBRARY)
def torch_set_grad_enabled(enabled):
    """Turn gradient recording on or off for every later computation."""
    torch.set_grad_enabled(bool(enabled))
    return True
