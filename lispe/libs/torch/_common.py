"""What every lispe_torch family module shares: argument checks, LispE data <-> tensor
conversion (torch spec §1.7, §1.8), device names with the fallback of DECISIONS.md 2, and the
printed form and type atom of tensors (§1.5, §1.6).
"""

import array
import contextlib
import difflib
import math
import os
import pickle
import sys
import warnings

import torch

from ...errors import LispError
from ...printer import register_printer, format_number
from ...registry import backend_message
from ...values import (Floats, Integers, Numbers, Shorts, register_type_name)

LIBRARY = "lispe_torch"

# LispE data -> tensor -------------------------------------------------------------------

_ARRAY_DTYPES = {"f": torch.float32, "d": torch.float64, "q": torch.int64, "h": torch.int16,
                 "l": torch.int64, "i": torch.int32, "b": torch.int8, "B": torch.uint8}


def _nested_to_tensor(data, fname):
    if not data:
        return torch.tensor([], dtype=torch.float32)
    if all(isinstance(x, bool) or x is None for x in data):
        return torch.tensor([x is True for x in data], dtype=torch.bool)
    if all(type(x) is int or isinstance(x, bool) for x in data):
        return torch.tensor([int(x) for x in data], dtype=torch.int64)
    if all(isinstance(x, (int, float)) for x in data):
        return torch.tensor(data, dtype=torch.float64)
    if all(isinstance(x, (list, array.array, torch.Tensor)) for x in data):
        rows = [to_tensor(x, fname) for x in data]
        if len({tuple(r.shape) for r in rows}) != 1:
            raise LispError(f"Error in {fname}: nested lists must all have the same shape")
        dtype = rows[0].dtype if len({r.dtype for r in rows}) == 1 else torch.float64
        return torch.stack([r.to(dtype) for r in rows])
    raise LispError(f"Error in {fname}: Unsupported type for tensor conversion")


def to_tensor(value, fname="tensor_create"):
    """A tensor from LispE data: typed lists without a Python loop, nested lists, numbers."""
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, array.array):
        dtype = _ARRAY_DTYPES.get(value.typecode)
        if dtype is None:
            raise LispError(f"Error in {fname}: Unsupported type for tensor conversion")
        if len(value) == 0:
            return torch.empty(0, dtype=dtype)
        return torch.frombuffer(bytearray(value), dtype=dtype)
    if isinstance(value, bool):
        return torch.tensor(value)
    if isinstance(value, int):
        return torch.tensor(value, dtype=torch.int64)
    if isinstance(value, float):
        return torch.tensor(value, dtype=torch.float64)
    if isinstance(value, list):
        return _nested_to_tensor(value, fname)
    raise LispError(f"Error in {fname}: Unsupported type for tensor conversion "
                    f"(got {describe(value)})")


def check_tensor(value, fname, what="First argument"):
    """`value` if it is a tensor, else `Error: <what> must be a tensor`."""
    if not isinstance(value, torch.Tensor):
        raise LispError(f"Error: {what} must be a tensor (in {fname}, got {describe(value)})")
    return value


def check_int(value, fname, what="argument"):
    """`value` as an int if it is an integer (not a float), else a LispE error."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, torch.Tensor) and value.dim() == 0 and not value.is_floating_point():
            return int(value)
        raise LispError(f"Error in {fname}: {what} must be an integer (got {describe(value)})")
    return int(value)


def check_number(value, fname, what="argument"):
    """`value` as a float if it is a number (or a 0-dim tensor), else a LispE error."""
    if isinstance(value, torch.Tensor) and value.dim() == 0:
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LispError(f"Error in {fname}: {what} must be a number (got {describe(value)})")
    try:
        return float(value)
    except OverflowError:
        raise LispError(f"Error in {fname}: {what} is too large (got an integer of about "
                        f"{int(value.bit_length() * math.log10(2)) + 1} digits)") from None


def int_list(value, fname, what="shape"):
    """A Python list of ints (each fitting in 64 bits) from a LispE list / typed list / tensor
    of integers."""
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, array.array, tuple)):
        raise LispError(f"Error in {fname}: {what} must be a list of integers (got {describe(value)})")
    try:
        numbers = [check_int(x, fname, what) for x in value]
    except LispError as e:
        raise LispError(f"Error in {fname}: {what} must be a list of integers ({e})") from None
    if any(abs(n) >= 2 ** 63 for n in numbers):
        raise LispError(f"Error in {fname}: {what} holds an integer beyond 64 bits")
    return numbers


def describe(value):
    """A short description of a value's kind for error messages."""
    from ...values import type_name
    return type_name(value)


