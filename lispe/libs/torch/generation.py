"""Text generation: `torch_hf_generate` (torch spec §3.6.4) and the `torch_generator_*` family
(§3.4 with DECISIONS.md 7: a generator drives a real model), both run by ONE decode loop.

`decode` reads top to bottom like nanoGPT's or gpt-fast's loop: feed the (left-padded) prompts
once, then one token per step; the next token is chosen on the device by small functions
(greedy, plain sampling, top-k, top-p, temperature, the two repetition penalties), so the
host only waits for a token when someone needs it: a streaming callback, stop strings, or the
end-of-sequence check (every step on CPU, where a wait costs nothing; every 8 steps elsewhere).

The model behind the loop is a "decoder": a callable `(ids [B, n], positions [B, n], keys)`
-> logits [B, V] of the last position, where `keys` marks the real (not padding) positions
seen so far, or is None when no prompt is padded.
- `LlamaDecoder`, written here, runs Llama-family HF models (llama, mistral, qwen2, qwen3):
  the model's own modules (so LoRA adapters and int8 layers take part), called in
  transformers' order over a preallocated (static) KV cache, without transformers' generic
  machinery (mask building, output records, cache objects), which is most of a small model's
  step. Its logits are transformers' bit for bit, or, for a small float32 model multiplied by
  transposed copies of its weights (TRANSPOSE_LIMIT), to float rounding with the same tokens
  (tests/test_decode_parity.py).
- `TransformersDecoder` runs any other HF model (or a sliding window, or a dynamic RoPE)
  through its own forward with a `DynamicCache`.
- `ModuleDecoder` re-runs a module (or LispE function) mapping ids [B, S] to logits on the
  whole sequence: such a model has no cache.
With `"compile" true`, the decoder's forward goes through `torch.compile` (dynamic shapes).

Beam search is transformers' own `generate`, for an HF model and for a module (wrapped in a
minimal `PreTrainedModel`); it is not written here.

Where the two families differ, they follow their own spec: `torch_hf_generate` returns the
new ids only (end id included), takes temperature and repetition penalty from the load
configuration and uses the original's penalty formula; a generator returns prompt + new ids
without the end id, holds its own configuration and applies transformers' repetition penalty.
A batch (a list of prompts, or a 2-D tensor) is left-padded; the result has one row each.
"""

import array
import functools
import inspect
import os
import sys

import torch
import torch.nn.functional as F

from ...errors import LispError
from ...printer import format_number, register_printer
from ...registry import builtin
from ...runtime import to_callable
from ...values import Integers, register_type_name
from ._common import (LIBRARY, check_bounded, check_choice, check_int, check_number, check_options,
                      describe, resolve_device, to_tensor)
from .hf import MODELS, cache_argument, check_vocabulary, lookup_model

# option names and ranges: a misspelt name or an out-of-range value is an error -------------

HF_GENERATE_OPTIONS = ("topk", "topp", "greedy", "temperature", "callback", "data", "stop",
                       "decode", "compile")
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

# choosing the next token: logits [B, V] -> ids [B], on the device -----------------------


def pick_greedy(logits):
    """The id of the largest logit of each row."""
    return logits.argmax(-1)


def pick_sample(logits):
    """An id of each row sampled from softmax(logits)."""
    return torch.multinomial(torch.softmax(logits, -1), 1)[:, 0]


def pick_top_k(logits, k):
    """An id of each row sampled among its k largest logits."""
    values, ids = torch.topk(logits, max(1, min(int(k), logits.shape[-1])), -1)
    return ids.gather(-1, torch.multinomial(torch.softmax(values, -1), 1))[:, 0]


def pick_top_p(logits, p):
    """An id of each row sampled from the smallest head of its sorted distribution whose mass
    stays <= p (the most likely id is always kept)."""
    probs, ids = torch.sort(torch.softmax(logits, -1), -1, descending=True)
    keep = torch.cumsum(probs, -1) <= p
    keep[:, 0] = True
    probs = probs * keep
    return ids.gather(-1, torch.multinomial(probs / probs.sum(-1, keepdim=True), 1))[:, 0]


