"""lispe_torch stand-alone LoRA layers (torch spec §3.9.2).

`LoRALinear` is an `nn.Linear` whose weight and bias are the frozen base layer, plus the two
low-rank adapters of peft's LoRA layer: `lora_A` (`[rank, in]`, drawn from N(0, 1/sqrt(rank)))
and `lora_B` (`[out, rank]`, zeros, so a fresh layer computes exactly its base layer).
`scaling` = alpha/rank, and `delta_weight()` is the one place where the update
(alpha/rank)·B·A is formed: merging, `torch_lora_compute_delta`, the adaptation magnitude and
the TorchScript LoRA hooks (`jit.py`) all use it.  The forward pass applies the same update in
its factored form, `scaling·B(A(x))`, which never builds the `[out, in]` matrix.

Because the class *is* an `nn.Linear`, its state dict holds `weight` and `bias` like a plain
linear layer's (plus `lora_A.weight`, `lora_B.weight`).  Adapters are saved as
`{"lora_A.weight": A, "lora_B.weight": B}` with `torch.save`, under a temporary name renamed
into place (`lispe/files.py`), and read back with `weights_only=True`; a file must hold exactly
these two tensors, of the layer's shapes.

Not here: LoRA on Hugging Face models (`hf_lora.py`, with peft), dropout on the LoRA branch,
and unmerging (the LispE API has no unmerge for stand-alone layers; loading new adapters into
a merged layer re-merges them, see `load_adapters`).
"""

import math

import torch
from torch import nn

from ...errors import LispError
from ...files import atomic_write
from ...printer import format_number, register_printer
from ...registry import builtin
from ...values import register_type_name
from ._common import (LIBRARY, backend_errors, check_entries, check_int, check_number, describe,
                      read_weights)
from .hf_lora import lora_parameters


class LoRALinear(nn.Linear):
    """A frozen linear layer plus the trainable low-rank update (alpha/rank)·B·A."""

    def __init__(self, in_features, out_features, rank, alpha, bias=True):
        super().__init__(in_features, out_features, bias=bias)
        self.weight.requires_grad_(False)
        if self.bias is not None:
            self.bias.requires_grad_(False)
        self.rank = rank
        self.alpha = alpha
        self.scaling = alpha / rank
        self.merged = False
        self.lora_A = nn.Linear(in_features, rank, bias=False)
        self.lora_B = nn.Linear(rank, out_features, bias=False)
        nn.init.normal_(self.lora_A.weight, mean=0.0, std=1.0 / math.sqrt(rank))
        nn.init.zeros_(self.lora_B.weight)

    def delta_weight(self):
        """The `[out, in]` update (alpha/rank)·B·A."""
        return (self.lora_B.weight @ self.lora_A.weight) * self.scaling

    def forward(self, x):
        base = super().forward(x)
        if self.merged:
            return base
        return base + self.lora_B(self.lora_A(x)) * self.scaling

    def merge(self):
        """Fold the update into the base weight once; later forwards use the base weight only."""
        if not self.merged:
            with torch.no_grad():
                self.weight += self.delta_weight()
            self.merged = True

    def load_adapters(self, lora_a, lora_b):
        """Copy new A and B in; a merged layer swaps its merged update for the new one."""
        with torch.no_grad():
            if self.merged:
                self.weight -= self.delta_weight()
            self.lora_A.weight.copy_(lora_a)
            self.lora_B.weight.copy_(lora_b)
            if self.merged:
                self.weight += self.delta_weight()

    def extra_repr(self):
        return f"{super().extra_repr()}, rank={self.rank}, alpha={self.alpha}, merged={self.merged}"


def lora_text(layer):
    """`LoRA Linear Layer (512 -> 256, rank=8, alpha=16, merged=false)`."""
    merged = "true" if layer.merged else "false"
    return (f"LoRA Linear Layer ({layer.in_features} -> {layer.out_features}, rank={layer.rank}, "
            f"alpha={format_number(float(layer.alpha))}, merged={merged})")


register_printer(LoRALinear, lora_text)
register_type_name(LoRALinear, "torch_lora_linear_")

# argument checks ------------------------------------------------------------------------


def check_lora(value, fname, what="First argument"):
    """`value` if it is a LoRA linear layer, else `Error: <what> must be a LoRA linear layer`."""
    if not isinstance(value, LoRALinear):
        raise LispError(f"Error: {what} must be a LoRA linear layer (in {fname}, got {describe(value)})")
    return value


def _check_input(value, fname):
    if not isinstance(value, torch.Tensor):
        raise LispError(f"Error: Second argument must be a tensor (in {fname}, got {describe(value)})")
    return value


def _check_sizes(fname, rank, alpha, *features):
    for what, n in (("rank", rank),) + tuple(zip(("in_features", "out_features"), features)):
        if check_int(n, fname, what) <= 0:
            raise LispError(f"Error in {fname}: {what} must be a positive integer (got {n})")
    return check_number(alpha, fname, "alpha")

# functions ------------------------------------------------------------------------------


@builtin("torch_lora_linear", library=LIBRARY)
def torch_lora_linear(in_features, out_features, rank, alpha):
    """A linear layer with frozen base weights and trainable LoRA adapters A, B (B starts at zero)."""
    alpha = _check_sizes("torch_lora_linear", rank, alpha, in_features, out_features)
    with backend_errors("Error creating LoRA linear layer"):
        return LoRALinear(in_features, out_features, rank, alpha)


