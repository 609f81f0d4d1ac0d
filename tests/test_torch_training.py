"""Training from LispE, end to end: the seeds' MLP example (001 "Example 1") and Transformer
example (001 "Example 2") run unchanged and their loss decreases; a checkpoint saved in the
middle of training and loaded into fresh objects continues with exactly the losses of the
uninterrupted run. The seed programs are read from ../shared/seeds, not copied."""

import re
from pathlib import Path

import pytest
import torch

from lispe import Lisp


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One intra-op thread: on a loaded 2-core machine torch's thread pool spins and these
    whole-program tests get several times slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
S1 = "001_961fca893dc73678.txt"


def seed_block(filename, heading, index=0):
    """The `index`-th ```lisp block after the first line starting with `heading`."""
    text = (SEEDS / filename).read_text(encoding="utf-8")
    start = re.search("^" + re.escape(heading), text, re.M).start()
    return re.findall(r"```lisp\n(.*?)```", text[start:], re.S)[index]


def run(program, capsys):
    """Run a LispE program in a fresh interpreter; its standard output."""
    torch.manual_seed(0)
    Lisp().eval(program)
    return capsys.readouterr().out


def losses(output):
    return [float(x) for x in re.findall(r"Loss:\s+(\S+)", output)]


def test_seed_mlp_example_trains(capsys):
    out = run(seed_block(S1, "### Example 1: Simple MLP Training"), capsys)
    values = losses(out)
    assert len(values) == 10 and "Training completed!" in out
    assert values[-1] < values[0] / 100
    assert "Final predictions:" in out


def test_seed_transformer_example_trains(capsys):
    out = run(seed_block(S1, "### Example 2: Transformer Training with Tokenization"), capsys)
    values = losses(out)
    assert len(values) == 10 and "Transformer training completed!" in out
    assert values[-1] < values[0] / 2


RESUME = """
(use 'lispe_torch)
(torch_manual_seed 1)
(setq inputs (tensor_randn (integers 16 4)))
(setq targets (tensor_randn (integers 16 2)))

(defun train (model optimizer from to)
    (setq seen (list))
    (loop epoch (range from to 1)
        (setq loss (torch_mse_loss (torch_forward model inputs) targets))
        (torch_optimizer_zero_grad optimizer)
        (torch_backward loss)
        (torch_optimizer_step optimizer)
        (push seen (tensor_item loss))
        (if (= epoch 29) (torch_save_checkpoint model optimizer (+ epoch 1) checkpoint_path)))
    seen)
"""


def test_checkpoint_resume_gives_identical_losses(tmp_path):
    path = str(tmp_path / "mid.pt").replace("\\", "/")
    lisp = Lisp()
    lisp.eval(RESUME + f'(setq checkpoint_path "{path}")')
    full = lisp.eval("""
        (torch_manual_seed 7)
        (setq model (torch_model 4 16 2))
        (setq optimizer (torch_optimizer model 0.01 "adam"))
        (train model optimizer 0 60)""")
    assert full[-1] < full[0]
    fresh = Lisp()
    fresh.eval(RESUME + f'(setq checkpoint_path "{tmp_path / "again.pt"}")')
    resumed = fresh.eval(f"""
        (setq model (torch_model 4 16 2))
        (setq optimizer (torch_optimizer model 0.01 "adam"))
        (setq checkpoint (torch_load_checkpoint "{path}"))
        (torch_load_state_dict model checkpoint)
        (torch_load_state_dict optimizer checkpoint)
        (train model optimizer (torch_checkpoint_epoch checkpoint) 60)""")
    assert fresh.eval("(torch_checkpoint_epoch checkpoint)") == 30
    assert list(resumed) == list(full[30:])


def test_training_with_scheduler_clipping_and_validation(capsys):
    out = run("""
        (use 'lispe_torch)
        (setq inputs (tensor_randn (integers 32 3)))
        (setq targets (tensor_reshape (tensor_mean_dim (tensor_mul inputs inputs) 1) (integers 32 1)))
        (setq model (torch_model 3 16 1))
        (setq optimizer (torch_adamw_optimizer_create 0.01))
        (torch_optimizer_add_params optimizer model)
        (setq scheduler (torch_lr_scheduler optimizer "linear_warmup_cosine"
            (dictionary "initial_lr" 0.01 "min_lr" 0.0001 "total_steps" 200 "warmup_steps" 10)))
        (defun validate ()
            (torch_set_grad_enabled false)
            (setq value (tensor_item (torch_mse_loss (torch_forward model inputs) targets)))
            (torch_set_grad_enabled true)
            value)
        (setq first (validate))
        (loop step 200
            (setq loss (torch_mse_loss (torch_forward model inputs) targets))
            (torch_optimizer_zero_grad optimizer)
            (torch_backward loss)
            (torch_clip_grad_norm optimizer 1.0)
            (torch_optimizer_step optimizer)
            (torch_scheduler_step scheduler))
        (println "first" first "last" (validate) "lr" (torch_scheduler_get_lr scheduler))
        """, capsys)
    first, last, lr = (float(x) for x in re.findall(r"first (\S+) last (\S+) lr (\S+)", out)[0])
    assert last < first / 5
    assert lr == pytest.approx(0.0001)
