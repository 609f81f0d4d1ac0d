"""The decode engine against transformers on tiny checkpoints: the same logits (bit for bit
with the model's own weights, to float rounding with the transposed copies of a small model),
and the same greedy, beam and batch tokens as `model.generate`."""

import pytest
import torch
from transformers import DynamicCache

from hf_fixtures import reference_model
from lispe.libs.torch import generation as gen
from lispe.libs.torch import hf, hf_lora
from lispe.values import Integers

ARCHS = ["llama", "qwen2", "qwen3", "mistral"]
PROMPTS = [[5, 17, 33], [90, 4, 4, 61, 12, 100], [7]]


def hf_generate(model, prompts, new, pad=0, **kwargs):
    """transformers' output for left-padded prompts: [B, width + new]."""
    width = max(len(p) for p in prompts)
    ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
    settings = dict(do_sample=False, pad_token_id=pad, eos_token_id=None)
    with torch.inference_mode():
        return model.generate(ids, attention_mask=mask, max_new_tokens=new,
                              **dict(settings, **kwargs))


def hf_new_tokens(model, prompts, new, **kwargs):
    """transformers' new tokens of each prompt, up to and including its end id."""
    end = kwargs.get("eos_token_id")
    rows = hf_generate(model, prompts, new, **kwargs)[:, max(len(p) for p in prompts):].tolist()
    return [row[:row.index(end) + 1] if end in row else row for row in rows]


def same_bits(ours, theirs):
    assert torch.equal(ours, theirs)


def same_up_to_rounding(ours, theirs):
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)
    assert torch.equal(ours.argmax(-1), theirs.argmax(-1))


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("transposed", [False, True])
def test_logits_are_transformers(hf_checkpoint, arch, transposed, monkeypatch):
    if not transposed:  # as a model over the limit: its own weights
        monkeypatch.setattr(gen, "TRANSPOSE_LIMIT", 0)
    model = reference_model(hf_checkpoint(arch))
    ids = torch.tensor([[5, 17, 33, 90, 4]])
    assert gen.LlamaDecoder.accepts(model, 20)
    assert gen.transposes(model) is transposed
    check = same_up_to_rounding if transposed else same_bits
    with torch.inference_mode():
        decoder = gen.LlamaDecoder(model, 1, 20)
        cache = {hf.cache_argument(model): DynamicCache(config=model.config)}
        ours = decoder(ids, torch.arange(5)[None], None)
        theirs = model(ids, logits_to_keep=1, **cache).logits[:, -1]
        check(ours, theirs)
        for position in range(5, 13):
            token = ours.argmax(-1, keepdim=True)
            ours = decoder(token, torch.tensor([[position]]), None)
            theirs = model(token, logits_to_keep=1, **cache).logits[:, -1]
            check(ours, theirs)


@pytest.mark.parametrize("arch", ARCHS)
def test_greedy_tokens_are_transformers(hf_checkpoint, arch):
    directory = hf_checkpoint(arch)
    key = hf.torch_hf_load_model(directory, None)
    reference = reference_model(directory)
    for prompt in PROMPTS:
        ours = gen.torch_hf_generate(key, Integers(prompt), None, 30, {"greedy": True})
        assert list(ours) == hf_new_tokens(reference, [prompt], 30)[0]


def test_other_models_use_their_own_forward(hf_checkpoint):
    """A sliding window within reach, or eager attention: transformers' forward, same tokens."""
    directory = hf_checkpoint("mistral", sliding_window=4)
    reference = reference_model(directory)
    assert not gen.LlamaDecoder.accepts(reference, 20)
    key = hf.torch_hf_load_model(directory, None)
    for prompt in PROMPTS[:2]:
        ours = gen.torch_hf_generate(key, prompt, None, 20, {"greedy": True})
        assert list(ours) == hf_new_tokens(reference, [prompt], 20)[0]
    ours = gen.torch_hf_generate(key, PROMPTS, None, 20, {"greedy": True})
    assert [list(row) for row in ours] == hf_new_tokens(reference, PROMPTS, 20)
    eager = hf.torch_hf_load_model_lora("eager llama", hf_checkpoint("llama"),
                                        {"manual_attention": True})
    reference = reference_model(hf_checkpoint("llama"), attn_implementation="eager")
    assert not gen.LlamaDecoder.accepts(hf.MODELS[eager].base, 20)
    ours = gen.torch_hf_generate(eager, PROMPTS[1], None, 20, {"greedy": True})
    assert list(ours) == hf_new_tokens(reference, [PROMPTS[1]], 20)[0]


