"""The main job on a shared machine: the quick run of examples/lora_tutorial.lisp, idle and
beside a busy loop (a process that keeps one core busy), with lispe's default threads and,
for comparison, with settings a user could force through the environment.

    python bench/bench_threads.py                  # lispe's defaults, idle and busy
    python bench/bench_threads.py --compare        # also 1 thread, N threads sleeping or spinning
    python bench/bench_threads.py --busy 2 --full  # two busy loops, the whole job

Each run is the `lispe` command in a fresh directory; the figure is its wall-clock time.
`N spinning` is what PyTorch does when nothing is set: a thread for each of the N cores, and
OpenMP threads that spin while they wait for each other (OMP_WAIT_POLICY=ACTIVE is the closest
setting); `N sleeping` is N threads with lispe's wait policy.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOB = ROOT / "examples" / "lora_tutorial.lisp"
CORES = str(len(os.sched_getaffinity(0)))
CONFIGS = {  # name -> environment added to the run
    "lispe default": {},
    "1 thread": {"OMP_NUM_THREADS": "1"},
    f"{CORES} sleeping": {"OMP_NUM_THREADS": CORES},
    f"{CORES} spinning": {"OMP_NUM_THREADS": CORES, "OMP_WAIT_POLICY": "ACTIVE"},
}
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS", "GOMP_SPINCOUNT")


def run_job(extra_env, quick):
    """Seconds taken by one run of the main job with `extra_env` added to a clean environment."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    env.update(extra_env, LISPE_EXAMPLE_QUICK="1" if quick else "0",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    with tempfile.TemporaryDirectory() as cwd:
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "lispe.cli", str(JOB)], cwd=cwd, env=env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"the main job failed:\n{result.stderr[-2000:]}")
    return seconds


def busy_loops(count):
    """`count` processes that each keep one core busy until killed."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def measure(configs, busy, quick):
    """{(config, condition): seconds}, idle runs first, then beside `busy` busy loops."""
    times = {}
    for condition, loops in (("idle", 0), (f"{busy} busy loop(s)", busy)):
        workers = busy_loops(loops)
        try:
            for name in configs:
                times[name, condition] = run_job(CONFIGS[name], quick)
                print(f"  {name:14} {condition:16} {times[name, condition]:7.1f} s", flush=True)
        finally:
            for worker in workers:
                worker.kill()
                worker.wait()
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", action="store_true", help="also 1 thread, N threads sleeping or spinning")
    parser.add_argument("--busy", type=int, default=1, help="busy loops beside the job (default 1)")
    parser.add_argument("--full", action="store_true", help="the whole job instead of the quick run")
    options = parser.parse_args()
    configs = list(CONFIGS) if options.compare else ["lispe default"]
    print(f"main job ({'full' if options.full else 'quick'}), "
          f"{len(os.sched_getaffinity(0))} usable cores, load {os.getloadavg()[0]:.2f}")
    times = measure(configs, options.busy, not options.full)
    print(f"{'configuration':14} {'idle':>8} {'busy':>8}")
    for name in configs:
        idle, busy = (t for (n, _), t in times.items() if n == name)
        print(f"{name:14} {idle:7.1f}s {busy:7.1f}s")


if __name__ == "__main__":
    main()