def check_options(given, known, fname, what="option"):
    """`given` (a dictionary or None) if each of its keys is one of `known`, else
    `Error in <fname>: unknown <what>: kye (did you mean 'key'? known: ...)`."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise LispError(f"Error in {fname}: the {what}s must be a dictionary (got {describe(given)})")
    for key in given:
        check_choice(key, known, fname, what)
    return given


def check_choice(value, known, fname, what, lead=None):
    """`value` if it is one of the strings `known`, else `<lead>: <value> (did you mean
    '<closest>'? known: ...)`; `lead` defaults to `Error in <fname>: unknown <what>`."""
    if isinstance(value, str) and value in known:
        return value
    shown = value if isinstance(value, str) else describe(value)
    close = difflib.get_close_matches(str(value), list(known), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise LispError(f"{lead or f'Error in {fname}: unknown {what}'}: {shown} "
                    f"({hint}known: {', '.join(sorted(known))})")


def check_bounded(value, fname, what, low=None, high=None, open_low=False, integer=False,
                  prefix=None):
    """`value` as a finite number (an int if `integer`) in [low, high] (low excluded if
    `open_low`), else `<prefix>: <what> must be <the range> (got <value>)`; `prefix` defaults
    to `Error in <fname>`."""
    number = check_int(value, fname, what) if integer else check_number(value, fname, what)
    above = low is None or number > low or (number == low and not open_low)
    if not (math.isfinite(number) and above and (high is None or number <= high)):
        shown = format_number(number) if isinstance(number, float) else number
        raise LispError(f"{prefix or f'Error in {fname}'}: {what} must be "
                        f"{_range_text(low, high, open_low, integer)} (got {shown})")
    return number


def check_size(value, fname, what, prefix=None):
    """A size or a count of things to build: an integer in [1, 2^31 - 1]."""
    return check_bounded(value, fname, what, low=1, high=MAX_SIZE, integer=True, prefix=prefix)


MAX_SIZE = 2 ** 31 - 1


def _range_text(low, high, open_low, integer):
    kind = "an integer" if integer else "a number"
    if low is not None and high is not None:
        return f"{kind} in {'(' if open_low else '['}{_bound(low)}, {_bound(high)}]"
    if low is not None:
        return f"{kind} {'>' if open_low else '>='} {_bound(low)}"
    if high is not None:
        return f"{kind} <= {_bound(high)}"
    return f"a finite {kind[kind.index(' ') + 1:]}"


def _bound(x):
    return str(x) if isinstance(x, int) else format_number(x)

def check_entries(given, required, allowed, strict, prefix):
    """The names of `given` (name -> tensor) to load into `allowed` (name -> tensor), after
    the checks of a strict load (DECISIONS.md 11): something must match, shapes must agree,
    and with `strict` every `required` name must be given and every given name allowed."""
    matched = [name for name in given if name in allowed]
    check_complete([n for n in required if n not in given], [n for n in given if n not in allowed],
                   bool(matched) or not given, strict, prefix)
    for name in matched:
        if tuple(given[name].shape) != tuple(allowed[name].shape):
            raise LispError(f"{prefix}: size mismatch for {name}: {list(given[name].shape)} in "
                            f"the file, {list(allowed[name].shape)} in the model")
    return matched


def check_complete(missing, unexpected, loaded, strict, prefix):
    """Raise unless something was `loaded` and, with `strict`, nothing is `missing` or
    `unexpected`; the message lists a few names of each."""
    if not loaded:
        raise LispError(f"{prefix}: nothing to load, no entry matches the model "
                        f"({_mismatch(missing, unexpected)})")
    if strict and (missing or unexpected):
        raise LispError(f"{prefix}: {_mismatch(missing, unexpected)}; give strict nil to load "
                        "the matching entries only")


def _mismatch(missing, unexpected):
    parts = [f"{len(names)} {kind} {'entry' if len(names) == 1 else 'entries'} ({_names(names)})"
             for kind, names in (("missing", missing), ("unexpected", unexpected)) if names]
    return " and ".join(parts)


def _names(names, shown=3):
    """`a, b, c and 2 more`."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more

