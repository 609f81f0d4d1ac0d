"""The decode engine against transformers' own `generate`, in one run, on randomly initialised
Llama models built here (nothing is downloaded):

  greedy    torch_hf_generate from LispE vs model.generate(do_sample=False): tok/s, ratio
            (transformers time / LispE time), and whether the tokens are identical
  static    transformers with its StaticCache (cache_implementation="static"), for reference
  batch     4 prompts of different lengths, left-padded, vs transformers' batch generate
  bfloat16  a model loaded with "dtype" "bfloat16": tok/s against float32
  int8      a model loaded with "dtype" "int8" (weight-only): tok/s against float32, and how
            often its greedy token is float32's over 256 tokens (teacher-forced: both models
            read float32's greedy sequence), on the random model and on the bundled trained one
  compile   "compile" true: the first call (which compiles) and tok/s afterwards

    python bench/bench_generate.py                  # 5M and 125M, 64 new tokens
    python bench/bench_generate.py --quick          # 5M only, 32 tokens, no compile
    python bench/bench_generate.py --sizes 5m --threads 1 --no-compile

Targets (issue 10): greedy 5M >= 2.0x transformers with identical tokens, 125M float32 >=
1.1x, int8 >= 1.6x float32's tok/s. Report the figures with the machine's load (`uptime`).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, LlamaConfig

from lispe import Lisp
from lispe.libs.torch import hf
from lispe.models import default_model_path

SIZES = {  # name -> Llama configuration
    "5m": dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
               num_key_value_heads=4, intermediate_size=688, vocab_size=4096),
    "125m": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 num_key_value_heads=12, intermediate_size=2048, vocab_size=32000),
}
AGREEMENT_TOKENS = 256


def build(directory, size):
    """A random Llama of that size saved in `directory`; returns its parameter count."""
    torch.manual_seed(0)
    config = LlamaConfig(max_position_embeddings=1024, bos_token_id=None, eos_token_id=None,
                         pad_token_id=None, tie_word_embeddings=False, **SIZES[size])
    model = AutoModelForCausalLM.from_config(config)
    model.save_pretrained(directory)
    return sum(p.numel() for p in model.parameters())


def fastest(runs, repeat):
    """{name: (best seconds, last result)} of functions run in turn `repeat` times (after one
    warm-up each), so that a busy machine slows them alike."""
    best = {}
    for name, run in runs.items():
        run()
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            result = run()
            seconds = time.perf_counter() - start
            best[name] = (min(seconds, best.get(name, (seconds,))[0]), result)
    return best


class LispeSide:
    """torch_hf_generate called from a LispE program, as a user calls it."""

    def __init__(self):
        self.lisp = Lisp()
        self.lisp.eval("(use 'lispe_torch)")

    def load(self, name, directory, dtype):
        self.lisp.eval(f'(setq {name} (torch_hf_load_model_lora "{name}" "{directory}" '
                       f'(dictionary "dtype" "{dtype}")))')
        return name

    def generate(self, model, prompts, tokens, options=""):
        """A function running greedy generation of `tokens` new ids (a list, or lists)."""
        text = " ".join(f"(integers {' '.join(map(str, p))})" for p in prompts)
        prompt = text if len(prompts) == 1 else f"(list {text})"
        self.lisp.eval(f'(defun run_{model} () (torch_hf_generate {model} {prompt} nil {tokens} '
                       f'(dictionary "greedy" true {options})))')

        def run():
            result = self.lisp.eval(f"(run_{model})")
            return [list(result)] if len(prompts) == 1 else [list(row) for row in result]
        return run


def transformers_side(model, prompts, tokens, **settings):
    """A function running transformers' greedy generate on left-padded prompts."""
    width = max(len(p) for p in prompts)
    ids = torch.tensor([[0] * (width - len(p)) + p for p in prompts])
    mask = (torch.arange(width)[None] >= torch.tensor([width - len(p) for p in prompts])[:, None])

    def run():
        with torch.inference_mode():
            out = model.generate(ids, attention_mask=mask.long(), max_new_tokens=tokens,
                                 do_sample=False, pad_token_id=0, **settings)
        return out[:, width:].tolist()
    return run


def prompts_of(vocab, lengths):
    generator = torch.Generator().manual_seed(1)
    return [torch.randint(0, vocab, (n,), generator=generator).tolist() for n in lengths]


def row(name, tokens, ours, theirs=None, same=None, note=""):
    ratio = f"{theirs / ours:6.2f}" if theirs else "     -"
    theirs_rate = f"{tokens / theirs:10.1f}" if theirs else "         -"
    same_text = "-" if same is None else str(same)
    print(f"{name:<24} {tokens / ours:9.1f} {theirs_rate} {ratio} {same_text:>6}  {note}")