def original_repetition_penalty(logits, ids, real, penalty):
    """The penalty of the original torch_hf_generate (torch spec §3.6.4), sign-agnostic: over
    the last 100 ids of each history `ids` [B, L] (padding, `real` False, not counted), the
    logit of an id seen c times is multiplied by 1/max(penalty^c (x 2·penalty when seen in
    the last 10), penalty)."""
    recent, weight = ids[:, -100:], real[:, -100:].to(logits.dtype)
    counts = torch.zeros_like(logits).scatter_add_(1, recent, weight)
    late = torch.zeros_like(logits).scatter_add_(1, recent[:, -10:], weight[:, -10:]) > 0
    factor = penalty ** counts
    factor = torch.where(late, factor * 2 * penalty, factor).clamp(min=penalty)
    return torch.where(counts > 0, logits * (1.0 / factor), logits)


def repetition_penalty(logits, ids, penalty):
    """transformers' repetition penalty: logits of ids already in a sequence move towards
    less likely (divided by the penalty when positive, multiplied when negative)."""
    seen = torch.gather(logits, 1, ids)
    seen = torch.where(seen < 0, seen * penalty, seen / penalty)
    return logits.scatter(1, ids, seen)

# decoders: (ids [B, n], positions [B, n], keys) -> logits [B, V] ---------------------------

LLAMA_FAMILY = ("llama", "mistral", "qwen2", "qwen3")
_STATIC_ROPES = ("default", "linear", "llama3", "yarn")   # frequencies fixed for all lengths


def rms_norm(x, weight, eps):
    """An HF RMSNorm module's output, bit for bit: float32 normalisation, weight applied in the
    input dtype (one fused call in float32)."""
    if x.dtype == torch.float32:
        return torch.rms_norm(x, weight.shape, weight, eps)
    return weight * torch.rms_norm(x.float(), weight.shape, None, eps).to(x.dtype)


