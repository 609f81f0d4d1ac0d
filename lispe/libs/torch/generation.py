"""Text generation: `torch_hf_generate` (torch spec §3.6.4) and the `torch_generator_*`
family (§3.4 with DECISIONS.md 7: a generator drives a real model).

Both loops feed a model token by token through a "stepper": an HF model id steps with a KV
cache (`transformers.DynamicCache`), any other module (or LispE function) mapping token ids
`[B, S]` to logits `[B, S, V]` is re-run on the whole sequence. The choice of the next token
is one of a few small functions shared by both families: greedy arg-max, plain sampling,
top-k and nucleus (top-p) sampling.

Where the two families differ, they follow their own spec: `torch_hf_generate` takes its
temperature and repetition penalty from the load configuration and uses the original's
penalty formula; a generator holds its own configuration, applies the usual (sign-aware)
repetition penalty of transformers over the whole sequence, and its beam search is the beam
search of transformers (length penalty 1, no early stopping), so both give the same tokens.

Deliberately not here: the forward pass and KV contexts of LispE code (hf.py).
"""

import array
import inspect
import sys

import torch

from ...errors import LispError
from ...printer import format_number, register_printer
from ...registry import builtin
from ...runtime import to_callable
from ...values import Integers, register_type_name
from ._common import (LIBRARY, check_bounded, check_choice, check_int, check_number, check_options,
                      describe, resolve_device, to_tensor)
from .hf import MODELS, check_vocabulary, lookup_model

# option names and ranges: a misspelt name or an out-of-range value is an error -------------

HF_GENERATE_OPTIONS = ("topk", "topp", "greedy", "temperature", "callback", "data")
STRATEGIES = ("greedy", "top_k", "topk", "top_p", "topp", "beam_search", "beam")
_POSITIVE = {"low": 0, "open_low": True}
_RANGES = {"temperature": _POSITIVE, "repetition_penalty": _POSITIVE,
           "top_p": dict(_POSITIVE, high=1), "topp": dict(_POSITIVE, high=1),
           "top_k": {"low": 1, "integer": True}, "topk": {"low": 1, "integer": True},
           "max_length": {"low": 0, "integer": True}, "num_beams": {"low": 1, "integer": True},
           "no_repeat_ngram_size": {"low": 0, "integer": True}}


def option_value(key, value, fname):
    """`value` of the generation option `key`, within the option's range; a strategy must be
    one of STRATEGIES."""
    if key == "strategy":
        return check_choice(value.lower() if isinstance(value, str) else value, STRATEGIES,
                            fname, "strategy")
    limits = _RANGES.get(key)
    return value if limits is None else check_bounded(value, fname, key, **limits)

# choosing the next token ----------------------------------------------------------------


def pick_greedy(logits):
    """The id of the largest logit."""
    return int(torch.argmax(logits))


def pick_sample(logits):
    """An id sampled from softmax(logits)."""
    return int(torch.multinomial(torch.softmax(logits, -1), 1))


def pick_top_k(logits, k):
    """An id sampled among the k largest logits."""
    values, ids = torch.topk(logits, max(1, min(int(k), logits.shape[-1])))
    return int(ids[torch.multinomial(torch.softmax(values, -1), 1)])


def pick_top_p(logits, p):
    """An id sampled from the smallest head of the sorted distribution whose mass stays <= p
    (the most likely id is always kept)."""
    probs, ids = torch.sort(torch.softmax(logits, -1), descending=True)
    keep = torch.cumsum(probs, -1) <= p
    keep[0] = True
    probs = probs * keep
    return int(ids[torch.multinomial(probs / probs.sum(), 1)])

# steppers: a model fed token by token ---------------------------------------------------


class HFStepper:
    """Steps an HF model with a private KV cache; logits of the last position, float32."""

    def __init__(self, entry):
        from transformers import DynamicCache
        self.model = entry.model
        self.cache = DynamicCache(config=entry.config)
        self.extra = {"logits_to_keep": 1} if _keeps_logits(entry) else {}

    def step(self, ids):
        """Logits [B, V] after feeding the new tokens `ids` [B, n]."""
        out = self.model(input_ids=ids, past_key_values=self.cache, use_cache=True, **self.extra)
        return out.logits[:, -1, :].float()

    def reorder(self, beams):
        """Keep the cache rows of `beams` (beam search)."""
        self.cache.reorder_cache(beams)