def agreement(lispe, key_fp32, key_int8, prompt):
    """(teacher-forced top-1 agreement, first free-running divergence) of int8 vs float32."""
    greedy = lispe.generate(key_fp32, [prompt], AGREEMENT_TOKENS)()[0]
    quick = lispe.generate(key_int8, [prompt], AGREEMENT_TOKENS)()[0]
    sequence = torch.tensor([prompt + greedy])
    with torch.inference_mode():
        logits = hf.MODELS[key_int8].base(sequence).logits[0, len(prompt) - 1:-1]
    same = (logits.argmax(-1) == torch.tensor(greedy)).float().mean().item()
    diverge = next((i for i, (a, b) in enumerate(zip(greedy, quick)) if a != b), len(greedy))
    return same, diverge


def measure_size(size, directory, args, lispe):
    params = build(directory, size)
    vocab = SIZES[size]["vocab_size"]
    prompt = prompts_of(vocab, [args.prompt])
    fp32 = lispe.load(f"fp32_{size}", directory, "float32")
    reference = AutoModelForCausalLM.from_pretrained(directory).eval()
    tokens = args.tokens
    print(f"\n{size}: {params:,} parameters, {tokens} new tokens after {args.prompt}")
    runs = {"ours": lispe.generate(fp32, prompt, tokens),
            "theirs": transformers_side(reference, prompt, tokens),
            "static": transformers_side(reference, prompt, tokens, cache_implementation="static")}
    best = fastest(runs, args.repeat)
    ours = best["ours"][0]
    row("greedy float32", tokens, ours, best["theirs"][0], best["ours"][1] == best["theirs"][1])
    row("transformers static", tokens, best["static"][0], None,
        best["static"][1] == best["theirs"][1], "StaticCache, transformers alone")

    batch = prompts_of(vocab, [args.prompt, args.prompt // 2, 3, args.prompt + 5])
    best = fastest({"ours": lispe.generate(fp32, batch, tokens),
                    "theirs": transformers_side(reference, batch, tokens)}, args.repeat)
    row(f"batch of {len(batch)} (left pad)", tokens * len(batch), best["ours"][0],
        best["theirs"][0], best["ours"][1] == best["theirs"][1])

    quantized = {name: lispe.load(f"{name}_{size}", directory, name) for name in ("bfloat16", "int8")}
    best = fastest({name: lispe.generate(key, prompt, tokens) for name, key in quantized.items()},
                   args.repeat)
    for name in ("bfloat16", "int8"):
        row(f"{name} weights", tokens, best[name][0], None, None,
            f"{ours / best[name][0]:.2f}x float32's tok/s")
    same, diverge = agreement(lispe, fp32, quantized["int8"], prompt[0])
    print(f"{'int8 vs float32':<24} greedy agreement over {AGREEMENT_TOKENS} tokens: "
          f"{same:.1%} teacher-forced; free-running identical for {diverge} tokens")

    if size in args.compile:
        start = time.perf_counter()
        compiled = lispe.generate(fp32, prompt, tokens, '"compile" true')
        result = compiled()
        first = time.perf_counter() - start
        best = fastest({"compiled": compiled}, args.repeat)
        row("compiled (torch.compile)", tokens, best["compiled"][0], None,
            best["compiled"][1] == result,
            f"first call {first:.1f} s; {ours / best['compiled'][0]:.2f}x eager")


def trained_agreement(lispe):
    """int8 vs float32 on the bundled trained model, where logits are not flat."""
    path = default_model_path()
    fp32, int8 = lispe.load("fp32_default", path, "float32"), lispe.load("int8_default", path, "int8")
    from tokenizers import Tokenizer
    prompt = Tokenizer.from_file(os.path.join(path, "tokenizer.json")).encode("The tensor").ids
    same, diverge = agreement(lispe, fp32, int8, prompt)
    print(f"\nbundled trained model, int8 vs float32 over {AGREEMENT_TOKENS} tokens: {same:.1%} "
          f"teacher-forced; free-running identical for {diverge} tokens")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5m,125m", help="comma-separated: 5m, 125m")
    parser.add_argument("--tokens", type=int, default=64, help="new tokens per generation")
    parser.add_argument("--prompt", type=int, default=16, help="prompt length")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads (0: the library's default)")
    parser.add_argument("--compile", default="5m", help="sizes to run compiled too ('' none)")
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--quick", action="store_true", help="5m only, 32 tokens, no compile")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    sizes = ["5m"] if args.quick else args.sizes.split(",")
    args.tokens = 32 if args.quick else args.tokens
    args.compile = [] if args.quick or args.no_compile else args.compile.split(",")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load "
          f"{os.getloadavg()[0]:.2f}, best of {args.repeat}")
    print(f"{'':<24} {'LispE':>9} {'transf.':>10} {'ratio':>6} {'same':>6}   (tok/s)")
    lispe = LispeSide()
    with tempfile.TemporaryDirectory() as root:
        for size in sizes:
            measure_size(size, str(Path(root) / size), args, lispe)
    trained_agreement(lispe)
    print(f"load at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
