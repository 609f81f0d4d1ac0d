"""Benchmark: the seeds' MLP training loop (001 "Example 1", 1000 epochs) in LispE against
the same loop written in Python with torch.

    python bench/bench_training.py [--epochs 1000] [--repeat 5] [--threads 1]

Both runs build the same 4-64-64-2 MLP with the same seed, train it with Adam (lr 0.001)
on the same data, and print the loss every 100 epochs (to a discarded buffer). Each figure
is the best of `--repeat` runs of process CPU time, with torch limited to `--threads` threads
so that other load on the machine does not distort the comparison. Target ratio <= 1.2.
"""

import argparse
import contextlib
import io
import pathlib
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from lispe import Lisp  # noqa: E402

LISPE_LOOP = """
(setq input_data (torch_tensor (floats 1.0 2.0 3.0 4.0)))
(setq targets (torch_tensor (floats 0.5 1.5)))
(setq model (torch_model 4 64 2))
(setq optimizer (torch_optimizer model 0.001 "adam"))
(loop epoch (range 0 EPOCHS 1)
    (setq predictions (torch_forward model input_data))
    (setq loss (torch_mse_loss predictions targets))
    (torch_optimizer_zero_grad optimizer)
    (torch_backward loss)
    (torch_optimizer_step optimizer)
    (if (= (% epoch 100) 0)
        (println "Epoch:" epoch "Loss:" loss)))
(tensor_item loss)
"""


class MLP(nn.Module):
    """What a Python user writes for `(torch_model 4 64 2)`."""

    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, hidden_size)
        self.fc3 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def python_loop(epochs):
    input_data = torch.tensor([1.0, 2.0, 3.0, 4.0])
    targets = torch.tensor([0.5, 1.5])
    model = MLP(4, 64, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    for epoch in range(0, epochs, 1):
        predictions = model(input_data)
        loss = F.mse_loss(predictions, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % 100 == 0:
            print("Epoch:", epoch, "Loss:", loss)
    return loss.item()


def timed(run, repeat):
    """Best process CPU time of `repeat` runs (output discarded) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        torch.manual_seed(0)
        with contextlib.redirect_stdout(io.StringIO()):
            start = time.process_time()
            result = run()
            best = min(best, time.process_time() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    lisp = Lisp()
    lisp.eval("(use 'lispe_torch)")
    program = LISPE_LOOP.replace("EPOCHS", str(args.epochs))
    lispe_time, lispe_loss = timed(lambda: lisp.eval(program), args.repeat)
    python_time, python_loss = timed(lambda: python_loop(args.epochs), args.repeat)
    assert abs(lispe_loss - python_loss) <= 1e-6 * max(1.0, abs(python_loss)), (lispe_loss, python_loss)
    print(f"001 Example 1 training loop, {args.epochs} epochs, torch threads {args.threads}, "
          f"best of {args.repeat} (CPU time)")
    print(f"{'LispE':<8} {lispe_time:8.3f} s   final loss {lispe_loss:.6g}")
    print(f"{'Python':<8} {python_time:8.3f} s   final loss {python_loss:.6g}")
    print(f"ratio LispE/Python {lispe_time / python_time:.3f} (target <= 1.2)")


if __name__ == "__main__":
    main()
