"""Fuzzing the libraries' error paths: random calls of every lispe_torch and lispe_tiktoken
function on random arguments (right and wrong kinds, huge, negative, nil, models, optimizers,
misspelt option dictionaries) return a value or raise a LispError whose message is one line,
starts with "Error", names the function called (or its alias) and no other one, and shows no
Python internals (Python type names, reprs, C++ backtraces, torch's advice, tracebacks).
Anything printed on stderr on the way is a one-line `Warning: ...`.

Left out of the vocabulary: functions that start processes or threads, load files from the
network or from disk by name (their errors are tested where they live), or wait; and, until
their modules name the function called, the few that delegate to another LispE function and
report its name (`DELEGATING`).  Warnings show as the `lispe` command shows them.
The examples are derandomized so that every run tries the same calls; to explore new ones, run
it with `derandomize=False` and `--hypothesis-seed=random`.
"""

import contextlib
import io
import re
import warnings

import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from lispe import Lisp, LispError
from lispe.cli import show_warning
from lispe.registry import REGISTRY, entries, load_library
from lispe.runtime import mangle

LEFT_OUT = re.compile(r"^torch_dist_|thread|jit_load|train_sentencepiece|hf_load|"
                      r"default_model|tiktoken_load|sleep")
DELEGATING = {
    "torch_tensor_at": "reports the core function @",
}
LEAKS = re.compile(r"NoneType|object is not|unhashable|set_int_max_str_digits|weights_only=False|"
                   r"Traceback|object at 0x|'(list|dict|str|int|float|tuple)'|c10::|"
                   r"Exception raised from|UserWarning|tensor\(\[")
NAMED = re.compile(r"\(in ([\w@]+)|Error in ([\w@]+)")


def pool(tmp):
    """The argument values, by LispE variable name."""
    values = {
        "zero": 0, "minus": -1, "three": 3, "huge": 10 ** 20, "half": 2.5, "negf": -0.5,
        "word": "x", "empty": "", "path": f"{tmp}/out.pt", "folder": f"{tmp}/dir", "nothing": None,
        "yes": True, "pair": [1, 2], "names": ["a", "b"], "matrix": torch.randn(2, 3),
        "ids": torch.tensor([1, 2]), "typo": {"max_lenght": 3, "temprature": 0.1},
    }
    return values


@pytest.fixture(scope="module")
def lisp(tmp_path_factory):
    lisp = Lisp()
    lisp.eval("(use 'lispe_torch) (use 'lispe_tiktoken)")
    lisp.eval("(setq lin (torch_linear 3 2)) (setq opt (torch_adam_optimizer 0.01)) "
              "(setq tok (torch_simple_tokenizer))")
    for name, value in pool(tmp_path_factory.mktemp("fuzz")).items():
        lisp.globals[mangle(name)] = value
    return lisp


def library_functions():
    for name in ("lispe_torch", "lispe_tiktoken"):
        load_library(name)
    return [e for e in entries() if e.library != "core" and not e.special
            and not LEFT_OUT.search(e.name) and e.name not in DELEGATING]


FUNCTIONS = library_functions()
ARGUMENTS = sorted(pool("/tmp")) + ["lin", "opt", "tok"]


@st.composite
def calls(draw):
    entry = draw(st.sampled_from(FUNCTIONS))
    high = entry.max_args if entry.max_args is not None else entry.min_args + 2
    count = draw(st.integers(entry.min_args, max(entry.min_args, high)))
    names = draw(st.lists(st.sampled_from(ARGUMENTS), min_size=count, max_size=count))
    return entry, f"({draw(st.sampled_from(entry.names))} {' '.join(names)})"


def check_message(entry, code, message):
    assert message.startswith("Error") and "\n" not in message, (code, message)
    assert not LEAKS.search(message), (code, message)
    named = {a or b for a, b in NAMED.findall(message)} & set(REGISTRY)
    assert named and named <= set(entry.names), (code, message)


@settings(max_examples=400, deadline=None, derandomize=True,   # the same calls on every run (CI)
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(calls())
def test_library_calls_fail_cleanly(lisp, call):
    entry, code = call
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.showwarning = show_warning
            lisp.eval(code)
    except LispError as e:
        check_message(entry, code, e.located())
    printed = [line for line in err.getvalue().splitlines() if line]
    assert all(line.startswith("Warning: ") and not LEAKS.search(line) for line in printed), \
        (code, printed)
