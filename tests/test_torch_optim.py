"""lispe_torch Optimization, Loss and Learning Rate Scheduling (torch spec §3.8, §3.10,
§3.13): optimizer steps against torch.optim on copies of the same model, the deferred and
zero-argument forms, both signatures of `torch_optimizer_add_params`, clipping, grad mode,
losses against torch.nn.functional, and the five schedules."""

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lispe import Lisp, LispError
from lispe.libs.torch import losses, model, optim, schedulers
from lispe.printer import to_string
from lispe.registry import lookup
from lispe.values import type_name


def fn(name):
    return lookup(name).func


def train_step(module, x, y):
    loss = F.mse_loss(module(x), y)
    loss.backward()
    return loss


@pytest.fixture
def mlp():
    torch.manual_seed(0)
    return model.torch_model(3, 8, 2)


# optimizers ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, reference", [
    ("adam", lambda p: torch.optim.Adam(p, lr=0.01)),
    ("sgd", lambda p: torch.optim.SGD(p, lr=0.01)),
    ("adamw", lambda p: torch.optim.AdamW(p, lr=0.01)),
])
def test_optimizer_steps_like_torch(mlp, kind, reference):
    twin = copy.deepcopy(mlp)
    ours, theirs = optim.torch_optimizer(mlp, 0.01, kind), reference(twin.parameters())
    x, y = torch.randn(4, 3), torch.randn(4, 2)
    for _ in range(3):
        assert optim.torch_optimizer_zero_grad(ours) is True
        theirs.zero_grad()
        train_step(mlp, x, y)
        train_step(twin, x, y)
        assert optim.torch_optimizer_step(ours) is True
        theirs.step()
    for a, b in zip(mlp.parameters(), twin.parameters()):
        assert torch.equal(a, b)
    assert all(p.grad is not None for p in mlp.parameters())
    optim.torch_optimizer_zero_grad(ours)
    assert all(p.grad is None for p in mlp.parameters())


def test_optimizer_object_print_type_and_errors(mlp):
    opt = optim.torch_optimizer(mlp, 0.001, "adam")
    assert to_string(opt) == "PyTorch Optimizer" and type_name(opt) == "torch_optimizer_"
    assert isinstance(opt.torch, torch.optim.Adam)
    with pytest.raises(LispError, match="Unsupported optimizer type"):
        optim.torch_optimizer(mlp, 0.001, "rmsprop")
    with pytest.raises(LispError, match="params must be a list of tensors or a module"):
        optim.torch_optimizer(42, 0.001, "adam")
    with pytest.raises(LispError, match="learning_rate must be a number"):
        optim.torch_optimizer(mlp, "fast", "adam")
    with pytest.raises(LispError, match="Error creating optimizer: "):
        optim.torch_optimizer(mlp, -1.0, "adam")
    for name in ("torch_optimizer_step", "torch_optimizer_zero_grad"):
        with pytest.raises(LispError, match="Argument must be an optimizer"):
            fn(name)(mlp)
    with pytest.raises(LispError, match="First argument must be an optimizer"):
        optim.torch_clip_grad_norm("opt", 1.0)


def test_deferred_optimizers_build_on_first_parameters(mlp):
    for name, kind in (("torch_adam_optimizer", torch.optim.Adam), ("torch_sgd_optimizer", torch.optim.SGD),
                       ("torch_adamw_optimizer", torch.optim.AdamW),
                       ("torch_adamw_optimizer_create", torch.optim.AdamW)):
        opt = fn(name)(0.05)
        assert opt.torch is None
        assert optim.torch_optimizer_step(opt) and optim.torch_optimizer_zero_grad(opt)
        assert optim.torch_clip_grad_norm(opt, 1.0) == 0.0
        assert optim.torch_optimizer_add_params(opt, mlp) is opt
        assert isinstance(opt.torch, kind) and opt.torch.param_groups[0]["lr"] == 0.05
    extra = nn.Linear(2, 2)
    optim.torch_optimizer_add_params(opt, mlp)                       # already there: ignored
    optim.torch_optimizer_add_params(opt, list(extra.parameters()))  # a second group
    assert [len(g["params"]) for g in opt.torch.param_groups] == [6, 2]
    with pytest.raises(LispError, match="All elements in params must be tensors"):
        optim.torch_optimizer_add_params(opt, [1, 2])


