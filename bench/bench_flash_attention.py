"""Benchmark: peak memory of `torch_flash_attention` against naive softmax(Q·Kᵀ)·V on CPU.

    python bench/bench_flash_attention.py [--sizes 1024 4096 16384] [--heads 8] [--dim 64]

Batch 1, `--heads` heads, head dimension `--dim`, float32. Each measurement runs in a fresh
subprocess: it allocates Q, K and V, resets the kernel's peak-RSS counter (writing 5 to
/proc/self/clear_refs; tracemalloc does not see torch's allocations), runs one attention
and reports peak RSS minus the RSS before the call, so the figure is the memory the
attention itself needed (its output included: 2 MiB per 1k tokens at 8 x 64).

Three methods:
  flash     `torch_flash_attention` (SDPA on a 4-D view: CPU flash kernel)
  sdpa-3d   `F.scaled_dot_product_attention` on a 3-D `[H, S, D]` view, which CPU torch sends
            to its math kernel: this is why `torch_flash_attention` always passes 4-D views
  naive     `softmax(Q @ Kᵀ * scale) @ V`, materialising the `[H, S, S]` score matrix
A case whose estimated need exceeds 80% of MemAvailable is skipped, not run.
"""

import argparse
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
MIB = 1024 * 1024


def kib_field(name, path="/proc/self/status"):
    for line in open(path):
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)


def measure(method, length, heads, dim):
    """Run one attention in this process; print 'peak_mib seconds'."""
    sys.path.insert(0, str(ROOT))
    import torch
    import torch.nn.functional as F
    from lispe.libs.torch.attention import torch_flash_attention

    torch.manual_seed(0)
    q, k, v = (torch.randn(1, heads, length, dim) for _ in range(3))
    scale = 1.0 / dim ** 0.5
    run = {
        "flash": lambda: torch_flash_attention(q, k, v, scale),
        "sdpa-3d": lambda: F.scaled_dot_product_attention(q[0], k[0], v[0], scale=scale),
        "naive": lambda: torch.softmax(q @ k.transpose(-2, -1) * scale, dim=-1) @ v,
    }[method]
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = kib_field("VmRSS")
    start = time.perf_counter()
    out = run()
    seconds = time.perf_counter() - start
    peak = kib_field("VmHWM")
    assert out.shape == (1, heads, length, dim) or out.shape == (heads, length, dim)
    print(f"{(peak - before) / 1024:.1f} {seconds:.3f}")


def estimate_mib(method, length, heads, dim):
    """What a case needs, to skip the ones this machine cannot hold."""
    linear = 4 * heads * length * dim * 4 / MIB
    if method == "flash":
        return linear
    return linear + 2 * heads * length * length * 4 / MIB


def available_mib():
    return kib_field("MemAvailable", "/proc/meminfo") / 1024


def run_case(method, length, heads, dim):
    need = estimate_mib(method, length, heads, dim)
    if need > 0.8 * available_mib():
        return f"skipped (needs ~{need / 1024:.1f} GiB, {available_mib() / 1024:.1f} GiB available)"
    done = subprocess.run([sys.executable, __file__, "--case", method, str(length), str(heads), str(dim)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return f"failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}"
    peak, seconds = done.stdout.split()
    return f"{float(peak):10.1f} MiB {float(seconds):8.2f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 4096, 16384])
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--case", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        method, length, heads, dim = args.case
        measure(method, int(length), int(heads), int(dim))
        return
    print(f"attention peak memory, batch 1, {args.heads} heads, head dim {args.dim}, float32, CPU")
    print(f"{'seq len':>8}  {'method':<8} {'peak memory':>14} {'time':>10}")
    for length in args.sizes:
        for method in ("flash", "sdpa-3d", "naive"):
            print(f"{length:>8}  {method:<8} {run_case(method, length, args.heads, args.dim)}", flush=True)


if __name__ == "__main__":
    main()
