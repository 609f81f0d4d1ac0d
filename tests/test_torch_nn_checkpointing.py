"""lispe_torch Gradient Checkpointing (torch spec §3.5): same values and gradients with the
switch on or off, activations really recomputed in the backward pass when on, printed form,
errors."""

import pytest
import torch
from torch import nn

from lispe import LispError
from lispe.libs.torch import checkpointing as ck
from lispe.printer import to_string
from lispe.values import type_name


def counting(module):
    """Count the calls of `module.forward` (hooks do not fire when checkpointing recomputes)."""
    calls = []
    original = module.forward

    def forward(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)
    module.forward = forward
    return calls


@pytest.mark.parametrize("make, data", [
    (lambda: nn.Linear(6, 4), lambda: torch.randn(3, 6, requires_grad=True)),
    (lambda: nn.MultiheadAttention(6, 2), lambda: torch.randn(4, 2, 6, requires_grad=True)),
    (lambda: nn.LayerNorm(6), lambda: torch.randn(3, 6, requires_grad=True)),
    (lambda: nn.Sequential(nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 2)),
     lambda: torch.randn(3, 6, requires_grad=True)),
])
def test_checkpointing_keeps_values_and_gradients(make, data):
    torch.manual_seed(0)
    module = make()
    wrapped = ck.torch_checkpoint_create(module)
    assert wrapped.module is module
    x = data()
    plain = ck.torch_checkpoint_forward(wrapped, x)
    plain.sum().backward()
    grads = [p.grad.clone() for p in module.parameters()]
    input_grad = x.grad.clone()
    module.zero_grad()
    x.grad = None
    calls = counting(module)
    assert ck.torch_checkpoint_enable(wrapped) is True
    checked = ck.torch_checkpoint_forward(wrapped, x)
    assert torch.allclose(checked, plain, atol=1e-6)
    checked.sum().backward()
    assert len(calls) == 2                      # recomputed during backward
    assert all(torch.allclose(g, p.grad, atol=1e-6) for g, p in zip(grads, module.parameters()))
    assert torch.allclose(x.grad, input_grad, atol=1e-6)


def test_embedding_and_disable():
    emb = nn.Embedding(5, 3)
    wrapped = ck.torch_checkpoint_create(emb)
    ids = torch.tensor([[1, 4]], dtype=torch.int16)
    assert torch.equal(ck.torch_checkpoint_forward(wrapped, ids), emb(ids.long()))
    ck.torch_checkpoint_enable(wrapped)
    assert ck.torch_checkpoint_disable(wrapped) is True and not wrapped.enabled
    calls = counting(emb)
    ck.torch_checkpoint_forward(wrapped, ids).sum().backward()
    assert len(calls) == 1


def test_print_type_and_errors():
    wrapped = ck.torch_checkpoint_create(nn.Linear(2, 2))
    assert to_string(wrapped) == "PyTorch Checkpointed Module (checkpointing disabled)"
    ck.torch_checkpoint_enable(wrapped)
    assert to_string(wrapped) == "PyTorch Checkpointed Module (checkpointing enabled)"
    assert type_name(wrapped) == "torch_checkpointed_module_"
    with pytest.raises(LispError, match="Unsupported module type for checkpointing"):
        ck.torch_checkpoint_create("linear")
    for call in (ck.torch_checkpoint_enable, ck.torch_checkpoint_disable):
        with pytest.raises(LispError, match="Argument must be a checkpointed module"):
            call(nn.Linear(2, 2))
    with pytest.raises(LispError, match="First argument must be a checkpointed module"):
        ck.torch_checkpoint_forward(nn.Linear(2, 2), torch.ones(2))
    with pytest.raises(LispError, match="Second argument must be a tensor"):
        ck.torch_checkpoint_forward(wrapped, [1, 2])
    with pytest.raises(LispError, match="Error in checkpointed forward: "):
        ck.torch_checkpoint_forward(wrapped, torch.ones(3))
