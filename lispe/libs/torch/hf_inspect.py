"""Looking inside a loaded Hugging Face model (torch spec §3.6.4): projection weights of a
decoder layer (live tensors sharing storage with the model), fused q/k/v and gate/up weights,
any weight by its Hugging Face name, input embeddings, configuration figures, memory use, and
the attention probabilities recorded by `torch_hf_forward_manual`.

Weights are always the base model's, in PyTorch layout `[out_features, in_features]`; for a
model wrapped by peft they are the wrapped layers' base weights, without the adapters.
Deliberately not here: loading and forward passes (hf.py).
"""

import re

import torch

from ...errors import LispError
from ...registry import builtin
from ...values import Strings
from ._common import LIBRARY, check_int, describe, to_tensor
from .hf import check_vocabulary, context_of, lookup_model

# decoder-layer projections --------------------------------------------------------------

_PROJECTIONS = {  # LispE name -> (attribute path inside a decoder layer, label in messages)
    "q": ("self_attn.q_proj", "Q"), "k": ("self_attn.k_proj", "K"),
    "v": ("self_attn.v_proj", "V"), "o": ("self_attn.o_proj", "O"),
    "gate": ("mlp.gate_proj", "Gate"), "up": ("mlp.up_proj", "Up"),
    "down": ("mlp.down_proj", "Down"),
}


def decoder_layers(entry):
    """The list of decoder layers of a loaded model."""
    decoder = entry.base.get_decoder() if hasattr(entry.base, "get_decoder") else entry.base
    return getattr(decoder, "layers", None) or getattr(decoder, "h", None) or []


def _layer(entry, layer, fname):
    if isinstance(layer, bool) or not isinstance(layer, int):
        raise LispError(f"Error: Missing or invalid layer index (in {fname})")
    layers = decoder_layers(entry)
    if not 0 <= layer < len(layers):
        raise LispError(f"Error: Invalid layer index {layer} (in {fname}: the model has "
                        f"{len(layers)} layers)")
    return layers[layer]


def projection_weight(path, layer, which, fname):
    """The live weight of projection `which` ("q", "gate", ...) of decoder layer `layer`."""
    entry = lookup_model(path, fname)
    module = _layer(entry, layer, fname)
    attribute, label = _PROJECTIONS[which]
    for name in attribute.split("."):
        module = getattr(module, name, None)
    module = getattr(module, "base_layer", module)  # a peft LoRA layer wraps the projection
    weight = getattr(module, "weight", None)
    if not isinstance(weight, torch.Tensor):
        raise LispError(f"Error: {label} projection weight not found for this layer (in {fname})")
    return weight


def _projection_function(which):
    fname = f"torch_hf_get_{which}_weight"
    label = _PROJECTIONS[which][1]

    def get_weight(path, layer=None):
        return projection_weight(path, layer, which, fname)

    get_weight.__doc__ = f"The live {label} projection weight [out, in] of a decoder layer."
    get_weight.__name__ = fname
    globals()[fname] = builtin(fname, library=LIBRARY)(get_weight)


for _which in _PROJECTIONS:
    _projection_function(_which)


@builtin("torch_hf_get_qkv_fused_weight", library=LIBRARY)
def torch_hf_get_qkv_fused_weight(path, layer=None):
    """The q, k and v projection weights of a decoder layer concatenated along dim 0."""
    fname = "torch_hf_get_qkv_fused_weight"
    return torch.cat([projection_weight(path, layer, w, fname) for w in ("q", "k", "v")])


@builtin("torch_hf_get_gate_up_fused_weight", library=LIBRARY)
def torch_hf_get_gate_up_fused_weight(path, layer=None):
    """The gate and up projection weights of a decoder layer concatenated along dim 0."""
    fname = "torch_hf_get_gate_up_fused_weight"
    return torch.cat([projection_weight(path, layer, w, fname) for w in ("gate", "up")])

# weights by name ------------------------------------------------------------------------

_PEFT_PARTS = re.compile(r"\.base_layer(?=\.)")


def named_weights(entry):
    """Hugging Face weight name -> live tensor, in state-dict order (LoRA adapters left out)."""
    weights = {}
    for name, tensor in entry.base.state_dict(keep_vars=True).items():
        if ".lora_" not in name:
            weights[_PEFT_PARTS.sub("", name)] = tensor
    return weights


