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
and a directory written by peft loads here, creating the adapters when needed.  Both are
written under a temporary name and renamed into place (`lispe/files.py`).

Loads are strict (DECISIONS.md 11): every adapter of the model gets its A and B from the file
and every tensor of the file has an adapter, else the error lists a few missing and unexpected
names and nothing changes; `strict` nil loads the matching part, but never nothing.  A `.pt`
file loads into adapters made by `torch_hf_lora_init`; a model without adapters is an error.

Deliberately not here: stand-alone LoRA layers (lora.py).
"""

import os
import re

import torch

from ...errors import LispError
from ...files import atomic_write
from ...registry import builtin
from ...values import truthy
from ._common import (LIBRARY, check_bounded, check_complete, check_entries, check_int,
                      check_options, describe, read_weights)
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


def peft_model(base, config):
    """peft's model with LoRA adapters on `base`.  peft reads a property that transformers 5.24
    renamed; the FutureWarning it triggers is peft's, not the user's, so it is not shown."""
    import warnings
    from peft import get_peft_model
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return get_peft_model(base, config, autocast_adapter_dtype=False)


def wrap_with_lora(entry, rank, alpha, targets, dtype):
    """Replace any adapters of the entry's model by fresh ones of this shape."""
    from peft import LoraConfig
    base = _plain_base(entry)
    _check_targets(base, targets, "torch_hf_lora_init")
    config = LoraConfig(r=rank, lora_alpha=alpha, target_modules=targets, lora_dropout=0.0,
                        bias="none", task_type="CAUSAL_LM")
    entry.model = peft_model(base, config)
    entry.model.eval()
    entry.lora_targets = tuple(targets)
    _start_adapters(entry, rank, dtype)


_INIT_KEYS = ("rank", "alpha", "target_modules", "dtype")


@builtin("torch_hf_lora_init", library=LIBRARY, errors="Error initializing LoRA")
def torch_hf_lora_init(model_name, rank, alpha=None, target_modules=None, dtype=None):
    """Add LoRA adapters: (name rank alpha target_modules (dtype)) or (name config-dictionary)."""
    fname = "torch_hf_lora_init"
    entry = lora_model(model_name, fname)
    if isinstance(rank, dict):
        config = check_options(rank, _INIT_KEYS, fname, "LoRA config key")
        rank, alpha = config.get("rank", 16), config.get("alpha", 32)
        target_modules, dtype = config.get("target_modules"), config.get("dtype")
    rank = check_int(rank, fname, "rank")
    if rank <= 0:
        raise LispError(f"Error in {fname}: rank must be positive (got {rank})")
    alpha = check_bounded(alpha if alpha is not None else 2 * rank, fname, "alpha", low=0,
                          open_low=True)
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


@builtin("torch_hf_lora_merge", library=LIBRARY, errors="Error merging LoRA")
def torch_hf_lora_merge(model_name):
    """Fold the adapters into the base weights (outputs unchanged); returns true."""
    entry = lora_model(model_name, "torch_hf_lora_merge")
    if has_adapters(entry) and not _merged(entry):
        entry.model.merge_adapter()
    return True


@builtin("torch_hf_lora_unmerge", library=LIBRARY, errors="Error unmerging LoRA")
def torch_hf_lora_unmerge(model_name):
    """Take merged adapters back out of the base weights; returns true."""
    entry = lora_model(model_name, "torch_hf_lora_unmerge")
    if has_adapters(entry) and _merged(entry):
        entry.model.unmerge_adapter()
    return True


@builtin("torch_hf_lora_enable", library=LIBRARY, errors="Error enabling LoRA")
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


@builtin("torch_hf_lora_save", library=LIBRARY, errors="Error saving LoRA adapters")
def torch_hf_lora_save(model_name, path):
    """Save the adapters: a .pt path gets one tensor file, any other path a PEFT directory."""
    entry = lora_model(model_name, "torch_hf_lora_save")
    if not isinstance(path, str):
        raise LispError(f"Error in torch_hf_lora_save: path must be a string (got {describe(path)})")
    if not has_adapters(entry):
        return False
    if path.endswith(".pt"):
        with atomic_write(path) as temporary:
            torch.save(_adapter_tensors(entry), temporary)
    elif os.path.isfile(os.path.join(path, "config.json")):
        raise LispError(f"Error in torch_hf_lora_save: {path} holds a model (config.json): "
                        "an adapter directory beside its weights would hide them")
    else:
        with atomic_write(path, folder=True) as temporary:
            entry.model.save_pretrained(temporary)
    return True


