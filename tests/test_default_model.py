"""The bundled default model (lispe/models/default/): files and size, offline loading with
transformers, its tokenizer read identically by HF tokenizers and `tiktoken_create`, and a
greedy continuation made of real English words.
"""

import json
import os
import re

import pytest
import tokenizers
import torch

from lispe import Lisp
from lispe.libs import tiktoken as tk
from lispe.models import DEFAULT_MODEL_FILES, default_model_path
from test_tiktoken import CORPUS, LANGUAGES, _random_texts

PATH = default_model_path()
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
            "<|end_header_id|>", "<|eot_id|>"]


def _json(name):
    with open(os.path.join(PATH, name), encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def model():
    from transformers import AutoModelForCausalLM
    return AutoModelForCausalLM.from_pretrained(PATH, local_files_only=True).eval()


@pytest.fixture(scope="module")
def tokenizer_pair():
    data = _json("tokenizer.json")
    ours = tk.tiktoken_create(data["model"]["vocab"], data["added_tokens"],
                              data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"])
    return ours, tokenizers.Tokenizer.from_file(os.path.join(PATH, "tokenizer.json"))


def test_files_present_and_at_most_10_mb():
    sizes = {f: os.path.getsize(os.path.join(PATH, f)) for f in os.listdir(PATH)}
    assert set(DEFAULT_MODEL_FILES) <= set(sizes)
    assert sum(sizes.values()) <= 10 * 1000 * 1000


def test_loads_offline_as_a_float32_llama(model, monkeypatch):
    from transformers import AutoTokenizer
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert model.config.model_type == "llama"
    assert model.dtype == torch.float32
    assert model.config.tie_word_embeddings
    hf_tokenizer = AutoTokenizer.from_pretrained(PATH, local_files_only=True)
    assert model.config.vocab_size == len(hf_tokenizer)
    assert hf_tokenizer.bos_token == "<|begin_of_text|>"
    assert hf_tokenizer.eos_token == "<|eot_id|>"
    text = hf_tokenizer.apply_chat_template([{"role": "user", "content": "Hi"}], tokenize=False,
                                            add_generation_prompt=True)
    assert text == ("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                    "<|start_header_id|>assistant<|end_header_id|>\n\n")


def test_tokenizer_is_in_the_llama3_layout():
    data = _json("tokenizer.json")
    split, byte_level = data["pre_tokenizer"]["pretokenizers"]
    assert split["type"] == "Split" and byte_level["type"] == "ByteLevel"
    llama3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
    assert split["pattern"]["Regex"].startswith(llama3)
    vocab_size = len(data["model"]["vocab"])
    assert [(t["content"], t["id"]) for t in data["added_tokens"]] == [
        (s, vocab_size + i) for i, s in enumerate(SPECIALS)]
    generation = _json("generation_config.json")
    assert generation["eos_token_id"] == [vocab_size + 1, vocab_size + 4]
    assert _json("special_tokens_map.json")["bos_token"]["content"] == SPECIALS[0]


def test_tiktoken_and_hf_give_the_same_ids(tokenizer_pair):
    ours, hf = tokenizer_pair
    for text in CORPUS + _random_texts(200, seed=3):
        ids = list(tk.tiktoken_encode(ours, text))
        assert ids == hf.encode(text, add_special_tokens=False).ids, repr(text)
        assert tk.tiktoken_decode(ours, ids) == text
    assert tk.tiktoken_vocab_size(ours) == len(_json("tokenizer.json")["model"]["vocab"])


def _known_words():
    """Words of the Python language reference and of the LispE dataset, lower-cased."""
    from pydoc_data.topics import topics
    text = " ".join(topics.values())
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "examples", "data", "lispe_qa.json"), encoding="utf-8") as f:
        text += " ".join(e["response"] for e in json.load(f))
    return set(re.findall(r"[a-z]+", text.lower()))


@pytest.mark.parametrize("prompt", ["The function returns", "A list is", "This module provides"])
def test_greedy_continuation_is_made_of_real_words(model, tokenizer_pair, prompt):
    ours, _ = tokenizer_pair
    ids = torch.tensor([[tk.tiktoken_special_encode(ours, "<|begin_of_text|>"),
                         *tk.tiktoken_encode(ours, prompt)]])
    with torch.no_grad():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=30,
                             do_sample=False, pad_token_id=0)
    text = tk.tiktoken_decode(ours, out[0, ids.shape[1]:])
    words = re.findall(r"[A-Za-z]+", text)
    known = _known_words()
    assert len(words) >= 8, text
    assert sum(w.lower() in known for w in words) >= 0.8 * len(words), text
    assert len({w.lower() for w in words}) >= 3, text


def test_lispe_finds_and_tokenizes_the_default_model():
    lisp = Lisp()
    program = """
    (use 'lispe_torch)
    (use 'lispe_tiktoken)
    (setq tokenizer_path (torch_default_model_path))
    (setq spec_tokens (json_parse (fread (+ tokenizer_path "/special_tokens_map.json"))))
    (setq tok_file (json_parse (fread (+ tokenizer_path "/tokenizer.json"))))
    (setq tokenizer_obj (tiktoken_create
        (@ tok_file "model" "vocab")
        (@ tok_file "added_tokens")
        (@ tok_file "pre_tokenizer" "pretokenizers" 0 "pattern" "Regex")))
    (setq bos_id (tiktoken_special_encode tokenizer_obj (@ spec_tokens "bos_token" "content")))
    (setq tokens (tiktoken_encode tokenizer_obj "<|start_header_id|>user<|end_header_id|>\n\nHow do I create a tensor?<|eot_id|>"))
    (pushfirst tokens bos_id)
    (list tokenizer_path (tiktoken_decode tokenizer_obj tokens) (tiktoken_vocab_size tokenizer_obj))
    """
    path, text, size = lisp.eval(program)
    assert path == PATH
    assert text == ("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n"
                    "How do I create a tensor?<|eot_id|>")
    assert size == len(_json("tokenizer.json")["model"]["vocab"])


def test_missing_model_files_raise_a_lisp_error(monkeypatch, tmp_path):
    from lispe.errors import LispError
    from lispe.libs.torch import default_model
    monkeypatch.setattr(default_model, "default_model_path", lambda: str(tmp_path))
    with pytest.raises(LispError, match="torch_default_model_path"):
        default_model.torch_default_model_path()


def test_languages_round_trip_byte_for_byte(tokenizer_pair):
    ours, _ = tokenizer_pair
    for text in LANGUAGES:
        data = tk.tiktoken_decode_bytes(ours, tk.tiktoken_encode(ours, text))
        assert bytes(list(data)) == text.encode()
