"""Shared pytest fixtures: tiny Hugging Face checkpoints written once per session, and the
`lispe` command run in this process.

`tiny_llama_dir` is a 2-layer Llama (hidden 32, vocab 128) in config.json + model.safetensors
form, for every test that needs a real HF model directory; `hf_checkpoint(arch)` builds the
other architectures (see tests/hf_fixtures.py).

`lispe_command(*args, stdin="", cwd=None, env=None)` runs `lispe args...` as the command does
(`lispe.cli.main`), without starting a process (a process costs 1 to 3 s of start-up, most of
it importing torch): standard input, output and error are redirected, `cwd` and `env` apply
during the run.  It returns a `subprocess.CompletedProcess`.  A few tests in test_cli.py and
test_examples.py still start the real command, as smoke tests of the command itself.
"""

import contextlib
import io
import subprocess
import sys
import threading

import pytest

from hf_fixtures import build_checkpoint


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory):
    """A tiny Llama checkpoint directory (config.json + model.safetensors), as a string."""
    return build_checkpoint(tmp_path_factory.mktemp("tiny_llama"), "llama")


@pytest.fixture(scope="session")
def hf_checkpoint(tmp_path_factory):
    """`hf_checkpoint(arch, **options)`: a tiny checkpoint directory, built once per options."""
    built = {}

    def make(arch="llama", **options):
        key = (arch, tuple(sorted(options.items())))
        if key not in built:
            built[key] = build_checkpoint(tmp_path_factory.mktemp(arch), arch, **options)
        return built[key]

    return make


@pytest.fixture(autouse=True)
def fresh_torch_state():
    """Every test starts with gradients enabled and one torch thread (several tests share the
    2 cores; `torch_set_grad_enabled` in one test must not leak into the next)."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.set_grad_enabled(True)
    yield
    torch.set_grad_enabled(True)
    torch.set_num_threads(threads)


@pytest.fixture
def lispe_command(monkeypatch):
    """`lispe_command(*args, stdin="", cwd=None, env=None)`: `lispe args...` run in this
    process; a CompletedProcess with returncode, stdout and stderr."""
    from lispe.cli import main

    def run(*args, stdin="", cwd=None, env=None):
        with monkeypatch.context() as patch:
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            if cwd is not None:
                patch.chdir(cwd)
            patch.setattr(sys, "stdin", io.StringIO(stdin))
            out, err = io.StringIO(), io.StringIO()
            limit, stack = sys.getrecursionlimit(), threading.stack_size()
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    try:
                        status = main([str(a) for a in args])
                    except SystemExit as e:  # argparse's --help, --version and usage errors
                        status = e.code if isinstance(e.code, int) else int(e.code is not None)
            finally:
                sys.setrecursionlimit(limit)
                threading.stack_size(stack)
        return subprocess.CompletedProcess(["lispe", *args], status, out.getvalue(), err.getvalue())

    return run