def _read_tensor_file(path):
    data = read_weights(path, "torch_hf_lora_load", "Error loading LoRA adapters")
    if isinstance(data, (list, tuple)):
        keys_path = path + ".keys"
        if not os.path.isfile(keys_path):
            raise LispError(f"Error loading LoRA adapters: {path} holds a list of tensors and "
                            f"there is no {keys_path} naming them")
        with open(keys_path, encoding="utf-8") as f:
            keys = [line.strip() for line in f if line.strip()]
        if len(keys) != len(data):
            raise LispError(f"Error loading LoRA adapters: {keys_path} names {len(keys)} "
                            f"tensors, {path} holds {len(data)}")
        data = dict(zip(keys, data))
    if not isinstance(data, dict) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise LispError(f"Error loading LoRA adapters: {path} does not hold LoRA adapter tensors")
    return data


def _load_tensor_file(entry, path, strict):
    """Copy the adapters of a `.pt` file into the model's adapters, all checked first."""
    if not has_adapters(entry):
        raise LispError("Error loading LoRA adapters: the model has no LoRA adapters yet "
                        "(call torch_hf_lora_init first, or load a PEFT adapter directory)")
    data = _read_tensor_file(path)
    targets = {f"{key}.{part}.weight": getattr(module, part)[ADAPTER].weight
               for key, module in adapter_layers(entry) for part in ("lora_A", "lora_B")}
    matched = check_entries(data, targets, targets, strict, "Error loading LoRA adapters")
    with torch.no_grad():
        for name in matched:
            targets[name].copy_(data[name])
    return True


def _load_peft_directory(entry, path, strict):
    """Put the adapters of a PEFT directory on the model in place of any it has; after a
    failed load the model has its previous adapters back."""
    from peft.utils import get_peft_model_state_dict
    previous = None
    if has_adapters(entry):
        previous = (entry.model.peft_config[ADAPTER], get_peft_model_state_dict(entry.model),
                    entry.lora_targets)
    entry.model = base = _plain_base(entry)
    try:
        _attach_directory(entry, base, path, strict)
    except Exception:
        _put_back(entry, base, previous)
        raise
    return True


def _attach_directory(entry, base, path, strict):
    from peft import PeftConfig
    config = PeftConfig.from_pretrained(path)
    config.inference_mode = False
    entry.model = peft_model(base, config)
    result = entry.model.load_adapter(path, ADAPTER, is_trainable=True)
    entry.model.eval()
    order = [n.rsplit(".", 1)[-1] for n, _ in base.named_modules()]
    targets = set(config.target_modules)
    entry.lora_targets = tuple(sorted(targets, key=lambda t: order.index(t) if t in order else 0))
    _check_loaded(entry.model, result, strict)


def _put_back(entry, base, previous):
    """The model without the adapters of a failed load, with `previous` ones if any."""
    from peft.utils import set_peft_model_state_dict
    if entry.model is not base:
        base = entry.model.unload()
    entry.model, entry.lora_targets = base, ()
    if previous is not None:
        config, state, entry.lora_targets = previous
        entry.model = peft_model(base, config)
        set_peft_model_state_dict(entry.model, state)
        entry.model.eval()


def _check_loaded(model, result, strict):
    """A PEFT directory must give every adapter its weights, and hold no weight that belongs
    to no adapter (not strict: something must still have been loaded)."""
    adapters = [name for name, _ in model.named_parameters() if "lora_" in name]
    missing = [name for name in result.missing_keys if "lora_" in name]
    check_complete(missing, list(result.unexpected_keys), len(missing) < len(adapters), strict,
                   "Error loading LoRA adapters")


@builtin("torch_hf_lora_load", library=LIBRARY, errors="Error loading LoRA adapters")
def torch_hf_lora_load(model_name, path, strict=True):
    """Load adapters from a .pt tensor file or from a PEFT adapter directory (also peft's);
    every adapter must be in the file and every tensor of the file must have an adapter
    (strict nil: the matching part)."""
    entry = lora_model(model_name, "torch_hf_lora_load")
    if not isinstance(path, str) or not os.path.exists(path):
        raise LispError(f"Error in torch_hf_lora_load: no adapter file or directory at {path}")
    if os.path.isdir(path):
        if not os.path.isfile(os.path.join(path, "adapter_config.json")):
            raise LispError(f"Error in torch_hf_lora_load: {path} has no adapter_config.json")
        return _load_peft_directory(entry, path, truthy(strict))
    return _load_tensor_file(entry, path, truthy(strict))
