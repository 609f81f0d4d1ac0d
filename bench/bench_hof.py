"""Higher-order function benchmarks: LispE's map, filter, foldl, maplist and reductions with
quoted partial calls and lambdas, each against the same computation in plain CPython, in the
same run; the table prints the ratio (LispE time / CPython time).

    python bench/bench_hof.py            # 10^5 elements, 10^4 calls
    python bench/bench_hof.py --quick    # 10^4 elements, 10^3 calls

The last rows call a function whose body is `(map '(+ i) '(1 2 3))` many times: the quoted code
is compiled once, then each call pays for finding the caller's locals.
"""

import argparse
import functools

from timing import best_of
from lispe import Lisp


def cases(n, calls):
    data = list(range(n))
    return [
        ("(map '(* 2) data)", lambda: [x * 2 for x in data]),
        ("(map (lambda (x) (* x 2)) data)", lambda: [x * 2 for x in data]),
        ("(maplist '(* 2) data)", lambda: [x * 2 for x in data]),
        ("(filter '(< 500) data)", lambda: [x for x in data if x < 500]),
        ("(foldl '+ 0 data)", lambda: functools.reduce(lambda a, x: a + x, data, 0)),
        ("(↘ '+ data)", lambda: list(__import__("itertools").accumulate(data))),
        (f"(loop i (range 0 {calls} 1) (f i))", lambda: [[x + i for x in (1, 2, 3)] for i in range(calls)]),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, calls, repeat = (10_000, 1_000, 3) if args.quick else (100_000, 10_000, 5)
    lisp = Lisp()
    lisp.eval(f"(setq data (range 0 {n} 1)) (defun f (i) (map '(+ i) '(1 2 3)))")
    print(f"{'program':44s} {'LispE ms':>9s} {'Python ms':>9s} {'ratio':>6s}")
    for program, python in cases(n, calls):
        lisp.eval(program)
        lispe_time = best_of(lambda: lisp.eval(program), repeat)
        python_time = best_of(python, repeat)
        print(f"{program:44s} {lispe_time * 1000:9.1f} {python_time * 1000:9.1f} "
              f"{lispe_time / python_time:6.1f}")


if __name__ == "__main__":
    main()
