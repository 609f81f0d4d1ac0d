"""lispe_torch Device and GPU family (torch spec §3.2, DECISIONS.md 2): answers agree with
torch's own queries, absent accelerators fall back with one warning per device name, and the
CUDA paths run for real when a CUDA device is present."""

import pytest
import torch

from lispe.errors import LispError
from lispe.libs.torch import _common
from lispe.printer import to_string
from lispe.registry import load_library, lookup

load_library("lispe_torch")

CUDA = torch.cuda.is_available()
MPS = torch.backends.mps.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="needs a CUDA device")
without_accelerator = pytest.mark.skipif(CUDA or MPS, reason="needs a machine without CUDA and MPS")


def call(name, *args):
    return lookup(name).func(*args)


@pytest.fixture
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(_common, "_warned", set())


@pytest.fixture
def t():
    return torch.tensor([1.0, 2.0, 3.0])


@pytest.mark.parametrize("name, expected", [
    ("torch_cuda_is_available", CUDA), ("torch_cuda_available", CUDA),
    ("torch_mps_is_available", MPS), ("torch_mps_available", MPS),
    ("torch_cuda_device_count", torch.cuda.device_count()), ("torch_cuda_empty_cache", True),
    ("torch_get_best_device", "mps" if MPS else "cuda" if CUDA else "cpu"),
])
def test_queries(name, expected):
    assert call(name) == expected


def test_memory_figures():
    allocated, total = call("torch_cuda_memory_allocated"), call("torch_cuda_memory_total")
    if CUDA:
        free, device_total = torch.cuda.mem_get_info()
        assert total == device_total and 0 < allocated <= total
    else:
        assert (allocated, total) == (0, 0)


def test_tensor_queries(t):
    assert call("torch_device", t) == "cpu"
    assert call("torch_on_mps", t) is False
    assert [call("torch_dtype", t.to(d)) for d in (torch.float32, torch.int64, torch.bfloat16, torch.bool)] \
        == ["float32", "int64", "bfloat16", "bool"]
    for name in ("torch_device", "torch_dtype", "torch_on_mps", "torch_to_cpu", "torch_to_cuda",
                 "torch_to_mps"):
        with pytest.raises(LispError, match="must be a tensor"):
            call(name, [1.0])


def test_to_cpu_and_to_device_cpu(t):
    assert call("torch_to_cpu", t).device.type == "cpu"
    assert torch.equal(call("torch_to_device", t, "cpu"), t)
    with pytest.raises(LispError, match="unknown device:tpu"):
        call("torch_to_device", t, "tpu")
    with pytest.raises(LispError, match="must be a string"):
        call("torch_to_device", t, 3)


@without_accelerator
@pytest.mark.parametrize("name, args, device_name", [
    ("torch_to_cuda", (), "cuda"), ("torch_to_cuda", ("cuda:1",), "cuda:1"),
    ("torch_to_mps", (), "mps"), ("torch_to_device", ("cuda",), "cuda"),
    ("torch_to_device", ("mps",), "mps"),
])
def test_absent_accelerator_falls_back_with_one_warning(name, args, device_name, t, capsys,
                                                        fresh_warnings):
    first = call(name, t, *args)
    second = call(name, t, *args)
    assert first.device.type == second.device.type == "cpu" and torch.equal(first, t)
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("Warning")]
    assert warnings == [f"Warning: device '{device_name}' is not available, using 'cpu'"]


@without_accelerator
def test_absent_mps_and_cuda_answers(capsys, fresh_warnings):
    assert call("torch_mps_synchronize") is False
    assert call("torch_mps_synchronize", True) is False
    assert call("torch_set_device", 0) is True
    assert call("torch_set_device", "cuda") is True
    assert "not available" in capsys.readouterr().err


def test_set_device_errors():
    with pytest.raises(LispError, match="unknown device:tpu"):
        call("torch_set_device", "tpu")
    with pytest.raises(LispError, match="unknown device:cuda:x"):
        call("torch_set_device", "cuda:x")
    with pytest.raises(LispError, match="device must be an integer"):
        call("torch_set_device", 1.5)


@needs_cuda
def test_cuda_round_trip(t):
    on_gpu = call("torch_to_cuda", t)
    assert on_gpu.device.type == "cuda" and call("torch_device", on_gpu) == "cuda:0"
    assert torch.equal(call("torch_to_device", t, "cuda:0").cpu(), t)
    assert torch.equal(call("torch_to_cpu", on_gpu), t)
    assert call("tensor_item", call("tensor_sum", on_gpu)) == 6.0
    assert call("torch_set_device", 0) is True and torch.cuda.current_device() == 0
    with pytest.raises(LispError, match="Invalid device ID"):
        call("torch_set_device", torch.cuda.device_count())


@needs_cuda
def test_cuda_tensor_functions_match_cpu():
    torch.manual_seed(0)
    x = torch.randn(4, 5)
    gpu = call("torch_to_cuda", x)
    for name, args in [("tensor_softmax", (-1,)), ("tensor_gelu", ()), ("tensor_mean_dim", (0,)),
                       ("tensor_cumsum", (1,)), ("tensor_argmax", (1,))]:
        torch.testing.assert_close(call(name, gpu, *args).cpu(), call(name, x, *args))
    mask = call("torch_ge", gpu, 0.0)
    torch.testing.assert_close(call("torch_where", mask, gpu, 0.0).cpu(), torch.where(x >= 0, x, 0.0))
    target = call("tensor_zeros", [3, 2]).cuda()
    call("torch_index_put_", target, [1], 4.0)
    assert target[1].tolist() == [4.0, 4.0]
    probs = call("tensor_softmax", gpu, -1)
    assert call("tensor_multinomial", probs, 1, True).device.type == "cuda"
    assert to_string(gpu).splitlines()[-1] == "[ CUDAFloatType{4,5} ]"
