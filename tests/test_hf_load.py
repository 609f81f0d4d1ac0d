"""Loading Hugging Face checkpoints: architectures, file layouts, configuration keys, errors."""

import json
import os
import pickle
import shutil

import pytest
import torch

from hf_fixtures import build_checkpoint, reference_model
from lispe import Lisp, LispError
from lispe.libs.torch import hf


def logits_of(key, ids):
    with torch.no_grad():
        return hf.torch_hf_forward(key, ids)


def reference_logits(directory, ids, **kwargs):
    with torch.no_grad():
        return reference_model(directory, **kwargs)(ids).logits


@pytest.mark.parametrize("arch", ["llama", "qwen2", "qwen3", "mistral"])
def test_forward_matches_transformers(hf_checkpoint, arch):
    directory = hf_checkpoint(arch)
    key = hf.torch_hf_load_model(directory, None)
    assert key == directory
    ids = torch.randint(0, 128, (2, 9), generator=torch.Generator().manual_seed(1))
    ours, theirs = logits_of(key, ids), reference_logits(directory, ids)
    assert ours.shape == (2, 9, 128)
    assert (ours - theirs).abs().max() <= 1e-5


@pytest.mark.parametrize("layout", [{"shard_size": "20KB"}, {"safe": False}])
def test_sharded_and_bin_checkpoints(tmp_path, layout):
    directory = build_checkpoint(tmp_path / "model", "llama", seed=3, **layout)
    files = os.listdir(directory)
    if "shard_size" in layout:
        assert "model.safetensors.index.json" in files
    else:
        assert "pytorch_model.bin" in files and not any(f.endswith(".safetensors") for f in files)
    ids = torch.tensor([[3, 4, 5, 6]])
    ours = logits_of(hf.torch_hf_load_model(directory, None), ids)
    assert (ours - reference_logits(directory, ids)).abs().max() <= 1e-5


def test_configuration_keys(tmp_path):
    directory = build_checkpoint(tmp_path / "m", "llama", seed=4)
    config = {"device": "cuda", "dtype": "bfloat16", "max_seq_len": 0, "rope_scaling": 1.0,
              "temperature": 0.7, "top_p": 0.9, "top_k": 50, "repetition_penalty": 1.1,
              "use_kv_cache": True, "max_cache_len": 64, "manual_attention": True,
              "low_memory": True}
    key = hf.torch_hf_load_model(directory, config)
    entry = hf.MODELS[key]
    assert entry.device == torch.device("cpu")  # cuda absent: falls back (DECISIONS.md 2)
    assert entry.base.dtype == torch.bfloat16
    assert entry.base.config._attn_implementation == "eager"
    assert entry.settings["max_seq_len"] == 256  # 0 means the model's max_position_embeddings
    assert entry.settings["temperature"] == 0.7 and entry.settings["max_cache_len"] == 64
    assert all(not p.requires_grad for p in entry.model.parameters())
    ids = torch.tensor([[1, 2, 3]])
    ours = logits_of(key, ids)
    assert ours.dtype == torch.bfloat16
    theirs = reference_logits(directory, ids, dtype=torch.bfloat16, attn_implementation="eager")
    assert torch.equal(ours, theirs)


def test_numeric_keys_ignore_non_numbers(tmp_path):
    settings = hf.load_settings({"temperature": "hot", "max_cache_len": 2.5, "top_k": True},
                                "torch_hf_load_model")
    assert settings["temperature"] == 1.0 and settings["max_cache_len"] == 2
    assert settings["top_k"] == 0


def test_loading_twice_keeps_the_first_model(tiny_llama_dir):
    key = hf.torch_hf_load_model(tiny_llama_dir, None)
    model = hf.hf_model(key)
    assert hf.torch_hf_load_model(tiny_llama_dir, {"dtype": "bfloat16"}) == key
    assert hf.hf_model(key) is model


def test_lora_loading_in_both_argument_orders(tiny_llama_dir):
    assert hf.torch_hf_load_model_lora("order_cpp", tiny_llama_dir, {"device": "cpu"}) == "order_cpp"
    assert hf.torch_hf_load_model_lora(tiny_llama_dir, {"device": "cpu"}, "order_s0") == "order_s0"
    assert hf.torch_hf_load_model_lora("order_nil", tiny_llama_dir, None) == "order_nil"
    for name in ("order_cpp", "order_s0", "order_nil"):
        assert hf.MODELS[name].is_lora and hf.MODELS[name].path == tiny_llama_dir
    first = hf.hf_model("order_cpp")
    hf.torch_hf_load_model_lora("order_cpp", tiny_llama_dir, None)
    assert hf.hf_model("order_cpp") is not first  # the LoRA loader always reloads