def read_weights(path, fname, prefix):
    """The content of a `.pt` file, read with `weights_only=True` (DECISIONS.md 6): a file
    holding anything but tensors and plain data is refused, and nothing in it runs."""
    if not isinstance(path, str):
        raise LispError(f"Error in {fname}: path must be a string (got {describe(path)})")
    if not os.path.isfile(path):
        raise LispError(f"{prefix}: no such file: {path}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise LispError(f"{prefix}: {path} holds objects other than tensors and plain data; "
                        "refused (files are read with weights_only=True)") from e
    except Exception as e:  # noqa: BLE001
        raise LispError(f"{prefix}: {path} is not a readable PyTorch file "
                        f"({backend_message(e)})") from e

# tensor -> LispE data -------------------------------------------------------------------


def from_tensor(t, fname="tensor_to_list"):
    """LispE data from a tensor (§1.8): numbers for 0-dim, typed lists for 1-D, nested lists."""
    t = t.detach().cpu()
    if t.dim() == 0:
        return t.item()
    if t.dtype in (torch.float32, torch.bfloat16, torch.float16):
        kind, t = Floats, t.to(torch.float32)
    elif t.dtype == torch.float64:
        kind = Numbers
    elif t.dtype in (torch.int64, torch.int32, torch.uint8, torch.bool):
        kind, t = Integers, t.to(torch.int64)
    elif t.dtype in (torch.int16, torch.int8):
        kind, t = Shorts, t.to(torch.int16)
    else:
        raise LispError(f"Error in {fname}: Unsupported tensor dtype {t.dtype}")
    if t.dim() == 1:
        return kind.from_array(t.contiguous().numpy().tobytes())
    return [from_tensor(row, fname) for row in t]

# devices --------------------------------------------------------------------------------

_warned = set()


def best_device():
    """cuda if present, else mps if present, else cpu."""
    if torch.cuda.is_available():
        return torch.device("cuda:0")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_device(name, fname="torch_to_device"):
    """A torch.device for a LispE device name; absent accelerators fall back (DECISIONS.md 2)."""
    if isinstance(name, torch.device):
        return name
    if not isinstance(name, str):
        raise LispError(f"Error in {fname}: device must be a string (got {describe(name)})")
    text = name.strip().lower()
    if text == "cpu":
        return torch.device("cpu")
    if text == "mps" or text == "cuda" or text.startswith("cuda:"):
        available = (torch.cuda.is_available() if text.startswith("cuda")
                     else bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available())
        if text.startswith("cuda:") and available:
            try:
                index = int(text[5:])
            except ValueError:
                raise LispError(f"Error: unknown device:{name}") from None
            if index < torch.cuda.device_count():
                return torch.device(text)
            available = False
        if available:
            return torch.device("cuda:0" if text == "cuda" else text)
        fallback = best_device()
        if name not in _warned:
            _warned.add(name)
            print(f"Warning: device '{name}' is not available, using '{fallback}'", file=sys.stderr)
        return fallback
    raise LispError(f"Error: unknown device:{name}")

# printed form and type ------------------------------------------------------------------