@builtin("torch_hf_list_weights", library=LIBRARY)
def torch_hf_list_weights(path):
    """The Hugging Face names of every weight of the model, in state-dict order."""
    return Strings(named_weights(lookup_model(path, "torch_hf_list_weights")))


@builtin("torch_hf_get_weight", library=LIBRARY)
def torch_hf_get_weight(path, name):
    """The live weight tensor with that Hugging Face name, or nil when there is none."""
    entry = lookup_model(path, "torch_hf_get_weight")
    if not isinstance(name, str):
        raise LispError(f"Error in torch_hf_get_weight: the weight name must be a string "
                        f"(got {describe(name)})")
    return named_weights(entry).get(name)


@builtin("torch_hf_get_rms_norm_eps", library=LIBRARY)
def torch_hf_get_rms_norm_eps(path):
    """The rms_norm_eps of the model's config.json (1e-5 when it has none)."""
    config = lookup_model(path, "torch_hf_get_rms_norm_eps").config
    return float(getattr(config, "rms_norm_eps", None) or 1e-5)

# embeddings, figures --------------------------------------------------------------------


@builtin("torch_hf_embeddings", library=LIBRARY)
def torch_hf_embeddings(path, token_ids):
    """Input embeddings of token ids: a tensor of shape ids.shape + [hidden_size]."""
    entry = lookup_model(path, "torch_hf_embeddings")
    try:
        ids = to_tensor(token_ids, "torch_hf_embeddings").long().to(entry.device)
    except (TypeError, RuntimeError) as e:
        raise LispError(f"Error getting embeddings: {e} (in torch_hf_embeddings)") from e
    check_vocabulary(ids, entry, "torch_hf_embeddings")
    return entry.base.get_input_embeddings()(ids)


@builtin("torch_hf_model_info", library=LIBRARY)
def torch_hf_model_info(path):
    """The flat list ("vocab_size" V "hidden_size" H) of the model's configuration."""
    config = lookup_model(path, "torch_hf_model_info").config
    return ["vocab_size", int(config.vocab_size), "hidden_size", int(config.hidden_size)]


@builtin("torch_hf_model_summary", library=LIBRARY)
def torch_hf_model_summary(path):
    """A text summary whose first line is "HF Model Summary": architecture, sizes, device."""
    entry = lookup_model(path, "torch_hf_model_summary")
    config = entry.config
    parameters = sum(p.numel() for p in entry.base.parameters())
    lines = ["HF Model Summary",
             f"architecture: {(config.architectures or [type(entry.base).__name__])[0]}",
             f"layers: {config.num_hidden_layers}",
             f"hidden_size: {config.hidden_size}",
             f"vocab_size: {config.vocab_size}",
             f"parameters: {parameters}",
             f"device: {entry.device}",
             f"dtype: {str(entry.base.dtype).replace('torch.', '')}"]
    return "\n".join(lines)


@builtin("torch_hf_memory_usage", library=LIBRARY)
def torch_hf_memory_usage(path):
    """Bytes taken by the model's weights and buffers, measured at load time."""
    return lookup_model(path, "torch_hf_memory_usage").memory_usage

# recorded attention ---------------------------------------------------------------------


def _recorded(path, kvcache, fname):
    entry = lookup_model(path, fname, missing="Model not found")
    return context_of(entry, kvcache, fname)


@builtin("torch_hf_forward_attention_scores", library=LIBRARY)
def torch_hf_forward_attention_scores(path, layer_index, kvcache=None):
    """Attention probabilities [B, H, q, k] recorded for a layer, or nil if none."""
    context = _recorded(path, kvcache, "torch_hf_forward_attention_scores")
    layer = check_int(layer_index, "torch_hf_forward_attention_scores", "layer_index")
    return context.scores.get(layer)


@builtin("torch_hf_forward_attention_size", library=LIBRARY)
def torch_hf_forward_attention_size(path, kvcache=None):
    """How many layers have recorded attention probabilities in the context."""
    return len(_recorded(path, kvcache, "torch_hf_forward_attention_size").scores)


@builtin("torch_hf_clear_attention_scores", library=LIBRARY)
def torch_hf_clear_attention_scores(path, kvcache=None):
    """Discard the attention probabilities recorded in the context; returns true."""
    _recorded(path, kvcache, "torch_hf_clear_attention_scores").scores.clear()
    return True