def rotate(x, cos, sin):
    """Rotary position embedding of x [B, H, n, D]: transformers' x·cos + rotate_half(x)·sin,
    written x·cos + roll(x, D/2)·sin' with sin' = sin, first half negated (same bits)."""
    return x * cos + x.roll(x.shape[-1] // 2, -1) * sin


# A small model (linear weights of at most TRANSPOSE_LIMIT bytes, float32, on the CPU) is
# multiplied by copies of its weights laid out transposed ([in, out], contiguous), with the
# query/key/value and the gate/up projections one product each: a decode step's
# matrix-vector products read such weights, which stay in the processor's caches, up to 3x
# faster than the [out, in] weights that F.linear reads transposed (bench/bench_generate.py).
# Its logits then differ from transformers' in the last bits, its tokens do not. A larger
# model, streamed from memory either way, is multiplied by its own weights: transformers'
# logits bit for bit, and no copy.
TRANSPOSE_LIMIT = 64 * 2**20


def transposes(model):
    """Whether the decoder of `model` multiplies by transposed copies of its weights."""
    weights = [m.weight for m in model.modules() if type(m) is torch.nn.Linear]
    return (bool(weights) and all(w.dtype == torch.float32 and w.device.type == "cpu"
                                  for w in weights)
            and sum(w.numel() * 4 for w in weights) <= TRANSPOSE_LIMIT)


def _linear(module):
    """A function x [N, in] -> module(x): a plain linear layer as the one matrix product that
    F.linear would reach (mm, or addmm with a bias), anything else (LoRA, int8) as the
    module itself."""
    if type(module) is not torch.nn.Linear:
        return module
    return _product(module.weight.t(), module.bias)


def _product(weight, bias):
    """x [N, in] -> x·weight (+ bias), weight [in, out]."""
    if bias is None:
        return functools.partial(torch.mm, mat2=weight)
    return functools.partial(torch.addmm, bias, mat2=weight)


def _projections(groups, transpose):
    """A function x [N, in] -> one tensor per group of modules: the outputs of the group's
    modules on x, side by side. With `transpose`, plain linear layers alike in bias are one
    product by their transposed weights side by side."""
    modules = [m for group in groups for m in group]
    plain = all(type(m) is torch.nn.Linear for m in modules) and \
        len({m.bias is None for m in modules}) == 1
    if not (transpose and plain):
        functions = [[_linear(m) for m in group] for group in groups]
        return lambda x: [fs[0](x) if len(fs) == 1 else torch.cat([f(x) for f in fs], -1)
                          for fs in functions]
    weight = torch.cat([m.weight.detach() for m in modules]).t().contiguous()
    bias = None if modules[0].bias is None else torch.cat([m.bias.detach() for m in modules])
    product = _product(weight, bias)
    if len(groups) == 1:
        return lambda x: (product(x),)
    sizes = [sum(m.out_features for m in group) for group in groups]
    return lambda x: product(x).split(sizes, -1)


class _Layer:
    """What the forward pass needs of one decoder layer, looked up once."""

    def __init__(self, layer, transpose):
        attention, mlp = layer.self_attn, layer.mlp
        self.norm_in = (layer.input_layernorm.weight, layer.input_layernorm.variance_epsilon)
        self.norm_out = (layer.post_attention_layernorm.weight,
                         layer.post_attention_layernorm.variance_epsilon)
        self.qk_v = _projections([[attention.q_proj, attention.k_proj], [attention.v_proj]],
                                 transpose)
        self.o = _projections([[attention.o_proj]], transpose)
        self.qk_norms = ((attention.q_norm.weight, attention.q_norm.variance_epsilon,
                          attention.k_norm.weight, attention.k_norm.variance_epsilon)
                         if hasattr(attention, "q_norm") else None)   # qwen3
        self.scale = attention.scaling
        self.gate_up = _projections([[mlp.gate_proj], [mlp.up_proj]], transpose)
        self.down = _projections([[mlp.down_proj]], transpose)
        self.act = mlp.act_fn

    def qk_normed(self, qk, heads):
        """qwen3's RMSNorm of each query head and each key head of qk [B, n, heads + kv, D]."""
        q_weight, q_eps, k_weight, k_eps = self.qk_norms
        q, k = qk.split((heads, qk.shape[2] - heads), 2)
        return torch.cat((rms_norm(q, q_weight, q_eps), rms_norm(k, k_weight, k_eps)), 2)


class LlamaDecoder:
    """The forward pass of a Llama-family model over a static KV cache of `capacity`
    positions for `batch` rows."""

    def __init__(self, model, batch, capacity):
        inner, config = model.model, model.config
        transpose = transposes(model)
        self.embed, self.head = inner.embed_tokens, _projections([[model.lm_head]], transpose)
        self.norm = (inner.norm.weight, inner.norm.variance_epsilon)
        self.layers = [_Layer(layer, transpose) for layer in inner.layers]
        self.head_dim = getattr(config, "head_dim", None) or \
            config.hidden_size // config.num_attention_heads
        self.heads = (config.num_attention_heads, config.num_key_value_heads)
        self.gqa = config.num_key_value_heads != config.num_attention_heads
        weight = self.embed.weight
        cos, sin = inner.rotary_emb(weight[:1], torch.arange(capacity, device=weight.device)[None])
        half = self.head_dim // 2   # sin', see rotate
        self.cos, self.sin = cos[0], torch.cat((-sin[0, :, :half], sin[0, :, half:]), -1)
        shape = (batch, config.num_key_value_heads, capacity, self.head_dim)
        self.keys = [weight.new_empty(shape) for _ in self.layers]
        self.values = [weight.new_empty(shape) for _ in self.layers]
        self.length = 0

    @staticmethod
    def accepts(model, capacity):
        """Whether this forward pass computes exactly what `model`'s own would."""
        config = model.config
        rope = getattr(getattr(getattr(model, "model", None), "rotary_emb", None), "rope_type", None)
        window = getattr(config, "sliding_window", None)
        return (config.model_type in LLAMA_FAMILY and rope in _STATIC_ROPES
                and getattr(config, "_attn_implementation", None) == "sdpa"
                and (not window or window >= capacity))

    def __call__(self, ids, positions, keys):
        start, end = self.length, self.length + ids.shape[1]
        self.length = end
        return self.forward(ids, positions, _attention_mask(keys, ids.shape[1]), start, end)

    def forward(self, ids, positions, mask, start, end):
        """Logits of the last position after writing keys/values of positions start..end-1;
        hidden states are [B·n, hidden] so that every product is one plain matrix product."""
        batch, n = ids.shape
        heads = (batch, n, -1, self.head_dim)
        x = self.embed(ids).view(batch * n, -1)
        cos, sin = self.cos[positions][:, None], self.sin[positions][:, None]
        for layer, keys, values in zip(self.layers, self.keys, self.values):
            qk, v = layer.qk_v(rms_norm(x, *layer.norm_in))
            qk = qk.view(heads)
            if layer.qk_norms is not None:
                qk = layer.qk_normed(qk, self.heads[0])
            q, k = rotate(qk.transpose(1, 2), cos, sin).split(self.heads, 1)
            keys.narrow(2, start, n).copy_(k)
            values.narrow(2, start, n).copy_(v.view(heads).transpose(1, 2))
            out = F.scaled_dot_product_attention(
                q, keys.narrow(2, 0, end), values.narrow(2, 0, end), attn_mask=mask,
                is_causal=mask is None and n > 1, scale=layer.scale, enable_gqa=self.gqa)
            x = x + layer.o(out.transpose(1, 2).reshape(batch * n, -1))[0]
            gate, up = layer.gate_up(rms_norm(x, *layer.norm_out))
            x = x + layer.down(layer.act(gate) * up)[0]
        last = x.view(batch, n, -1)[:, -1]
        return self.head(rms_norm(last, *self.norm))[0].float()


def _attention_mask(keys, n):
    """None without padding; else which cached positions each of the n new ones sees [B, 1,
    n, L]: real ones, causally, and always itself (a padding row must see something)."""
    if keys is None:
        return None
    length = keys.shape[1]
    query = torch.arange(length - n, length, device=keys.device)[:, None]
    key = torch.arange(length, device=keys.device)
    return ((keys[:, None, :] & (key <= query)) | (key == query))[:, None]


class TransformersDecoder:
    """Any HF causal LM through its own forward, with a `DynamicCache`."""

    def __init__(self, model):
        from transformers import DynamicCache
        self.model = model
        self.cache = DynamicCache(config=model.config)
        forward = inspect.signature(model.forward).parameters
        self.extra = {"logits_to_keep": 1} if "logits_to_keep" in forward else {}
        self.extra[cache_argument(model)] = self.cache

    def __call__(self, ids, positions, keys):
        mask = None if keys is None else keys.long()
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=positions,
                         use_cache=True, **self.extra)
        return out.logits[:, -1].float()


