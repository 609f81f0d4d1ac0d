"""LoRA fine-tuning throughput with DDP: tokens per second of the bundled model trained by a
LispE program run with `lispe --nproc N` (torchrun), for 1 and 2 processes.

    python bench/bench_distributed.py                  # global batch 8 x 128 tokens, 10 steps
    python bench/bench_distributed.py --quick          # 3 steps of 4 x 64 tokens
    python bench/bench_distributed.py --procs 1 2 4 --steps 20 --seq 256

Every configuration trains on the same global batch per step (split over the processes), so
the figures compare the same work. Each process uses one thread (OMP_NUM_THREADS=1); the
line "1 process, N threads" gives the single-process figure on as many cores as the widest
run, to tell what data parallelism adds over intra-op threads. The timed steps follow two
warm-up steps; tokens/s counts the tokens of every process.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

PROGRAM = '''
(use 'lispe_torch)
(setq steps (integer (@ _args 1)))
(setq batch (integer (@ _args 2)))
(setq seq (integer (@ _args 3)))
(setq world (torch_dist_init))
(setq per (integer (/ batch world)))
(torch_manual_seed (+ 1 (torch_dist_rank)))
(setq model (torch_hf_load_model_lora "bench" (torch_default_model_path)
    (dictionary "device" (torch_dist_device))))
(torch_hf_lora_init model 8 16 (strings "q_proj" "k_proj" "v_proj" "o_proj") "float32")
(torch_ddp_wrap model)
(setq optimizer (torch_optimizer_add_params (torch_hf_lora_get_parameters model) 1e-3 0.0))

(defun train_step(ids)
    (torch_optimizer_zero_grad optimizer)
    (setq logits (torch_hf_forward model ids))
    (torch_backward (torch_cross_entropy
        (tensor_reshape (tensor_slice logits 1 0 (- seq 1)) (integers (* per (- seq 1)) -1))
        (tensor_reshape (tensor_slice ids 1 1 seq) (integers -1))))
    (torch_clip_grad_norm optimizer 1.0)
    (torch_optimizer_step optimizer))

(setq data (tensor_randint 0 4096 (integers per seq)))
(loopcount 2 i (train_step data))
(torch_dist_barrier)
(setq start (elapse))
(loopcount steps i (train_step data))
(torch_dist_barrier)
(setq seconds (/ (- (elapse) start) 1000.0))
(check (torch_dist_is_main)
    (println "RESULT" (/ (* steps batch seq) seconds)))
(torch_dist_destroy)
'''


def run(program, procs, threads, options):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    command = [sys.executable, "-m", "lispe", "--nproc", str(procs), program,
               str(options.steps), str(options.batch), str(options.seq)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    match = re.search(r"^RESULT ([\d.e+-]+)", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not match:
        sys.exit(f"failed: {' '.join(command)}\n{result.stdout}\n{result.stderr}")
    return float(match.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch", type=int, default=8, help="global batch (sequences per step)")
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    if options.quick:
        options.steps, options.batch, options.seq = 3, 4, 64
    widest = max(options.procs)
    if any(options.batch % n for n in options.procs):
        parser.error("the global batch must split evenly over every number of processes")
    with tempfile.TemporaryDirectory() as folder:
        program = os.path.join(folder, "bench_distributed.lisp")
        with open(program, "w", encoding="utf-8") as f:
            f.write(PROGRAM)
        print(f"LoRA fine-tuning of the bundled model, global batch {options.batch} x "
              f"{options.seq} tokens, {options.steps} timed steps, {os.cpu_count()} CPUs")
        rows = [(f"{n} process{'es' if n > 1 else ''}, 1 thread each", run(program, n, 1, options))
                for n in options.procs]
        if widest > 1:
            rows.append((f"1 process, {widest} threads", run(program, 1, widest, options)))
        base = rows[0][1]
        for label, rate in rows:
            print(f"  {label:<30} {rate:10.0f} tokens/s   x{rate / base:.2f}")


if __name__ == "__main__":
    main()
