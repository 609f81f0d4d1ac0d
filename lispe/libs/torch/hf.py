"""Hugging Face causal language models: the model registry, loading, forward passes and KV
cache contexts (torch spec §3.6.1-§3.6.3, DECISIONS.md 2 and 6).

A model directory is loaded once with `transformers.AutoModelForCausalLM` (offline, safetensors
whenever the directory has them, `pytorch_model*.bin` read by transformers with
`weights_only=True`), moved to its device, put in eval mode with every base parameter frozen,
and registered under a key string: the path for `torch_hf_load_model`, the caller's name for
`torch_hf_load_model_lora`. LispE code passes that key around; Python code reaches the
ordinary transformers (or peft) object with `hf_model(key)`.

An inference context (`context_inference_`) owns a `transformers.DynamicCache`: a forward with
a caching context takes the new tokens only, continues their absolute positions after the
tokens already seen, appends their keys/values, and keeps only the last `max_cache_len` of
them when the model was loaded with a sliding window.

transformers is imported on first use, so that `(use 'lispe_torch)` stays fast for programs
that never load an HF model. Deliberately not here: weight inspection and attention scores
(hf_inspect.py), full fine-tuning helpers (hf_finetune.py), LoRA (hf_lora.py), generation
(generation.py).
"""

import contextlib
import functools
import inspect
import os
import pickle
from dataclasses import dataclass

import torch

from ...errors import LispError
from ...printer import register_printer
from ...registry import builtin
from ...values import register_type_name, truthy
from ._common import LIBRARY, check_options, describe, resolve_device

# the registry ---------------------------------------------------------------------------


@dataclass(eq=False)
class HFModel:
    """One loaded model: the transformers (or peft) object and what LispE needs around it."""

    key: str
    path: str
    model: torch.nn.Module
    settings: dict
    is_lora: bool = False
    lora_targets: tuple = ()
    memory_usage: int = 0
    basic: "InferenceContext" = None

    @property
    def device(self):
        """The torch device of the weights."""
        return self.settings["device"]

    @property
    def base(self):
        """The transformers model itself, peft wrapping removed."""
        model = self.model
        return model.get_base_model() if hasattr(model, "get_base_model") else model

    @property
    def config(self):
        """The transformers configuration of the model."""
        return self.base.config


MODELS = {}   # key string -> HFModel


def hf_model(key):
    """The transformers (or peft) model registered under `key`, for Python code."""
    return lookup_model(key, "hf_model").model


def lookup_model(key, fname, missing="Model not loaded"):
    """The HFModel registered under `key`, else `<missing>: <key>` (torch spec §3.6.1)."""
    entry = MODELS.get(key) if isinstance(key, str) else None
    if entry is None:
        shown = key if isinstance(key, str) else describe(key)
        raise LispError(f"Error: {missing}: {shown} (in {fname})")
    return entry

# load configuration ---------------------------------------------------------------------


DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "half": torch.float16,
          "float32": torch.float32, "float": torch.float32, "auto": "auto"}
LOAD_DTYPES = dict(DTYPES, int8="int8")   # int8: weight-only int8 linear layers (quantization.py)


def dtype_named(name, fname, default="auto", table=DTYPES):
    """The torch dtype of a LispE dtype string (`"bfloat16"`, `"float16"`/`"half"`, ...)."""
    if name is None:
        return table[default]
    dtype = table.get(str(name).lower()) if isinstance(name, str) else None
    if dtype is None:
        raise LispError(f"Error in {fname}: unknown dtype {name!r} (expected one of "
                        f"{', '.join(table)})")
    return dtype


def _number(config, key, default, kind=float):
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return kind(value)


LOAD_OPTIONS = ("device", "dtype", "torch_dtype", "max_seq_len", "rope_scaling", "temperature",
                "top_p", "top_k", "repetition_penalty", "use_kv_cache", "max_cache_len",
                "manual_attention", "low_memory")


