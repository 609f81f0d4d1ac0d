"""LoRA adapters on Hugging Face models, backed by peft (torch spec §3.9.1, DECISIONS.md 5).

`torch_hf_lora_init` wraps a model loaded with `torch_hf_load_model_lora` in a
`peft.PeftModel` (LoraConfig: rank, alpha, target modules, no dropout, no bias), then gives
every adapter the spec's start: A ~ N(0, 1/sqrt(rank)), B = 0, so a fresh adapter leaves the
logits unchanged; only the adapters are trainable. Adapters asked for in float16 are kept in
float32 (peft's own policy): in float16, AdamW's first step on B = 0 divides 0 by an
underflowed 0 and turns every adapter into NaN; bfloat16 and float32 are kept as asked.
Forward, merge, unmerge, enable and disable are peft's own; peft computes the delta
(alpha/rank)·B·A in one place.

Files (DECISIONS.md 5): a path ending in `.pt` holds one `torch.save`d dictionary
`layer.<i>.<module>.lora_A.weight -> tensor` (read back with `weights_only=True`; a list with a
`<path>.keys` file, the original's format, is read too); any other path is a standard PEFT
adapter directory (adapter_config.json + adapter_model.safetensors) that `peft` loads as is,
and a directory written by peft loads here, creating the adapters when needed.

Deliberately not here: stand-alone LoRA layers (lora.py).
"""

import os
import re

import torch

from ...errors import LispError
from ...registry import builtin
from ...values import truthy
from ._common import LIBRARY, check_int, check_number, describe, wrap_errors
from .hf import dtype_named, lookup_model

DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")
ADAPTER = "default"


def lora_model(name, fname):
    """The registry entry of a model loaded with `torch_hf_load_model_lora`."""
    entry = lookup_model(name, fname, missing="Model not found")
    if not entry.is_lora:
        raise LispError(f"Error: Model is not a LoRA model. Use torch_hf_load_model_lora to "
                        f"load. (in {fname}: {name})")
    return entry




def has_adapters(entry):
    """True once `torch_hf_lora_init` (or a PEFT directory load) wrapped the model."""
    return entry.model is not entry.base


def _plain_base(entry):
    """The transformers model with any adapters removed (unmerged first)."""
    if not has_adapters(entry):
        return entry.model
    if _merged(entry):
        entry.model.unmerge_adapter()
    return entry.model.unload()

# adapters in spec order -----------------------------------------------------------------

_LAYER_INDEX = re.compile(r"\.layers\.(\d+)\.")


def adapter_layers(entry):
    """(key, peft LoRA layer) pairs: layer 0..L-1, target-module order inside a layer."""
    from peft.tuners.lora import LoraLayer
    targets = list(entry.lora_targets)
    found = []
    for name, module in entry.model.named_modules():
        if isinstance(module, LoraLayer) and ADAPTER in module.lora_A:
            short = name.rsplit(".", 1)[-1]
            match = _LAYER_INDEX.search(name + ".")
            layer = int(match.group(1)) if match else None
            key = f"layer.{layer}.{short}" if match else name
            rank = targets.index(short) if short in targets else len(targets)
            found.append(((layer is None, layer or 0, rank, name), key, module))
    return [(key, module) for _, key, module in sorted(found, key=lambda t: t[0])]


def _merged(entry):
    return any(module.merged for _, module in adapter_layers(entry))


def lora_parameters(name, fname="torch_hf_lora_get_parameters"):
    """The adapter weights of a LoRA model, A then B per (layer, module), as a list."""
    entry = lora_model(name, fname)
    if not has_adapters(entry):
        return []
    params = []
    for _, module in adapter_layers(entry):
        params += [module.lora_A[ADAPTER].weight, module.lora_B[ADAPTER].weight]
    return params

# init -----------------------------------------------------------------------------------


def _targets(value, fname):
    if value is None:
        return list(DEFAULT_TARGETS)
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise LispError(f"Error in {fname}: target_modules must be a list of module names "
                        f"(got {describe(value)})")
    return list(dict.fromkeys(value))


