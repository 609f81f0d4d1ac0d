"""Every function of the HF, LoRA and generation families, called with wrong arguments of
every kind, raises a LispError (never a raw Python exception)."""

import itertools

import pytest
import torch

from lispe import LispError
from lispe.libs.torch import hf
from lispe.registry import entries, import_all_libraries

FAMILIES = ("hf", "hf_inspect", "hf_lora", "hf_finetune", "generation")


def family_functions():
    import_all_libraries()
    return [e for e in entries() if e.func.__module__.rsplit(".", 1)[-1] in FAMILIES]


@pytest.fixture()
def private_registry():
    """Models registered by the calls below (any name, any path) vanish afterwards."""
    saved = dict(hf.MODELS)
    yield
    hf.MODELS.clear()
    hf.MODELS.update(saved)


@pytest.mark.parametrize("entry", family_functions(), ids=lambda e: e.name)
def test_wrong_arguments_raise_lisp_errors(entry, tiny_llama_dir, tmp_path, monkeypatch,
                                           private_registry):
    monkeypatch.chdir(tmp_path)  # save functions given a bare name write here
    model = hf.torch_hf_load_model(tiny_llama_dir)
    hf.torch_hf_load_model_lora("fuzzed", tiny_llama_dir)
    values = [None, 42, 2.5, "fuzzed", model, "ghost", [1, 2], {"rank": 1},
              torch.tensor([[1, 2]]), torch.zeros(2, 3), True]
    top = entry.max_args if entry.max_args is not None else entry.min_args + 1
    for count in range(entry.min_args, min(top, 3) + 1):
        for args in itertools.product(values, repeat=count):
            try:
                entry.func(*args)
            except LispError:
                pass
