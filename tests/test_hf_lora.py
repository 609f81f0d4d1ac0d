"""LoRA on Hugging Face models (torch spec §3.9.1, DECISIONS.md 5), checked against peft."""

import itertools
import os

import pytest
import torch
from peft import LoraConfig, PeftModel, get_peft_model

from hf_fixtures import reference_model
from lispe import LispError
from lispe.registry import lookup
from lispe.libs.torch import hf, hf_finetune, hf_lora

_names = itertools.count()
IDS = torch.randint(0, 128, (2, 10), generator=torch.Generator().manual_seed(0))


def fresh(directory, config=None):
    """A newly loaded LoRA model under a unique name."""
    return hf.torch_hf_load_model_lora(f"lora{next(_names)}", directory, config)


def logits(key, ids=IDS):
    with torch.no_grad():
        return hf.torch_hf_forward(key, ids)


def perturb(key, seed=1):
    """Give the adapters non-zero values, as training would."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in hf_lora.torch_hf_lora_get_parameters(key):
            p.copy_(torch.randn(p.shape, generator=generator) * 0.3)


def test_positional_init(tiny_llama_dir):
    key = fresh(tiny_llama_dir)
    base = logits(key)
    assert hf_lora.torch_hf_lora_get_parameters(key) == []
    assert hf_lora.torch_hf_lora_init(key, 4, 8, ["q_proj", "v_proj", "down_proj"]) is True
    params = hf_lora.torch_hf_lora_get_parameters(key)
    assert len(params) == 2 * 2 * 3  # A and B, 2 layers, 3 modules
    shapes = [tuple(p.shape) for p in params[:6]]
    assert shapes == [(4, 32), (32, 4), (4, 32), (16, 4), (4, 64), (32, 4)]
    model = hf.hf_model(key)
    layer0 = model.base_model.model.model.layers[0]
    assert params[0] is layer0.self_attn.q_proj.lora_A["default"].weight
    assert params[5] is layer0.mlp.down_proj.lora_B["default"].weight
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert {id(p) for p in trainable} == {id(p) for p in params}
    assert all(torch.count_nonzero(b) == 0 for b in params[1::2])  # B starts at zero
    assert abs(float(params[0].detach().std()) - 0.5) < 0.15  # A ~ N(0, 1/sqrt(rank))
    assert torch.equal(logits(key), base)  # a fresh adapter leaves the model unchanged


def test_dictionary_init_defaults_and_dtype(tiny_llama_dir):
    key = fresh(tiny_llama_dir)
    hf_lora.torch_hf_lora_init(key, {"rank": 2, "dtype": "bfloat16"})
    config = hf.hf_model(key).peft_config["default"]
    assert config.r == 2 and config.lora_alpha == 32
    assert set(config.target_modules) == {"q_proj", "k_proj", "v_proj", "o_proj"}
    params = lookup("torch_hf_lora_parameters").func(key)
    assert len(params) == 16 and all(p.dtype == torch.bfloat16 for p in params)
    perturb(key)
    assert logits(key).dtype == torch.float32
    key2 = fresh(tiny_llama_dir)
    hf_lora.torch_hf_lora_init(key2, {"dtype": "float16"})
    assert hf.hf_model(key2).peft_config["default"].r == 16
    params = hf_lora.torch_hf_lora_get_parameters(key2)
    assert all(p.dtype == torch.float32 for p in params)  # float16 adapters are kept float32
    optimizer = torch.optim.AdamW(params, lr=1e-2)
    hf.torch_hf_forward(key2, IDS).sum().backward()
    optimizer.step()
    assert all(torch.isfinite(p).all() for p in params)


def test_forward_applies_the_adapters(tiny_llama_dir):
    key = fresh(tiny_llama_dir)
    hf_lora.torch_hf_lora_init(key, 4, 8, ["q_proj", "o_proj"])
    perturb(key)
    reference = reference_model(tiny_llama_dir)
    with torch.no_grad():
        for name, module in hf.hf_model(key).base_model.model.named_modules():
            if hasattr(module, "lora_A") and "default" in module.lora_A:
                delta = (8 / 4) * module.lora_B["default"].weight @ module.lora_A["default"].weight
                reference.get_submodule(name).weight += delta
        expected = reference(IDS).logits
    assert (logits(key) - expected).abs().max() <= 1e-4


def test_only_adapters_receive_gradients(tiny_llama_dir):
    key = fresh(tiny_llama_dir)
    hf_lora.torch_hf_lora_init(key, 2, 4, ["q_proj", "v_proj"])
    perturb(key)
    out = hf.torch_hf_forward(key, IDS)
    loss = torch.nn.functional.cross_entropy(out[:, :-1].reshape(-1, 128), IDS[:, 1:].reshape(-1))
    loss.backward()
    params = hf_lora.torch_hf_lora_get_parameters(key)
    assert all(p.grad is not None for p in params)
    others = [p for p in hf.hf_model(key).parameters() if all(p is not q for q in params)]
    assert all(p.grad is None for p in others)


def test_merge_unmerge_enable(tiny_llama_dir):
    key = fresh(tiny_llama_dir)
    base = logits(key)
    assert hf_lora.torch_hf_lora_merge(key) is True and hf_lora.torch_hf_lora_unmerge(key) is True
    hf_lora.torch_hf_lora_init(key, 4, 8, ["q_proj", "k_proj", "v_proj", "o_proj", "up_proj"])
    perturb(key)
    adapted = logits(key)
    assert (adapted - base).abs().max() > 1e-2
    hf_lora.torch_hf_lora_merge(key)
    hf_lora.torch_hf_lora_merge(key)  # merging twice does not add the delta twice
    assert (logits(key) - adapted).abs().max() <= 1e-4  # float32 rounding of W + delta
    hf_lora.torch_hf_lora_unmerge(key)
    assert (logits(key) - adapted).abs().max() <= 1e-5
    hf_lora.torch_hf_lora_enable(key, False)
    assert (logits(key) - base).abs().max() <= 1e-5
    hf_lora.torch_hf_lora_enable(key, True)
    assert (logits(key) - adapted).abs().max() <= 1e-5


def test_reinit_replaces_the_adapters(tiny_llama_dir):
    key = fresh(tiny_llama_dir)
    base = logits(key)
    hf_lora.torch_hf_lora_init(key, 4, 8, ["q_proj"])
    perturb(key)
    hf_lora.torch_hf_lora_merge(key)
    hf_lora.torch_hf_lora_init(key, 2, 2, ["v_proj"])
    assert len(hf_lora.torch_hf_lora_get_parameters(key)) == 4
    assert (logits(key) - base).abs().max() <= 1e-5


def test_pt_file_round_trip(tmp_path, tiny_llama_dir):
    key = fresh(tiny_llama_dir)
    hf_lora.torch_hf_lora_init(key, 4, 8, ["q_proj", "v_proj"])
    perturb(key)
    adapted = logits(key)
    path = str(tmp_path / "adapters.pt")
    assert hf_lora.torch_hf_lora_save(key, path) is True
    saved = torch.load(path, weights_only=True)
    assert list(saved)[:2] == ["layer.0.q_proj.lora_A.weight", "layer.0.q_proj.lora_B.weight"]
    other = fresh(tiny_llama_dir)
    with pytest.raises(LispError, match="no LoRA adapters yet"):  # a .pt file needs adapters first
        hf_lora.torch_hf_lora_load(other, path)
    hf_lora.torch_hf_lora_init(other, 4, 8, ["q_proj", "v_proj"])
    assert hf_lora.torch_hf_lora_load(other, path) is True
    assert (logits(other) - adapted).abs().max() <= 1e-6


def test_original_list_and_keys_format(tmp_path, tiny_llama_dir):
    key = fresh(tiny_llama_dir)
    hf_lora.torch_hf_lora_init(key, 2, 4, ["q_proj"])
    perturb(key)
    adapted = logits(key)
    tensors = hf_lora._adapter_tensors(hf.MODELS[key])
    path = str(tmp_path / "list.pt")
    torch.save(list(tensors.values()), path)
    (tmp_path / "list.pt.keys").write_text("\n".join(tensors) + "\n")
    other = fresh(tiny_llama_dir)
    hf_lora.torch_hf_lora_init(other, 2, 4, ["q_proj"])
    assert hf_lora.torch_hf_lora_load(other, path) is True
    assert (logits(other) - adapted).abs().max() <= 1e-6
    (tmp_path / "list.pt.keys").write_text("layer.0.q_proj.lora_A.weight\n")
    with pytest.raises(LispError, match="list.pt.keys names 1 tensors, .*list.pt holds 4"):
        hf_lora.torch_hf_lora_load(other, path)


def test_peft_directory_loads_in_peft(tmp_path, tiny_llama_dir):
    key = fresh(tiny_llama_dir)
    hf_lora.torch_hf_lora_init(key, 4, 8, ["q_proj", "k_proj", "gate_proj"])
    perturb(key)
    directory = str(tmp_path / "adapter")
    assert hf_lora.torch_hf_lora_save(key, directory) is True
    assert {"adapter_config.json", "adapter_model.safetensors"} <= set(os.listdir(directory))
    peft_model = PeftModel.from_pretrained(reference_model(tiny_llama_dir), directory).eval()
    with torch.no_grad():
        expected = peft_model(IDS).logits
    assert (logits(key) - expected).abs().max() <= 1e-5


def test_adapter_trained_with_peft_loads_here(tmp_path, tiny_llama_dir):
    torch.manual_seed(5)
    config = LoraConfig(r=4, lora_alpha=16, target_modules=["v_proj", "up_proj"],
                        lora_dropout=0.0, task_type="CAUSAL_LM")
    peft_model = get_peft_model(reference_model(tiny_llama_dir), config)
    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=1e-2)
    for _ in range(3):
        loss = peft_model(IDS, labels=IDS).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    peft_model.eval()
    directory = str(tmp_path / "peft_trained")
    peft_model.save_pretrained(directory)
    with torch.no_grad():
        expected = peft_model(IDS).logits
    key = fresh(tiny_llama_dir)
    assert hf_lora.torch_hf_lora_load(key, directory) is True  # no init needed
    assert (logits(key) - expected).abs().max() <= 1e-5
    params = hf_lora.torch_hf_lora_get_parameters(key)
    assert len(params) == 8 and all(p.requires_grad for p in params)
    assert params[0] is hf.hf_model(key).base_model.model.model.layers[0].self_attn.v_proj \
        .lora_A["default"].weight


def test_save_model_merges_active_adapters(tmp_path, tiny_llama_dir):
    key = fresh(tiny_llama_dir)
    hf_lora.torch_hf_lora_init(key, 4, 8, ["q_proj", "down_proj"])
    perturb(key)
    directory = str(tmp_path / "merged")
    assert hf_finetune.torch_hf_save_model(key, directory) is True
    assert "model.safetensors" in os.listdir(directory)
    assert (logits(hf.torch_hf_load_model(directory)) - logits(key)).abs().max() <= 1e-5


def test_errors(tmp_path, tiny_llama_dir):
    def message(call, *args):
        with pytest.raises(LispError) as info:
            call(*args)
        return str(info.value)

    plain = hf.torch_hf_load_model(tiny_llama_dir)
    assert "Model is not a LoRA model" in message(hf_lora.torch_hf_lora_init, plain, 4, 8)
    assert "Model not found: ghost" in message(hf_lora.torch_hf_lora_get_parameters, "ghost")
    key = fresh(tiny_llama_dir)
    text = message(hf_lora.torch_hf_lora_init, key, 4, 8, ["q_proj", "wq"])
    assert "no module named wq" in text and "q_proj" in text
    assert hf_lora.torch_hf_lora_get_parameters(key) == []  # nothing half-initialised
    assert "rank must be positive" in message(hf_lora.torch_hf_lora_init, key, 0, 8)
    assert "rank must be an integer" in message(hf_lora.torch_hf_lora_init, key, 2.5, 8)
    assert "target_modules" in message(hf_lora.torch_hf_lora_init, key, 2, 4, [1, 2])
    assert hf_lora.torch_hf_lora_save(key, str(tmp_path / "none.pt")) is False
    hf_lora.torch_hf_lora_init(key, 2, 4)
    assert "holds a model" in message(hf_lora.torch_hf_lora_save, key, tiny_llama_dir)
    assert "no adapter file" in message(hf_lora.torch_hf_lora_load, key, str(tmp_path / "x.pt"))
    (tmp_path / "not_adapter").mkdir()
    assert "adapter_config.json" in message(hf_lora.torch_hf_lora_load, key,
                                            str(tmp_path / "not_adapter"))