def _check_targets(model, targets, fname):
    names = {n.rsplit(".", 1)[-1] for n, m in model.named_modules()
             if isinstance(m, torch.nn.Linear)}
    unknown = [t for t in targets if t not in names]
    if unknown:
        raise LispError(f"Error in {fname}: no module named {', '.join(unknown)} in the model "
                        f"(linear modules: {', '.join(sorted(names))})")


def _start_adapters(entry, rank, dtype):
    """A ~ N(0, 1/sqrt(rank)), B = 0, in `dtype`, trainable."""
    with torch.no_grad():
        for _, module in adapter_layers(entry):
            module.lora_A[ADAPTER].weight.normal_(0.0, 1.0 / rank ** 0.5)
            module.lora_B[ADAPTER].weight.zero_()
            module.lora_A[ADAPTER].to(dtype)
            module.lora_B[ADAPTER].to(dtype)
    for param in lora_parameters(entry.key):
        param.requires_grad_(True)


def wrap_with_lora(entry, rank, alpha, targets, dtype):
    """Replace any adapters of the entry's model by fresh ones of this shape."""
    from peft import LoraConfig, get_peft_model
    base = _plain_base(entry)
    _check_targets(base, targets, "torch_hf_lora_init")
    config = LoraConfig(r=rank, lora_alpha=alpha, target_modules=targets, lora_dropout=0.0,
                        bias="none", task_type="CAUSAL_LM")
    entry.model = get_peft_model(base, config, autocast_adapter_dtype=False)
    entry.model.eval()
    entry.lora_targets = tuple(targets)
    _start_adapters(entry, rank, dtype)


@builtin("torch_hf_lora_init", library=LIBRARY)
@wrap_errors("torch_hf_lora_init", "Error initializing LoRA")
def torch_hf_lora_init(model_name, rank, alpha=None, target_modules=None, dtype=None):
    """Add LoRA adapters: (name rank alpha target_modules (dtype)) or (name config-dictionary)."""
    fname = "torch_hf_lora_init"
    entry = lora_model(model_name, fname)
    if isinstance(rank, dict):
        config = rank
        rank, alpha = config.get("rank", 16), config.get("alpha", 32)
        target_modules, dtype = config.get("target_modules"), config.get("dtype")
    rank = check_int(rank, fname, "rank")
    if rank <= 0:
        raise LispError(f"Error in {fname}: rank must be positive (got {rank})")
    alpha = check_number(alpha if alpha is not None else 2 * rank, fname, "alpha")
    dtype = dtype_named(dtype, fname, default="float32")
    if dtype == torch.float16:  # AdamW's update underflows in float16: kept float32, as peft does
        dtype = torch.float32
    wrap_with_lora(entry, rank, alpha, _targets(target_modules, fname), dtype)
    return True


@builtin("torch_hf_lora_get_parameters", library=LIBRARY, aliases=("torch_hf_lora_parameters",))
def torch_hf_lora_get_parameters(model_name):
    """The trainable LoRA adapter tensors of the model: A then B per layer and module."""
    return lora_parameters(model_name)

# merge, enable --------------------------------------------------------------------------


@builtin("torch_hf_lora_merge", library=LIBRARY)
@wrap_errors("torch_hf_lora_merge", "Error merging LoRA")
def torch_hf_lora_merge(model_name):
    """Fold the adapters into the base weights (outputs unchanged); returns true."""
    entry = lora_model(model_name, "torch_hf_lora_merge")
    if has_adapters(entry) and not _merged(entry):
        entry.model.merge_adapter()
    return True


@builtin("torch_hf_lora_unmerge", library=LIBRARY)
@wrap_errors("torch_hf_lora_unmerge", "Error unmerging LoRA")
def torch_hf_lora_unmerge(model_name):
    """Take merged adapters back out of the base weights; returns true."""
    entry = lora_model(model_name, "torch_hf_lora_unmerge")
    if has_adapters(entry) and _merged(entry):
        entry.model.unmerge_adapter()
    return True