def test_same_path_under_two_names_gives_two_models(tiny_llama_dir):
    hf.torch_hf_load_model_lora("policy", tiny_llama_dir, None)
    hf.torch_hf_load_model_lora("reference", tiny_llama_dir, None)
    assert hf.hf_model("policy") is not hf.hf_model("reference")

# errors ---------------------------------------------------------------------------------


def broken_copy(source, target, edit):
    shutil.copytree(source, target)
    edit(str(target))
    return str(target)


def error_of(call, *args):
    with pytest.raises(LispError) as info:
        call(*args)
    return str(info.value)


def test_missing_directory_and_config(tmp_path):
    message = error_of(hf.torch_hf_load_model, str(tmp_path / "nowhere"), None)
    assert "Cannot open config file" in message and "no such directory" in message
    (tmp_path / "empty").mkdir()
    assert "Cannot open config file" in error_of(hf.torch_hf_load_model, str(tmp_path / "empty"))
    assert "Failed to load model config from" in error_of(
        hf.torch_hf_load_model_lora, "x", str(tmp_path / "empty"), None)


def test_directory_without_weights(tmp_path, tiny_llama_dir):
    directory = broken_copy(tiny_llama_dir, tmp_path / "noweights",
                            lambda d: os.remove(os.path.join(d, "model.safetensors")))
    assert "Error validating HF model" in error_of(hf.torch_hf_load_model, directory)
    assert "Failed to load model weights from" in error_of(
        hf.torch_hf_load_model_lora, "y", directory, None)


def test_model_directory_holding_an_adapter(tmp_path, tiny_llama_dir):
    directory = broken_copy(tiny_llama_dir, tmp_path / "with_adapter",
                            lambda d: open(os.path.join(d, "adapter_config.json"), "w").write("{}"))
    assert "holds a LoRA adapter" in error_of(hf.torch_hf_load_model, directory)


def test_unknown_architecture(tmp_path, tiny_llama_dir):
    def edit(d):
        path = os.path.join(d, "config.json")
        config = json.load(open(path))
        config["model_type"] = "no_such_architecture"
        json.dump(config, open(path, "w"))
    directory = broken_copy(tiny_llama_dir, tmp_path / "unknown", edit)
    message = error_of(hf.torch_hf_load_model, directory)
    assert message.startswith("Error loading HF model") and "torch_hf_load_model" in message


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_safetensors(tmp_path, tiny_llama_dir, damage):
    def edit(d):
        path = os.path.join(d, "model.safetensors")
        data = open(path, "rb").read()
        open(path, "wb").write(b"\x00garbage" * 10 if damage == "garbage" else data[:len(data) // 2])
    directory = broken_copy(tiny_llama_dir, tmp_path / damage, edit)
    assert error_of(hf.torch_hf_load_model, directory).startswith("Error loading HF model")
    assert directory not in hf.MODELS


class _Exploit:
    def __reduce__(self):
        return (os.system, (f"touch {_Exploit.marker}",))


def test_malicious_pytorch_bin_is_refused(tmp_path, tiny_llama_dir):
    _Exploit.marker = tmp_path / "pwned"

    def edit(d):
        os.remove(os.path.join(d, "model.safetensors"))
        with open(os.path.join(d, "pytorch_model.bin"), "wb") as f:
            pickle.dump({"model.embed_tokens.weight": _Exploit()}, f)
    directory = broken_copy(tiny_llama_dir, tmp_path / "evil", edit)
    assert error_of(hf.torch_hf_load_model, directory).startswith("Error loading HF model")
    assert not _Exploit.marker.exists()


def test_bad_arguments(tiny_llama_dir):
    assert "must be a string" in error_of(hf.torch_hf_load_model, 42)
    assert "must be a dictionary" in error_of(hf.torch_hf_load_model, "/x", [1, 2])
    assert "unknown dtype" in error_of(hf.torch_hf_load_model, "/x", {"dtype": "int3"})
    assert "unknown device" in error_of(hf.torch_hf_load_model, "/x", {"device": "tpu"})


def test_errors_from_lispe_leave_the_interpreter_running(tmp_path):
    lisp = Lisp()
    lisp.eval("(use 'lispe_torch)")
    missing = str(tmp_path / "missing")
    result = lisp.eval(f'(maybe (torch_hf_load_model "{missing}") "caught")')
    assert result == "caught"
    assert lisp.eval("(+ 1 2)") == 3
