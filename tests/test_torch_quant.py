"""lispe_torch Quantization family: every function against the same computation done directly
with torch / torch.ao.quantization, the documented errors, and the seed examples as LispE."""

import warnings

import pytest
import torch
from torch import nn
from torch.ao import quantization as tq

from lispe import Lisp
from lispe.errors import LispError
from lispe.registry import load_library, lookup
from lispe.values import Floats, Integers

load_library("lispe_torch")


def call(name, *args):
    return lookup(name).func(*args)


def raises(fragment, name, *args):
    with pytest.raises(LispError) as info:
        call(name, *args)
    assert fragment in str(info.value)


def reference(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args)


def same_quantized(q, expected):
    assert q.is_quantized and q.dtype == expected.dtype and q.qscheme() == expected.qscheme()
    assert torch.equal(q.int_repr(), expected.int_repr())
    torch.testing.assert_close(q.dequantize(), expected.dequantize())


@pytest.fixture
def x():
    torch.manual_seed(0)
    return torch.randn(6, 5) * 3


# tensors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, qdtype", [("int8", torch.qint8), ("qint8", torch.qint8),
                                           ("uint8", torch.quint8), ("quint8", torch.quint8)])
def test_quantize_dynamic_dtype_form_uses_scale_one(x, dtype, qdtype):
    q = call("torch_quantize_dynamic", x, dtype)
    same_quantized(q, reference(torch.quantize_per_tensor, x, 1.0, 0, qdtype))
    assert q.q_scale() == 1.0 and q.q_zero_point() == 0


def test_quantize_dynamic_numeric_form_is_linear(x):
    same_quantized(call("torch_quantize_dynamic", x, 0.25, 3),
                   reference(torch.quantize_per_tensor, x, 0.25, 3, torch.qint8))
    same_quantized(call("torch_quantize_dynamic", x, 1.0, 0),
                   reference(torch.quantize_per_tensor, x, 1.0, 0, torch.qint8))


def test_quantize_dynamic_errors(x):
    raises("Error in torch_quantize_dynamic: Unsupported dtype for quantization: int4",
           "torch_quantize_dynamic", x, "int4")
    raises("First argument must be a tensor", "torch_quantize_dynamic", Floats([1, 2]), "int8")
    raises("zero point goes with a numeric scale", "torch_quantize_dynamic", x, "int8", 0)


def test_quantize_static_and_linear(x):
    same_quantized(call("torch_quantize_static", x, 0.5, -128),
                   reference(torch.quantize_per_tensor, x, 0.5, -128, torch.qint8))
    same_quantized(call("torch_quantize_static", x, 0.1, 0, "int8"),
                   reference(torch.quantize_per_tensor, x, 0.1, 0, torch.qint8))
    same_quantized(call("torch_quantize_static", x, 0.1, 128, "uint8"),
                   reference(torch.quantize_per_tensor, x, 0.1, 128, torch.quint8))
    same_quantized(call("torch_quantize_linear", x, 0.05, 0),
                   reference(torch.quantize_per_tensor, x, 0.05, 0, torch.qint8))


def test_quantize_static_errors(x):
    raises("Error in torch_quantize_static:", "torch_quantize_static", x, 0.5, 300)
    raises("scale must be a number", "torch_quantize_static", x, "big", 0)
    raises("zero_point must be an integer", "torch_quantize_linear", x, 0.5, 0.5)
    raises("First argument must be a tensor", "torch_quantize_linear", [1.5, 2.5], 0.5, 0)


def test_quantize_per_channel(x):
    scales, zero_points = torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5]), Integers([0, 1, -1, 2, 0])
    q = call("torch_quantize_per_channel", x, scales, zero_points, 1)
    expected = reference(torch.quantize_per_channel, x, scales.double(),
                         torch.tensor([0, 1, -1, 2, 0]), 1, torch.qint8)
    same_quantized(q, expected)
    assert q.q_per_channel_axis() == 1


def test_quantize_per_channel_wrong_count_fails_like_pytorch():
    conv = torch.randn(64, 3, 3, 3)  # seed 001: 3 scales for 64 channels
    raises("Error in torch_quantize_per_channel:", "torch_quantize_per_channel", conv,
           torch.tensor([0.1, 0.12, 0.08]), torch.tensor([0, 0, 0]), 0)


