"""The seeds' token-by-token generation loop with a KV cache context (seed 000, "Model Class
for Generation" / "Interactive Generation"), written in LispE, vs the same loop in Python
over the same transformers model and a `DynamicCache`, in one run.

    python bench/bench_kv_loop.py               # tiny (hidden 64, 2 layers) and 5m models
    python bench/bench_kv_loop.py --quick       # tiny only, 32 tokens
    python bench/bench_kv_loop.py --sizes 5m --tokens 128 --threads 1

Both loops sample with the same seed; the bench checks they produce the same tokens.
Ratio = LispE time / Python time (target <= 1.15). The tiny model is the hard case: its
forward is so cheap that the per-token cost of the LispE calls shows.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, DynamicCache, LlamaConfig

from lispe import Lisp

SIZES = {
    "tiny": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=4, intermediate_size=128, vocab_size=512),
    "5m": dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
               num_key_value_heads=4, intermediate_size=688, vocab_size=4096),
}

LISPE_LOOP = '''
(defun generate (model_id prompt_tokens max_length temperature)
    (setq generated_tokens (clone prompt_tokens))
    (setq context_id (torch_hf_enable_kv_cache model_id true))
    (setq current_input (tensor_unsqueeze (tensor_create prompt_tokens) 0))
    (loop i max_length
        (setq logits (torch_hf_forward model_id current_input context_id))
        (setq last_logits (tensor_select logits 1 -1))
        (setq last_logits (tensor_select last_logits 0 0))
        (setq scaled_logits (tensor_div_scalar last_logits temperature))
        (setq probs (tensor_softmax scaled_logits -1))
        (setq next_token (tensor_multinomial probs 1 true))
        (setq next_token_id (tensor_item next_token))
        (push generated_tokens next_token_id)
        (setq current_input (tensor_unsqueeze (tensor_create (integers next_token_id)) 0)))
    generated_tokens)
'''


def python_loop(model, prompt, max_length, temperature):
    """The same loop written directly against transformers and torch (frozen weights, as
    LispE loads them, so neither side records an autograd graph)."""
    generated = list(prompt)
    cache = DynamicCache()
    current = torch.tensor(prompt).unsqueeze(0)
    for _ in range(max_length):
        logits = model(input_ids=current, past_key_values=cache, use_cache=True).logits
        last = logits.select(1, -1).select(0, 0)
        probs = torch.softmax(last / temperature, -1)
        token = torch.multinomial(probs, 1, True).item()
        generated.append(token)
        current = torch.tensor([token]).unsqueeze(0)
    return generated


def build(directory, size):
    torch.manual_seed(0)
    config = LlamaConfig(max_position_embeddings=2048, tie_word_embeddings=False, **SIZES[size])
    AutoModelForCausalLM.from_config(config).save_pretrained(directory)


def timed(fn, seed):
    torch.manual_seed(seed)
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def measure(directory, prompt, tokens, repeat):
    lisp = Lisp()
    lisp.eval(f'''(use 'lispe_torch)
    (setq model (torch_hf_load_model "{directory}"))
    (setq prompt (integers {" ".join(map(str, prompt))}))''' + LISPE_LOOP)
    model = AutoModelForCausalLM.from_pretrained(directory).eval().requires_grad_(False)
    run_lispe = lambda: list(lisp.eval(f"(generate model prompt {tokens} 0.7)"))  # noqa: E731
    run_python = lambda: python_loop(model, prompt, tokens, 0.7)  # noqa: E731
    timed(run_lispe, 0), timed(run_python, 0)  # warm-up
    best_lispe = best_python = float("inf")
    same = True
    for i in range(repeat):  # interleaved, best of each, same seed per pair
        t_lispe, ours = timed(run_lispe, i)
        t_python, theirs = timed(run_python, i)
        best_lispe, best_python = min(best_lispe, t_lispe), min(best_python, t_python)
        same &= ours == theirs
    return best_lispe, best_python, same


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="tiny,5m", help="comma-separated: tiny, 5m")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads (0: torch's default); 1 is steadier on a shared machine")
    parser.add_argument("--quick", action="store_true", help="tiny only, 32 tokens")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = ["tiny"] if args.quick else args.sizes.split(",")
    tokens = 32 if args.quick else args.tokens
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {tokens} tokens, "
          f"best of {args.repeat}")
    print(f"{'model':>6} {'LispE ms/token':>15} {'Python ms/token':>16} {'ratio':>6} {'same':>5}")
    ok = True
    with tempfile.TemporaryDirectory() as root:
        for size in sizes:
            directory = str(Path(root) / size)
            build(directory, size)
            prompt = list(range(3, 19))
            ours, theirs, same = measure(directory, prompt, tokens, args.repeat)
            ok &= same
            print(f"{size:>6} {1e3 * ours / tokens:>15.3f} {1e3 * theirs / tokens:>16.3f} "
                  f"{ours / theirs:>6.2f} {str(same):>5}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
