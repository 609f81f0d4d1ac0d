"""lispe_torch JIT family (torch spec §3.7): TorchScript archives loaded with `torch.jit.load`,
run, inspected, edited in place, and run with LoRA updates added to chosen parameters.

A `TorchJITModel` holds the `torch.jit.ScriptModule`, its file path, its device, and the LoRA
hooks (parameter name -> `LoRALinear`).  Parameter and buffer names given by the user match
either literally or after the "safe name" conversion (`.`, `/`, `-` become `_`).  A LoRA hook
adds the layer's `delta_weight()` (the one definition of (alpha/rank)·B·A, in `lora.py`) to the
parameter for the duration of one forward pass, restoring the weight afterwards even on error.

Devices follow DECISIONS.md 2: an accelerator that is absent falls back to the best available
device with one warning (`resolve_device`); a name that is no device at all keeps the model on
the CPU with a warning, as the original does.  Every bad input raises a LispError, including
the failures that the original only printed (`torch_jit_model_update_weight`).

Not here: scripting or tracing Python modules (TorchScript archives are produced elsewhere),
and real intermediate activations (`torch_jit_model_get_intermediate_states` returns the input
and the output, as the original does).
"""

import contextlib
import sys
import warnings

import torch

from ...errors import LispError
from ...printer import register_printer
from ...registry import builtin
from ...values import Integers, Strings, register_type_name
from ._common import LIBRARY, backend_errors, best_device, describe, resolve_device
from .lora import LoRALinear

_INFERENCE_METHODS = ("forward", "predict", "generate", "inference", "run")  # forward = __call__


