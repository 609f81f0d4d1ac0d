"""lispe_torch stand-alone LoRA layers: each function against the LoRA formula computed directly
with torch on the same weights, the documented errors, and the seed examples as LispE."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lispe import Lisp
from lispe.errors import LispError
from lispe.printer import to_string
from lispe.registry import load_library, lookup
from lispe.values import type_name

load_library("lispe_torch")


def call(name, *args):
    return lookup(name).func(*args)


def raises(fragment, name, *args):
    with pytest.raises(LispError) as info:
        call(name, *args)
    assert fragment in str(info.value)


def trained(layer, seed=0):
    """Give B non-zero values, as training would, so that the LoRA branch matters."""
    torch.manual_seed(seed)
    with torch.no_grad():
        layer.lora_B.weight.normal_()
    return layer


def expected_forward(layer, x):
    """W x + b + (alpha/rank) B A x, written out with the raw tensors."""
    a, b = layer.lora_A.weight, layer.lora_B.weight
    return F.linear(x, layer.weight, layer.bias) + (layer.alpha / layer.rank) * (x @ a.T @ b.T)


def test_new_layer_follows_peft_initialisation():
    torch.manual_seed(0)
    layer = call("torch_lora_linear", 96, 40, 8, 16.0)
    assert layer.lora_A.weight.shape == (8, 96) and layer.lora_B.weight.shape == (40, 8)
    assert torch.count_nonzero(layer.lora_B.weight) == 0
    assert abs(layer.lora_A.weight.std().item() - 1 / 8 ** 0.5) < 0.03
    assert not layer.weight.requires_grad and not layer.bias.requires_grad
    assert layer.lora_A.weight.requires_grad and layer.lora_B.weight.requires_grad
    assert layer.weight.dtype == torch.float32 and layer.scaling == 2.0
    assert to_string(layer) == "LoRA Linear Layer (96 -> 40, rank=8, alpha=16, merged=false)"
    assert type_name(layer) == "torch_lora_linear_"


def test_fresh_layer_computes_its_base_layer():
    layer = call("torch_lora_linear", 12, 5, 4, 8)
    x = torch.randn(3, 12)
    torch.testing.assert_close(call("torch_lora_forward", layer, x), F.linear(x, layer.weight, layer.bias))
    assert call("torch_lora_get_adaptation_magnitude", layer) == 0.0


def test_forward_delta_and_magnitude_match_the_formula():
    layer = trained(call("torch_lora_linear", 12, 5, 4, 8))
    x = torch.randn(2, 7, 12)
    torch.testing.assert_close(call("torch_lora_forward", layer, x), expected_forward(layer, x))
    delta = call("torch_lora_compute_delta", layer)
    torch.testing.assert_close(delta, 2.0 * layer.lora_B.weight @ layer.lora_A.weight)
    assert delta.shape == (5, 12) and not delta.requires_grad
    magnitude = call("torch_lora_get_adaptation_magnitude", layer)
    assert magnitude == pytest.approx(torch.linalg.norm(delta).item(), rel=1e-6)


def test_merge_folds_the_delta_once():
    layer = trained(call("torch_lora_linear", 10, 6, 2, 4))
    x = torch.randn(4, 10)
    before, weight, delta = call("torch_lora_forward", layer, x), layer.weight.clone(), layer.delta_weight()
    assert call("torch_lora_merge_weights", layer) == "LoRA weights merged successfully"
    assert call("torch_lora_merge_weights", layer) == "LoRA weights merged successfully"
    torch.testing.assert_close(layer.weight, weight + delta)
    torch.testing.assert_close(call("torch_lora_forward", layer, x), F.linear(x, weight + delta, layer.bias))
    torch.testing.assert_close(call("torch_lora_forward", layer, x), before)
    assert to_string(layer).endswith("merged=true)")


def test_apply_to_linear_copies_the_base():
    linear = nn.Linear(9, 4)
    layer = call("torch_lora_apply_to_linear", linear, 3, 6.0)
    assert to_string(layer) == "LoRA Linear Layer (9 -> 4, rank=3, alpha=6, merged=false)"
    x = torch.randn(5, 9)
    torch.testing.assert_close(call("torch_lora_forward", layer, x), linear(x))
    with torch.no_grad():
        layer.weight.add_(1.0)
    assert not torch.equal(layer.weight, linear.weight)  # a copy: the linear layer is unchanged
    no_bias = call("torch_lora_apply_to_linear", nn.Linear(3, 2, bias=False), 1, 1)
    assert no_bias.bias is None
    torch.testing.assert_close(no_bias(torch.ones(1, 3)), torch.ones(1, 3) @ no_bias.weight.T)


def test_forward_with_gradients_records_under_no_grad():
    layer = trained(call("torch_lora_linear", 6, 3, 2, 2))
    x = torch.randn(4, 6)
    with torch.no_grad():
        out = call("torch_lora_forward_with_gradients", layer, x, True)
        plain = call("torch_lora_forward", layer, x)
    assert out.requires_grad and not plain.requires_grad
    torch.testing.assert_close(out, expected_forward(layer, x))
    out.sum().backward()
    assert layer.lora_A.weight.grad is not None and layer.lora_B.weight.grad is not None
    assert layer.weight.grad is None
    assert call("torch_lora_forward_with_gradients", layer, x).requires_grad  # retain_graph optional


def test_training_the_adapters_lowers_the_loss():
    torch.manual_seed(0)
    layer = call("torch_lora_linear", 16, 8, 4, 8)
    params = call("torch_lora_trainable_params", layer)
    assert params[0] is layer.lora_A.weight and params[1] is layer.lora_B.weight
    x, target = torch.randn(32, 16), torch.randn(32, 8)
    optimizer = torch.optim.SGD(params, lr=0.05)
    losses = []
    for _ in range(30):
        loss = F.mse_loss(call("torch_lora_forward", layer, x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.9


def test_trainable_params_of_other_models():
    model = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 1))
    model[0].requires_grad_(False)
    assert call("torch_lora_trainable_params", model) == [model[1].weight, model[1].bias]
    raises("Model not found: no-such-model", "torch_lora_trainable_params", "no-such-model")
    raises("Argument must be a model", "torch_lora_trainable_params", 42)


def test_trainable_params_of_a_lora_hf_model(tiny_llama_dir):
    name = call("torch_hf_load_model_lora", "lora-layer-test", tiny_llama_dir, {"device": "cpu"})
    call("torch_hf_lora_init", name, 4, 8.0, ["q_proj", "v_proj"])
    params = call("torch_lora_trainable_params", name)
    expected = call("torch_hf_lora_get_parameters", name)
    assert len(params) == len(expected) > 0
    assert all(p is e and p.requires_grad for p, e in zip(params, expected))


def test_save_and_load_adapters_round_trip(tmp_path):
    source = trained(call("torch_lora_linear", 8, 4, 2, 4))
    path = str(tmp_path / "adapters.pt")
    assert call("torch_lora_save_adapters", source, path) == "LoRA adapters saved successfully"
    saved = torch.load(path, weights_only=True)
    assert set(saved) == {"lora_A.weight", "lora_B.weight"}
    assert torch.equal(saved["lora_B.weight"], source.lora_B.weight)
    target = call("torch_lora_linear", 8, 4, 2, 4)
    assert call("torch_lora_load_adapters", target, path) == "LoRA adapters loaded successfully"
    assert torch.equal(target.lora_A.weight, source.lora_A.weight)
    assert torch.equal(target.lora_B.weight, source.lora_B.weight)
    x = torch.randn(3, 8)
    torch.testing.assert_close(target(x) - F.linear(x, target.weight, target.bias),
                               source(x) - F.linear(x, source.weight, source.bias))


def test_loading_into_a_merged_layer_swaps_the_merged_update(tmp_path):
    other = trained(call("torch_lora_linear", 8, 4, 2, 4), seed=3)
    path = str(tmp_path / "other.pt")
    call("torch_lora_save_adapters", other, path)
    layer = trained(call("torch_lora_linear", 8, 4, 2, 4), seed=5)
    base = layer.weight.clone()
    call("torch_lora_merge_weights", layer)
    call("torch_lora_load_adapters", layer, path)
    torch.testing.assert_close(layer.weight, base + other.delta_weight())


def test_adapter_file_errors(tmp_path):
    layer = call("torch_lora_linear", 8, 4, 2, 4)
    raises("Error loading LoRA adapters:", "torch_lora_load_adapters", layer, str(tmp_path / "missing.pt"))
    path = str(tmp_path / "small.pt")
    call("torch_lora_save_adapters", call("torch_lora_linear", 4, 4, 2, 4), path)
    raises("Error loading LoRA adapters: size mismatch for lora_A.weight: [2, 4] in the file, "
           "[2, 8] in the model", "torch_lora_load_adapters", layer, path)
    torch.save({"weight": torch.ones(2)}, str(tmp_path / "other.pt"))
    raises("nothing to load, no entry matches the model (2 missing entries (lora_A.weight, "
           "lora_B.weight) and 1 unexpected entry (weight))", "torch_lora_load_adapters", layer,
           str(tmp_path / "other.pt"))
    raises("Model must contain LoRA layers", "torch_lora_save_adapters", nn.Linear(2, 2), path)
    raises("Model must contain LoRA layers", "torch_lora_load_adapters", "layer", path)


def test_argument_errors():
    layer = call("torch_lora_linear", 4, 2, 1, 1)
    raises("First argument must be a LoRA linear layer", "torch_lora_forward", nn.Linear(4, 2), torch.ones(4))
    raises("Second argument must be a tensor", "torch_lora_forward", layer, [1.0, 2.0])
    raises("First argument must be a LoRA linear layer",
           "torch_lora_forward_with_gradients", 1, torch.ones(4))
    raises("Argument must be a LoRA linear layer", "torch_lora_merge_weights", nn.Linear(2, 2))
    raises("Argument must be a LoRA linear layer", "torch_lora_compute_delta", None)
    raises("Argument must be a LoRA linear layer", "torch_lora_get_adaptation_magnitude", "x")
    raises("First argument must be a linear layer", "torch_lora_apply_to_linear", layer.lora_A.weight, 2, 2)
    raises("rank must be a positive integer", "torch_lora_linear", 4, 2, 0, 1)
    raises("rank must be an integer", "torch_lora_linear", 4, 2, 2.5, 1)
    raises("alpha must be a number", "torch_lora_linear", 4, 2, 2, "big")
    raises("Error in LoRA forward pass:", "torch_lora_forward", layer, torch.ones(3, 5))


# the seeds, as LispE programs --------------------------------------------------------------

def run(code):
    return Lisp().eval("(use 'lispe_torch)\n" + code)


def test_seed_001_lora_pipeline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = run("""
(setq lora_layer (torch_lora_linear 1024 1024 16 32.0))
(println "LoRA layer created:" lora_layer)
(setq tensor_input (torch_ones (integers 32 1024)))
(setq output (torch_lora_forward lora_layer tensor_input))
(setq base_layer (torch_linear 512 256))
(setq lora_adapted (torch_lora_apply_to_linear base_layer 8 16.0))
(setq base_model (torch_linear 1024 1024))
(setq lora_model (torch_lora_apply_to_linear base_model 16 32.0))
(setq target (torch_zeros (integers 32 1024)))
(setq output (torch_lora_forward lora_model tensor_input))
(torch_lora_save_adapters lora_model "task_specific_adapters.pt")
(torch_lora_merge_weights lora_model)
(setq deployment_model (torch_lora_linear 1024 1024 16 32.0))
(torch_lora_load_adapters deployment_model "task_specific_adapters.pt")
(list output lora_model deployment_model)""")
    output, lora_model, deployment = out
    assert output.shape == (32, 1024)
    assert lora_model.merged and torch.equal(deployment.lora_A.weight, lora_model.lora_A.weight)


def test_seed_002_and_003_basic_lora(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = run("""
(setq base_linear (torch_linear 512 256))
(setq lora_adapted (torch_lora_apply_to_linear base_linear 8 16.0))
(setq tensor_input (torch_ones (integers 32 512)))
(setq output (torch_lora_forward lora_adapted tensor_input))
(torch_lora_save_adapters lora_adapted "llama_lora_adapters.pt")
(setq new_model (torch_lora_linear 512 256 8 16.0))
(torch_lora_load_adapters new_model "llama_lora_adapters.pt")
(torch_lora_merge_weights lora_adapted)
(setq lora_layer (torch_lora_linear 512 256 16 32.0))
(setq data (torch_randn (integers 4 512)))
(setq output (torch_lora_forward lora_layer data))
(torch_lora_save_adapters lora_layer "adapters.pt")
(setq params (torch_lora_trainable_params lora_layer))
(setq grads (torch_lora_forward_with_gradients lora_layer data true))
(list (type lora_layer) (size params) (tensor_shape grads) (string lora_adapted))""")
    assert out[0] == "torch_lora_linear_" and out[1] == 2 and list(out[2]) == [4, 256]
    assert out[3] == "LoRA Linear Layer (512 -> 256, rank=8, alpha=16, merged=true)"


def test_seed_004_adapter_switching(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for task in ("summarization", "translation"):
        torch.save({"lora_A.weight": torch.randn(16, 256), "lora_B.weight": torch.randn(256, 16)},
                   str(tmp_path / f"{task}_adapters.pt"))
    layer = run("""
(setq lora_layer (torch_lora_linear 256 256 16 32.0))
(torch_lora_save_adapters lora_layer "task_adapters.pt")
(torch_lora_merge_weights lora_layer)
(setq base_model (torch_linear 256 256))
(setq lora_model (torch_lora_apply_to_linear base_model 16 32.0))
(defun switch_task (task_name)
    (torch_lora_load_adapters lora_model
        (+ task_name "_adapters.pt")))
(switch_task "summarization")
(switch_task "translation")
lora_model""")
    expected = torch.load(str(tmp_path / "translation_adapters.pt"), weights_only=True)
    assert torch.equal(layer.lora_B.weight, expected["lora_B.weight"])
