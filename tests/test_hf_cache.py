"""Forward passes and KV cache contexts of Hugging Face models (torch spec §3.6.3)."""

import json
import shutil

import pytest
import torch

from hf_fixtures import reference_model
from lispe import Lisp, LispError
from lispe.libs.torch import hf, hf_inspect
from lispe.printer import to_string
from lispe.values import type_name


@pytest.fixture(scope="module")
def llama(tiny_llama_dir):
    return hf.torch_hf_load_model(tiny_llama_dir, None)


@pytest.fixture(scope="module")
def reference(tiny_llama_dir):
    return reference_model(tiny_llama_dir)


def ids_of(batch, length, seed=0):
    return torch.randint(0, 128, (batch, length), generator=torch.Generator().manual_seed(seed))


def full_logits(model, ids):
    with torch.no_grad():
        return model(ids).logits


def test_token_by_token_with_a_context_matches_one_forward(llama, reference):
    ids = ids_of(2, 12)
    context = hf.torch_hf_enable_kv_cache(llama, True)
    pieces = [hf.torch_hf_forward(llama, ids[:, :5], context)]
    assert pieces[0].shape == (2, 5, 128)
    for i in range(5, 12):
        step = hf.torch_hf_forward(llama, ids[:, i:i + 1], context)
        assert step.shape == (2, 1, 128)  # logits of the new tokens only
        pieces.append(step)
    assert (torch.cat(pieces, 1) - full_logits(reference, ids)).abs().max() <= 1e-4
    assert context.cached == 12 and to_string(context) == "KV Cache Context (cached tokens: 12)"
    assert type_name(context) == "context_inference_"


def test_several_new_tokens_on_a_filled_cache_are_causal(llama, reference):
    ids = ids_of(1, 10, seed=1)
    context = hf.torch_hf_enable_kv_cache(llama, True)
    first = hf.torch_hf_forward(llama, ids[:, :4], context)
    rest = hf.torch_hf_forward(llama, ids[:, 4:], context)
    assert (torch.cat([first, rest], 1) - full_logits(reference, ids)).abs().max() <= 1e-4


def test_contexts_are_independent(llama, reference):
    a, b = ids_of(1, 6, seed=2), ids_of(1, 6, seed=3)
    ca, cb = hf.torch_hf_enable_kv_cache(llama, True), hf.torch_hf_enable_kv_cache(llama, True)
    assert ca is not cb
    out_a, out_b = [], []
    for i in range(6):  # interleaved use of two contexts of one model
        out_a.append(hf.torch_hf_forward(llama, a[:, i:i + 1], ca))
        out_b.append(hf.torch_hf_forward(llama, b[:, i:i + 1], cb))
    assert (torch.cat(out_a, 1) - full_logits(reference, a)).abs().max() <= 1e-4
    assert (torch.cat(out_b, 1) - full_logits(reference, b)).abs().max() <= 1e-4


def test_basic_context_never_caches(llama, reference):
    ids = ids_of(1, 7, seed=4)
    basic = hf.torch_hf_enable_kv_cache(llama, False)
    assert basic is hf.torch_hf_enable_kv_cache(llama, None) is hf.MODELS[llama].basic
    for _ in range(2):
        out = hf.torch_hf_forward(llama, ids, basic)
        assert (out - full_logits(reference, ids)).abs().max() <= 1e-5
    assert basic.cached == 0


def test_reset_empties_the_context(llama, reference):
    ids = ids_of(1, 6, seed=5)
    context = hf.torch_hf_enable_kv_cache(llama, True)
    hf.torch_hf_forward(llama, ids_of(1, 9, seed=6), context)
    assert hf.torch_hf_reset_kv_cache(context) is True
    assert context.cached == 0 and context.position == 0
    out = hf.torch_hf_forward(llama, ids, context)
    assert (out - full_logits(reference, ids)).abs().max() <= 1e-4


def test_sliding_window_equals_a_sliding_window_model(tmp_path, tiny_llama_dir):
    """A window of W cached tokens is Mistral's sliding window of W + 1 (the new token)."""
    window = 4
    view = tmp_path / "mistral_view"
    shutil.copytree(tiny_llama_dir, view)
    config = json.load(open(view / "config.json"))
    config.update(model_type="mistral", architectures=["MistralForCausalLM"],
                  sliding_window=window + 1)
    json.dump(config, open(view / "config.json", "w"))
    key = hf.torch_hf_load_model_lora("windowed", tiny_llama_dir, {"max_cache_len": window})
    context = hf.torch_hf_enable_kv_cache(key, True)
    ids = ids_of(1, 14, seed=7)
    steps = [hf.torch_hf_forward(key, ids[:, i:i + 1], context) for i in range(14)]
    assert context.cached == window and context.position == 14
    expected = full_logits(reference_model(str(view)), ids)
    assert (torch.cat(steps, 1) - expected).abs().max() <= 1e-4
    hf.torch_hf_reset_kv_cache(context)
    assert context.window == window  # reset keeps the window