def test_add_params_list_form_creates_adamw(mlp):
    twin = copy.deepcopy(mlp)
    opt = optim.torch_optimizer_add_params(list(mlp.parameters()), 0.02, 0.1)
    reference = torch.optim.AdamW(twin.parameters(), lr=0.02, weight_decay=0.1)
    assert isinstance(opt.torch, torch.optim.AdamW) and opt.torch.param_groups[0]["weight_decay"] == 0.1
    x, y = torch.randn(2, 3), torch.randn(2, 2)
    train_step(mlp, x, y)
    train_step(twin, x, y)
    opt.torch.step()
    reference.step()
    assert all(torch.equal(a, b) for a, b in zip(mlp.parameters(), twin.parameters()))
    defaults = optim.torch_optimizer_add_params(list(mlp.parameters()))
    assert defaults.torch.param_groups[0]["lr"] == 0.001 and defaults.torch.param_groups[0]["weight_decay"] == 0.01
    with pytest.raises(LispError, match="params must be a list of tensors"):
        optim.torch_optimizer_add_params(3.5, 0.1, 0.0)


def test_zero_argument_optimizer_create():
    lisp = Lisp()
    opt = lisp.eval("""(use 'lispe_torch)
        (setq model (torch_model 2 4 1))
        (setq learning_rate 0.05)
        (setq optimizer (torch_optimizer_create))
        (torch_optimizer_add_params optimizer model)""")
    assert isinstance(opt.torch, torch.optim.AdamW)
    assert opt.torch.param_groups[0]["lr"] == 0.05 and len(opt.parameters()) == 6
    bare = Lisp().eval("(use 'lispe_torch) (torch_optimizer_create)")
    assert bare.torch is None and bare.kind == "adamw" and bare.lr == 0.001
    explicit = fn("torch_optimizer_create")(nn.Linear(2, 2), 0.3, "sgd")
    assert isinstance(explicit.torch, torch.optim.SGD)


def test_clip_grad_norm_like_torch(mlp):
    twin = copy.deepcopy(mlp)
    opt = optim.torch_optimizer(mlp, 0.1, "sgd")
    x, y = torch.randn(4, 3) * 10, torch.randn(4, 2)
    train_step(mlp, x, y)
    train_step(twin, x, y)
    norm = optim.torch_clip_grad_norm(opt, 0.5)
    expected = torch.nn.utils.clip_grad_norm_(twin.parameters(), 0.5)
    assert isinstance(norm, float) and math.isclose(norm, float(expected), rel_tol=1e-6)
    for a, b in zip(mlp.parameters(), twin.parameters()):
        assert torch.allclose(a.grad, b.grad)
    assert math.isclose(optim.torch_clip_grad_norm(list(mlp.parameters()), 100.0), 0.5, rel_tol=1e-4)
    assert math.isclose(optim.torch_clip_grad_norm(mlp, 100.0), 0.5, rel_tol=1e-4)


def test_set_grad_enabled():
    try:
        assert optim.torch_set_grad_enabled(None) is True and not torch.is_grad_enabled()
        w = torch.ones(2, requires_grad=True)
        assert not (w * 2).requires_grad
        Lisp().eval("(use 'lispe_torch) (torch_set_grad_enabled true)")
        assert torch.is_grad_enabled() and (w * 2).requires_grad
        Lisp().eval("(use 'lispe_torch) (torch_set_grad_enabled false)")
        assert not torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)


# losses ----------------------------------------------------------------------------------

