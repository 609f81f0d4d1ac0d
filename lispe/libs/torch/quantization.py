"""lispe_torch Quantization family (torch spec §3.14): int8 tensor quantization, fp16 casts,
and dynamic / static quantization of whole models.

Tensors are quantized with PyTorch's affine quantized dtypes (`torch.qint8`, `torch.quint8`),
per tensor or per channel; the "fp16" functions are plain dtype casts.  Models are quantized
with PyTorch's own tooling, `torch.ao.quantization`: dynamic quantization swaps every
`nn.Linear` for a dynamically quantized one (`quantize_dynamic`); static quantization wraps
every `nn.Linear` in a `QuantWrapper`, calibrates the activation observers on the given data
and converts (eager mode).  Both return a quantized *copy* of the model (same Python class,
so every function that accepted the model accepts the copy); the original is left untouched.

Weight-only int8 for inference (`Int8Linear`, used by `torch_hf_load_model` with `"dtype"
"int8"`): each linear layer keeps int8 weights with one scale per output channel (symmetric),
activations stay in floating point. torch.ao's dynamic quantization also quantizes the
activations (3-4x the error); the weight-only product is torch's own packed int8 kernel on
CPU, `torch._weight_int8pack_mm` (the one gpt-fast and torchao call there), which takes
bfloat16 activations and input widths that are multiples of 16 (it returns garbage, or
crashes, otherwise); other layers and devices multiply by the dequantized weights.

Deliberately not done here: quantization-aware training, quantizing anything but linear layers
(the linear projections inside `nn.MultiheadAttention` are read as raw weights by PyTorch and
therefore stay in float).  PyTorch's deprecation notices for these APIs are silenced while
they run (`_run_quiet`): a LispE user cannot act on them.
"""

import copy
import warnings

import torch
import torch.nn.functional as F
from torch import nn
from torch.ao import quantization as tq

from ...errors import LispError
from ...registry import builtin
from ._common import LIBRARY, check_number, check_tensor, describe, to_tensor

_QDTYPES = {"int8": torch.qint8, "qint8": torch.qint8, "uint8": torch.quint8, "quint8": torch.quint8}
_MODEL_DTYPES = {"int8": torch.qint8, "qint8": torch.qint8, "float16": torch.float16,
                 "fp16": torch.float16, "half": torch.float16}