def _keeps_logits(entry):
    return "logits_to_keep" in inspect.signature(entry.base.forward).parameters


class ModuleStepper:
    """Re-runs a module (or function) mapping ids [B, S] to logits on the whole sequence."""

    def __init__(self, model):
        self.model = model
        self.sequence = None

    def step(self, ids):
        """Logits [B, V] of the last position after appending `ids` [B, n]."""
        self.sequence = ids if self.sequence is None else torch.cat([self.sequence, ids], 1)
        out = self.model(self.sequence)
        out = getattr(out, "logits", out)
        if isinstance(out, (tuple, list)):
            out = out[0]
        if not isinstance(out, torch.Tensor) or out.dim() not in (2, 3):
            raise LispError("Error: the model must map token ids [B, S] to logits [B, S, V] "
                            f"(it returned {describe(out)})")
        return (out[:, -1, :] if out.dim() == 3 else out).float()

    def reorder(self, beams):
        """Keep the sequences of `beams` (beam search)."""
        self.sequence = self.sequence[beams]

# torch_hf_generate ----------------------------------------------------------------------


def _id_list(value, fname, what):
    if isinstance(value, torch.Tensor):
        value = value.reshape(-1).tolist()
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if not isinstance(value, (list, tuple, array.array)):
        raise LispError(f"Error in {fname}: {what} must be a list of integers "
                        f"(got {describe(value)})")
    return [check_int(x, fname, what) for x in value]


def original_repetition_penalty(logits, history, penalty):
    """The penalty of the original torch_hf_generate (torch spec §3.6.4), sign-agnostic."""
    recent = torch.tensor(history[-100:], device=logits.device)
    ids, counts = torch.unique(recent, return_counts=True)
    factor = penalty ** counts.to(logits.dtype)
    factor = torch.where(torch.isin(ids, recent[-10:]), factor * 2 * penalty, factor)
    logits[ids] *= 1.0 / factor.clamp(min=penalty)
    return logits


def _strategy(options, fname):
    """The token-picking function of the options: topk > topp > greedy > plain sampling."""
    if "topk" in options:
        k = option_value("topk", options["topk"], fname)
        return lambda logits: pick_top_k(logits, k)
    if "topp" in options:
        p = option_value("topp", options["topp"], fname)
        return lambda logits: pick_top_p(logits, p)
    if "greedy" in options:
        return pick_greedy
    return pick_sample


def _callback(options, fname):
    """A callable `report(token)` for options["callback"], with options["data"] if given."""
    function = options.get("callback")
    if function is None:
        return None
    function = to_callable(function)
    args = (options["data"],) if "data" in options else ()

    def report(token):
        try:
            function(token, *args)
        except Exception as e:  # noqa: BLE001 - a failing callback must not stop generation
            print(f"Error in {fname} callback: {e}", file=sys.stderr)
    return report


@builtin("torch_hf_generate", library=LIBRARY)
def torch_hf_generate(path, initial_tokens, eos_id, max_length, options=None):
    """Generate up to max_length new token ids after a prompt; returns only the new ids."""
    fname = "torch_hf_generate"
    entry = lookup_model(path, fname)
    prompt = _id_list(initial_tokens, fname, "initial_tokens")
    if not prompt:
        raise LispError("Error: the input sequence should at least constains beos_id "
                        "(in torch_hf_generate: the prompt is empty)")
    eos = set(_id_list(eos_id, fname, "eos_id")) if eos_id is not None else set()
    max_length = check_int(max_length, fname, "max_length")
    options = check_options(options, HF_GENERATE_OPTIONS, fname)
    pick, report = _strategy(options, fname), _callback(options, fname)
    temperature = option_value("temperature", options.get("temperature",
                                                          entry.settings["temperature"]), fname)
    penalty = entry.settings["repetition_penalty"]
    ids = torch.tensor([prompt], device=entry.device)
    check_vocabulary(ids, entry, fname)
    history, generated = list(prompt), []
    try:
        with torch.inference_mode():
            stepper = HFStepper(entry)
            while len(generated) < max_length and history[-1] not in eos:
                logits = stepper.step(ids)[0]
                if temperature != 1.0:
                    logits = logits / temperature
                if penalty != 1.0:
                    logits = original_repetition_penalty(logits, history, penalty)
                token = pick(logits)
                generated.append(token)
                history.append(token)
                if report is not None:
                    report(token)
                ids = torch.tensor([[token]], device=entry.device)
    except LispError:
        raise
    except Exception as e:  # noqa: BLE001 - the backend's own failure, reported as is
        raise LispError(f"Error in {fname}: {e}") from e
    return Integers(generated)

