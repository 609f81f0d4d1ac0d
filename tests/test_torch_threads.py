"""Threads of lispe_torch (lispe/libs/torch/threads.py): the default count from the usable
cores and the load, OpenMP's wait policy set before torch loads, the environment's settings
winning, and `torch_set_num_threads` / `torch_get_num_threads`."""

import json
import os
import subprocess
import sys

import pytest
import torch

from lispe import Lisp
from lispe.errors import LispError
from lispe.libs.torch.threads import apply_default_threads, default_thread_count, usable_cores


@pytest.mark.parametrize("cores, load, threads", [
    (2, 0.0, 2), (2, 0.6, 1), (2, 2.7, 1), (8, 3.2, 5), (4, 100.0, 1), (1, 0.0, 1), (16, 0.4, 16)])
def test_default_count_is_the_cores_left_free(cores, load, threads):
    assert default_thread_count(cores, load) == threads


def test_usable_cores_are_those_of_the_affinity_mask():
    assert usable_cores() == len(os.sched_getaffinity(0))


def test_set_and_get_from_lispe():
    lisp = Lisp()
    lisp.eval("(use 'lispe_torch)")
    assert lisp.eval("(torch_set_num_threads 2)") == 2
    assert torch.get_num_threads() == 2 and lisp.eval("(torch_get_num_threads)") == 2
    for bad, message in (("0", "must be at least 1"), ("1.5", "must be an integer"), ('"2"', "must be an integer")):
        with pytest.raises(LispError, match=f"Error in torch_set_num_threads: count {message}"):
            lisp.eval(f"(torch_set_num_threads {bad})")


def test_omp_num_threads_wins_over_the_default(monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    torch.set_num_threads(3)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    apply_default_threads()
    assert torch.get_num_threads() == 3
    monkeypatch.delenv("OMP_NUM_THREADS")
    apply_default_threads()
    assert torch.get_num_threads() == usable_cores()


CHILD = """
import json, os
os.getloadavg = lambda: (0.0, 0.0, 0.0)   # an idle machine, whatever runs beside the test
from lispe import Lisp
threads = Lisp().eval("(use 'lispe_torch) (torch_get_num_threads)")
print(json.dumps([threads, os.environ.get("OMP_WAIT_POLICY")]))
"""


def test_defaults_apply_when_lispe_torch_loads_torch():
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    result = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [usable_cores(), "PASSIVE"]