class ModuleDecoder:
    """A module (or function) mapping ids [B, S] to logits [B, S, V], re-run on the whole
    sequence at each step."""

    def __init__(self, model):
        self.model = model
        self.sequence = None

    def __call__(self, ids, positions, keys):
        self.sequence = ids if self.sequence is None else torch.cat([self.sequence, ids], 1)
        return module_logits(self.model, self.sequence)[:, -1].float()


def module_logits(model, ids):
    """The logits [B, S, V] a module or LispE function gives for ids [B, S]."""
    out = model(ids)
    out = getattr(out, "logits", out)
    if isinstance(out, (tuple, list)) and out:
        out = out[0]
    if not isinstance(out, torch.Tensor) or out.dim() not in (2, 3):
        raise LispError("Error: the model must map token ids [B, S] to logits [B, S, V] "
                        f"(it returned {describe(out)})")
    return out if out.dim() == 3 else out[:, None]


def hf_decoder(model, batch, capacity):
    """The decoder of an HF model: the lean Llama-family one when it applies."""
    if LlamaDecoder.accepts(model, capacity):
        return LlamaDecoder(model, batch, capacity)
    return TransformersDecoder(model)


def compiled(decoder):
    """The decoder with its forward compiled by torch.compile (dynamic shapes)."""
    target = "forward" if isinstance(decoder, LlamaDecoder) else "model"
    setattr(decoder, target, torch.compile(getattr(decoder, target), dynamic=True))
    return decoder

