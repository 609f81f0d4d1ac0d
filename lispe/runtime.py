"""Helpers shared by compiled LispE code and by library functions.

- `mangle(name)`: the Python identifier that holds the LispE variable `name`.
- `caller_var(name)`: the value of a LispE variable in the calling LispE code (used by the
  zero-argument forms of torch spec §1.2, e.g. `(torch_model_create)`).
- `to_callable(f)`: a Python callable for a LispE function value: a lambda, a `defun`, a
  builtin, or a quoted name such as `'+` or `'my-function`.
"""

import sys

from .errors import LispError
from .registry import lookup

LISPE_FILE_PREFIX = "<lispe>"  # compiled code objects have filenames starting with this


def mangle(name):
    """An injective map from LispE names to Python identifiers: `model-path` -> `v_model_2dxpath`."""
    out = ["v_"]
    for c in name:
        if c.isascii() and c.isalnum():
            out.append(c)
        elif c == "_":
            out.append("__")
        else:
            out.append(f"_{ord(c):x}x")
    return "".join(out)


def is_lispe_code(code):
    """True for code objects compiled from LispE source."""
    return code.co_filename.startswith(LISPE_FILE_PREFIX)


def caller_var(name):
    """The value of LispE variable `name` seen from the innermost running LispE code.

    Looks in that code's locals, then its globals; raises `Error: missing argument <name>`.
    """
    key = mangle(name)
    frame = sys._getframe(1)
    while frame is not None and not is_lispe_code(frame.f_code):
        frame = frame.f_back
    if frame is not None:
        if key in frame.f_locals:
            return frame.f_locals[key]
        if key in frame.f_globals:
            return frame.f_globals[key]
    raise LispError(f"Error: missing argument {name}")


def to_callable(f, globals_=None):
    """A Python callable for the LispE function value `f`."""
    if callable(f):
        return f
    if isinstance(f, str):
        if globals_ is None:
            frame = sys._getframe(1)
            while frame is not None and not is_lispe_code(frame.f_code):
                frame = frame.f_back
            globals_ = frame.f_globals if frame is not None else {}
        value = globals_.get(mangle(f))
        if callable(value):
            return value
        entry = lookup(str(f))
        if entry is not None and not entry.special:
            return entry.func
        raise LispError(f"Error: unknown function: '{f}'")
    raise LispError(f"Error: not a function: {f!r}")
