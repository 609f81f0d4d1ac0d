"""Greedy generation speed: `torch_hf_generate` called from LispE vs transformers' own
`model.generate(do_sample=False)`, on randomly initialised Llama models, in one run.

    python bench/bench_generate.py            # 5M (hidden 256, 4 layers, vocab 4096) and 125M
    python bench/bench_generate.py --quick    # the 5M model only, fewer tokens
    python bench/bench_generate.py --sizes 5m --tokens 64 --repeat 5 --threads 1

Both sides produce the same number of new tokens (the models have no end id) and the bench
checks that the tokens are identical. Ratio = transformers time / LispE time (target >= 1.0).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, LlamaConfig

from lispe import Lisp

SIZES = {  # name -> Llama configuration
    "5m": dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
               num_key_value_heads=4, intermediate_size=688, vocab_size=4096),
    "125m": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 num_key_value_heads=12, intermediate_size=2048, vocab_size=32000),
}


def build(directory, size):
    """A random Llama of that size saved in `directory`; returns its parameter count."""
    torch.manual_seed(0)
    config = LlamaConfig(max_position_embeddings=1024, bos_token_id=None, eos_token_id=None,
                         pad_token_id=None, tie_word_embeddings=False, **SIZES[size])
    model = AutoModelForCausalLM.from_config(config)
    model.save_pretrained(directory)
    return sum(p.numel() for p in model.parameters())


def best_of(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def measure(directory, prompt, tokens, repeat):
    lisp = Lisp()
    lisp.eval(f'''(use 'lispe_torch)
    (setq model (torch_hf_load_model "{directory}"))
    (setq prompt (integers {" ".join(map(str, prompt))}))
    (defun run () (torch_hf_generate model prompt nil {tokens} (dictionary "greedy" true)))''')
    reference = AutoModelForCausalLM.from_pretrained(directory).eval()
    ids = torch.tensor([prompt])

    def transformers_generate():
        out = reference.generate(ids, max_new_tokens=tokens, do_sample=False, pad_token_id=0)
        return out[0, len(prompt):].tolist()

    def lispe_generate():
        return list(lisp.eval("(run)"))

    lispe_generate(), transformers_generate()  # warm-up
    lispe_time, theirs, ours = 0.0, None, None
    transformers_time = 0.0
    for _ in range(repeat):  # interleaved, best of each
        t, ours = best_of(lispe_generate, 1)
        lispe_time = t if not lispe_time else min(lispe_time, t)
        t, theirs = best_of(transformers_generate, 1)
        transformers_time = t if not transformers_time else min(transformers_time, t)
    return lispe_time, transformers_time, ours == theirs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5m,125m", help="comma-separated: 5m, 125m")
    parser.add_argument("--tokens", type=int, default=64, help="new tokens per generation")
    parser.add_argument("--prompt", type=int, default=16, help="prompt length")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads (0: torch's default); 1 is steadier on a shared machine")
    parser.add_argument("--quick", action="store_true", help="5m only, 16 tokens")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = ["5m"] if args.quick else args.sizes.split(",")
    tokens = 16 if args.quick else args.tokens
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, greedy, "
          f"{tokens} new tokens after a {args.prompt}-token prompt, best of {args.repeat}")
    print(f"{'model':>8} {'params':>12} {'LispE tok/s':>12} {'transformers tok/s':>19} "
          f"{'ratio':>6} {'same tokens':>12}")
    ok = True
    with tempfile.TemporaryDirectory() as root:
        for size in sizes:
            directory = str(Path(root) / size)
            params = build(directory, size)
            vocab = SIZES[size]["vocab_size"]
            prompt = torch.randint(0, vocab, (args.prompt,),
                                   generator=torch.Generator().manual_seed(1)).tolist()
            ours, theirs, same = measure(directory, prompt, tokens, args.repeat)
            ok &= same
            print(f"{size:>8} {params:>12,} {tokens / ours:>12.1f} {tokens / theirs:>19.1f} "
                  f"{theirs / ours:>6.2f} {str(same):>12}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