# the decode loop ------------------------------------------------------------------------


class Prompts:
    """Prompts left-padded into `ids` [B, n] with `real` [B, n] marking non-padding ids."""

    def __init__(self, rows, pad_id, device):
        width = max(len(row) for row in rows)
        self.ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        self.real = torch.zeros((len(rows), width), dtype=torch.bool)
        for i, row in enumerate(rows):
            self.ids[i, width - len(row):] = torch.as_tensor(row)
            self.real[i, width - len(row):] = True
        self.ids, self.real = self.ids.to(device), self.real.to(device)

    @property
    def padded(self):
        """Whether some prompt is shorter than the longest."""
        return not bool(self.real.all())


def decode(decoder, prompts, max_new, choose, ends, pad_id, finished=None, report=None,
           stop=None):
    """Generate up to `max_new` tokens after each prompt; returns (tokens [B, m], lengths [B]):
    row b's new tokens are tokens[b, :lengths[b]], its end id (one of `ends`) included.

    choose(logits [B, V], ids [B, L], real [B, L]) -> the next ids [B];
    finished: the rows done before the first step (bool [B]);
    report(ids): sees each step's ids, None for the rows already done;
    stop(new_ids): whether a row's new ids (a list) end it (stop strings)."""
    ids, real = prompts.ids, prompts.real
    batch, n = ids.shape
    device = ids.device
    max_new = max(max_new, 0)
    sequence = torch.cat([ids, ids.new_full((batch, max_new), pad_id)], 1)
    real = torch.cat([real, real.new_ones((batch, max_new))], 1)
    keys = real if prompts.padded else None
    ending = bool(ends) or stop is not None   # can a row end before max_new tokens?
    ends = torch.tensor(sorted(ends), dtype=torch.long, device=device)
    done = torch.zeros(batch, dtype=torch.bool, device=device) if finished is None else finished
    lengths = torch.zeros(batch, dtype=torch.long, device=device)
    history = [[] for _ in range(batch)]
    check_every = 1 if device.type == "cpu" or report or stop else 8
    if max_new <= 0 or bool(done.all()):
        return sequence[:, n:n], lengths
    positions = (prompts.real.cumsum(-1) - 1).clamp(min=0)
    logits = decoder(ids, positions, None if keys is None else keys[:, :n])
    position = positions[:, -1:]
    for step in range(max_new):
        length = n + step
        token = choose(logits, sequence[:, :length], real[:, :length])
        running = ~done
        if ending:  # a finished row gets padding
            token.masked_fill_(done, pad_id)
            lengths += running
            done = done | torch.isin(token, ends)
        sequence.select(1, length).copy_(token)
        if report is not None or stop is not None:
            done = _host_step(token.tolist(), running.tolist(), done, report, stop, history)
        if step + 1 == max_new or (ending and (step + 1) % check_every == 0 and bool(done.all())):
            break
        position = position + 1
        logits = decoder(token[:, None], position, None if keys is None else keys[:, :length + 1])
    if not ending:
        lengths.fill_(step + 1)
    return sequence[:, n:n + int(lengths.max())], lengths


def _host_step(tokens, running, done, report, stop, history):
    """Report this step's ids (None for finished rows) and apply stop strings; new `done`."""
    if report is not None:
        report([t if r else None for t, r in zip(tokens, running)])
    if stop is None:
        return done
    hits = []
    for row, (token, alive) in enumerate(zip(tokens, running)):
        if alive:
            history[row].append(token)
        hits.append(alive and stop(history[row]))
    return done | torch.tensor(hits, device=done.device)

# prompts and options --------------------------------------------------------------------


