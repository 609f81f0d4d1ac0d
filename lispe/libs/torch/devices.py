"""lispe_torch, Device and GPU (torch spec §3.2): what accelerators exist, moving tensors
between devices, CUDA memory figures.

A request for an accelerator that is not present (`torch_to_cuda`, `torch_to_mps`,
`torch_to_device` with "cuda"/"mps", `torch_set_device`) falls back to the best available
device with one warning line per device name (DECISIONS.md 2, `_common.resolve_device`); it
never aborts.  Device names are resolved only by `_common.resolve_device`.
"""

import torch

from ...errors import LispError
from ...registry import builtin
from ._common import LIBRARY, check_int, check_tensor, resolve_device

_mps_safemode = False  # set by (torch_mps_synchronize flag): synchronise before leaving MPS


def _mps_available():
    return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()


@builtin("torch_cuda_is_available", library=LIBRARY, aliases=("torch_cuda_available",))
def torch_cuda_is_available():
    """True when a CUDA device is present."""
    return torch.cuda.is_available()


@builtin("torch_cuda_device_count", library=LIBRARY)
def torch_cuda_device_count():
    """The number of CUDA devices (0 without CUDA)."""
    return torch.cuda.device_count()


@builtin("torch_cuda_empty_cache", library=LIBRARY)
def torch_cuda_empty_cache():
    """Release cached CUDA memory when CUDA is present; returns true."""
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return True


def _cuda_memory():
    if not torch.cuda.is_available():
        return 0, 0
    try:
        return torch.cuda.mem_get_info()
    except Exception as e:  # noqa: BLE001 - driver failure, reported with its text
        raise LispError(f"Error: Failed to get CUDA memory info: {e}") from e


@builtin("torch_cuda_memory_allocated", library=LIBRARY)
def torch_cuda_memory_allocated():
    """Bytes in use on the current CUDA device, all processes (total - free); 0 without CUDA."""
    free, total = _cuda_memory()
    return total - free


@builtin("torch_cuda_memory_total", library=LIBRARY)
def torch_cuda_memory_total():
    """Total bytes of memory of the current CUDA device; 0 without CUDA."""
    return _cuda_memory()[1]


@builtin("torch_get_best_device", library=LIBRARY)
def torch_get_best_device():
    """"mps" if present, else "cuda" if present, else "cpu"."""
    if _mps_available():
        return "mps"
    return "cuda" if torch.cuda.is_available() else "cpu"


@builtin("torch_mps_is_available", library=LIBRARY, aliases=("torch_mps_available",))
def torch_mps_is_available():
    """True when Apple's MPS device is present."""
    return _mps_available()


@builtin("torch_mps_synchronize", library=LIBRARY)
def torch_mps_synchronize(safemode=None):
    """Wait for queued MPS work (true), or set MPS safe mode when given a flag; false without MPS."""
    global _mps_safemode
    if not _mps_available():
        return False
    if safemode is not None:
        _mps_safemode = bool(safemode)
        return True
    try:
        torch.mps.synchronize()
    except Exception as e:  # noqa: BLE001 - backend failure, reported with its text
        raise LispError(f"Error synchronizing MPS: {e}") from e
    return True


@builtin("torch_on_mps", library=LIBRARY)
def torch_on_mps(tensor):
    """True when the tensor lives on the MPS device."""
    check_tensor(tensor, "torch_on_mps")
    return tensor.device.type == "mps"


@builtin("torch_set_device", library=LIBRARY)
def torch_set_device(device):
    """Make CUDA device N (an integer, "cuda" or "cuda:N") the current one; returns true."""
    if isinstance(device, str):
        name = device.strip().lower()
        if name != "cuda" and not name.startswith("cuda:"):
            raise LispError(f"Error: unknown device:{device}")
        index = 0 if name == "cuda" else check_int(_index(name, device), "torch_set_device", "device")
    else:
        index = check_int(device, "torch_set_device", "device")
    if torch.cuda.is_available() and not 0 <= index < torch.cuda.device_count():
        raise LispError(f"Error: Invalid device ID {index} (in torch_set_device)")
    target = resolve_device(f"cuda:{index}", "torch_set_device")
    if target.type == "cuda":
        try:
            torch.cuda.set_device(target)
        except Exception as e:  # noqa: BLE001 - backend failure, reported with its text
            raise LispError(f"Error setting CUDA device: {e}") from e
    return True


def _index(name, device):
    try:
        return int(name[5:])
    except ValueError:
        raise LispError(f"Error: unknown device:{device}") from None


def _move(tensor, target, fname):
    check_tensor(tensor, fname, "Argument")
    if _mps_safemode and tensor.device.type == "mps" and target.type != "mps":
        torch.mps.synchronize()
    try:
        return tensor.to(target)
    except Exception as e:  # noqa: BLE001 - backend failure, reported with its text
        raise LispError(f"Error in {fname}: moving tensor to {target}: {e}") from e


@builtin("torch_to_cpu", library=LIBRARY)
def torch_to_cpu(tensor):
    """The tensor on the CPU."""
    return _move(tensor, torch.device("cpu"), "torch_to_cpu")


@builtin("torch_to_cuda", library=LIBRARY)
def torch_to_cuda(tensor, device=None):
    """The tensor on CUDA (or the named device); falls back with a warning when absent."""
    check_tensor(tensor, "torch_to_cuda", "Argument")
    return _move(tensor, resolve_device("cuda" if device is None else device, "torch_to_cuda"),
                 "torch_to_cuda")


@builtin("torch_to_mps", library=LIBRARY)
def torch_to_mps(tensor):
    """The tensor on Apple's MPS device; falls back with a warning when absent."""
    check_tensor(tensor, "torch_to_mps", "Argument")
    return _move(tensor, resolve_device("mps", "torch_to_mps"), "torch_to_mps")


@builtin("torch_to_device", library=LIBRARY)
def torch_to_device(tensor, device):
    """The tensor on the named device ("cpu", "cuda", "cuda:N", "mps"); absent ones fall back."""
    check_tensor(tensor, "torch_to_device", "Argument")
    return _move(tensor, resolve_device(device, "torch_to_device"), "torch_to_device")


@builtin("torch_device", library=LIBRARY)
def torch_device(tensor):
    """The device a tensor lives on, in torch notation ("cpu", "cuda:0", "mps:0")."""
    check_tensor(tensor, "torch_device", "Argument")
    return str(tensor.device)


@builtin("torch_dtype", library=LIBRARY)
def torch_dtype(tensor):
    """The dtype of a tensor without the torch. prefix ("float32", "int64", ...)."""
    check_tensor(tensor, "torch_dtype", "Argument")
    return str(tensor.dtype).removeprefix("torch.")
