"""Shared pytest fixtures: tiny Hugging Face checkpoints written once per session.

`tiny_llama_dir` is a 2-layer Llama (hidden 32, vocab 128) in config.json + model.safetensors
form, for every test that needs a real HF model directory; `hf_checkpoint(arch)` builds the
other architectures (see tests/hf_fixtures.py).
"""

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