def _run_quiet(fname, fn, *args):
    """`fn(*args)` with PyTorch's deprecation notices for quantization silenced (LispE users
    cannot act on them); backend failures become LispErrors."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"(?s).*deprecated")
        try:
            return fn(*args)
        except LispError:
            raise
        except Exception as e:  # noqa: BLE001 - PyTorch's own failure, reported as is
            raise LispError(f"Error in {fname}: {e}") from e


def _float_tensor(value, fname):
    t = check_tensor(value, fname)
    return t if t.dtype == torch.float32 else t.float()


def _zero_point(value, fname):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LispError(f"Error in {fname}: zero_point must be an integer (got {describe(value)})")
    return value


def _per_tensor(fname, tensor, scale, zero_point, dtype=torch.qint8):
    t = _float_tensor(tensor, fname)
    scale = check_number(scale, fname, "scale")
    zero_point = _zero_point(zero_point, fname)
    return _run_quiet(fname, torch.quantize_per_tensor, t, scale, zero_point, dtype)


@builtin("torch_quantize_dynamic", library=LIBRARY,
         signature="(torch_quantize_dynamic tensor dtype) | (torch_quantize_dynamic tensor scale zero_point)")
def torch_quantize_dynamic(tensor, dtype, zero_point=None):
    """Quantize a tensor to int8 with scale 1 ("int8"/"uint8"), or with a given scale and zero point."""
    fname = "torch_quantize_dynamic"
    if isinstance(dtype, (int, float)) and not isinstance(dtype, bool):
        return _per_tensor(fname, tensor, dtype, 0 if zero_point is None else zero_point)
    if not isinstance(dtype, str):
        raise LispError(f"Error in {fname}: dtype must be a string or a scale (got {describe(dtype)})")
    if zero_point is not None:
        raise LispError(f"Error in {fname}: a zero point goes with a numeric scale, not with dtype {dtype}")
    qdtype = _QDTYPES.get(dtype.lower())
    if qdtype is None:
        raise LispError(f"Error in {fname}: Unsupported dtype for quantization: {dtype}")
    return _per_tensor(fname, tensor, 1.0, 0, qdtype)


@builtin("torch_quantize_static", library=LIBRARY)
def torch_quantize_static(tensor, scale, zero_point, dtype=None):
    """Quantize a tensor with a fixed scale and zero point (dtype "int8", the default, or "uint8")."""
    qdtype = torch.quint8 if isinstance(dtype, str) and dtype.lower() in ("uint8", "quint8") else torch.qint8
    return _per_tensor("torch_quantize_static", tensor, scale, zero_point, qdtype)


@builtin("torch_quantize_linear", library=LIBRARY)
def torch_quantize_linear(tensor, scale, zero_point):
    """Quantize a tensor to qint8 with the given scale and zero point."""
    return _per_tensor("torch_quantize_linear", tensor, scale, zero_point)


@builtin("torch_quantize_per_channel", library=LIBRARY)
def torch_quantize_per_channel(tensor, scales, zero_points, axis):
    """Quantize a tensor to qint8 with one scale and zero point per slice along axis."""
    fname = "torch_quantize_per_channel"
    t = _float_tensor(tensor, fname)
    scales = to_tensor(scales, fname).to(torch.float64)
    zero_points = to_tensor(zero_points, fname).to(torch.int64)
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise LispError(f"Error in {fname}: axis must be an integer (got {describe(axis)})")
    return _run_quiet(fname, torch.quantize_per_channel, t, scales, zero_points, axis, torch.qint8)


@builtin("torch_quantize_int8", library=LIBRARY)
def torch_quantize_int8(tensor):
    """Quantize a tensor to qint8 with the scale and zero point that map its range onto -128..127."""
    fname = "torch_quantize_int8"
    t = _float_tensor(tensor, fname)
    if t.numel() == 0:
        return _per_tensor(fname, t, 1.0, 0)
    low, high = t.min().item(), t.max().item()
    scale = (high - low) / 255 or 1.0
    zero_point = max(-128, min(127, round(-128 - low / scale)))
    return _per_tensor(fname, t, scale, zero_point)


@builtin("torch_quantize_fp16", library=LIBRARY)
def torch_quantize_fp16(tensor):
    """The tensor cast to float16."""
    return _run_quiet("torch_quantize_fp16", check_tensor(tensor, "torch_quantize_fp16").to, torch.float16)


@builtin("torch_tensor_to_fp16", library=LIBRARY)
def torch_tensor_to_fp16(tensor):
    """The tensor cast to float16 (same as torch_quantize_fp16)."""
    return _run_quiet("torch_tensor_to_fp16", check_tensor(tensor, "torch_tensor_to_fp16").to, torch.float16)


@builtin("torch_tensor_to_int8", library=LIBRARY)
def torch_tensor_to_int8(tensor):
    """The tensor cast to int8 without scaling (fractions dropped, out-of-range values wrap)."""
    return _run_quiet("torch_tensor_to_int8", check_tensor(tensor, "torch_tensor_to_int8").to, torch.int8)


@builtin("torch_dequantize", library=LIBRARY)
def torch_dequantize(quantized_tensor):
    """The float32 values of a quantized tensor."""
    t = check_tensor(quantized_tensor, "torch_dequantize")
    return _run_quiet("torch_dequantize", t.dequantize)

# models ---------------------------------------------------------------------------------


def _check_module(model, fname):
    if not isinstance(model, nn.Module):
        raise LispError(f"Error: First argument must be a model (in {fname}, got {describe(model)})")
    return model


def _plain_linears(model):
    """(parent, name, layer) for every submodule of exact type nn.Linear."""
    return [(parent, name, child) for parent in model.modules()
            for name, child in parent.named_children() if type(child) is nn.Linear]


def _dynamic(model, dtype):
    quantized = tq.quantize_dynamic(model, {nn.Linear}, dtype=dtype, inplace=False)
    return quantized.train(model.training)


@builtin("torch_model_quantize_dynamic", library=LIBRARY)
def torch_model_quantize_dynamic(model, dtype=None):
    """A copy of the model whose linear layers are dynamically quantized ("qint8", default, or "float16")."""
    fname = "torch_model_quantize_dynamic"
    _check_module(model, fname)
    name = "qint8" if dtype is None else dtype
    qdtype = _MODEL_DTYPES.get(name.lower()) if isinstance(name, str) else None
    if qdtype is None:
        raise LispError(f"Error in {fname}: Unsupported dtype for quantization: {name}")
    return _run_quiet(fname, _dynamic, model, qdtype)


def _calibration_batches(data, fname):
    if isinstance(data, torch.Tensor):
        return [data]
    if isinstance(data, list) and data:
        return [to_tensor(x, fname) for x in data]
    raise LispError(f"Error in {fname}: calibration_data must be a tensor or a list of tensors "
                    f"(got {describe(data)})")


def _static(model, batches):
    quantized = copy.deepcopy(model).eval()
    qconfig = tq.get_default_qconfig(torch.backends.quantized.engine)
    for parent, name, layer in _plain_linears(quantized):
        wrapper = tq.QuantWrapper(layer)
        wrapper.qconfig = qconfig
        setattr(parent, name, wrapper)
    tq.prepare(quantized, inplace=True)
    with torch.no_grad():
        for batch in batches:
            quantized(batch)
    return tq.convert(quantized, inplace=True)


@builtin("torch_model_quantize_static", library=LIBRARY)
def torch_model_quantize_static(model, calibration_data):
    """A copy of the model whose linear layers are int8-quantized, calibrated on the given batches."""
    fname = "torch_model_quantize_static"
    _check_module(model, fname)
    return _run_quiet(fname, _static, model, _calibration_batches(calibration_data, fname))

# weight-only int8 -----------------------------------------------------------------------


class Int8Linear(nn.Module):
    """A linear layer with int8 weights and one scale per output channel (weight-only)."""

    def __init__(self, linear):
        super().__init__()
        weight = linear.weight.detach().float()
        scale = (weight.abs().amax(1).clamp(min=1e-12) / 127).to(torch.bfloat16)
        ints = torch.round(weight / scale.float()[:, None]).clamp(-128, 127)
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.register_buffer("weight", ints.to(torch.int8))
        self.register_buffer("scale", scale)
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().clone())
        self.packed = self.in_features % 16 == 0

    def forward(self, x):
        if self.packed and x.device.type == "cpu":
            flat = x.reshape(-1, self.in_features).to(torch.bfloat16)
            y = torch._weight_int8pack_mm(flat, self.weight, self.scale)
            y = y.reshape(*x.shape[:-1], self.out_features).to(x.dtype)
        else:
            y = F.linear(x, self.weight.to(x.dtype)) * self.scale.to(x.dtype)
        return y if self.bias is None else y + self.bias

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, int8 weights"


def quantize_weights_int8(model):
    """Replace every plain linear layer of `model` by an Int8Linear, in place; the model."""
    for parent, name, layer in _plain_linears(model):
        setattr(parent, name, Int8Linear(layer))
    return model