@contextlib.contextmanager
def _quiet():
    """PyTorch deprecates TorchScript; its notices mean nothing to a LispE user."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        yield


class TorchJITModel:
    """A loaded TorchScript module with its path, device and LoRA hooks."""

    def __init__(self, module, path, device):
        self.module = module
        self.path = path
        self.device = device
        self.hooks = {}

    @property
    def loaded(self):
        return self.module is not None

    def parameters(self):
        return dict(self.module.named_parameters()) if self.loaded else {}

    def buffers(self):
        return dict(self.module.named_buffers()) if self.loaded else {}

    def move(self, device):
        self.module.to(device)
        self.device = device


def _safe(name):
    return name.replace(".", "_").replace("/", "_").replace("-", "_")


def _find(table, name):
    """The entry of `table` named `name` literally or by safe name, or None."""
    if name in table:
        return table[name]
    safe = _safe(name)
    return next((v for k, v in table.items() if _safe(k) == safe), None)


def jit_text(model):
    """The multi-line info block of §1.5, or `<TorchJITModel: Not loaded>`."""
    if not model.loaded:
        return "<TorchJITModel: Not loaded>"
    lines = ["=== TorchScript Model Info ===", f"Device: {model.device}",
             f"Parameter count: {_parameter_count(model)}", f"Memory usage: {_memory_mb(model)} MB",
             "", "Buffers:"]
    lines += [f"  {name}: [{', '.join(str(d) for d in b.shape)}]" for name, b in model.buffers().items()]
    return "\n".join(lines)


register_printer(TorchJITModel, jit_text)
register_type_name(TorchJITModel, "jit_model_")


def _parameter_count(model):
    return sum(p.numel() for p in model.parameters().values())


def _memory_mb(model):
    tensors = list(model.parameters().values()) + list(model.buffers().values())
    return sum(t.numel() * t.element_size() for t in tensors) // 1048576

# argument checks ------------------------------------------------------------------------


def _check_model(value, fname, what="First argument must be a TorchJIT model"):
    if not isinstance(value, TorchJITModel):
        raise LispError(f"Error: {what} (in {fname}, got {describe(value)})")
    return value


def _check_loaded(value, fname, what="First argument must be a TorchJIT model"):
    model = _check_model(value, fname, what)
    if not model.loaded:
        raise LispError(f"Error in {fname}: Model not loaded")
    return model


def _check_tensor(value, fname, what):
    if not isinstance(value, torch.Tensor):
        raise LispError(f"Error: {what} must be a tensor (in {fname}, got {describe(value)})")
    return value


def _check_name(value, fname):
    if not isinstance(value, str):
        raise LispError(f"Error in {fname}: the name must be a string (got {describe(value)})")
    return value


def _jit_device(name, fname):
    """A torch.device for a TorchScript device name; an unknown name warns and gives the CPU."""
    if name is None:
        return torch.device("cpu")
    try:
        return resolve_device(name, fname)
    except LispError:
        print(f"Warning: Invalid device {name}, using CPU", file=sys.stderr)
        return torch.device("cpu")

# loading and devices --------------------------------------------------------------------


def load_jit_model(path, device=None, fname="torch_jit_load"):
    """A TorchJITModel read from a TorchScript archive, in eval mode, on `device`."""
    if not isinstance(path, str):
        raise LispError(f"Error in {fname}: model_path must be a string (got {describe(path)})")
    target = _jit_device(device, fname)
    try:
        with _quiet():
            module = torch.jit.load(path, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - any reading failure means the same to the user
        raise LispError(f"Error: Failed to load TorchScript model from {path} ({e})") from e
    module.eval()
    model = TorchJITModel(module, path, torch.device("cpu"))
    with backend_errors("Error moving model to device"):
        model.move(target)
    return model


@builtin("torch_jit_load", library=LIBRARY)
def torch_jit_load(model_path, device=None):
    """Load a TorchScript model (eval mode) on a device ("cpu" by default)."""
    return load_jit_model(model_path, device)


@builtin("torch_jit_unload", library=LIBRARY)
def torch_jit_unload(model):
    """Release the TorchScript module; the object then prints as not loaded."""
    model = _check_model(model, "torch_jit_unload")
    on_cuda = model.loaded and model.device.type == "cuda"
    model.module = None
    model.hooks.clear()
    if on_cuda:
        torch.cuda.empty_cache()
    return True


@builtin("torch_jit_model_to_device", library=LIBRARY)
def torch_jit_model_to_device(model, device=None):
    """Move the TorchScript model to a device ("cpu" by default)."""
    fname = "torch_jit_model_to_device"
    model = _check_loaded(model, fname)
    target = resolve_device("cpu" if device is None else device, fname)
    with backend_errors("Error moving model to device"):
        model.move(target)
    return True


@builtin("torch_jit_model_to_mps", library=LIBRARY)
def torch_jit_model_to_mps(model):
    """Move the TorchScript model to MPS (another device, with a warning, when MPS is absent)."""
    fname = "torch_jit_model_to_mps"
    model = _check_loaded(model, fname)
    with backend_errors("Error moving model to MPS"):
        model.move(resolve_device("mps", fname))
    return True


@builtin("torch_jit_model_to_best_device", library=LIBRARY)
def torch_jit_model_to_best_device(model):
    """Move the TorchScript model to CUDA if present, else MPS, else the CPU."""
    fname = "torch_jit_model_to_best_device"
    model = _check_loaded(model, fname)
    with backend_errors("Error moving model to best device"):
        model.move(best_device())
    return True

# running --------------------------------------------------------------------------------


def _methods(model):
    return list(model.module._c._method_names())


def _run(model, x):
    """The first inference method of the module that exists and returns a tensor for `x`."""
    names = _methods(model)
    last = None
    for name in _INFERENCE_METHODS:
        if name not in names:
            continue
        method = model.module if name == "forward" else getattr(model.module, name)
        try:
            out = method(x)
        except Exception as e:  # noqa: BLE001 - try the next method, report the last failure
            last = e
            continue
        if isinstance(out, torch.Tensor):
            return out
    detail = f": {last}" if last is not None else ""
    raise LispError(f"Error: no usable inference method in TorchScript model ({len(names)} methods){detail}")


@builtin("torch_jit_model_forward", library=LIBRARY)
def torch_jit_model_forward(model, tensor):
    """Run the TorchScript model on one tensor (forward, or predict / generate / inference / run)."""
    fname = "torch_jit_model_forward"
    model = _check_loaded(model, fname)
    x = _check_tensor(tensor, fname, "Second argument")
    with backend_errors("Error during forward pass"):
        return _run(model, x)


@builtin("torch_jit_model_forward_with_lora", library=LIBRARY)
def torch_jit_model_forward_with_lora(model, input):
    """Run the TorchScript model with each hooked parameter temporarily raised by its LoRA update."""
    fname = "torch_jit_model_forward_with_lora"
    model = _check_loaded(model, fname, "First argument must be a JIT model")
    x = _check_tensor(input, fname, "Second argument")
    with backend_errors("Error in LoRA forward pass"):
        return _run_with_lora(model, x)


def _run_with_lora(model, x):
    if not model.hooks:
        return _run(model, x)
    parameters = model.parameters() | model.buffers()
    saved = {}
    try:
        with torch.no_grad():
            for name, layer in model.hooks.items():
                target = parameters[name]
                saved[name] = target.detach().clone()
                target += layer.delta_weight().to(device=target.device, dtype=target.dtype)
        return _run(model, x)
    finally:
        with torch.no_grad():
            for name, original in saved.items():
                parameters[name].copy_(original)


@builtin("torch_jit_model_get_intermediate_states", library=LIBRARY)
def torch_jit_model_get_intermediate_states(model, input, layer_names=None):
    """The list (input output) of a forward pass with LoRA hooks; layer_names is not used."""
    fname = "torch_jit_model_get_intermediate_states"
    model = _check_loaded(model, fname, "First argument must be a JIT model")
    x = _check_tensor(input, fname, "Second argument")
    with backend_errors("Error getting intermediate states"):
        return [x, _run_with_lora(model, x)]

# inspection -----------------------------------------------------------------------------


@builtin("torch_jit_model_info", library=LIBRARY)
def torch_jit_model_info(model):
    """A dictionary: loaded, device, parameter_count, memory_mb."""
    model = _check_model(model, "torch_jit_model_info")
    return {"loaded": model.loaded, "device": str(model.device),
            "parameter_count": float(_parameter_count(model)), "memory_mb": float(_memory_mb(model))}


@builtin("torch_jit_model_get_tensor", library=LIBRARY)
def torch_jit_model_get_tensor(model, tensorname):
    """The parameter with that name (literal or with . / - replaced by _)."""
    fname = "torch_jit_model_get_tensor"
    model = _check_loaded(model, fname)
    found = _find(model.parameters(), _check_name(tensorname, fname))
    if found is None:
        raise LispError(f"Error in {fname}: Parameter not found: {tensorname}")
    return found


@builtin("torch_jit_model_get_buffer", library=LIBRARY)
def torch_jit_model_get_buffer(model, buffername):
    """The buffer with that name, or else a tensor attribute of the module with that name."""
    fname = "torch_jit_model_get_buffer"
    model = _check_loaded(model, fname)
    found = _find(model.buffers(), _check_name(buffername, fname))
    if found is None:
        found = getattr(model.module, buffername, None) if hasattr(model.module, buffername) else None
    if not isinstance(found, torch.Tensor):
        raise LispError(f"Error in {fname}: Buffer not found: {buffername}")
    return found


@builtin("torch_jit_model_get_tensor_shape", library=LIBRARY)
def torch_jit_model_get_tensor_shape(model, tensorname):
    """The shape (integers) of the named parameter or buffer."""
    fname = "torch_jit_model_get_tensor_shape"
    model = _check_loaded(model, fname)
    name = _check_name(tensorname, fname)
    found = _find(model.parameters(), name)
    if found is None:
        found = _find(model.buffers(), name)
    if found is None:
        raise LispError(f"Error in {fname}: Parameter not found: {tensorname}")
    return Integers(found.shape)


@builtin("torch_jit_model_list_methods", library=LIBRARY)
def torch_jit_model_list_methods(model):
    """The names of the TorchScript model's methods (strings)."""
    model = _check_loaded(model, "torch_jit_model_list_methods", "Argument must be a JIT model")
    return Strings(_methods(model))