@builtin("torch_hf_lora_enable", library=LIBRARY)
@wrap_errors("torch_hf_lora_enable", "Error enabling LoRA")
def torch_hf_lora_enable(model_name, enable):
    """Use the adapters in forward passes (true) or the base model only (false)."""
    entry = lora_model(model_name, "torch_hf_lora_enable")
    if has_adapters(entry):
        if truthy(enable):
            entry.model.enable_adapter_layers()
        else:
            entry.model.disable_adapter_layers()
    return True

# save, load -----------------------------------------------------------------------------


def _adapter_tensors(entry):
    tensors = {}
    for key, module in adapter_layers(entry):
        tensors[f"{key}.lora_A.weight"] = module.lora_A[ADAPTER].weight.detach().cpu()
        tensors[f"{key}.lora_B.weight"] = module.lora_B[ADAPTER].weight.detach().cpu()
    return tensors


@builtin("torch_hf_lora_save", library=LIBRARY)
@wrap_errors("torch_hf_lora_save", "Error saving LoRA adapters")
def torch_hf_lora_save(model_name, path):
    """Save the adapters: a .pt path gets one tensor file, any other path a PEFT directory."""
    entry = lora_model(model_name, "torch_hf_lora_save")
    if not isinstance(path, str):
        raise LispError(f"Error in torch_hf_lora_save: path must be a string (got {describe(path)})")
    if not has_adapters(entry):
        return False
    if path.endswith(".pt"):
        torch.save(_adapter_tensors(entry), path)
    elif os.path.isfile(os.path.join(path, "config.json")):
        raise LispError(f"Error in torch_hf_lora_save: {path} holds a model (config.json): "
                        "an adapter directory beside its weights would hide them")
    else:
        entry.model.save_pretrained(path)
    return True


def _read_tensor_file(path):
    data = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(data, (list, tuple)):
        with open(path + ".keys", encoding="utf-8") as f:
            keys = [line.strip() for line in f if line.strip()]
        if len(keys) != len(data):
            return None
        data = dict(zip(keys, data))
    if not isinstance(data, dict):
        raise LispError(f"Error in torch_hf_lora_load: {path} does not hold LoRA adapter tensors")
    return data


def _load_tensor_file(entry, path):
    if not has_adapters(entry):
        return False
    data = _read_tensor_file(path)
    if data is None:
        return False
    with torch.no_grad():
        for key, module in adapter_layers(entry):
            for part in ("lora_A", "lora_B"):
                tensor = data.get(f"{key}.{part}.weight")
                if tensor is not None:
                    getattr(module, part)[ADAPTER].weight.copy_(tensor)
    return True


def _load_peft_directory(entry, path):
    from peft import PeftModel
    base = _plain_base(entry)
    entry.model = PeftModel.from_pretrained(base, path, is_trainable=True)
    entry.model.eval()
    targets = entry.model.peft_config[ADAPTER].target_modules
    order = [n.rsplit(".", 1)[-1] for n, _ in base.named_modules()]
    entry.lora_targets = tuple(sorted(set(targets), key=lambda t: order.index(t) if t in order else 0))
    return True


@builtin("torch_hf_lora_load", library=LIBRARY)
@wrap_errors("torch_hf_lora_load", "Error loading LoRA adapters")
def torch_hf_lora_load(model_name, path):
    """Load adapters from a .pt tensor file or from a PEFT adapter directory (also peft's)."""
    entry = lora_model(model_name, "torch_hf_lora_load")
    if not isinstance(path, str) or not os.path.exists(path):
        raise LispError(f"Error in torch_hf_lora_load: no adapter file or directory at {path}")
    if os.path.isdir(path):
        if not os.path.isfile(os.path.join(path, "adapter_config.json")):
            raise LispError(f"Error in torch_hf_lora_load: {path} has no adapter_config.json")
        return _load_peft_directory(entry, path)
    return _load_tensor_file(entry, path)