_SCALAR_NAMES = {
    torch.float32: "FloatType", torch.float64: "DoubleType", torch.int64: "LongType",
    torch.int32: "IntType", torch.int16: "ShortType", torch.int8: "CharType",
    torch.uint8: "ByteType", torch.bool: "BoolType", torch.float16: "HalfType",
    torch.bfloat16: "BFloat16Type",
}


def _element_text(x, integral):
    if isinstance(x, bool):
        return "1" if x else "0"
    if integral:
        return str(int(x))
    return f"{x:.4f}" if abs(x) >= 1e-4 and abs(x) < 1e6 else format_number(x)


def _rows(t, integral):
    if t.dim() == 1:
        return [" " + _element_text(x, integral) for x in t.tolist()]
    if t.dim() == 2:
        return [" " + " ".join(_element_text(x, integral) for x in row) for row in t.tolist()]
    lines = []
    for i, sub in enumerate(t):
        lines.append(f"({i},.,.) = ")
        lines.extend(_rows(sub, integral))
        lines.append("")
    return lines


def tensor_text(t):
    """The printed form of a tensor: rows, then a trailer `[ CPUFloatType{2,3} ]` (§1.6)."""
    t = t.detach()
    backend = {"cpu": "CPU", "cuda": "CUDA", "mps": "MPS"}.get(t.device.type, t.device.type.upper())
    scalar = _SCALAR_NAMES.get(t.dtype, str(t.dtype).replace("torch.", "") + "Type")
    trailer = f"[ {backend}{scalar}{{{','.join(str(d) for d in t.shape)}}} ]"
    if t.is_quantized:
        t = t.dequantize()
    cpu = t.cpu()
    integral = not (cpu.is_floating_point() or cpu.is_complex()) or bool(
        cpu.numel() and torch.all(cpu == cpu.round()))
    if cpu.dim() == 0:
        return _element_text(cpu.item(), integral) + "\n" + trailer
    return "\n".join(_rows(cpu, integral) + [trailer])


register_printer(torch.Tensor, tensor_text)
register_type_name(torch.Tensor, "torch_tensor_")


def diagnose(fname, error, values=(), what="Argument must be a tensor"):
    """The LispError for a torch call that raised `error`.

    Hot functions call torch first and only come here when it fails: if one of `values` is not
    a tensor the message is `Error: <what> (in <fname>, got <type>)`, else the backend's text
    prefixed with `Error in <fname>: `.
    """
    for value in values:
        if not isinstance(value, torch.Tensor):
            return LispError(f"Error: {what} (in {fname}, got {describe(value)})")
    return LispError(f"Error in {fname}: {backend_message(error)}")


def register_unary(name, op, doc, aliases=()):
    """Register `op(tensor)` as the LispE function `name`: one torch call, diagnosed on failure."""
    from ...registry import builtin

    def apply(tensor):
        try:
            return op(tensor)
        except Exception as e:  # noqa: BLE001 - diagnosed after the fact, off the hot path
            raise diagnose(name, e, (tensor,)) from e
    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = doc
    return builtin(name, library=LIBRARY, aliases=aliases)(apply)


def diagnose_dim(fname, error, tensor, *dims):
    """`diagnose` for a call `(fname tensor dim...)`: names a non-tensor, then a non-integer dim."""
    if not isinstance(tensor, torch.Tensor):
        return diagnose(fname, error, (tensor,), "First argument must be a tensor")
    for dim in dims:
        if isinstance(dim, bool) or not isinstance(dim, int):
            return LispError(f"Error: dim must be an integer (in {fname}, got {describe(dim)})")
    return diagnose(fname, error)


@contextlib.contextmanager
def backend_errors(prefix):
    """Context: an exception from the backend becomes `LispError("<prefix>: <message>")`, for
    the functions whose spec names its own prefix (`Error in LoRA forward pass`, ...)."""
    try:
        yield
    except LispError:
        raise
    except RecursionError:
        raise
    except Exception as e:  # noqa: BLE001 - the backend's own failure, reported as is
        raise LispError(f"{prefix}: {backend_message(e)}") from e
