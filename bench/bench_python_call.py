"""LispE -> Python call overhead: a loop of N calls made from LispE, timed against the same loop
of calls written in Python, in the same run.  The table prints the time per iteration of each
and their ratio (LispE / Python).

    python bench/bench_python_call.py            # 100,000 calls per row
    python bench/bench_python_call.py --quick    # 20,000

Rows: a Python function held in a LispE variable and called like a LispE function (no
wrapper: the fast path), then the bridge's converting functions `py_call`, `py_method` and
`python_execute` on a trivial function (their fixed cost shows) and on a call that does about
a microsecond of work (json.dumps of a small dictionary).  Target (issue 12): <= 1.5x.
"""

import argparse
import json
import time

from lispe import Lisp

SMALL = {"name": "lispe", "layers": [1, 2, 3], "ok": True}


def add_one(x):
    return x + 1


def encode(x):
    return json.dumps(SMALL)


def loop_add_one(n):
    for i in range(n):
        add_one(i)


def loop_upper(n):
    for i in range(n):
        "lispe".upper()


def loop_encode(n):
    for i in range(n):
        encode(i)


# name, LispE loop body over i, the same loop in Python
CASES = [
    ("(f i): Python function in a variable", "(add_one i)", loop_add_one),
    ("(py_call f i): trivial function", "(py_call add_one i)", loop_add_one),
    ('(py_method s "upper")', '(py_method "lispe" "upper")', loop_upper),
    ('(python_execute py "f" (list i))', '(python_execute py "add_one" (list i))', loop_add_one),
    ("(encode i): json.dumps, in a variable", "(encode i)", loop_encode),
    ("(py_call encode i): json.dumps", "(py_call encode i)", loop_encode),
]


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_of_pair(first, second, repeat):
    """Best times of two functions run alternately (load changes hit both alike)."""
    pairs = [(timed(first), timed(second)) for _ in range(repeat)]
    return min(p[0] for p in pairs), min(p[1] for p in pairs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 calls per row")
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement (best is kept)")
    options = parser.parse_args()
    n = 20_000 if options.quick else 100_000

    lisp = Lisp()
    lisp["add_one"], lisp["encode"] = add_one, encode
    lisp.eval("(use 'pylispe) (setq py (python))")
    lisp.eval('(python_run py "def add_one(x):\\n    return x + 1\\n")')
    print(f"{'call':42} {'LispE ns':>9} {'Python ns':>10} {'overhead':>9} {'ratio':>7}")
    for k, (name, body, python_loop) in enumerate(CASES):
        lisp.eval(f"(defun bench{k} (n) (loopcount n i {body}))")
        lisp_time, python_time = best_of_pair(lambda: lisp.execute(f"bench{k}", n),
                                              lambda: python_loop(n), options.repeat)
        lisp_ns, python_ns = lisp_time / n * 1e9, python_time / n * 1e9
        print(f"{name:42} {lisp_ns:9.0f} {python_ns:10.0f} {lisp_ns - python_ns:9.0f} "
              f"{lisp_time / python_time:6.2f}x")


if __name__ == "__main__":
    main()