def _id_list(value, fname, what):
    if isinstance(value, torch.Tensor):
        value = value.reshape(-1).tolist()
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if not isinstance(value, (list, tuple, array.array)):
        raise LispError(f"Error in {fname}: {what} must be a list of integers "
                        f"(got {describe(value)})")
    return [check_int(x, fname, what) for x in value]


def _is_batch(value):
    """A 2-D tensor, or a list whose elements are id lists."""
    if isinstance(value, torch.Tensor):
        return value.dim() == 2
    return isinstance(value, (list, tuple)) and bool(value) and all(
        isinstance(row, (list, tuple, array.array, torch.Tensor)) for row in value)


def _prompt_rows(value, fname):
    """(rows, is_batch): the prompts as lists of ids."""
    if _is_batch(value):
        rows = [_id_list(row, fname, "initial_tokens") for row in value]
        return rows, True
    return [_id_list(value, fname, "initial_tokens")], False


def _callback(options, fname, batch):
    """A callable `report(ids)` for options["callback"] (with options["data"] if given): one
    id per call for one prompt, the list of a step's ids (nil: finished) for a batch."""
    function = options.get("callback")
    if function is None:
        return None
    function = to_callable(function)
    extra = (options["data"],) if "data" in options else ()

    def report(ids):
        try:
            function(list(ids) if batch else ids[0], *extra)
        except Exception as e:  # noqa: BLE001 - a failing callback must not stop generation
            print(f"Error in {fname} callback: {e}", file=sys.stderr)
    return report


def _stop_strings(options, entry, fname):
    """stop(new_ids) -> True once the decoded new ids contain one of options["stop"]; text
    comes from options["decode"] (a function of an id list) or the model's tokenizer.json."""
    strings = options.get("stop")
    if strings is None:
        return None
    strings = [strings] if isinstance(strings, str) else strings
    if not isinstance(strings, (list, tuple)) or not strings or not all(
            isinstance(s, str) and s for s in strings):
        raise LispError(f"Error in {fname}: stop must be a non-empty string or a list of them "
                        f"(got {describe(options.get('stop'))})")
    text_of = _decoder_of(options, entry, fname)
    window = max(len(s) for s in strings) + 16   # ids enough to spell the longest string

    def stop(new_ids):
        text = text_of(new_ids[-window:])
        return any(s in text for s in strings)
    return stop


def _decoder_of(options, entry, fname):
    """A function id list -> text: options["decode"], else the model's own tokenizer."""
    if "decode" in options:
        function = to_callable(options["decode"])
        return lambda ids: str(function(Integers(ids)))
    path = os.path.join(entry.path, "tokenizer.json") if isinstance(entry.path, str) else ""
    if not os.path.isfile(path):
        raise LispError(f"Error in {fname}: stop strings need a \"decode\" function (ids -> "
                        f"text) or a tokenizer.json in the model directory {entry.path}")
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(path)
    return tokenizer.decode


def _options(options, fname):
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise LispError(f"Error in {fname}: options must be a dictionary (got {describe(options)})")
    return check_options(options, HF_GENERATE_OPTIONS, fname)


def _original_strategy(options, fname):
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


# torch_hf_generate ----------------------------------------------------------------------


