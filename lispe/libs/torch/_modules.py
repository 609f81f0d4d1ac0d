"""What the neural-network families of lispe_torch share (nn, encoding, attention, model,
optim, schedulers, checkpointing, persistence): the printed form and type atom of library
objects (torch spec §1.5), the view of any LispE argument as a module or as a list of
parameters, and running a module on an input whose dtype may differ from the module's.

It defines no LispE function itself: each family module does.
"""

import torch
from torch import nn

from ...errors import LispError
from ...printer import register_printer
from ...values import register_type_name


def library_kind(kind, type_atom, text):
    """Give values of class `kind` the `(type x)` atom and the printed form (a str or a fn).

    For torch's own classes (nn.Linear...) the printed form applies to that exact class, so
    that a library subclass (a LoRA linear layer) keeps its own whatever the import order."""
    register_type_name(kind, type_atom)
    show = text if callable(text) else (lambda _value: text)
    if kind.__module__.startswith("torch."):
        register_printer(lambda value: type(value) is kind, show)
    else:
        register_printer(kind, show)


def as_module(value):
    """The torch module behind a LispE value, or None (modules, or objects holding `.module`)."""
    if isinstance(value, nn.Module):
        return value
    inner = getattr(value, "module", None)
    return inner if isinstance(inner, nn.Module) else None


def parameters_of(value, fname):
    """The list of tensors to optimise for `value`: a module, a list of tensors, or the name of
    a LoRA Hugging Face model (its adapter parameters)."""
    module = as_module(value)
    if module is not None:
        return list(module.parameters())
    if isinstance(value, (list, tuple)):
        if not all(isinstance(p, torch.Tensor) for p in value):
            raise LispError(f"Error: All elements in params must be tensors (in {fname})")
        return list(value)
    if isinstance(value, str):
        from .hf_lora import lora_parameters   # here: hf_lora imports this module
        return lora_parameters(value, fname)
    if callable(getattr(value, "parameters", None)):
        return list(value.parameters())
    raise LispError(f"Error: params must be a list of tensors or a module (in {fname})")


def run_module(module, x, prefix):
    """`module(x)`; a floating input of another dtype than the module's is cast first."""
    try:
        return module(x)
    except Exception as e:  # noqa: BLE001
        retry = cast_like_module(module, x)
        if retry is None:
            raise LispError(f"{prefix}{e}") from e
        try:
            return module(retry)
        except Exception as e2:  # noqa: BLE001
            raise LispError(f"{prefix}{e2}") from e2


def cast_like_module(module, x):
    """`x` cast to the module's floating dtype when it differs (integers included), else None."""
    weight = next(module.parameters(), None)
    if weight is None or not weight.is_floating_point() or x.dtype == weight.dtype:
        return None
    if x.dtype == torch.bool or x.is_complex():
        return None
    return x.to(weight.dtype)