@pytest.mark.parametrize("shape, factor", [((512, 768), 1.0), ((64,), 1e-3), ((300, 20), 40.0)])
def test_quantize_int8_round_trip_within_half_a_step(shape, factor):
    torch.manual_seed(1)
    t = torch.randn(*shape) * factor
    q = call("torch_quantize_int8", t)
    low, high = t.min().item(), t.max().item()
    scale = (high - low) / 255
    zero_point = max(-128, min(127, round(-128 - low / scale)))
    same_quantized(q, reference(torch.quantize_per_tensor, t, scale, zero_point, torch.qint8))
    error = (call("torch_dequantize", q) - t).abs().max().item()
    assert error <= scale / 2 + 1e-6 * max(abs(low), abs(high))


def test_quantize_int8_constant_tensor_uses_scale_one():
    q = call("torch_quantize_int8", torch.full((4,), 2.0))
    assert q.q_scale() == 1.0
    torch.testing.assert_close(q.dequantize(), torch.full((4,), 2.0))


def test_fp16_and_int8_casts(x):
    for name in ("torch_quantize_fp16", "torch_tensor_to_fp16"):
        out = call(name, x)
        assert out.dtype == torch.float16 and torch.equal(out, x.to(torch.float16))
    big = torch.tensor([1.7, -2.9, 200.0, 3.0])
    assert torch.equal(call("torch_tensor_to_int8", big), big.to(torch.int8))
    raises("First argument must be a tensor", "torch_quantize_fp16", 3)
    raises("First argument must be a tensor", "torch_tensor_to_int8", "x")


def test_dequantize(x):
    q = reference(torch.quantize_per_tensor, x, 0.1, 2, torch.qint8)
    out = call("torch_dequantize", q)
    assert out.dtype == torch.float32 and torch.equal(out, q.dequantize())
    assert torch.equal(call("torch_dequantize", x), x.dequantize())
    raises("First argument must be a tensor", "torch_dequantize", Floats([1]))