@builtin("torch_lora_apply_to_linear", library=LIBRARY)
def torch_lora_apply_to_linear(linear_layer, rank, alpha):
    """A new LoRA linear layer whose frozen base is a copy of the given linear layer."""
    fname = "torch_lora_apply_to_linear"
    if not isinstance(linear_layer, nn.Linear):
        raise LispError(f"Error: First argument must be a linear layer (in {fname}, "
                        f"got {describe(linear_layer)})")
    alpha = _check_sizes(fname, rank, alpha)
    with backend_errors("Error applying LoRA to linear layer"), torch.no_grad():
        has_bias = linear_layer.bias is not None
        layer = LoRALinear(linear_layer.in_features, linear_layer.out_features, rank, alpha, has_bias)
        layer.to(device=linear_layer.weight.device, dtype=linear_layer.weight.dtype)
        layer.weight.copy_(linear_layer.weight)
        if has_bias:
            layer.bias.copy_(linear_layer.bias)
    return layer


@builtin("torch_lora_forward", library=LIBRARY)
def torch_lora_forward(lora_layer, input_data):
    """base(x) + (alpha/rank)·B(A(x)), or base(x) once merged."""
    fname = "torch_lora_forward"
    layer = check_lora(lora_layer, fname)
    x = _check_input(input_data, fname)
    with backend_errors("Error in LoRA forward pass"):
        return layer(x)


@builtin("torch_lora_forward_with_gradients", library=LIBRARY)
def torch_lora_forward_with_gradients(lora_layer, input, retain_graph=None):
    """The LoRA forward pass with gradient recording on, even under a global no-grad mode."""
    fname = "torch_lora_forward_with_gradients"
    layer = check_lora(lora_layer, fname)
    x = _check_input(input, fname)
    with backend_errors("Error in LoRA forward with gradients"), torch.enable_grad():
        return layer(x)


@builtin("torch_lora_merge_weights", library=LIBRARY)
def torch_lora_merge_weights(lora_layer):
    """Fold (alpha/rank)·B·A into the base weight (once); the forward then uses the base only."""
    layer = check_lora(lora_layer, "torch_lora_merge_weights", "Argument")
    with backend_errors("Error merging LoRA weights"):
        layer.merge()
    return "LoRA weights merged successfully"


@builtin("torch_lora_compute_delta", library=LIBRARY)
def torch_lora_compute_delta(lora_layer):
    """The [out, in] weight update (alpha/rank)·B·A."""
    layer = check_lora(lora_layer, "torch_lora_compute_delta", "Argument")
    with backend_errors("Error computing LoRA delta"), torch.no_grad():
        return layer.delta_weight()


@builtin("torch_lora_get_adaptation_magnitude", library=LIBRARY)
def torch_lora_get_adaptation_magnitude(lora_layer):
    """The Frobenius norm of the LoRA update (0.0 for a fresh layer)."""
    layer = check_lora(lora_layer, "torch_lora_get_adaptation_magnitude", "Argument")
    with backend_errors("Error getting adaptation magnitude"), torch.no_grad():
        return float(torch.linalg.matrix_norm(layer.delta_weight().float()))


@builtin("torch_lora_trainable_params", library=LIBRARY)
def torch_lora_trainable_params(model):
    """The trainable parameters: (A B) of a LoRA layer, the adapters of a LoRA HF model, or any module's."""
    if isinstance(model, LoRALinear):
        return [model.lora_A.weight, model.lora_B.weight]
    if isinstance(model, str):
        return lora_parameters(model, "torch_lora_trainable_params")
    if isinstance(model, nn.Module):
        return [p for p in model.parameters() if p.requires_grad]
    raise LispError(f"Error: Argument must be a model (in torch_lora_trainable_params, "
                    f"got {describe(model)})")


@builtin("torch_lora_save_adapters", library=LIBRARY)
def torch_lora_save_adapters(model, path):
    """Save the LoRA adapters A and B (not the base weights) to a .pt file."""
    fname = "torch_lora_save_adapters"
    layer = _adapter_owner(model, fname)
    tensors = {"lora_A.weight": layer.lora_A.weight.detach().cpu(),
               "lora_B.weight": layer.lora_B.weight.detach().cpu()}
    path = _check_path(path, fname)
    with backend_errors("Error saving LoRA adapters"), atomic_write(path) as temporary:
        torch.save(tensors, temporary)
    return "LoRA adapters saved successfully"


@builtin("torch_lora_load_adapters", library=LIBRARY)
def torch_lora_load_adapters(model, path):
    """Load adapters saved by torch_lora_save_adapters into a LoRA layer of the same shape."""
    fname = "torch_lora_load_adapters"
    layer = _adapter_owner(model, fname)
    prefix = "Error loading LoRA adapters"
    tensors = read_weights(path, fname, prefix)
    if not isinstance(tensors, dict) or not all(isinstance(t, torch.Tensor) for t in tensors.values()):
        raise LispError(f"{prefix}: {path} does not hold named tensors")
    targets = {"lora_A.weight": layer.lora_A.weight, "lora_B.weight": layer.lora_B.weight}
    check_entries(tensors, targets, targets, True, prefix)
    layer.load_adapters(tensors["lora_A.weight"], tensors["lora_B.weight"])
    return "LoRA adapters loaded successfully"


def _adapter_owner(model, fname):
    if not isinstance(model, LoRALinear):
        raise LispError(f"Error: Model must contain LoRA layers (in {fname}, got {describe(model)})")
    return model


def _check_path(path, fname):
    if not isinstance(path, str):
        raise LispError(f"Error in {fname}: path must be a string (got {describe(path)})")
    return path