# the generator object -------------------------------------------------------------------

GENERATOR_DEFAULTS = {
    "max_length": 100, "temperature": 1.0, "top_k": 50, "top_p": 0.9, "eos_token_id": 50256,
    "pad_token_id": 50256, "bos_token_id": 50256, "num_beams": 1, "repetition_penalty": 1.0,
    "no_repeat_ngram_size": 0, "do_sample": True, "strategy": "greedy",
}
_NUMBERS = {"temperature", "top_p", "repetition_penalty"}
_INTEGERS = {"max_length", "top_k", "eos_token_id", "pad_token_id", "bos_token_id",
             "num_beams", "no_repeat_ngram_size"}


class TorchGenerator:
    """A text generator: a model (HF model id or module), a device and a configuration."""

    def __init__(self, model, device):
        self.model = model
        self.device = device
        self.config = dict(GENERATOR_DEFAULTS)
        if isinstance(model, str):  # a real model knows its own special tokens
            config = MODELS[model].config
            for key in ("eos_token_id", "pad_token_id", "bos_token_id"):
                value = getattr(config, key, None)
                value = value[0] if isinstance(value, (list, tuple)) and value else value
                if isinstance(value, int):
                    self.config[key] = value

    def stepper(self):
        """A fresh stepper over the generator's model."""
        if isinstance(self.model, str):
            return HFStepper(lookup_model(self.model, "torch_generate"))
        return ModuleStepper(self.model)

    @property
    def model_device(self):
        """Where input ids must live."""
        if isinstance(self.model, str):
            return lookup_model(self.model, "torch_generate").device
        return self.device


def _generator_text(g):
    c = g.config
    return (f"TorchGenerator(max_length={c['max_length']}, "
            f"temperature={format_number(float(c['temperature']))}, strategy={c['strategy']})")


register_printer(TorchGenerator, _generator_text)
register_type_name(TorchGenerator, "torch_generator_")


def _generator(value):
    if not isinstance(value, TorchGenerator):
        raise LispError(f"Error: First argument must be a torch generator (got {describe(value)})")
    return value


@builtin("torch_generator_create", library=LIBRARY)
def torch_generator_create(model, device=None):
    """A generator over an HF model id or a module mapping token ids to logits."""
    device = resolve_device(device if device is not None else "cpu", "torch_generator_create")
    if isinstance(model, str):
        lookup_model(model, "torch_generator_create")
    elif not callable(model):
        raise LispError("Error: Generator requires a torch model: an HF model id or a module "
                        f"mapping token ids to logits (got {describe(model)})")
    return TorchGenerator(model, device)


def _pairs(config):
    if isinstance(config, dict):
        return list(config.items())
    if isinstance(config, (list, tuple)) and all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in config):
        return [tuple(p) for p in config]
    if hasattr(config, "items"):
        return list(config.items())
    raise LispError("Error configuring generator: the configuration must be a dictionary or a "
                    f"list of (key value) pairs (got {describe(config)})")


def _set_field(generator, key, value, fname):
    if key in _NUMBERS:
        value = check_number(value, fname, key)
    elif key in _INTEGERS:
        value = check_int(value, fname, key)
    elif key == "strategy":
        value = str(value)
    elif key == "do_sample":
        value = bool(value)
    else:
        check_choice(key, GENERATOR_DEFAULTS, fname, "configuration key")
    generator.config[key] = option_value(key, value, fname)


@builtin("torch_generator_config", library=LIBRARY, aliases=("torch_generator_configure",))
def torch_generator_config(generator, config):
    """Set generator fields from a dictionary or a list of (key value) pairs."""
    generator = _generator(generator)
    for key, value in _pairs(config):
        _set_field(generator, str(key), value, "torch_generator_config")
    return "Generator configured successfully"


@builtin("torch_set_generation_params", library=LIBRARY)
def torch_set_generation_params(generator, max_length=None, temperature=None, top_k=None,
                                top_p=None):
    """Overwrite max_length, temperature, top_k and top_p of a generator (nil keeps one)."""
    generator = _generator(generator)
    for key, value in (("max_length", max_length), ("temperature", temperature),
                       ("top_k", top_k), ("top_p", top_p)):
        if value is not None:
            _set_field(generator, key, value, "torch_set_generation_params")
    return "Generation parameters updated"


