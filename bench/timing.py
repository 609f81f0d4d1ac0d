"""Timing shared by the benchmarks: the best of several runs (the least disturbed by a busy
machine)."""

import time


def best_of(fn, repeat, warm_up=False):
    """The shortest of `repeat` timed calls of fn() in seconds (after one untimed call with
    `warm_up`)."""
    if warm_up:
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