def test_mse_loss_like_torch():
    p, t = torch.randn(3, 4), torch.randn(3, 4)
    assert torch.equal(losses.torch_mse_loss(p, t), F.mse_loss(p, t))
    row = torch.randn(4)
    assert torch.allclose(losses.torch_mse_loss(p, row), F.mse_loss(p, row.expand(3, 4)))
    assert torch.equal(losses.torch_mse_loss(p, t.double()), F.mse_loss(p, t.double()))
    with pytest.raises(LispError, match="Both arguments must be tensors"):
        losses.torch_mse_loss(p, [1.0])
    with pytest.raises(LispError, match="Error calculating MSE loss: "):
        losses.torch_mse_loss(p, torch.randn(2, 4))


def test_cross_entropy_forms():
    logits, labels = torch.randn(5, 7), torch.randint(0, 7, (5,))
    expected = F.cross_entropy(logits, labels)
    for name in ("torch_cross_entropy", "torch_crossentropy_loss", "torch_loss_crossentropy"):
        assert torch.equal(fn(name)(logits, labels), expected)
    assert torch.equal(losses.torch_cross_entropy(logits, labels.int()), expected)
    probs = torch.softmax(torch.randn(5, 7), -1)
    assert torch.equal(losses.torch_cross_entropy(logits, probs), F.cross_entropy(logits, probs))
    single = torch.tensor([2.0, 1.0, 0.1])
    assert torch.allclose(losses.torch_cross_entropy(single, torch.tensor([0])),
                          F.cross_entropy(single.unsqueeze(0), torch.tensor([0])))
    seq_logits, seq_ids = torch.randn(2, 6, 7), torch.randint(0, 7, (2, 6))   # [B, S, V], [B, S]
    assert torch.allclose(losses.torch_cross_entropy(seq_logits, seq_ids),
                          F.cross_entropy(seq_logits.reshape(-1, 7), seq_ids.reshape(-1)))
    native = torch.randn(2, 7, 6)                                              # [N, C, d]
    assert torch.equal(losses.torch_cross_entropy(native, seq_ids), F.cross_entropy(native, seq_ids))
    with pytest.raises(LispError, match="Both arguments must be tensors"):
        losses.torch_cross_entropy("x", labels)
    with pytest.raises(LispError, match="Error calculating cross-entropy loss: "):
        losses.torch_cross_entropy(logits, torch.randint(0, 7, (4,)))


def test_backward_gradients_like_autograd():
    w = torch.randn(3, requires_grad=True)
    twin = w.detach().clone().requires_grad_()
    x = torch.randn(3)
    assert losses.torch_backward((w * x).sum() ** 2) is True
    ((twin * x).sum() ** 2).backward()
    assert torch.equal(w.grad, twin.grad)
    shared = (w * 2).sum()
    losses.torch_backward(shared, True)
    losses.torch_backward(shared)           # the graph was retained
    with pytest.raises(LispError, match=r"Argument must be a tensor \(loss\)"):
        losses.torch_backward(1.0)
    with pytest.raises(LispError, match="Error in backward pass: "):
        losses.torch_backward(w * 2)


# learning-rate schedules -----------------------------------------------------------------

def scheduled(kind, config, steps, lr=0.1):
    opt = optim.torch_optimizer(nn.Linear(2, 2), lr, "sgd")
    sched = schedulers.torch_lr_scheduler(opt, kind, config)
    rates = []
    for _ in range(steps):
        schedulers.torch_scheduler_step(sched)
        rates.append(schedulers.torch_scheduler_get_lr(sched))
    assert all(g["lr"] == rates[-1] for g in opt.torch.param_groups)
    return rates


def torch_rates(make, steps, lr=0.1):
    opt = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=lr)
    sched = make(opt)
    rates = []
    for _ in range(steps):
        opt.step()
        sched.step()
        rates.append(opt.param_groups[0]["lr"])
    return rates


def test_cosine_exponential_step_match_torch_closed_forms():
    cfg = {"initial_lr": 0.1, "min_lr": 0.001, "total_steps": 20, "gamma": 0.5, "step_size": 3}
    assert scheduled("cosine", cfg, 20) == pytest.approx(torch_rates(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=0.001), 20))
    assert scheduled("exponential", cfg, 8) == pytest.approx(torch_rates(
        lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.5), 8))
    assert scheduled("step", cfg, 10) == pytest.approx(torch_rates(
        lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 10))


