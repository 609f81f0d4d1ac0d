"""One LoRA training step (forward, next-token cross-entropy, backward, gradient clipping,
AdamW step) written in LispE, as the seeds' training programs do it, vs the same step in
Python with peft, on the same model, adapters and data, in one run.

    python bench/bench_lora_step.py               # 5m Llama, sequence 128, 20 steps
    python bench/bench_lora_step.py --quick       # tiny model, 5 steps
    python bench/bench_lora_step.py --size tiny --seq 64 --steps 10 --threads 1

Both sides start from the same adapter weights; the bench prints the largest difference
between their losses. Ratio = LispE time / Python time (target <= 1.1).
"""

import argparse
import sys
import tempfile
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, LlamaConfig

from lispe import Lisp
from lispe.libs.torch.hf_lora import lora_parameters
from lispe.runtime import mangle

SIZES = {
    "tiny": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=4, intermediate_size=128, vocab_size=512),
    "5m": dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
               num_key_value_heads=4, intermediate_size=688, vocab_size=4096),
}
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]

LISPE_STEP = '''
(torch_hf_load_model_lora "bench_lora" model_path (dictionary "device" "cpu"))
(torch_hf_lora_init "bench_lora" 8 16 (strings "q_proj" "k_proj" "v_proj" "o_proj") "float32")
(setq lora_params (torch_hf_lora_get_parameters "bench_lora"))
(setq optimizer (torch_optimizer_add_params lora_params 2e-4 0.01))

(defun train_step (input_2d)
    (torch_optimizer_zero_grad optimizer)
    (setq logits (torch_hf_forward "bench_lora" input_2d))
    (setq shape (tensor_shape logits))
    (setq seq_len (@ shape 1))
    (setq vocab_size (@ shape 2))
    (setq pred_flat (tensor_reshape (tensor_slice logits 1 0 (- seq_len 1))
        (integers (- seq_len 1) vocab_size)))
    (setq target_flat (tensor_reshape (tensor_slice input_2d 1 1 seq_len)
        (integers (- seq_len 1))))
    (setq loss (torch_cross_entropy pred_flat target_flat))
    (torch_backward loss)
    (torch_clip_grad_norm optimizer 1.0)
    (torch_optimizer_step optimizer)
    (tensor_item loss))
'''


def python_setup(directory, start):
    """The same model with peft adapters holding the LispE side's starting values."""
    model = AutoModelForCausalLM.from_pretrained(directory).eval()
    config = LoraConfig(r=8, lora_alpha=16, target_modules=TARGETS, lora_dropout=0.0,
                        bias="none", task_type="CAUSAL_LM")
    model = get_peft_model(model, config).eval()
    params = [p for n, p in model.named_parameters() if "lora_" in n]
    by_name = {n: p for n, p in model.named_parameters() if "lora_" in n}
    ordered = sorted(by_name, key=lambda n: (int(n.split(".layers.")[1].split(".")[0]),
                                             TARGETS.index(n.split(".")[-4]),
                                             "lora_B" in n))
    with torch.no_grad():
        for name, value in zip(ordered, start):
            by_name[name].copy_(value)
    return model, torch.optim.AdamW(params, lr=2e-4, weight_decay=0.01), params


def python_step(model, optimizer, params, ids):
    optimizer.zero_grad()
    logits = model(input_ids=ids).logits
    loss = torch.nn.functional.cross_entropy(logits[0, :-1], ids[0, 1:])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    return loss.item()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="5m", choices=sorted(SIZES))
    parser.add_argument("--seq", type=int, default=128, help="sequence length")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads (0: torch's default); 1 is steadier on a shared machine")
    parser.add_argument("--quick", action="store_true", help="tiny model, 5 steps")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    size, steps = ("tiny", 5) if args.quick else (args.size, args.steps)
    with tempfile.TemporaryDirectory() as directory:
        torch.manual_seed(0)
        config = LlamaConfig(max_position_embeddings=1024, tie_word_embeddings=False, **SIZES[size])
        AutoModelForCausalLM.from_config(config).save_pretrained(directory)
        lisp = Lisp()
        lisp.eval(f'(use \'lispe_torch) (setq model_path "{directory}")' + LISPE_STEP)
        start = [p.detach().clone() for p in lora_parameters("bench_lora")]
        model, optimizer, params = python_setup(directory, start)
        data = torch.randint(0, SIZES[size]["vocab_size"], (steps + 1, 1, args.seq),
                             generator=torch.Generator().manual_seed(1))
        lisp.globals[mangle("batches")] = list(data)  # the same tensors on both sides
        lisp_time = python_time = 0.0
        worst = 0.0
        for i in range(steps + 1):  # step 0 warms both sides up and is not timed
            t0 = time.perf_counter()
            ours = lisp.eval(f"(train_step (@ batches {i}))")
            t1 = time.perf_counter()
            theirs = python_step(model, optimizer, params, data[i])
            t2 = time.perf_counter()
            if i:
                lisp_time, python_time = lisp_time + t1 - t0, python_time + t2 - t1
            worst = max(worst, abs(ours - theirs))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {size} Llama, "
          f"sequence {args.seq}, LoRA r=8 on q/k/v/o, {steps} steps")
    print(f"{'LispE ms/step':>14} {'Python ms/step':>15} {'ratio':>6} {'max loss diff':>14}")
    print(f"{1e3 * lisp_time / steps:>14.2f} {1e3 * python_time / steps:>15.2f} "
          f"{lisp_time / python_time:>6.2f} {worst:>14.2e}")
    return 0 if worst < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