@builtin("torch_hf_generate", library=LIBRARY)
def torch_hf_generate(path, initial_tokens, eos_id, max_length, options=None):
    """Up to max_length new token ids after a prompt, or after each prompt of a list."""
    fname = "torch_hf_generate"
    entry = lookup_model(path, fname)
    rows, batch = _prompt_rows(initial_tokens, fname)
    if not all(rows):
        raise LispError("Error: the input sequence should at least constains beos_id "
                        "(in torch_hf_generate: the prompt is empty)")
    ends = set(_id_list(eos_id, fname, "eos_id")) if eos_id is not None else set()
    max_length = check_int(max_length, fname, "max_length")
    options = _options(options, fname)
    pick = _original_strategy(options, fname)
    temperature = option_value("temperature", options.get("temperature",
                                                          entry.settings["temperature"]), fname)
    penalty = entry.settings["repetition_penalty"]
    report, stop = _callback(options, fname, batch), _stop_strings(options, entry, fname)

    def choose(logits, ids, real):
        if temperature != 1.0:
            logits = logits / temperature
        if penalty != 1.0:
            logits = original_repetition_penalty(logits, ids, real, penalty)
        return pick(logits)

    prompts = Prompts(rows, 0, entry.device)
    check_vocabulary(prompts.ids, entry, fname)
    finished = torch.isin(prompts.ids[:, -1], torch.tensor(sorted(ends), dtype=torch.long,
                                                            device=entry.device))
    try:
        with torch.inference_mode():
            decoder = hf_decoder(entry.base, len(rows), prompts.ids.shape[1] + max(max_length, 0))
            if options.get("compile"):
                decoder = compiled(decoder)
            tokens, lengths = decode(decoder, prompts, max_length, choose, ends, 0,
                                     finished=finished, report=report, stop=stop)
    except LispError:
        raise
    except Exception as e:  # noqa: BLE001 - the backend's own failure, reported as is
        raise LispError(f"Error in {fname}: {e}") from e
    results = [Integers(row[:length]) for row, length in zip(tokens.tolist(), lengths.tolist())]
    return results if batch else results[0]

# the generator object -------------------------------------------------------------------

GENERATOR_DEFAULTS = {
    "max_length": 100, "temperature": 1.0, "top_k": 50, "top_p": 0.9, "eos_token_id": 50256,
    "pad_token_id": 50256, "bos_token_id": 50256, "num_beams": 1, "repetition_penalty": 1.0,
    "no_repeat_ngram_size": 0, "do_sample": True, "strategy": "greedy", "compile": False,
}
_NUMBERS = {"temperature", "top_p", "repetition_penalty"}
_INTEGERS = {"max_length", "top_k", "eos_token_id", "pad_token_id", "bos_token_id",
             "num_beams", "no_repeat_ngram_size"}
_FLAGS = {"do_sample", "compile"}


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
    elif key in _FLAGS:
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

# generating with a generator ------------------------------------------------------------


def _kind(strategy):
    strategy = strategy.lower()
    if strategy in ("top_k", "topk"):
        return "top_k"
    if strategy in ("top_p", "topp"):
        return "top_p"
    return "beam" if strategy.startswith("b") else "greedy"


def _generator_choice(config):
    """choose(logits, ids, real) of a generator: transformers' penalty, then the strategy."""
    kind, penalty = _kind(config["strategy"]), float(config["repetition_penalty"])
    temperature = float(config["temperature"])
    picks = {"greedy": pick_greedy,
             "top_k": lambda logits: pick_top_k(logits / temperature, config["top_k"]),
             "top_p": lambda logits: pick_top_p(logits / temperature, config["top_p"])}
    pick = picks[kind]

    def choose(logits, ids, real):
        if penalty != 1.0:
            logits = repetition_penalty(logits, ids, penalty)
        return pick(logits)
    return choose


def _generator_prompts(generator, input_ids, fname):
    """The prompts of a generation: one sequence, several of one length ([B, n] tensor), or a
    list of id lists (left-padded with pad_token_id)."""
    if _is_batch(input_ids) and not isinstance(input_ids, torch.Tensor):
        rows = [_id_list(row, fname, "input_ids") for row in input_ids]
    else:
        ids = input_ids if isinstance(input_ids, torch.Tensor) else to_tensor(input_ids, fname)
        rows = ids.reshape(1, -1).tolist() if ids.dim() < 2 else ids.reshape(ids.shape[0], -1).tolist()
    if not rows or not all(rows):
        raise LispError(f"Error during generation: every prompt needs at least one token "
                        f"(in {fname})")
    prompts = Prompts(rows, _feed_id(generator, fname), generator.model_device)
    if isinstance(generator.model, str):
        check_vocabulary(prompts.ids, lookup_model(generator.model, fname), fname)
    elif prompts.padded:
        raise LispError(f"Error during generation: prompts of different lengths need an HF "
                        f"model id (a module gets no attention mask) (in {fname})")
    return prompts