@builtin("torch_jit_model_list_buffers", library=LIBRARY)
def torch_jit_model_list_buffers(model):
    """The names of the model's buffers (strings; empty when not loaded)."""
    model = _check_model(model, "torch_jit_model_list_buffers", "Argument must be a JIT model")
    return Strings(model.buffers())


@builtin("torch_jit_model_list_parameter_names", library=LIBRARY)
def torch_jit_model_list_parameter_names(model):
    """The names of the model's parameters (strings)."""
    model = _check_loaded(model, "torch_jit_model_list_parameter_names", "Argument must be a JIT model")
    return Strings(model.parameters())


@builtin("torch_jit_model_list_tensor_names", library=LIBRARY)
def torch_jit_model_list_tensor_names(model):
    """The parameter names followed by the buffer names (strings)."""
    model = _check_model(model, "torch_jit_model_list_tensor_names", "Argument must be a JIT model")
    return Strings(list(model.parameters()) + list(model.buffers()))

# editing --------------------------------------------------------------------------------


@builtin("torch_jit_model_update_weight", library=LIBRARY)
def torch_jit_model_update_weight(model, param_name, new_weight):
    """Copy a tensor into the parameter of that name, in place (same shape required)."""
    fname = "torch_jit_model_update_weight"
    model = _check_loaded(model, fname, "First argument must be a JIT model")
    name = _check_name(param_name, fname)
    weight = _check_tensor(new_weight, fname, "Third argument")
    target = model.parameters().get(name)
    if target is None:
        raise LispError(f"Error in {fname}: Parameter not found: {name}")
    if target.shape != weight.shape:
        raise LispError(f"Error in {fname}: shape mismatch for {name}: the model has "
                        f"{list(target.shape)}, the new weight is {list(weight.shape)}")
    with backend_errors(f"Error in {fname}"), torch.no_grad():
        target.copy_(weight)
    return True


@builtin("torch_jit_model_register_lora_hook", library=LIBRARY)
def torch_jit_model_register_lora_hook(model, layer_name, lora_layer):
    """Add a LoRA layer's update to the named parameter in torch_jit_model_forward_with_lora."""
    fname = "torch_jit_model_register_lora_hook"
    model = _check_loaded(model, fname, "First argument must be a JIT model")
    name = _check_name(layer_name, fname)
    if not isinstance(lora_layer, LoRALinear):
        raise LispError(f"Error: Third argument must be a LoRA linear layer (in {fname}, "
                        f"got {describe(lora_layer)})")
    target = (model.parameters() | model.buffers()).get(name)
    if target is None:
        raise LispError(f"Error registering LoRA hook: Parameter not found: {name}")
    expected = (lora_layer.out_features, lora_layer.in_features)
    if tuple(target.shape) != expected:
        raise LispError(f"Error registering LoRA hook: {name} has shape {list(target.shape)}, "
                        f"the LoRA update is {list(expected)}")
    model.hooks[name] = lora_layer
    return True