def test_linear_and_warmup_cosine_formulas():
    i, m, total, warm = 0.2, 0.01, 10, 4
    cfg = {"initial_lr": i, "min_lr": m, "total_steps": total, "warmup_steps": warm}
    expected_linear = [m + (i - m) * (total - t) / total for t in range(1, 13)]
    assert scheduled("linear", cfg, 12) == pytest.approx(expected_linear)      # below m after T
    expected_warm = [i * t / warm if t < warm else
                     m + (i - m) * 0.5 * (1 + math.cos(math.pi * (t - warm) / (total - warm)))
                     for t in range(1, 15)]
    assert scheduled("linear_warmup_cosine", cfg, 14) == pytest.approx(expected_warm)
    assert scheduled("cosine", {"total_steps": 0, "min_lr": 0.003}, 2) == [0.003, 0.003]


def test_scheduler_defaults_print_set_lr_and_errors():
    opt = optim.torch_adamw_optimizer(0.0002)
    sched = schedulers.torch_lr_scheduler(opt, "linear_warmup_cosine")
    assert to_string(sched) == "LR Scheduler (LinearWarmupCosine, step=0, lr=0.0002)"
    assert type_name(sched) == "torch_lrs_scheduler_"
    assert schedulers.torch_scheduler_get_lr(sched) == 0.0002       # creation changes nothing
    schedulers.torch_scheduler_step(sched)                            # deferred: rate kept
    expected = 1e-6 + (0.001 - 1e-6) * 0.5 * (1 + math.cos(math.pi / 1000))
    assert schedulers.torch_scheduler_get_lr(sched) == pytest.approx(expected)
    optim.torch_optimizer_add_params(opt, nn.Linear(2, 2))
    assert opt.torch.param_groups[0]["lr"] == pytest.approx(expected)
    assert schedulers.torch_scheduler_set_lr(sched, 0.5) is True
    assert opt.torch.param_groups[0]["lr"] == 0.5 and sched.step_count == 1
    assert to_string(sched) == "LR Scheduler (LinearWarmupCosine, step=1, lr=0.5)"
    names = {k: to_string(schedulers.torch_lr_scheduler(opt, k)).split(",")[0]
             for k in ("cosine", "exponential", "step", "linear")}
    assert names == {"cosine": "LR Scheduler (Cosine", "exponential": "LR Scheduler (Exponential",
                     "step": "LR Scheduler (Step", "linear": "LR Scheduler (Linear"}
    with pytest.raises(LispError, match="First argument must be an optimizer"):
        schedulers.torch_lr_scheduler("opt", "cosine")
    with pytest.raises(LispError, match="Unknown scheduler type: plateau"):
        schedulers.torch_lr_scheduler(opt, "plateau")
    with pytest.raises(LispError, match="Argument must be a learning rate scheduler"):
        schedulers.torch_scheduler_step(opt)
    with pytest.raises(LispError, match="Argument must be a learning rate scheduler"):
        schedulers.torch_scheduler_get_lr(opt)
    with pytest.raises(LispError, match="First argument must be a learning rate scheduler"):
        schedulers.torch_scheduler_set_lr(opt, 0.1)


def test_scheduler_from_lispe_with_config():
    lisp = Lisp()
    rate = lisp.eval("""(use 'lispe_torch)
        (setq optimizer (torch_optimizer_add_params (list (tensor_randn (integers 2))) 0.001 0.0))
        (setq scheduler (torch_lr_scheduler optimizer "step"
                           (dictionary "initial_lr" 0.4 "gamma" 0.5 "step_size" 2)))
        (loop i 5 (torch_scheduler_step scheduler))
        (torch_scheduler_get_lr scheduler)""")
    assert rate == pytest.approx(0.4 * 0.5 ** 2)