# models ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def classifier():
    """A small MLP trained on four separable Gaussian blobs, and a held-out batch."""
    torch.manual_seed(0)
    centers = torch.randn(4, 16) * 4
    def batch(n):
        labels = torch.randint(0, 4, (n,))
        return centers[labels] + torch.randn(n, 16), labels
    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        inputs, labels = batch(64)
        loss = nn.functional.cross_entropy(model(inputs), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval(), batch(128)[0]


def test_model_quantize_dynamic_matches_torch_and_keeps_argmax(classifier):
    model, inputs = classifier
    quantized = call("torch_model_quantize_dynamic", model, "qint8")
    expected = reference(tq.quantize_dynamic, model, {nn.Linear}, torch.qint8)
    with torch.no_grad():
        out = quantized(inputs)
        torch.testing.assert_close(out, expected(inputs))
        assert torch.equal(out.argmax(1), model(inputs).argmax(1))
    assert type(quantized) is type(model) and quantized is not model
    assert all(type(m) is nn.Linear for m in model if isinstance(m, nn.Linear))  # original intact
    assert sum(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in quantized) == 3


def test_model_quantize_dynamic_float16_and_default(classifier):
    model, inputs = classifier
    half = call("torch_model_quantize_dynamic", model, "float16")
    expected = reference(tq.quantize_dynamic, model, {nn.Linear}, torch.float16)
    with torch.no_grad():
        torch.testing.assert_close(half(inputs), expected(inputs))
    default = call("torch_model_quantize_dynamic", model)
    assert isinstance(default[0], torch.ao.nn.quantized.dynamic.Linear)


def test_model_quantize_dynamic_errors(classifier):
    raises("Unsupported dtype for quantization: int3", "torch_model_quantize_dynamic", classifier[0], "int3")
    raises("First argument must be a model", "torch_model_quantize_dynamic", torch.ones(2))


def test_model_quantize_static_calibrates_and_keeps_argmax(classifier):
    model, inputs = classifier
    quantized = call("torch_model_quantize_static", model, inputs[:64])
    assert type(quantized) is type(model)
    assert sum(isinstance(m, tq.QuantWrapper) for m in quantized) == 3
    assert isinstance(quantized[0].module, torch.ao.nn.quantized.Linear)
    with torch.no_grad():
        out, float_out = quantized(inputs), model(inputs)
    assert torch.equal(out.argmax(1), float_out.argmax(1))
    assert (out - float_out).abs().max() < 0.05 * float_out.abs().max()
    batches = call("torch_model_quantize_static", model, [inputs[:32], inputs[32:64]])
    assert isinstance(batches[2].module, torch.ao.nn.quantized.Linear)


def test_model_quantize_static_errors(classifier):
    raises("calibration_data must be a tensor or a list of tensors",
           "torch_model_quantize_static", classifier[0], "data")
    raises("Error in torch_model_quantize_static:", "torch_model_quantize_static",
           classifier[0], torch.randn(4, 7))
    raises("First argument must be a model", "torch_model_quantize_static", 3, torch.randn(4, 16))


# the seeds, as LispE programs --------------------------------------------------------------

def run(code):
    return Lisp().eval("(use 'lispe_torch)\n" + code)


def test_seed_000_fp16_and_int8():
    error = run("""
(setq model_weights (tensor_randn (integers 512 768)))
(setq fp16_weights (torch_quantize_fp16 model_weights))
(setq original_size (tensor_size model_weights))
(setq compressed_size (tensor_size fp16_weights))
(println "FP16 compression - Ratio:" (/ compressed_size original_size))
(setq int8_weights (torch_quantize_int8 model_weights))
(setq reconstructed (torch_dequantize int8_weights))
(setq mse_error (torch_mse_loss model_weights reconstructed))
(println "INT8 reconstruction error:" (tensor_item mse_error))
(tensor_item mse_error)""")
    assert 0 < error < 1e-3


def test_seed_000_dynamic_model_quantization(capsys):
    speedup = run("""
(setq original_model (torch_model 64 128 10))
(setq test_input (torch_randn (integers 32 64)))
(setq quantized_model (torch_model_quantize_dynamic original_model "qint8"))
(println "Model quantized for production deployment")
(setq model original_model)
(setq input_data test_input)
(setq original_time (elapse (torch_model_forward)))
(setq model quantized_model)
(setq quantized_time (elapse (torch_model_forward)))
(println "Quantized speedup:" (/ original_time quantized_time) "x")
(/ original_time quantized_time)""")
    assert speedup > 0
    assert "Quantized speedup:" in capsys.readouterr().out


def test_seed_001_quantization_examples():
    out = run("""
(setq fp32_tensor (torch_randn (integers 512 512)))
(setq quantized_int8 (torch_quantize_dynamic fp32_tensor "int8"))
(setq tensor (torch_tensor (floats 1.5 2.3 -0.8 4.2)))
(setq quantized (torch_quantize_static tensor 0.1 0 "int8"))
(setq dequantized (torch_dequantize quantized))
(setq weights (torch_randn (integers 768 512)))
(setq quantized_weights (torch_quantize_linear weights 0.05 0))
(setq fp16_activations (torch_quantize_fp16 (torch_randn (integers 4 8 16))))
(setq int8_tensor (torch_tensor_to_int8 tensor))
(setq fp16_tensor (torch_tensor_to_fp16 tensor))
(setq model (torch_linear 768 512))
(setq quantized_model (torch_model_quantize_dynamic model))
(setq model (torch_transformer_block 64 8 256))
(setq calibration_data (torch_randn (integers 100 64)))
(setq static_quantized_model (torch_model_quantize_static model calibration_data))
(list dequantized int8_tensor)""")
    torch.testing.assert_close(out[0], torch.tensor([1.5, 2.3, -0.8, 4.2]))
    assert out[1].tolist() == [1, 2, 0, 4]


def test_seed_001_production_quantization_pipeline():
    relative_error = run("""
(setq model (torch_transformer_block 96 12 384))
(setq sample_weights (torch_randn (integers 768 768)))
(setq fp16_weights (torch_quantize_fp16 sample_weights))
(setq int8_weights (torch_quantize_int8 sample_weights))
(setq reconstructed (torch_dequantize int8_weights))
(setq original_norm (torch_norm sample_weights))
(setq error_norm (torch_norm (torch_sub sample_weights reconstructed)))
(setq relative_error (/ error_norm original_norm))
(setq production_model (torch_model_quantize_dynamic model))
relative_error""")
    assert 0 < float(relative_error) < 0.02


def test_seed_002_quantization():
    restored = run("""
(setq model_weights (torch_randn (integers 1024 768)))
(setq fp16_weights (torch_quantize_fp16 model_weights))
(println "FP16 Memory usage: " (torch_numel fp16_weights) " parameters")
(setq int8_weights (torch_quantize_int8 model_weights))
(println "INT8 Memory usage: " (torch_numel int8_weights) " parameters")
(setq dynamic_quantized (torch_quantize_dynamic model_weights 1.0 0))
(setq static_quantized (torch_quantize_static model_weights 0.5 -128))
(setq restored (torch_dequantize static_quantized))
(setq my_model (torch_model 32 16 4))
(setq quantized_model (torch_model_quantize_dynamic my_model))
restored""")
    assert restored.shape == (1024, 768) and restored.dtype == torch.float32