@pytest.mark.parametrize("arch", ["llama", "qwen3"])
def test_batch_is_transformers_batch(hf_checkpoint, arch):
    directory = hf_checkpoint(arch)
    key = hf.torch_hf_load_model(directory, None)
    reference = reference_model(directory)
    ours = gen.torch_hf_generate(key, PROMPTS, None, 15, {"greedy": True})
    assert [list(row) for row in ours] == hf_new_tokens(reference, PROMPTS, 15)
    end = ours[1][4]  # rows end at different steps, the end id included
    ours = gen.torch_hf_generate(key, PROMPTS, end, 15, {"greedy": True})
    assert [list(row) for row in ours] == hf_new_tokens(reference, PROMPTS, 15, eos_token_id=end)
    assert len(ours[1]) == ours[1].index(end) + 1 <= 5


def test_generator_batch_is_transformers_batch(tiny_llama_dir):
    """Left padding, a repetition penalty over the padded sequence, finished rows padded."""
    reference = reference_model(tiny_llama_dir)
    generator = gen.torch_generator_create(hf.torch_hf_load_model(tiny_llama_dir, None))
    gen.torch_generator_config(generator, {"repetition_penalty": 1.3, "pad_token_id": 0,
                                           "eos_token_id": 1000, "max_length": 12})
    theirs = hf_generate(reference, PROMPTS, 12, repetition_penalty=1.3)
    assert torch.equal(gen.torch_generate(generator, PROMPTS, "greedy"), theirs)
    end = int(theirs[0, 8])
    gen.torch_generator_config(generator, {"eos_token_id": end})
    theirs = hf_generate(reference, PROMPTS, 12, repetition_penalty=1.3, eos_token_id=end)
    theirs = torch.where(theirs == end, 0, theirs)  # the end id is left out, padding instead
    ours = gen.torch_generate(generator, PROMPTS, "greedy")
    assert torch.equal(ours, theirs[:, :ours.shape[1]])
    assert not theirs[:, ours.shape[1]:].any()


@pytest.mark.parametrize("beams", [2, 4])
def test_beam_search_is_transformers(tiny_llama_dir, beams):
    reference = reference_model(tiny_llama_dir)
    generator = gen.torch_generator_create(hf.torch_hf_load_model(tiny_llama_dir, None))
    ended = 0
    for prompt in PROMPTS[:2]:
        gen.torch_generator_config(generator, {"eos_token_id": 1000})
        unended = gen.torch_generator_beam_search(generator, prompt, 12, beams)[0].tolist()
        for end in (1000, unended[len(prompt) + 2], unended[len(prompt) + 6]):
            gen.torch_generator_config(generator, {"eos_token_id": end})
            ours = gen.torch_generator_beam_search(generator, prompt, 12, beams)
            theirs = hf_generate(reference, [prompt], 12, num_beams=beams, eos_token_id=end,
                                 pad_token_id=end)[0].tolist()
            if theirs[-1] == end and len(theirs) > len(prompt):
                theirs, ended = theirs[:-1], ended + 1
            assert ours[0].tolist() == theirs
    assert ended  # some beams finished on their end id


def test_beam_search_of_a_batch_is_transformers(tiny_llama_dir):
    reference = reference_model(tiny_llama_dir)
    generator = gen.torch_generator_create(hf.torch_hf_load_model(tiny_llama_dir, None))
    gen.torch_generator_config(generator, {"eos_token_id": 1000, "pad_token_id": 0})
    ours = gen.torch_generator_beam_search(generator, PROMPTS, 10, 3)
    assert torch.equal(ours, hf_generate(reference, PROMPTS, 10, num_beams=3))


def test_lora_adapters_take_part(tiny_llama_dir):
    key = hf.torch_hf_load_model_lora("parity lora", tiny_llama_dir, None)
    hf_lora.torch_hf_lora_init(key, 4, 8, ["q_proj", "v_proj", "down_proj"])
    peft_model = hf.hf_model(key)
    torch.manual_seed(0)
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0.0, 0.5)
    ours = list(gen.torch_hf_generate(key, PROMPTS[1], None, 20, {"greedy": True}))
    assert ours == hf_new_tokens(peft_model, [PROMPTS[1]], 20)[0]
    assert ours != hf_new_tokens(reference_model(tiny_llama_dir), [PROMPTS[1]], 20)[0]
