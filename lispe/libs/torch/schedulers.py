"""lispe_torch Learning Rate Scheduling (torch spec §3.8): five schedules computed in Python
with the original's formulas and step convention (`torch.optim.lr_scheduler` differs on
both), written into every parameter group of the optimizer at each step.

Learning rate at step t (I initial_lr, m min_lr, T total_steps, W warmup_steps, γ gamma,
K step_size), with no clamping after T, as in the original:

    linear_warmup_cosine  t < W: I·t/W, else m + (I − m)·½·(1 + cos(π·(t − W)/(T − W)))
    cosine                m + (I − m)·½·(1 + cos(π·t/T))
    exponential           I·γ^t
    step                  I·γ^⌊t/K⌋
    linear                m + (I − m)·(T − t)/T

A cosine whose denominator is 0 gives m (the original would give NaN).
"""

import math

from ...errors import LispError
from ...printer import format_number
from ...registry import builtin
from ._common import LIBRARY, check_bounded, check_choice, check_options
from ._modules import library_kind
from .optim import Optimizer

_DEFAULTS = {"initial_lr": 0.001, "min_lr": 1e-6, "total_steps": 1000, "warmup_steps": 0,
             "gamma": 0.1, "step_size": 100}


def _cosine(i, m, t, period):
    if period == 0:
        return m
    return m + (i - m) * 0.5 * (1 + math.cos(math.pi * t / period))


def _linear_warmup_cosine(c, t):
    if t < c["warmup_steps"]:
        return c["initial_lr"] * t / c["warmup_steps"]
    return _cosine(c["initial_lr"], c["min_lr"], t - c["warmup_steps"],
                   c["total_steps"] - c["warmup_steps"])


def _linear(c, t):
    if c["total_steps"] == 0:
        return c["min_lr"]
    return c["min_lr"] + (c["initial_lr"] - c["min_lr"]) * (c["total_steps"] - t) / c["total_steps"]


_SCHEDULES = {
    "linear_warmup_cosine": ("LinearWarmupCosine", _linear_warmup_cosine),
    "cosine": ("Cosine", lambda c, t: _cosine(c["initial_lr"], c["min_lr"], t, c["total_steps"])),
    "exponential": ("Exponential", lambda c, t: c["initial_lr"] * c["gamma"] ** t),
    "step": ("Step", lambda c, t: c["initial_lr"] * c["gamma"] ** (t // c["step_size"])),
    "linear": ("Linear", _linear),
}


class LRScheduler:
    """A schedule bound to an optimizer, with a step counter starting at 0."""

    def __init__(self, optimizer, kind, config):
        self.optimizer, self.kind, self.config = optimizer, kind, config
        self.step_count = 0
        optimizer.scheduler = self

    @property
    def name(self):
        return _SCHEDULES[self.kind][0]

    def rate(self, step):
        """The learning rate the schedule gives at `step`."""
        return _SCHEDULES[self.kind][1](self.config, step)

    def step(self):
        """Advance one step and write the new rate into the optimizer."""
        self.step_count += 1
        self.optimizer.set_lr(self.rate(self.step_count))


library_kind(LRScheduler, "torch_lrs_scheduler_",
             lambda s: f"LR Scheduler ({s.name}, step={s.step_count}, "
                       f"lr={format_number(float(s.optimizer.current_lr()))})")


_LOWEST = {"initial_lr": (0, False), "min_lr": (0, False), "gamma": (0, True),
           "total_steps": (0, False), "warmup_steps": (0, False), "step_size": (1, False)}
_COUNTS = ("total_steps", "warmup_steps", "step_size")


def _config(config, kind, fname):
    """The schedule's configuration: the defaults, overridden by the known keys of `config`,
    each checked against its range (step counts are truncated to integers)."""
    values = dict(_DEFAULTS)
    for key, value in check_options(config, _DEFAULTS, fname, "config key").items():
        if value is not None:
            low, open_low = _LOWEST[key]
            number = check_bounded(value, fname, key, low=low, open_low=open_low)
            values[key] = int(number) if key in _COUNTS else number
    return values


def _check_scheduler(value, fname, what="Argument"):
    if not isinstance(value, LRScheduler):
        raise LispError(f"Error: {what} must be a learning rate scheduler (in {fname})")
    return value


@builtin("torch_lr_scheduler", library=LIBRARY)
def torch_lr_scheduler(optimizer, scheduler_type, config=None):
    """Create a schedule ("linear_warmup_cosine", "cosine", "exponential", "step", "linear")
    for an optimizer; config keys initial_lr, min_lr, total_steps, warmup_steps, gamma, step_size."""
    fname = "torch_lr_scheduler"
    if not isinstance(optimizer, Optimizer):
        raise LispError(f"Error: First argument must be an optimizer (in {fname})")
    kind = scheduler_type.lower() if isinstance(scheduler_type, str) else scheduler_type
    check_choice(kind, _SCHEDULES, fname, "scheduler type", lead="Error: Unknown scheduler type")
    return LRScheduler(optimizer, kind, _config(config, kind, fname))


@builtin("torch_scheduler_step", library=LIBRARY)
def torch_scheduler_step(scheduler):
    """Advance the schedule one step and set the optimizer's learning rate."""
    _check_scheduler(scheduler, "torch_scheduler_step").step()
    return True


@builtin("torch_scheduler_get_lr", library=LIBRARY)
def torch_scheduler_get_lr(scheduler):
    """The learning rate currently in the optimizer's first parameter group."""
    return float(_check_scheduler(scheduler, "torch_scheduler_get_lr").optimizer.current_lr())


@builtin("torch_scheduler_set_lr", library=LIBRARY)
def torch_scheduler_set_lr(scheduler, learning_rate):
    """Write a learning rate into every parameter group (the step counter is unchanged)."""
    fname = "torch_scheduler_set_lr"
    _check_scheduler(scheduler, fname, "First argument").optimizer.set_lr(
        check_bounded(learning_rate, fname, "learning_rate", low=0))
    return True