def _feed_id(generator, fname):
    """The id fed to the model for padding: pad_token_id when the model knows it, else 0."""
    pad = generator.config["pad_token_id"]
    if isinstance(generator.model, str):
        size = lookup_model(generator.model, fname).base.get_input_embeddings().num_embeddings
        return pad if 0 <= pad < size else 0
    return 0


def _without_end(prompts, tokens, lengths, config):
    """[B, n + m]: each prompt then its new tokens, the end id left out, pad_token_id around."""
    pad, end = config["pad_token_id"], config["eos_token_id"]
    last = tokens.gather(1, (lengths - 1).clamp(min=0)[:, None])[:, 0] if tokens.shape[1] else None
    if last is not None:
        lengths = lengths - ((last == end) & (lengths > 0)).long()
    width = int(lengths.max())
    columns = torch.arange(width, device=tokens.device)
    tokens = torch.where(columns < lengths[:, None], tokens[:, :width], pad)
    return torch.cat([torch.where(prompts.real, prompts.ids, pad), tokens], 1)


def sample(generator, prompts, config):
    """Greedy / top-k / top-p generation with the decode loop."""
    model = lookup_model(generator.model, "torch_generate").base \
        if isinstance(generator.model, str) else generator.model
    capacity = prompts.ids.shape[1] + config["max_length"]
    decoder = (hf_decoder(model, prompts.ids.shape[0], capacity)
               if isinstance(generator.model, str) else ModuleDecoder(model))
    if config["compile"]:
        decoder = compiled(decoder)
    tokens, lengths = decode(decoder, prompts, config["max_length"], _generator_choice(config),
                             {config["eos_token_id"]}, _feed_id(generator, "torch_generate"))
    return _without_end(prompts, tokens, lengths, config)


def beam_search(generator, prompts, config):
    """transformers' beam search (length penalty 1, no early stopping) of each prompt; the
    best sequence, end id left out, finished rows padded with pad_token_id."""
    from transformers import GenerationConfig
    end, pad = config["eos_token_id"], _feed_id(generator, "torch_generate")
    model = (lookup_model(generator.model, "torch_generate").model
             if isinstance(generator.model, str) else _module_lm(generator, prompts.ids))
    settings = GenerationConfig(
        max_new_tokens=config["max_length"], num_beams=config["num_beams"],
        do_sample=False, early_stopping=False, length_penalty=1.0, eos_token_id=end,
        pad_token_id=pad, repetition_penalty=float(config["repetition_penalty"]),
        use_cache=isinstance(generator.model, str))
    out = model.generate(prompts.ids, attention_mask=prompts.real.long(), generation_config=settings)
    n = prompts.ids.shape[1]
    new = out[:, n:]
    lengths = torch.where(new == end, 0, 1).cumprod(1).sum(1) + (new == end).any(1).long()
    return _without_end(prompts, new, lengths, config)


def _module_lm(generator, ids):
    """A module wrapped as a transformers model, so that `generate` can drive it."""
    from transformers import GenerationMixin, PreTrainedConfig, PreTrainedModel
    from transformers.modeling_outputs import CausalLMOutput
    vocab = module_logits(generator.model, ids).shape[-1]

    class ModuleLM(PreTrainedModel, GenerationMixin):
        config_class = PreTrainedConfig

        def __init__(self, module, device):
            super().__init__(PreTrainedConfig(vocab_size=vocab))
            self.module, self.where = module, device

        @property
        def device(self):
            return self.where

        def forward(self, input_ids, **_):
            return CausalLMOutput(logits=module_logits(self.module, input_ids))

    return ModuleLM(generator.model, ids.device)


def generate(generator, input_ids, fname, **overrides):
    """Run the generator with its configuration changed by `overrides` for this call only."""
    generator = _generator(generator)
    config = dict(generator.config, **overrides)
    prompts = _generator_prompts(generator, input_ids, fname)
    run = beam_search if _kind(config["strategy"]) == "beam" else sample
    try:
        with torch.inference_mode():
            return run(generator, prompts, config)
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
    """Beam search over num_beams beams (transformers' own); the best sequence."""
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