@builtin("torch_generator_set_device", library=LIBRARY)
def torch_generator_set_device(generator, device):
    """Move a generator (and a module model) to a device; returns the generator."""
    generator = _generator(generator)
    generator.device = resolve_device(device, "torch_generator_set_device")
    if isinstance(generator.model, torch.nn.Module):
        generator.model.to(generator.device)
    return generator

# the generation loops -------------------------------------------------------------------


def repetition_penalty(scores, sequences, penalty):
    """transformers' repetition penalty: logits of ids already in a sequence move towards
    less likely (divided by the penalty when positive, multiplied when negative)."""
    seen = torch.gather(scores, 1, sequences)
    seen = torch.where(seen < 0, seen * penalty, seen / penalty)
    return scores.scatter(1, sequences, seen)


def _kind(strategy):
    strategy = strategy.lower()
    if strategy in ("top_k", "topk"):
        return "top_k"
    if strategy in ("top_p", "topp"):
        return "top_p"
    return "beam" if strategy.startswith("b") else "greedy"


def sample_loop(stepper, prompt, config):
    """Greedy / top-k / top-p generation of up to max_length tokens; the whole sequence."""
    kind, penalty = _kind(config["strategy"]), float(config["repetition_penalty"])
    temperature, eos = float(config["temperature"]), config["eos_token_id"]
    if kind != "greedy" and temperature <= 0:
        raise LispError(f"Error during generation: temperature must be positive (got {temperature})")
    sequence, ids = prompt, prompt
    for _ in range(config["max_length"]):
        logits = stepper.step(ids)
        if penalty != 1.0:
            logits = repetition_penalty(logits, sequence, penalty)
        logits = logits[0]
        if kind == "greedy":
            token = pick_greedy(logits)
        elif kind == "top_k":
            token = pick_top_k(logits / temperature, config["top_k"])
        else:
            token = pick_top_p(logits / temperature, config["top_p"])
        if token == eos:
            break
        ids = torch.tensor([[token]], device=prompt.device)
        sequence = torch.cat([sequence, ids], 1)
    return sequence


def beam_search(stepper, prompt, config):
    """Beam search as transformers does it (length penalty 1, early_stopping False) for one
    prompt [1, n]; the best finished sequence, its end-of-sequence id left out."""
    beams, eos, penalty = max(1, config["num_beams"]), config["eos_token_id"], \
        float(config["repetition_penalty"])
    n, total = prompt.shape[1], prompt.shape[1] + config["max_length"]
    if config["max_length"] <= 0:
        return prompt
    keep = 2 * beams
    top_mask = torch.arange(keep, device=prompt.device) < beams
    running = torch.full((beams, total), -1, dtype=torch.long, device=prompt.device)
    running[:, :n] = prompt
    running_scores = torch.full((beams,), -1e9, device=prompt.device)
    running_scores[0] = 0.0
    finished = running.clone()
    finished_scores = torch.full((beams,), -1e9, device=prompt.device)
    finished_done = torch.zeros(beams, dtype=torch.bool, device=prompt.device)
    finished_length = torch.full((beams,), n, device=prompt.device)
    improvable = True
    logits, length = stepper.step(running[:, :n]), n
    while True:
        scores = torch.log_softmax(logits, -1)
        if penalty != 1.0:
            scores = repetition_penalty(scores, running[:, :length], penalty)
        vocab = scores.shape[-1]
        top_scores, top_ids = torch.topk((scores + running_scores[:, None]).reshape(-1), keep)
        source, tokens = top_ids // vocab, top_ids % vocab
        candidates = running[source]
        candidates[:, length] = tokens
        hits = (tokens == eos) | (length + 1 >= total)
        still = top_scores + hits.to(torch.float32) * -1.0e9
        chosen = torch.topk(still, beams)[1]
        running, running_scores = candidates[chosen], still[chosen]
        stepper.reorder(source[chosen])
        done_scores = top_scores / float(length + 1 - n)
        done_scores = done_scores + float(not improvable) * -1.0e9
        done_scores = done_scores + (~(hits & top_mask)) * -1.0e9
        merged = torch.cat([finished_scores, done_scores])
        best = torch.topk(merged, beams)[1]
        finished = torch.cat([finished, candidates])[best]
        finished_scores = merged[best]
        finished_done = torch.cat([finished_done, hits & top_mask])[best]
        finished_length = torch.cat([finished_length,
                                     torch.full((keep,), length + 1, device=prompt.device)])[best]
        length += 1
        worst = torch.where(finished_done, finished_scores.min(), -1.0e9)
        improvable = improvable and bool(torch.any(running_scores[0] / float(length - n) > worst))
        if not improvable or bool(torch.all(hits)):
            break
        logits = stepper.step(running[:, length - 1:length])
    sequence = finished[0, :int(finished_length[0])]
    if sequence.shape[0] > n and int(sequence[-1]) == eos:
        sequence = sequence[:-1]
    return sequence[None]


