"""lispe_torch, threads: how many threads PyTorch computes with, and how they wait.

PyTorch's default, one thread per core with OpenMP threads that spin while they wait for each
other, collapses when another process holds a core: the threads of one operation wait, spinning,
for a thread that is not running.  On 2 cores beside one busy loop the quick main job took 4 to
5 times as long as with one thread (bench/bench_threads.py).  So when lispe_torch is what loads
torch, and the environment does not say otherwise:

- OpenMP threads sleep when they wait (`OMP_WAIT_POLICY=PASSIVE`), set in the environment
  before torch loads: OpenMP reads it once, when it starts;
- the number of threads is the number of cores this process may run on
  (`os.sched_getaffinity`) less the cores other processes keep busy (the load average of the
  last minute), at least 1 and at most PyTorch's own default (the physical cores).

`OMP_NUM_THREADS` and `OMP_WAIT_POLICY`, when set, win; `torch_set_num_threads` changes the
count at run time.  When torch was loaded before lispe_torch (by a Python program), its
settings are left as they are.
"""

import os
import sys

TORCH_WAS_LOADED = "torch" in sys.modules


def usable_cores():
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_thread_count(cores=None, load=None):
    """Threads for `cores` usable cores at a 1-minute `load`: the cores left free, at least 1."""
    cores = usable_cores() if cores is None else cores
    load = os.getloadavg()[0] if load is None else load
    return max(1, min(cores, round(cores - load)))


if not TORCH_WAS_LOADED:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402 - after OMP_WAIT_POLICY, which OpenMP reads when torch loads it

from ...errors import LispError  # noqa: E402
from ...registry import builtin  # noqa: E402
from ._common import LIBRARY, check_int  # noqa: E402



def apply_default_threads():
    """Give torch `default_thread_count()` threads (at most its own default), unless
    OMP_NUM_THREADS sets the count."""
    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(min(torch.get_num_threads(), default_thread_count()))


if not TORCH_WAS_LOADED:
    apply_default_threads()


@builtin("torch_set_num_threads", library=LIBRARY)
def torch_set_num_threads(count):
    """Use count threads for PyTorch's computations (OMP_NUM_THREADS sets it at start); returns count."""
    number = check_int(count, "torch_set_num_threads", "count")
    if number < 1:
        raise LispError(f"Error in torch_set_num_threads: count must be at least 1 (got {number})")
    torch.set_num_threads(number)
    return number


@builtin("torch_get_num_threads", library=LIBRARY)
def torch_get_num_threads():
    """The number of threads PyTorch computes with."""
    return torch.get_num_threads()
