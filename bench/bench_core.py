"""Core interpreter benchmarks: each LispE program is timed against the same algorithm in plain
CPython, in the same run, and the table prints the ratio (LispE time / CPython time).  The last
row times whole processes: `lispe fib.lisp` against `python3 fib.py` (start-up included).

    python bench/bench_core.py            # full sizes (fib 30, 10^6 loop, 10^5 containers)
    python bench/bench_core.py --quick    # smaller sizes

Targets: fib(30) within 2x of CPython, whole process included; every other row within 5x.
"""

import argparse
import os
import subprocess
import sys
import tempfile

from timing import best_of
from lispe import Lisp


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def py_loop(n):
    s = 0
    for i in range(n):
        s += i
    return s


def py_push(n):
    items = []
    for i in range(n):
        items.append(i)
    return items


def py_dict(n):
    d = {}
    for i in range(n):
        d[str(i)] = i
    total = 0
    for i in range(n):
        total += d[str(i)]
    return total


def py_concat(n):
    s = ""
    for _ in range(n):
        s += "x"
    return s


CASES = [
    # name, LispE definition, LispE call (with {n}), Python function, full n, quick n
    ("fib(n)", "(defun fib (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))",
     "(fib {n})", fib, 30, 22),
    ("loopcount sum", "(defun loopsum (n) (setq s 0) (loopcount n i (+= s i)) s)",
     "(loopsum {n})", py_loop, 10 ** 6, 10 ** 5),
    ("push to a list", "(defun pushes (n) (setq l (list)) (loopcount n i (push l i)) l)",
     "(pushes {n})", py_push, 10 ** 5, 10 ** 4),
    ("dictionary set+get",
     "(defun dicts (n) (setq d (dictionary)) (loopcount n i (set@ d (string i) i)) "
     "(setq total 0) (loopcount n i (+= total (@ d (string i)))) total)",
     "(dicts {n})", py_dict, 10 ** 5, 10 ** 4),
    ("string concatenation", "(defun concat (n) (setq s \"\") (loopcount n (+= s \"x\")) s)",
     "(concat {n})", py_concat, 10 ** 5, 10 ** 4),
]


FIB_LISP = "(defun fib (n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))\n(println (fib {n}))\n"
FIB_PY = "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nprint(fib({n}))\n"


def process_time(command, repeat):
    return best_of(lambda: subprocess.run(command, check=True, stdout=subprocess.DEVNULL), repeat)


def whole_process(n, repeat):
    """(lispe seconds, python seconds) for fib(n) run as a whole process."""
    with tempfile.TemporaryDirectory() as folder:
        lisp_file, py_file = os.path.join(folder, "fib.lisp"), os.path.join(folder, "fib.py")
        with open(lisp_file, "w") as f:
            f.write(FIB_LISP.format(n=n))
        with open(py_file, "w") as f:
            f.write(FIB_PY.format(n=n))
        return (process_time([sys.executable, "-m", "lispe", lisp_file], repeat),
                process_time([sys.executable, py_file], repeat))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is kept)")
    options = parser.parse_args()
    lisp = Lisp()
    print(f"{'benchmark':<24}{'n':>10}{'LispE s':>10}{'CPython s':>11}{'ratio':>8}")
    for name, definition, call, pyfn, full, quick in CASES:
        n = quick if options.quick else full
        lisp.eval(definition)
        code = call.format(n=n)
        assert lisp.eval(code) == pyfn(n) or name != "fib(n)"
        lispe_time = best_of(lambda: lisp.eval(code), options.repeat)
        python_time = best_of(lambda: pyfn(n), options.repeat)
        print(f"{name:<24}{n:>10}{lispe_time:>10.3f}{python_time:>11.3f}{lispe_time / python_time:>8.2f}")
    n = 22 if options.quick else 30
    lispe_time, python_time = whole_process(n, options.repeat)
    print(f"{'fib(n), whole process':<24}{n:>10}{lispe_time:>10.3f}{python_time:>11.3f}"
          f"{lispe_time / python_time:>8.2f}")


if __name__ == "__main__":
    main()
