"""lispe_torch persistence (torch spec §3.11, DECISIONS.md 6): save/load in every documented
argument order, state dicts, checkpoints with optimizer state and epoch, and refusal of
files that would execute code when unpickled."""

import os
import pickle

import pytest
import torch
from torch import nn

from lispe import Lisp, LispError
from lispe.libs.torch import attention, encoding, model, optim
from lispe.libs.torch import persistence as ps
from lispe.printer import to_string
from lispe.values import type_name


def same_parameters(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("make", [
    lambda: model.torch_model(3, 5, 2), lambda: nn.Linear(4, 3), lambda: nn.Embedding(7, 4),
    lambda: attention.torch_multihead_attention(8, 2), lambda: nn.LayerNorm(6),
    lambda: encoding.torch_positional_encoding(6, 10), lambda: attention.torch_flash_attention_create(8, 2),
])
def test_save_then_load_in_both_orders(tmp_path, make):
    source, first, second = make(), make(), make()
    path = str(tmp_path / "m.pt")
    assert ps.torch_save_model(source, path) == "Model saved successfully"
    saved = torch.load(path, weights_only=True)
    assert all(torch.equal(saved[k], v) for k, v in source.state_dict().items())
    assert ps.torch_load_model(first, path) == "Model loaded successfully"
    assert ps.torch_load_model(path, second) == "Model loaded successfully"
    assert same_parameters(source, first) and same_parameters(source, second)
    other = str(tmp_path / "o.pt")
    ps.torch_save_model(other, source)                      # (path model) also saves
    assert torch.load(other, weights_only=True).keys() == saved.keys()


def test_load_with_path_only_rebuilds_mlp_or_state_dict(tmp_path):
    mlp = model.torch_model(4, 6, 3)
    ps.torch_save_model(mlp, str(tmp_path / "mlp.pt"))
    rebuilt = ps.torch_load_model(str(tmp_path / "mlp.pt"))
    assert isinstance(rebuilt, model.MLP) and same_parameters(mlp, rebuilt)
    x = torch.randn(2, 4)
    assert torch.equal(model.torch_forward(rebuilt, x), mlp(x))
    linear = nn.Linear(3, 2)
    ps.torch_save_model(linear, str(tmp_path / "lin.pt"))
    sd = ps.torch_load_model(str(tmp_path / "lin.pt"))
    assert isinstance(sd, ps.StateDict) and torch.equal(sd["weight"], linear.weight)
    target = nn.Linear(3, 2)
    ps.torch_load_state_dict(target, sd)
    assert same_parameters(linear, target)


def test_load_with_path_only_returns_torchscript_model(tmp_path):
    scripted = torch.jit.script(nn.Linear(3, 2))
    path = str(tmp_path / "scripted.pt")
    scripted.save(path)
    loaded = ps.torch_load_model(path)
    assert type_name(loaded) == "jit_model_"
    x = torch.randn(1, 3)
    assert torch.allclose(model.torch_forward(loaded, x), scripted(x))


def test_state_dict_copies_parameters_only():
    linear = nn.Linear(4, 2)
    sd = ps.torch_state_dict(linear)
    assert to_string(sd) == "PyTorch State Dict (2 parameters)" and type_name(sd) == "torch_state_dict_"
    assert list(sd) == ["weight", "bias"] and not sd["weight"].requires_grad
    with torch.no_grad():
        linear.weight.add_(1.0)
    assert not torch.equal(sd["weight"], linear.weight)                       # a copy
    assert len(ps.torch_state_dict(attention.torch_multihead_attention(8, 2))) == 4
    assert len(ps.torch_state_dict(encoding.torch_positional_encoding(4, 8))) == 0   # buffers excluded
    lisp = Lisp()
    assert lisp.eval('(use \'lispe_torch) (string (torch_state_dict (torch_linear 256 128)))') == \
        "PyTorch State Dict (2 parameters)"


def test_load_state_dict_matches_names_and_checks_shapes():
    source, target = model.torch_model(3, 4, 2), model.torch_model(3, 4, 2)
    assert ps.torch_load_state_dict(target, ps.torch_state_dict(source)) == "State dict loaded successfully"
    assert same_parameters(source, target)
    partial = nn.Linear(3, 4)
    entries = {"fc1.weight": partial.weight.detach(), "unknown": torch.ones(1)}
    with pytest.raises(LispError, match=r"5 missing entries \(fc1.bias, fc2.weight, fc2.bias and 2 "
                                        r"more\) and 1 unexpected entry \(unknown\)"):
        ps.torch_load_state_dict(target, entries)                 # strict by default
    assert torch.equal(target.fc1.weight, source.fc1.weight)      # nothing copied
    ps.torch_load_state_dict(target, entries, None)               # strict nil: the matching part
    assert torch.equal(target.fc1.weight, partial.weight) and torch.equal(target.fc2.weight, source.fc2.weight)
    with pytest.raises(LispError, match="Error loading state dict: size mismatch for fc1.weight"):
        ps.torch_load_state_dict(target, {"fc1.weight": torch.ones(2, 2)}, None)
    with pytest.raises(LispError, match="Second argument must be a state dict"):
        ps.torch_load_state_dict(target, "weights")
    with pytest.raises(LispError, match="First argument must be a model"):
        ps.torch_load_state_dict(42, {})


def test_checkpoint_round_trip_restores_model_optimizer_and_epoch(tmp_path):
    torch.manual_seed(0)
    mlp = model.torch_model(3, 5, 1)
    opt = optim.torch_optimizer(mlp, 0.01, "adam")
    x, y = torch.randn(4, 3), torch.randn(4, 1)
    for _ in range(3):
        opt.torch.zero_grad()
        nn.functional.mse_loss(mlp(x), y).backward()
        opt.torch.step()
    path = str(tmp_path / "ckpt.pt")
    assert ps.torch_save_checkpoint(mlp, opt, 3, path) == "Checkpoint saved successfully"
    raw = torch.load(path, weights_only=True)
    assert raw["epoch"] == 3 and raw["optimizer"]["state"][0]["step"] == 3
    ckpt = ps.torch_load_checkpoint(path)
    assert to_string(ckpt) == "PyTorch State Dict (6 parameters)"
    assert ps.torch_checkpoint_epoch(ckpt) == 3
    fresh = model.torch_model(3, 5, 1)
    fresh_opt = optim.torch_optimizer(fresh, 0.01, "adam")
    ps.torch_load_state_dict(fresh, ckpt)
    ps.torch_load_state_dict(fresh_opt, ckpt)
    assert same_parameters(mlp, fresh)
    state, fresh_state = opt.torch.state_dict(), fresh_opt.torch.state_dict()
    assert all(torch.equal(state["state"][0][k], fresh_state["state"][0][k]) for k in ("exp_avg", "exp_avg_sq"))
    ps.torch_save_model(mlp, str(tmp_path / "plain.pt"))
    plain = ps.torch_load_checkpoint(str(tmp_path / "plain.pt"))
    assert len(plain) == 6 and ps.torch_checkpoint_epoch(plain) is None
    with pytest.raises(LispError, match="holds no optimizer state"):
        ps.torch_load_state_dict(fresh_opt, plain)
    with pytest.raises(LispError, match="has no parameters yet"):
        ps.torch_load_state_dict(optim.torch_adam_optimizer(0.1), ckpt)


def test_checkpoint_of_deferred_optimizer_and_errors(tmp_path):
    layer = nn.Linear(2, 2)
    path = str(tmp_path / "c.pt")
    ps.torch_save_checkpoint(layer, optim.torch_sgd_optimizer(0.1), 1, path)
    assert torch.load(path, weights_only=True)["optimizer"] is None
    with pytest.raises(LispError, match="First argument must be a model"):
        ps.torch_save_checkpoint("m", optim.torch_sgd_optimizer(0.1), 1, path)
    with pytest.raises(LispError, match="Second argument must be an optimizer"):
        ps.torch_save_checkpoint(layer, None, 1, path)
    with pytest.raises(LispError, match="Argument must be a state dict"):
        ps.torch_checkpoint_epoch(layer)


@pytest.mark.parametrize("call, message", [
    (lambda p: ps.torch_save_model("not a module", p), "First argument must be a PyTorch module"),
    (lambda p: ps.torch_save_model(nn.Linear(1, 1), "/nonexistent/dir/x.pt"), "Error saving model: "),
    (lambda p: ps.torch_load_model(nn.Linear(1, 1), p + "missing"), "Error loading model: no such file"),
    (lambda p: ps.torch_load_model(nn.Linear(2, 2), p), "Error loading model: "),
    (lambda p: ps.torch_load_checkpoint(p + "missing"), "Error loading checkpoint: no such file"),
    (lambda p: ps.torch_state_dict(3), "Argument must be a PyTorch module"),
])
def test_documented_errors(tmp_path, call, message):
    path = str(tmp_path / "lin.pt")
    torch.save(nn.Linear(3, 3).state_dict(), path)
    with pytest.raises(LispError, match=message):
        call(path)


class Exploit:
    """Unpickling this object would run a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("writer", ["torch", "pickle"])
def test_malicious_pickle_is_refused_and_never_executed(tmp_path, writer):
    marker = tmp_path / "pwned"
    path = str(tmp_path / "evil.pt")
    if writer == "torch":
        torch.save({"model": Exploit(marker)}, path)
    else:
        with open(path, "wb") as f:
            pickle.dump(Exploit(marker), f)
    for call in (lambda: ps.torch_load_model(path), lambda: ps.torch_load_model(nn.Linear(1, 1), path),
                 lambda: ps.torch_load_model(path, nn.Linear(1, 1)), lambda: ps.torch_load_checkpoint(path)):
        with pytest.raises(LispError, match="refused"):
            call()
    with pytest.raises(LispError, match="refused"):
        Lisp().eval(f'(use \'lispe_torch) (torch_load_checkpoint "{path}")')
    assert not marker.exists()