def load_settings(config, fname):
    """The load configuration of torch spec §3.6.2 from a LispE dictionary (or nil)."""
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise LispError(f"Error in {fname}: the configuration must be a dictionary "
                        f"(got {describe(config)})")
    check_options(config, LOAD_OPTIONS, fname, "load option")
    return {
        "device": resolve_device(config.get("device", "cpu"), fname),
        "dtype": dtype_named(config.get("dtype", config.get("torch_dtype")), fname,
                             table=LOAD_DTYPES),
        "max_seq_len": _number(config, "max_seq_len", 0, int),
        "rope_scaling": _number(config, "rope_scaling", 1.0),
        "temperature": _number(config, "temperature", 1.0),
        "top_p": _number(config, "top_p", 1.0),
        "top_k": _number(config, "top_k", 0, int),
        "repetition_penalty": _number(config, "repetition_penalty", 1.0),
        "use_kv_cache": truthy(config.get("use_kv_cache")),
        "max_cache_len": _number(config, "max_cache_len", 0, int),
        "manual_attention": truthy(config.get("manual_attention")),
        "low_memory": truthy(config.get("low_memory")),
    }

# loading --------------------------------------------------------------------------------

_WEIGHT_SUFFIXES = (".safetensors", ".bin")


def _weight_files(path):
    return [f for f in os.listdir(path) if f.endswith(_WEIGHT_SUFFIXES)
            and (f.endswith(".safetensors") or f.startswith("pytorch_model"))]


@contextlib.contextmanager
def _quiet_transformers():
    """No transformers progress bars while LispE loads a model (a LispE program owns stdout)."""
    from transformers.utils import logging as hf_logging
    shown = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if shown:
            hf_logging.enable_progress_bar()


def load_transformers_model(path, settings, fname, no_config, no_weights):
    """A frozen, eval-mode transformers causal LM read from the directory `path`."""
    if not isinstance(path, str):
        raise LispError(f"Error in {fname}: the model path must be a string (got {describe(path)})")
    config_file = os.path.join(path, "config.json")
    if not os.path.isfile(config_file):
        reason = "" if os.path.isdir(path) else " (no such directory)"
        raise LispError(f"{no_config}: {config_file}{reason} (in {fname})")
    if os.path.isfile(os.path.join(path, "adapter_config.json")):
        raise LispError(f"{no_weights}: {path} holds a LoRA adapter (adapter_config.json): load "
                        f"the base model's directory, then the adapter with torch_hf_lora_load "
                        f"(in {fname})")
    files = _weight_files(path)
    if not files:
        raise LispError(f"{no_weights}: {path}: no *.safetensors or pytorch_model*.bin "
                        f"weight file (in {fname})")
    has_safetensors = any(f.endswith(".safetensors") for f in files)
    with _quiet_transformers():
        from transformers import AutoModelForCausalLM
        model, info = AutoModelForCausalLM.from_pretrained(
            path, dtype="auto" if settings["dtype"] == "int8" else settings["dtype"],
            local_files_only=True, use_safetensors=has_safetensors,
            attn_implementation="eager" if settings["manual_attention"] else None,
            output_loading_info=True)
    if info.get("missing_keys"):
        missing = ", ".join(sorted(info["missing_keys"])[:5])
        raise LispError(f"{no_weights}: {path}: weights missing from the checkpoint: "
                        f"{missing} (in {fname})")
    model.to(settings["device"])
    model.eval()
    model.requires_grad_(False)
    if settings["dtype"] == "int8":
        from .quantization import quantize_weights_int8
        quantize_weights_int8(model)
    if not settings["max_seq_len"]:
        settings["max_seq_len"] = getattr(model.config, "max_position_embeddings", 0) or 0
    return model


def register_model(key, path, model, settings, is_lora=False):
    """Register a loaded model under `key` (replacing any previous entry); returns the key."""
    entry = HFModel(key, path, model, settings, is_lora=is_lora,
                    memory_usage=int(model.get_memory_footprint()))
    entry.basic = InferenceContext(key, caching=False)
    MODELS[key] = entry
    return key