def _prompt(generator, input_ids, fname):
    ids = input_ids if isinstance(input_ids, torch.Tensor) else to_tensor(input_ids, fname)
    if ids.dim() < 2:
        ids = ids.reshape(1, -1)
    if ids.shape[0] != 1 or ids.shape[1] == 0:
        raise LispError(f"Error during generation: the generator takes one non-empty sequence "
                        f"[1, n] (got shape {list(ids.shape)}, in {fname})")
    return ids.to(device=generator.model_device, dtype=torch.long)


def generate(generator, input_ids, fname, **overrides):
    """Run the generator with its configuration changed by `overrides` for this call only."""
    generator = _generator(generator)
    config = dict(generator.config, **overrides)
    prompt = _prompt(generator, input_ids, fname)
    if isinstance(generator.model, str):
        check_vocabulary(prompt, lookup_model(generator.model, fname), fname)
    loop = beam_search if _kind(config["strategy"]) == "beam" else sample_loop
    try:
        with torch.inference_mode():
            return loop(generator.stepper(), prompt, config)
    except LispError:
        raise
    except Exception as e:  # noqa: BLE001 - the model's own failure, reported as is
        raise LispError(f"Error during generation: {e} (in {fname})") from e


@builtin("torch_generate", library=LIBRARY)
def torch_generate(generator, input_ids, strategy=None):
    """Generate with a generator; a strategy given here is stored in its configuration."""
    if strategy is not None:
        _generator(generator).config["strategy"] = option_value("strategy", strategy, "torch_generate")
    return generate(generator, input_ids, "torch_generate")


@builtin("torch_generator_generate", library=LIBRARY)
def torch_generator_generate(generator, input_ids):
    """Generate with the generator's stored configuration and strategy."""
    return generate(generator, input_ids, "torch_generator_generate")


@builtin("torch_generator_greedy", library=LIBRARY)
def torch_generator_greedy(generator, input_ids, max_length=None):
    """Greedy generation of up to max_length tokens (configuration left unchanged)."""
    fname = "torch_generator_greedy"
    return generate(generator, input_ids, fname, strategy="greedy",
                    **_given(fname, max_length=max_length))


@builtin("torch_generator_top_k", library=LIBRARY)
def torch_generator_top_k(generator, input_ids, max_length=None, k=None, temperature=None):
    """Top-k sampling of up to max_length tokens (configuration left unchanged)."""
    fname = "torch_generator_top_k"
    return generate(generator, input_ids, fname, strategy="top_k",
                    **_given(fname, max_length=max_length, top_k=k, temperature=temperature))


@builtin("torch_generator_top_p", library=LIBRARY)
def torch_generator_top_p(generator, input_ids, max_length=None, p=None, temperature=None):
    """Nucleus (top-p) sampling of up to max_length tokens (configuration left unchanged)."""
    fname = "torch_generator_top_p"
    return generate(generator, input_ids, fname, strategy="top_p",
                    **_given(fname, max_length=max_length, top_p=p, temperature=temperature))


@builtin("torch_generator_beam_search", library=LIBRARY)
def torch_generator_beam_search(generator, input_ids, max_length=None, num_beams=None):
    """Beam search over num_beams beams, as transformers does it; the best sequence."""
    fname = "torch_generator_beam_search"
    return generate(generator, input_ids, fname, strategy="beam_search",
                    **_given(fname, max_length=max_length, num_beams=num_beams))


def _given(fname, **values):
    """The non-nil values, checked like configuration fields."""
    out = {}
    for key, value in values.items():
        if value is not None:
            out[key] = option_value(key, check_number(value, fname, key) if key in _NUMBERS
                                    else check_int(value, fname, key), fname)
    return out
