"""The run-time helpers: what compiled LispE code calls, and what library functions share.

- `helpers(interp)`: the `_rt_*` names that compiled code finds in the interpreter's globals
  (the compiler writes calls to them, the interpreter installs them: this is their one home).
- `mangle(name)`: the Python identifier that holds the LispE variable `name`.
- `caller_var(name)`: the value of a LispE variable in the calling LispE code (used by the
  zero-argument forms of torch spec §1.2, e.g. `(torch_model_create)`).
- `to_callable(f)`: a Python callable for a LispE function value: a lambda, a `defun`, a
  builtin, or a quoted name such as `'+` or `'my-function`.
"""

import array
import copy
import itertools
import sys
import time

from .errors import LispError
from .registry import lookup
from .patterns import FAILED
from .values import DictI, DictN, EMPTY, LispSet, protocol

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
        raise LispError(f"Error: Unbound atom: '{f}'")
    if isinstance(f, list):
        from .builtins.functional import quoted_function
        return quoted_function(f)
    from .printer import to_string
    raise LispError(f"Error: not a function: {to_string(f)}")


MISSING = object()   # an optional parameter that was not given
UNSET = object()     # a local whose setq has not run yet (reads fall back to the outer lookup)


def helpers(interp):
    """The `_rt_*` globals of compiled code, for the interpreter `interp`."""
    from .builtins import threads
    from .classes import Instance, LispClass
    return {
        "_rt_G": interp.globals, "_rt_NUM": frozenset((int, float)), "_rt_MISSING": MISSING,
        "_rt_UNSET": UNSET, "_rt_Instance": Instance, "_rt_LispClass": LispClass,
        "_rt_LispError": LispError, "_rt_copy": copy.deepcopy,
        "_rt_iter": iterate, "_rt_count": count, "_rt_dict": make_dict,
        "_rt_nil_default": lambda this: None,
        "_rt_nil_if_empty": lambda v: None if v is EMPTY else v,
        "_rt_send_as": lambda obj, cls, name, *a: check_instance(obj).send_as(cls, name, *a),
        "_rt_field": interp.field, "_rt_global": interp.global_value,
        "_rt_set_field_or_global": interp.set_field_or_global, "_rt_restore": interp.restore,
        "_rt_as_error": interp.as_error,
        "_rt_now_ms": lambda: time.perf_counter() * 1000.0,
        "_rt_use": interp.use, "_rt_load": interp.load, "_rt_eval": interp.eval_value,
        "_rt_EMPTY": EMPTY, "_rt_FAILED": FAILED, "_rt_pattern_family": interp.pattern_family,
        "_rt_data_type": interp.data_type, "_rt_text": text_of, "_rt_callable": to_callable, "_rt_unpack": unpack, "_rt_fast": {},
        "_rt_thread_function": thread_function, "_rt_enter_threadspace": threads.enter_threadspace,
        "_rt_leave_threadspace": threads.leave_threadspace, "_rt_set_shared": threads.set_shared,
        "_rt_shared_value": threads.shared_value, "_rt_lock_for": threads.lock_for,
        "_rt_space_open": interp.space_open, "_rt_space_close": interp.space_close,
        "_rt_space_enter": interp.space_enter, "_rt_space_leave": interp.space_leave,
    }


def thread_function(name, function):
    """The value of a `dethread` name: calling it runs `function` in a new thread."""
    from .builtins import threads

    def start(*args):
        return threads.start_thread(function, args)
    start.lispe_name = name
    start.lispe_kind = "thread_"
    start.lispe_source = getattr(function, "lispe_source", name)
    return start


def unpack(value, count):
    """The values `(setq (a b ...) value)` binds: a list of exactly `count` elements."""
    if not isinstance(value, (list, array.array)) or len(value) != count:
        raise LispError("Error: a list of variable should have the same size as its value.")
    return list(value)


def text_of(value):
    """A value as LispE source text (strings as they are, other values printed)."""
    from .printer import to_string
    return value if type(value) is str else to_string(value)


def check_instance(obj):
    from .classes import Instance
    if not isinstance(obj, Instance):
        raise LispError("Error: mismatch between class instance and class definition")
    return obj


def iterate(value):
    """What `loop` iterates over (DECISIONS.md 1: an integer n gives 0..n-1, true loops forever)."""
    t = type(value)
    if t is list or t is str:
        return value
    if value is True:
        return itertools.count()
    if t is int:
        return range(value)
    if value is None or value is False:
        return ()
    if isinstance(value, dict):
        try:
            return sorted(value)
        except TypeError:
            return list(value)
    if isinstance(value, LispSet):
        return sorted(value)
    fn = protocol("iter", value)
    if fn is not None:
        return fn(value)
    if hasattr(value, "__iter__"):
        return value
    return ()


def count(n):
    """What `loopcount` counts over."""
    try:
        n = int(n)
    except (TypeError, ValueError):
        raise LispError(f"Error: loopcount needs an integer count, got '{n}'") from None
    return range(abs(n))


def make_dict(items):
    """A dictionary literal: its kind follows the type of the first key (spec §2.8)."""
    keys = items[0::2]
    kind = dict
    if keys and type(keys[0]) is int:
        kind = DictI
    elif keys and type(keys[0]) is float:
        kind = DictN
    if kind is dict:
        from .printer import to_string
        return {k if type(k) is str else to_string(k): v for k, v in zip(keys, items[1::2])}
    return kind(zip(keys, items[1::2]))