def _loading(fname, prefix):
    """Decorator: backend failures while loading become `<prefix>: ...` LispErrors."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args):
            try:
                return func(*args)
            except LispError:
                raise
            except pickle.UnpicklingError as e:
                raise LispError(f"{prefix}: refused to unpickle the weights: the file holds "
                                f"Python objects, not only tensors (in {fname})") from e
            except Exception as e:  # noqa: BLE001 - transformers/safetensors failure, reported as is
                raise LispError(f"{prefix}: {first_line(e)} (in {fname})") from e
        return wrapper
    return decorate


def first_line(error):
    """The first line of a backend error message (transformers' run over many lines)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def cache_argument(model):
    """The name under which this transformers version's forward takes the KV cache: `cache`
    (transformers 5.24 and later), else `past_key_values` (a peft wrapper passes it through)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"


@builtin("torch_hf_load_model", library=LIBRARY)
@_loading("torch_hf_load_model", "Error loading HF model")
def torch_hf_load_model(path, config=None):
    """Load a Hugging Face causal LM directory (offline) and return its model id, the path."""
    settings = load_settings(config, "torch_hf_load_model")    # checked even when loaded already
    if path in MODELS:
        return path
    model = load_transformers_model(path, settings, "torch_hf_load_model",
                                    "Error: Cannot open config file", "Error validating HF model")
    return register_model(path, path, model, settings)


@builtin("torch_hf_load_model_lora", library=LIBRARY)
@_loading("torch_hf_load_model_lora", "Error loading LoRA model")
def torch_hf_load_model_lora(model_name, path=None, config=None):
    """Load an HF model for LoRA under a name: (name path config) or (path config name)."""
    if isinstance(path, dict):  # the order of seed 000: (path config name)
        model_name, path, config = (config if config is not None else model_name), model_name, path
    if not isinstance(model_name, str):
        raise LispError("Error in torch_hf_load_model_lora: the model name must be a string "
                        f"(got {describe(model_name)})")
    settings = load_settings(config, "torch_hf_load_model_lora")
    model = load_transformers_model(path, settings, "torch_hf_load_model_lora",
                                    "Error: Failed to load model config from",
                                    "Error: Failed to load model weights from")
    return register_model(model_name, path, model, settings, is_lora=True)

# inference contexts ---------------------------------------------------------------------


class InferenceContext:
    """A KV cache of one loaded model; the basic context of a model never caches."""

    __slots__ = ("key", "caching", "cache", "position", "window", "recording", "scores")

    def __init__(self, key, caching, window=0):
        self.key = key
        self.caching = caching
        self.window = window
        self.recording = False
        self.scores = {}
        self.reset()

    def reset(self):
        """Forget every cached key/value; the window and recorded scores stay."""
        from transformers import DynamicCache
        self.cache = DynamicCache() if self.caching else None
        self.position = 0

    @property
    def cached(self):
        """How many tokens the cache holds now."""
        return self.cache.get_seq_length() if self.cache is not None else 0

    def trim(self):
        """Keep only the last `window` tokens of every layer (sliding window)."""
        if self.window and self.cached > self.window:
            for layer in self.cache.layers:
                layer.keys = layer.keys[..., -self.window:, :]
                layer.values = layer.values[..., -self.window:, :]


register_printer(InferenceContext, lambda c: f"KV Cache Context (cached tokens: {c.cached})")
register_type_name(InferenceContext, "context_inference_")


def context_of(entry, kvcache, fname):
    """The context to use: the model's basic one for nil, else a context of that model."""
    if kvcache is None:
        return entry.basic
    if not isinstance(kvcache, InferenceContext):
        raise LispError(f"Error: Expecting kv cache object (in {fname}, got {describe(kvcache)})")
    if kvcache.key != entry.key:
        raise LispError(f"Error in {fname}: this kv cache belongs to model {kvcache.key}, "
                        f"not {entry.key}")
    return kvcache


@builtin("torch_hf_enable_kv_cache", library=LIBRARY)
def torch_hf_enable_kv_cache(path, enable):
    """A new empty KV cache context of the model (true), or its non-caching context (false)."""
    entry = lookup_model(path, "torch_hf_enable_kv_cache")
    if not truthy(enable):
        return entry.basic
    return InferenceContext(entry.key, caching=True, window=entry.settings["max_cache_len"])


@builtin("torch_hf_reset_kv_cache", library=LIBRARY)
def torch_hf_reset_kv_cache(kvcache):
    """Empty a KV cache context (its sliding window length is kept); returns true."""
    if not isinstance(kvcache, InferenceContext):
        raise LispError(f"Error: Expecting a kv cache type (in torch_hf_reset_kv_cache, "
                        f"got {describe(kvcache)})")
    kvcache.reset()
    return True

# forward --------------------------------------------------------------------------------


def token_ids(value, entry, fname):
    """A `[B, S]` int64 tensor of token ids on the model's device (1-D means one sequence)."""
    if not isinstance(value, torch.Tensor):
        raise LispError(f"Error: Input must be a torch tensor (in {fname}, got {describe(value)})")
    if value.dim() < 2:
        value = value.reshape(1, -1)
    if value.dtype != torch.long:
        value = value.long()
    if value.device != entry.device:
        value = value.to(entry.device)
    if entry.device.type != "cpu":  # out-of-range ids are a device assert there, not an error
        check_vocabulary(value, entry, fname)
    return value


def check_vocabulary(ids, entry, fname):
    """Raise a LispError naming `fname` when an id lies outside the model's vocabulary."""
    size = entry.base.get_input_embeddings().num_embeddings
    if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= size):
        bad = ids[(ids < 0) | (ids >= size)][0]
        raise LispError(f"Error in {fname}: token id {int(bad)} is outside the vocabulary "
                        f"(0..{size - 1})")


