"""Benchmark: lispe_torch tensor calls against the same work done in Python with torch.

    python bench/bench_tensors.py [--calls N] [--elements M] [--repeat R]

(a) N calls of `(tensor_add a b)` on small tensors from a LispE `loopcount` loop, against a
    Python `for` loop calling `torch.add` (target ratio <= 1.5);
(b) `(tensor_create data)` of an M-element `floats` list, against `torch.tensor` of an
    `array.array('f')` holding the same data (target ratio <= 2), and, for scale, against a
    bare buffer copy (`torch.frombuffer(bytearray(...))`).
Each figure is the best of R runs.  Prints one table row per case with the ratio.
"""

import argparse
import array
import pathlib
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from timing import best_of  # noqa: E402
from lispe import Lisp  # noqa: E402
from lispe.runtime import mangle  # noqa: E402
from lispe.values import Floats  # noqa: E402


def python_add_loop(a, b, n):
    for _ in range(n):
        torch.add(a, b)


def case_add(calls, repeat):
    lisp = Lisp()
    lisp.eval("(use 'lispe_torch) (setq a (tensor_create (floats 1 2 3 4)))"
              " (setq b (tensor_create (floats 5 6 7 8)))")
    program = f"(loopcount {calls} (tensor_add a b))"
    lispe_time = best_of(lambda: lisp.eval(program), repeat)
    a, b = torch.tensor([1.0, 2, 3, 4]), torch.tensor([5.0, 6, 7, 8])
    python_time = best_of(lambda: python_add_loop(a, b, calls), repeat)
    return [(f"(tensor_add a b) x{calls}", lispe_time, python_time, 1.5)]


def case_create(elements, repeat):
    data = array.array("f", (float(i % 1000) for i in range(elements)))
    lisp = Lisp()
    lisp.eval("(use 'lispe_torch)")
    lisp.globals[mangle("data")] = Floats.from_array(data)
    lispe_time = best_of(lambda: lisp.eval("(tensor_create data)"), repeat)
    python_time = best_of(lambda: torch.tensor(data), repeat)
    copy_time = best_of(lambda: torch.frombuffer(bytearray(data), dtype=torch.float32), repeat)
    assert torch.equal(lisp.eval("(tensor_create data)"), torch.tensor(data))
    name = f"(tensor_create floats[{elements}])"
    return [(name + " vs torch.tensor", lispe_time, python_time, 2.0),
            (name + " vs one buffer copy", lispe_time, copy_time, None)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--elements", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = case_add(args.calls, args.repeat) + case_create(args.elements, args.repeat)
    print(f"{'case':58} {'lispe (s)':>10} {'python (s)':>11} {'ratio':>7} {'target':>7}")
    for name, lispe_time, python_time, target in rows:
        ratio = lispe_time / python_time
        flag = "  (over target)" if target and ratio > target else ""
        goal = f"{target:7.1f}" if target else f"{'-':>7}"
        print(f"{name:58} {lispe_time:10.4f} {python_time:11.4f} {ratio:7.3f} {goal}{flag}")


if __name__ == "__main__":
    main()
