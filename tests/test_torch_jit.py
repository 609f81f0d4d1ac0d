"""lispe_torch JIT family: TorchScript archives written in tmp_path with torch.jit, loaded and
driven through the LispE functions, every result compared with the same call made directly on
the TorchScript module, plus the documented errors and the seed's calls as LispE."""

import warnings

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


class Scaled(nn.Module):
    """A linear layer, a buffer that scales its output, and an extra `predict` method."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        self.register_buffer("scale", torch.arange(1.0, 4.0))

    def forward(self, x):
        return self.fc(x) * self.scale

    @torch.jit.export
    def predict(self, x):
        return self.forward(x).argmax(-1)


class PredictOnly(nn.Module):
    """A module whose forward takes two inputs, so a one-tensor call falls back to `run`."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(2, 2, bias=False)

    def forward(self, x, y):
        return self.proj(x) + y

    @torch.jit.export
    def run(self, x):
        return self.proj(x) * 2


def script(module, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scripted = torch.jit.script(module)
        scripted.save(str(path))
        return torch.jit.load(str(path))


@pytest.fixture
def archive(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "scaled.pt"
    reference = script(Scaled(), path)
    return str(path), reference


def test_load_prints_info_and_types(archive):
    path, _ = archive
    model = call("torch_jit_load", path)
    assert type_name(model) == "jit_model_"
    assert to_string(model) == ("=== TorchScript Model Info ===\nDevice: cpu\nParameter count: 15\n"
                                "Memory usage: 0 MB\n\nBuffers:\n  scale: [3]")
    assert not model.module.training
    info = call("torch_jit_model_info", model)
    assert info == {"loaded": True, "device": "cpu", "parameter_count": 15.0, "memory_mb": 0.0}


def test_forward_matches_the_scripted_module(archive):
    path, reference = archive
    model = call("torch_jit_load", path, "cpu")
    x = torch.randn(5, 4)
    torch.testing.assert_close(call("torch_jit_model_forward", model, x), reference(x))


def test_forward_falls_back_to_other_inference_methods(tmp_path):
    reference = script(PredictOnly(), tmp_path / "p.pt")
    model = call("torch_jit_load", str(tmp_path / "p.pt"))
    x = torch.randn(3, 2)
    torch.testing.assert_close(call("torch_jit_model_forward", model, x), reference.run(x))
    assert list(call("torch_jit_model_list_methods", model)) == ["forward", "run"]


def test_listing_and_lookups(archive):
    path, reference = archive
    model = call("torch_jit_load", path)
    assert list(call("torch_jit_model_list_methods", model)) == ["forward", "predict"]
    assert list(call("torch_jit_model_list_parameter_names", model)) == ["fc.weight", "fc.bias"]
    assert list(call("torch_jit_model_list_buffers", model)) == ["scale"]
    assert list(call("torch_jit_model_list_tensor_names", model)) == ["fc.weight", "fc.bias", "scale"]
    assert torch.equal(call("torch_jit_model_get_tensor", model, "fc.weight"), reference.fc.weight)
    assert torch.equal(call("torch_jit_model_get_tensor", model, "fc_bias"), reference.fc.bias)
    assert torch.equal(call("torch_jit_model_get_buffer", model, "scale"), reference.scale)
    assert list(call("torch_jit_model_get_tensor_shape", model, "fc_weight")) == [3, 4]
    assert list(call("torch_jit_model_get_tensor_shape", model, "scale")) == [3]


def test_update_weight_in_place(archive):
    path, _ = archive
    model = call("torch_jit_load", path)
    weight = torch.randn(3, 4)
    assert call("torch_jit_model_update_weight", model, "fc.weight", weight) is True
    x = torch.randn(2, 4)
    expected = F.linear(x, weight, model.module.fc.bias) * model.module.scale
    torch.testing.assert_close(call("torch_jit_model_forward", model, x), expected)
    raises("shape mismatch for fc.weight", "torch_jit_model_update_weight", model, "fc.weight", torch.ones(2))
    raises("Parameter not found: fc.nothing", "torch_jit_model_update_weight", model, "fc.nothing", weight)
    raises("Third argument must be a tensor", "torch_jit_model_update_weight", model, "fc.weight", [1])


def test_forward_with_lora_adds_the_delta_and_restores(archive):
    path, reference = archive
    model = call("torch_jit_load", path)
    layer = call("torch_lora_linear", 4, 3, 2, 4.0)
    with torch.no_grad():
        layer.lora_B.weight.normal_()
    x = torch.randn(6, 4)
    torch.testing.assert_close(call("torch_jit_model_forward_with_lora", model, x), reference(x))
    assert call("torch_jit_model_register_lora_hook", model, "fc.weight", layer) is True
    delta = 2.0 * layer.lora_B.weight @ layer.lora_A.weight
    expected = F.linear(x, reference.fc.weight + delta, reference.fc.bias) * reference.scale
    torch.testing.assert_close(call("torch_jit_model_forward_with_lora", model, x), expected)
    assert torch.equal(model.module.fc.weight, reference.fc.weight)  # restored afterwards
    states = call("torch_jit_model_get_intermediate_states", model, x, ["fc"])
    assert states[0] is x
    torch.testing.assert_close(states[1], expected)


def test_lora_hook_errors(archive):
    path, _ = archive
    model = call("torch_jit_load", path)
    layer = call("torch_lora_linear", 4, 3, 2, 4.0)
    raises("Parameter not found: fc.w", "torch_jit_model_register_lora_hook", model, "fc.w", layer)
    raises("Third argument must be a LoRA linear layer",
           "torch_jit_model_register_lora_hook", model, "fc.weight", nn.Linear(4, 3))
    raises("the LoRA update is [5, 4]", "torch_jit_model_register_lora_hook", model, "fc.weight",
           call("torch_lora_linear", 4, 5, 2, 4.0))
    raises("First argument must be a JIT model", "torch_jit_model_forward_with_lora", layer, torch.ones(4))
    raises("Second argument must be a tensor", "torch_jit_model_forward_with_lora", model, [1.0])


def test_devices(archive, capsys):
    path, _ = archive
    model = call("torch_jit_load", path, "no-such-device")
    assert "Warning: Invalid device no-such-device, using CPU" in capsys.readouterr().err
    assert str(model.device) == "cpu"
    assert call("torch_jit_model_to_device", model) is True
    assert call("torch_jit_model_to_best_device", model) is True
    expected = "cuda:0" if torch.cuda.is_available() else "cpu"
    assert str(model.device) == expected and str(model.module.fc.weight.device) == expected
    assert call("torch_jit_model_to_mps", model) is True  # absent MPS: best device, one warning
    assert call("torch_jit_model_to_device", model, "cpu") is True
    assert model.module.fc.weight.device.type == "cpu"


def test_unload(archive):
    path, _ = archive
    model = call("torch_jit_load", path)
    assert call("torch_jit_unload", model) is True
    assert to_string(model) == "<TorchJITModel: Not loaded>"
    assert call("torch_jit_model_info", model)["loaded"] is False
    assert list(call("torch_jit_model_list_buffers", model)) == []
    raises("Model not loaded", "torch_jit_model_forward", model, torch.ones(4))
    raises("Model not loaded", "torch_jit_model_list_parameter_names", model)


def test_errors(archive, tmp_path):
    path, _ = archive
    raises(f"Error: Failed to load TorchScript model from {tmp_path}/none.pt",
           "torch_jit_load", str(tmp_path / "none.pt"))
    plain = tmp_path / "weights.pt"
    torch.save({"w": torch.ones(2)}, str(plain))
    raises("Failed to load TorchScript model", "torch_jit_load", str(plain))
    model = call("torch_jit_load", path)
    raises("First argument must be a TorchJIT model",
           "torch_jit_model_forward", nn.Linear(2, 2), torch.ones(2))
    raises("Second argument must be a tensor", "torch_jit_model_forward", model, [1, 2])
    raises("no usable inference method in TorchScript model (2 methods)",
           "torch_jit_model_forward", model, torch.ones(7))
    raises("Parameter not found: nope", "torch_jit_model_get_tensor", model, "nope")
    raises("Buffer not found: nope", "torch_jit_model_get_buffer", model, "nope")
    raises("Parameter not found: nope", "torch_jit_model_get_tensor_shape", model, "nope")
    raises("Argument must be a JIT model", "torch_jit_model_list_methods", "model")
    raises("First argument must be a TorchJIT model", "torch_jit_unload", None)


def test_seed_000_jit_calls_as_lispe(archive, capsys):
    path, reference = archive
    out = Lisp().eval(f"""(use 'lispe_torch)
(setq model (torch_jit_load "{path}" "cpu"))
(println model)
(setq x (torch_randn (integers 2 4)))
(setq lora (torch_lora_linear 4 3 2 4.0))
(torch_jit_model_register_lora_hook model "fc.weight" lora)
(list x (torch_jit_model_forward model x) (torch_jit_model_forward_with_lora model x)
      (torch_jit_model_list_parameter_names model) (torch_jit_model_get_tensor_shape model "fc.weight")
      (@ (torch_jit_model_info model) "parameter_count") (type model))""")
    x, forward, with_lora, names, shape, count, kind = out
    torch.testing.assert_close(forward, reference(x))
    torch.testing.assert_close(with_lora, reference(x))  # a fresh LoRA layer adds nothing
    assert list(names) == ["fc.weight", "fc.bias"] and list(shape) == [3, 4]
    assert count == 15 and kind == "jit_model_"
    assert "=== TorchScript Model Info ===" in capsys.readouterr().out