_FORWARD_ERRORS = {"torch_hf_forward_manual": "Error in HF manual forward"}


def run_model(entry, ids, context, fname, attentions=False):
    """Forward `ids` through the model with `context`; the transformers output object."""
    if ids.shape[-1] == 0:
        raise LispError(f"Error in {fname}: the input sequence is empty")
    attentions = attentions or (context.recording and entry.settings["manual_attention"])
    extra = {"output_attentions": True} if attentions else {}
    try:
        if not context.caching:
            out = entry.model(input_ids=ids, use_cache=False, **extra)
        else:
            start, count = context.position, ids.shape[-1]
            if start != context.cached:  # a sliding window dropped tokens: keep positions absolute
                extra["position_ids"] = torch.arange(start, start + count, device=ids.device)[None]
            extra[cache_argument(entry.model)] = context.cache
            out = entry.model(input_ids=ids, use_cache=True, **extra)
            context.position = start + count
            context.trim()
    except IndexError as e:
        check_vocabulary(ids, entry, fname)
        raise LispError(f"Error in {fname}: {first_line(e)}") from e
    except LispError:
        raise
    except Exception as e:  # noqa: BLE001 - the backend's own failure, reported as is
        prefix = _FORWARD_ERRORS.get(fname, "Error in HF forward")
        raise LispError(f"{prefix}: {first_line(e)} (in {fname})") from e
    if attentions:
        for layer, scores in enumerate(out.attentions):
            context.scores[layer] = scores.detach().cpu()
    return out


@builtin("torch_hf_forward", library=LIBRARY)
def torch_hf_forward(path, input_ids, kvcache=None):
    """Logits [B, S, V] of an HF model for token ids [B, S]; with a KV context, new tokens only."""
    entry = lookup_model(path, "torch_hf_forward")
    context = context_of(entry, kvcache, "torch_hf_forward")
    ids = token_ids(input_ids, entry, "torch_hf_forward")
    return run_model(entry, ids, context, "torch_hf_forward").logits


@builtin("torch_hf_forward_manual", library=LIBRARY)
def torch_hf_forward_manual(path, input_ids, kvcache=None):
    """Forward of a model loaded with manual_attention, recording every layer's attention."""
    entry = lookup_model(path, "torch_hf_forward_manual")
    if not entry.settings["manual_attention"]:
        raise LispError("Error: Model was not loaded in manual mode (use appropriate load "
                        "function) (in torch_hf_forward_manual)")
    context = context_of(entry, kvcache, "torch_hf_forward_manual")
    context.recording = True
    ids = token_ids(input_ids, entry, "torch_hf_forward_manual")
    return run_model(entry, ids, context, "torch_hf_forward_manual", attentions=True).logits
