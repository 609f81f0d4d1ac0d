"""Full fine-tuning of Hugging Face models and saving them (extensions, DECISIONS.md 9).

`torch_hf_parameters` hands every weight of a loaded model to an optimizer, unfrozen (models
are loaded frozen, as the original's base weights never receive gradients);
`torch_hf_save_model` writes the model as a standard Hugging Face directory (config.json,
generation_config.json, model.safetensors) that `torch_hf_load_model` and transformers read
back, LoRA adapters merged in when they are active, tokenizer files copied from the source
directory. Deliberately not here: LoRA training (hf_lora.py), optimizers (optim.py).
"""

import os
import shutil

import torch

from ...errors import LispError
from ...files import atomic_write
from ...registry import builtin
from ._common import LIBRARY, describe
from .hf import lookup_model
from .hf_inspect import named_weights
from .hf_lora import ADAPTER, adapter_layers, has_adapters

_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                    "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json")


@builtin("torch_hf_parameters", library=LIBRARY)
def torch_hf_parameters(path):
    """Every parameter of an HF model (tied ones once), made trainable for full fine-tuning."""
    entry = lookup_model(path, "torch_hf_parameters")
    params = list(entry.base.parameters())
    for param in params:
        param.requires_grad_(True)
    return params


def _merged_state(entry):
    """Hugging Face weight name -> tensor, with active, unmerged LoRA deltas folded in."""
    state = {name: t.detach() for name, t in named_weights(entry).items()}
    if not has_adapters(entry):
        return state
    names = {id(module): name for name, module in entry.base.named_modules()}
    for _, module in adapter_layers(entry):
        if module.merged or module.disable_adapters:
            continue
        key = names[id(module)] + ".weight"
        state[key] = state[key] + module.get_delta_weight(ADAPTER).detach().to(state[key].dtype)
    return state


@builtin("torch_hf_save_model", library=LIBRARY, errors=True)
def torch_hf_save_model(path, directory):
    """Save an HF model as a safetensors model directory (LoRA merged in); returns true.
    The directory is written beside and swapped in whole, so a kill leaves the old one."""
    entry = lookup_model(path, "torch_hf_save_model")
    if not isinstance(directory, str):
        raise LispError("Error in torch_hf_save_model: the directory must be a string "
                        f"(got {describe(directory)})")
    with torch.no_grad():
        state = _merged_state(entry)
    with atomic_write(directory, folder=True) as folder:
        entry.base.save_pretrained(folder, state_dict=state, safe_serialization=True)
        for name in _TOKENIZER_FILES:
            source = os.path.join(entry.path, name)
            if os.path.isfile(source):
                shutil.copyfile(source, os.path.join(folder, name))
    return True