def test_forward_accepts_one_dimensional_and_float_ids(llama, reference):
    ids = ids_of(1, 5, seed=8)
    out = hf.torch_hf_forward(llama, ids[0].double())
    assert (out - full_logits(reference, ids)).abs().max() <= 1e-5


def test_manual_attention_records_scores(tiny_llama_dir):
    key = hf.torch_hf_load_model_lora("manual", tiny_llama_dir, {"manual_attention": True})
    ids = ids_of(1, 6, seed=9)
    reference = reference_model(tiny_llama_dir, attn_implementation="eager")
    with torch.no_grad():
        expected = reference(ids, output_attentions=True)
    context = hf.torch_hf_enable_kv_cache(key, True)
    assert hf_inspect.torch_hf_forward_attention_size(key, context) == 0
    logits = hf.torch_hf_forward_manual(key, ids, context)
    assert (logits - expected.logits).abs().max() <= 1e-5
    assert hf_inspect.torch_hf_forward_attention_size(key, context) == 2
    for layer in range(2):
        scores = hf_inspect.torch_hf_forward_attention_scores(key, layer, context)
        assert scores.shape == (1, 4, 6, 6)
        assert (scores - expected.attentions[layer]).abs().max() <= 1e-6
    assert hf_inspect.torch_hf_forward_attention_scores(key, 5, context) is None
    hf.torch_hf_forward(key, ids[:, :1], context)  # recording stays on: a 1-token step
    assert hf_inspect.torch_hf_forward_attention_scores(key, 0, context).shape == (1, 4, 1, 7)
    assert hf_inspect.torch_hf_clear_attention_scores(key, context) is True
    assert hf_inspect.torch_hf_forward_attention_size(key, context) == 0


def test_errors(llama, tiny_llama_dir):
    def message(call, *args):
        with pytest.raises(LispError) as info:
            call(*args)
        return str(info.value)

    assert "Model not loaded: nothing" in message(hf.torch_hf_forward, "nothing", ids_of(1, 2))
    assert "Model not loaded" in message(hf.torch_hf_enable_kv_cache, "nothing", True)
    assert "Input must be a torch tensor" in message(hf.torch_hf_forward, llama, [1, 2])
    assert "Expecting kv cache object" in message(hf.torch_hf_forward, llama, ids_of(1, 2), 3)
    assert "Expecting a kv cache type" in message(hf.torch_hf_reset_kv_cache, "ctx")
    assert "outside the vocabulary" in message(hf.torch_hf_forward, llama, torch.tensor([[1, 128]]))
    assert "outside the vocabulary" in message(hf.torch_hf_forward, llama, torch.tensor([[-1]]))
    assert "empty" in message(hf.torch_hf_forward, llama, torch.zeros(1, 0, dtype=torch.long))
    assert "not loaded in manual mode" in message(hf.torch_hf_forward_manual, llama, ids_of(1, 2))
    other = hf.torch_hf_load_model_lora("other", tiny_llama_dir, None)
    foreign = hf.torch_hf_enable_kv_cache(other, True)
    assert "belongs to model other" in message(hf.torch_hf_forward, llama, ids_of(1, 2), foreign)
    assert "Error: Model not found" in message(hf_inspect.torch_hf_forward_attention_size, "nothing")


def test_seed_kv_cache_example_from_lispe(tiny_llama_dir, reference):
    """Seed 000, "Inference with KV Cache", on a tiny model (token ids inside its vocabulary)."""
    lisp = Lisp()
    program = f'''
    (use 'lispe_torch)
    (setq model_id (torch_hf_load_model "{tiny_llama_dir}" (dictionary "device" "mps")))
    (setq context_id (torch_hf_enable_kv_cache model_id true))
    (setq input_tokens (tensor_create (integers 15 31 57)))
    (setq input_batch (tensor_unsqueeze input_tokens 0))
    (setq logits (torch_hf_forward model_id input_batch context_id))
    (setq last_logits (tensor_select logits 1 -1))
    (setq next_token (tensor_argmax last_logits -1))
    (list (tensor_shape logits) (tensor_item next_token) (string context_id))
    '''
    shape, token, text = lisp.eval(program)
    expected = full_logits(reference, torch.tensor([[15, 31, 57]]))[0, -1].argmax()
    assert list(shape) == [1, 3, 128] and token == int(expected)
    assert text == "KV Cache Context (cached tokens: 3)"
