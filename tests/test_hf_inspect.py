"""Weights and figures of loaded Hugging Face models, checked against the module's own."""

import pytest
import torch

from lispe import LispError
from lispe.libs.torch import hf, hf_inspect, hf_lora
from lispe.registry import lookup
from lispe.values import Integers, Strings

PROJECTIONS = {"q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj",
               "o": "self_attn.o_proj", "gate": "mlp.gate_proj", "up": "mlp.up_proj",
               "down": "mlp.down_proj"}


@pytest.fixture(scope="module")
def qwen3(hf_checkpoint):
    return hf.torch_hf_load_model(hf_checkpoint("qwen3"), None)


def module_weight(key, layer, path):
    module = hf.hf_model(key).model.layers[layer]
    for name in path.split("."):
        module = getattr(module, name)
    return module.weight


@pytest.mark.parametrize("which", sorted(PROJECTIONS))
@pytest.mark.parametrize("layer", [0, 1])
def test_projection_weights_are_the_live_parameters(qwen3, which, layer):
    get = lookup(f"torch_hf_get_{which}_weight").func
    weight = get(qwen3, layer)
    assert weight is module_weight(qwen3, layer, PROJECTIONS[which])


def test_projection_shapes(qwen3):
    assert tuple(hf_inspect.torch_hf_get_q_weight(qwen3, 0).shape) == (32, 32)   # H*D, hidden
    assert tuple(hf_inspect.torch_hf_get_k_weight(qwen3, 0).shape) == (16, 32)   # KV*D, hidden
    assert tuple(hf_inspect.torch_hf_get_down_weight(qwen3, 0).shape) == (32, 64)


def test_fused_weights(qwen3):
    fused = hf_inspect.torch_hf_get_qkv_fused_weight(qwen3, 1)
    parts = [module_weight(qwen3, 1, PROJECTIONS[w]) for w in "qkv"]
    assert torch.equal(fused, torch.cat(parts))
    gate_up = hf_inspect.torch_hf_get_gate_up_fused_weight(qwen3, 0)
    assert torch.equal(gate_up, torch.cat([module_weight(qwen3, 0, PROJECTIONS["gate"]),
                                           module_weight(qwen3, 0, PROJECTIONS["up"])]))


def test_weights_of_a_lora_model_are_the_base_weights(tiny_llama_dir):
    key = hf.torch_hf_load_model_lora("inspect_lora", tiny_llama_dir, None)
    before = hf_inspect.torch_hf_get_q_weight(key, 0)
    hf_lora.torch_hf_lora_init(key, 2, 4, ["q_proj"], None)
    assert hf_inspect.torch_hf_get_q_weight(key, 0) is before
    names = hf_inspect.torch_hf_list_weights(key)
    assert "model.layers.0.self_attn.q_proj.weight" in names
    assert not any("lora" in n or "base_layer" in n for n in names)


def test_list_and_get_weights(qwen3):
    model = hf.hf_model(qwen3)
    names = hf_inspect.torch_hf_list_weights(qwen3)
    assert isinstance(names, Strings) and list(names) == list(model.state_dict())
    assert "model.layers.0.self_attn.q_norm.weight" in names
    for name in ("lm_head.weight", "model.norm.weight", "model.layers.1.mlp.up_proj.weight"):
        assert hf_inspect.torch_hf_get_weight(qwen3, name) is model.get_parameter(name)
    assert hf_inspect.torch_hf_get_weight(qwen3, "no.such.weight") is None


def test_rms_norm_eps_and_info(qwen3, hf_checkpoint):
    config = hf.hf_model(qwen3).config
    assert hf_inspect.torch_hf_get_rms_norm_eps(qwen3) == config.rms_norm_eps
    assert hf_inspect.torch_hf_model_info(qwen3) == ["vocab_size", 128, "hidden_size", 32]
    summary = hf_inspect.torch_hf_model_summary(qwen3).split("\n")
    assert summary[0] == "HF Model Summary"
    assert "architecture: Qwen3ForCausalLM" in summary and "layers: 2" in summary


def test_memory_usage(qwen3):
    model = hf.hf_model(qwen3)
    expected = sum(p.numel() * p.element_size() for p in model.parameters())
    expected += sum(b.numel() * b.element_size() for b in model.buffers())
    assert hf_inspect.torch_hf_memory_usage(qwen3) == expected


def test_embeddings(qwen3):
    table = hf.hf_model(qwen3).get_input_embeddings().weight
    out = hf_inspect.torch_hf_embeddings(qwen3, Integers([3, 7, 9]))
    assert torch.equal(out, table[[3, 7, 9]])
    out = hf_inspect.torch_hf_embeddings(qwen3, torch.tensor([[1, 2], [3, 4]]))
    assert out.shape == (2, 2, 32)


def test_errors(qwen3):
    def message(call, *args):
        with pytest.raises(LispError) as info:
            call(*args)
        return str(info.value)

    assert "Missing or invalid layer index" in message(hf_inspect.torch_hf_get_q_weight, qwen3)
    assert "Missing or invalid layer index" in message(hf_inspect.torch_hf_get_q_weight, qwen3, 1.0)
    assert "Invalid layer index" in message(hf_inspect.torch_hf_get_v_weight, qwen3, 2)
    assert "Invalid layer index" in message(hf_inspect.torch_hf_get_v_weight, qwen3, -1)
    assert "Model not loaded: nope" in message(hf_inspect.torch_hf_get_o_weight, "nope", 0)
    for name in ("torch_hf_list_weights", "torch_hf_model_info", "torch_hf_model_summary",
                 "torch_hf_memory_usage", "torch_hf_get_rms_norm_eps"):
        assert "Model not loaded" in message(lookup(name).func, "nope")
    assert "outside the vocabulary" in message(hf_inspect.torch_hf_embeddings, qwen3, [999])
    assert "must be a string" in message(hf_inspect.torch_hf_get_weight, qwen3, [1])
