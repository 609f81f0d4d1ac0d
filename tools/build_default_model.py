"""Build the default model bundled with LispE (lispe/models/default/).

A tiny Llama-architecture causal language model, trained from scratch, with a byte-level BPE
tokenizer in the Llama 3 layout (a Split pre-tokenizer with the Llama 3 regex, then ByteLevel;
the special tokens <|begin_of_text|>, <|end_of_text|>, <|start_header_id|>, <|end_header_id|>,
<|eot_id|> after the ordinary vocabulary), so that `tiktoken_create` reads it unchanged.

The training text is text the project may redistribute, all derived at build time:
  - the docstrings of the Python standard library (its .py files, read with `ast`, never
    imported, plus the C modules' docstrings through `inspect`) and pydoc's help topics
    (the Python language reference), all PSF-licensed English prose;
  - question/answer pairs about the standard library built from those docstrings, in the
    Llama 3 chat format with the system prompt of the LispE LoRA examples;
  - the responses of the project's own LispE dataset (examples/data/lispe_qa.json), as prose,
    so the model knows the domain's words while the question -> answer mapping is left for a
    LoRA fine-tune to teach.

Everything is seeded; the same Python version, packages and command give the same files.
It does not download anything and does not try to make a useful assistant: the model is a
fixture for tutorials and tests, small enough for LoRA steps in well under a second on a CPU.
"""

import argparse
import ast
import hashlib
import importlib
import inspect
import json
import math
import os
import random
import re
import sys
import sysconfig
import time

import torch
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, processors
from tokenizers import trainers
from tqdm import tqdm
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO, "lispe", "models", "default")
QA_PATH = os.path.join(REPO, "examples", "data", "lispe_qa.json")

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                  r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
BOS, EOS, HEADER_START, HEADER_END, EOT = ("<|begin_of_text|>", "<|end_of_text|>",
                                          "<|start_header_id|>", "<|end_header_id|>",
                                          "<|eot_id|>")
SPECIALS = [BOS, EOS, HEADER_START, HEADER_END, EOT]
SYSTEM_PROMPT = "You are a helpful assistant knowledgeable about programming languages."
CHAT_TEMPLATE = (
    "{{- bos_token }}{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
    " + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}")

SKIPPED_PARTS = {"test", "tests", "idlelib", "tkinter", "turtledemo", "lib2to3", "ensurepip",
                 "site-packages", "dist-packages", "pydoc_data", "__phello__", "distutils"}
C_MODULES = ["builtins", "math", "cmath", "itertools", "sys", "time", "array", "binascii",
             "zlib", "unicodedata", "errno", "gc", "marshal", "select"]


# text --------------------------------------------------------------------------------------

_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")


def clean_paragraphs(doc):
    """The prose paragraphs of a docstring: no doctests, no indented code, one line each."""
    out = []
    for block in re.split(r"\n\s*\n", doc):
        lines = block.split("\n")
        if any(line.lstrip().startswith((">>>", "...", "$ ")) for line in lines):
            continue
        if lines and lines[0].startswith((" ", "\t")):
            continue
        text = " ".join(line.strip() for line in lines)
        text = _LITERAL.sub(r"\1", _ROLE.sub(r"\1", text))
        text = re.sub(r"\s+", " ", text).strip()
        words = text.split()
        letters = sum(c.isalpha() or c == " " for c in text)
        if len(words) >= 5 and letters >= 0.75 * len(text) and not text.endswith(":"):
            out.append(text)
    return out


def stdlib_files():
    """The standard library's .py files, sorted, without tests, GUIs and vendored code."""
    root = sysconfig.get_paths()["stdlib"]
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_PARTS)
        found += [os.path.join(folder, f) for f in files if f.endswith(".py")]
    return sorted(found), root


def documented_nodes(path, root):
    """(qualified name, kind, docstring) for the module, classes and functions of one file."""
    module = os.path.relpath(path, root)[:-3].replace(os.sep, ".").removesuffix(".__init__")
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return []
    out = [(module, "module", ast.get_docstring(tree))]
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append((f"{module}.{node.name}", _kind(node), ast.get_docstring(node)))
            if isinstance(node, ast.ClassDef):
                out += [(f"{module}.{node.name}.{m.name}", "method", ast.get_docstring(m))
                        for m in node.body
                        if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return [(name, kind, doc) for name, kind, doc in out
            if doc and not name.split(".")[-1].startswith("_")]


def _kind(node):
    return "class" if isinstance(node, ast.ClassDef) else "function"


def c_module_nodes():
    """(qualified name, kind, docstring) for built-in C modules and their public members."""
    out = []
    for name in C_MODULES:
        module = importlib.import_module(name)
        out.append((name, "module", inspect.getdoc(module)))
        for member_name, member in sorted(vars(module).items()):
            if member_name.startswith("_") or inspect.ismodule(member):
                continue
            kind = "class" if inspect.isclass(member) else "function"
            out.append((f"{name}.{member_name}", kind, inspect.getdoc(member)))
            if inspect.isclass(member) and name == "builtins":
                out += [(f"{member_name}.{m}", "method", inspect.getdoc(v))
                        for m, v in sorted(vars(member).items())
                        if not m.startswith("_") and callable(v)]
    return [(n, k, d) for n, k, d in out if d]


def help_topics():
    """The help topics of pydoc (the Python language reference), as paragraphs."""
    from pydoc_data.topics import topics
    return [p for key in sorted(topics) for p in clean_paragraphs(topics[key])]


def chat(question, answer):
    """One exchange in the Llama 3 chat format used by the LispE LoRA examples."""
    return (f"{BOS}{HEADER_START}system{HEADER_END}\n\n{SYSTEM_PROMPT}{EOT}"
            f"{HEADER_START}user{HEADER_END}\n\n{question}{EOT}"
            f"{HEADER_START}assistant{HEADER_END}\n\n{answer}{EOT}")


QUESTIONS = {
    "module": ["What is the {name} module for?", "What does the {name} module provide?"],
    "class": ["What is {name}?", "What does the class {short} represent?"],
    "function": ["What does {name} do?", "How does the function {short} behave?"],
    "method": ["What does the method {name} do?", "What does {short} do?"],
}


def build_documents(seed, max_exchanges):
    """(prose documents, chat documents) in a fixed order."""
    rng = random.Random(seed)
    files, root = stdlib_files()
    nodes = [n for path in tqdm(files, desc="reading the standard library", unit="file")
             for n in documented_nodes(path, root)]
    nodes += c_module_nodes()
    prose, exchanges = [], []
    for name, kind, doc in nodes:
        paragraphs = clean_paragraphs(doc)
        if not paragraphs:
            continue
        prose.append("\n\n".join(paragraphs))
        if len(paragraphs[0]) <= 400:
            question = rng.choice(QUESTIONS[kind]).format(name=name, short=name.split(".")[-1])
            exchanges.append(chat(question, paragraphs[0]))
    prose += help_topics()
    with open(QA_PATH, encoding="utf-8") as f:
        prose += [entry["response"] for entry in json.load(f)] * 3
    return prose, rng.sample(exchanges, min(max_exchanges, len(exchanges)))


def held_out(text):
    """About one document in fifty, chosen by content, is kept for validation."""
    return hashlib.sha1(text.encode()).digest()[0] < 5


# tokenizer ---------------------------------------------------------------------------------

def train_tokenizer(texts, vocab_size):
    """Byte-level BPE in the Llama 3 layout: ordinary vocabulary, then the special tokens."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - len(SPECIALS), show_progress=True,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False)
                                  for s in SPECIALS])
    bos = tokenizer.token_to_id(BOS)
    tokenizer.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single=f"{BOS} $A", pair=f"{BOS} $A {BOS} $B",
                                      special_tokens=[(BOS, bos)])])
    return tokenizer


def token_stream(tokenizer, prose, exchanges):
    """One tensor of ids: each prose document framed by BOS/EOS, each exchange as written."""
    bos, eos = tokenizer.token_to_id(BOS), tokenizer.token_to_id(EOS)
    ids = []
    for encoding in tokenizer.encode_batch(prose, add_special_tokens=False):
        ids += [bos, *encoding.ids, eos]
    for encoding in tokenizer.encode_batch(exchanges, add_special_tokens=False):
        ids += encoding.ids
    return torch.tensor(ids, dtype=torch.long)


# model -------------------------------------------------------------------------------------

def model_config(tokenizer, args):
    return LlamaConfig(
        vocab_size=tokenizer.get_vocab_size(), hidden_size=args.hidden,
        intermediate_size=args.intermediate, num_hidden_layers=args.layers,
        num_attention_heads=args.hidden // 64, num_key_value_heads=args.hidden // 64,
        head_dim=64, max_position_embeddings=1024, rope_theta=10000.0, rms_norm_eps=1e-5,
        tie_word_embeddings=True, bos_token_id=tokenizer.token_to_id(BOS),
        eos_token_id=[tokenizer.token_to_id(EOS), tokenizer.token_to_id(EOT)])


def batches(stream, batch, length, rng):
    """Random windows of length + 1 tokens: inputs and next-token targets."""
    while True:
        starts = [rng.randrange(len(stream) - length - 1) for _ in range(batch)]
        windows = torch.stack([stream[s:s + length + 1] for s in starts])
        yield windows[:, :-1], windows[:, 1:]


def learning_rate(step, args):
    """Linear warm-up, then cosine decay to a tenth of the peak."""
    warmup = max(1, args.steps // 20)
    if step < warmup:
        return args.lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, args.steps - warmup)
    return args.lr * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))


def loss_of(model, inputs, targets):
    logits = model(input_ids=inputs).logits
    return torch.nn.functional.cross_entropy(logits.flatten(0, 1).float(), targets.flatten())


@torch.no_grad()
def evaluate(model, stream, args):
    """Mean loss over consecutive windows of the validation stream."""
    model.eval()
    n = (len(stream) - 1) // args.length
    losses = []
    for i in range(0, min(n, 64 * args.batch), args.batch):
        rows = range(i, min(i + args.batch, n))
        inputs = torch.stack([stream[r * args.length:(r + 1) * args.length] for r in rows])
        targets = torch.stack([stream[r * args.length + 1:(r + 1) * args.length + 1]
                               for r in rows])
        losses.append(loss_of(model, inputs, targets).item())
    model.train()
    return sum(losses) / len(losses)


def train(model, train_ids, val_ids, args):
    """AdamW with warm-up and cosine decay; returns (last training loss, validation loss)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95),
                                  weight_decay=0.1)
    data = batches(train_ids, args.batch, args.length, random.Random(args.seed))
    smoothed = None
    progress = tqdm(range(args.steps), desc="training", unit="step")
    for step in progress:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args)
        loss = loss_of(model, *next(data))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        smoothed = loss.item() if smoothed is None else 0.95 * smoothed + 0.05 * loss.item()
        progress.set_postfix(loss=f"{smoothed:.3f}")
    return smoothed, evaluate(model, val_ids, args)


# files -------------------------------------------------------------------------------------

def save(model, tokenizer, out, args):
    """Write the Hugging Face files; weights in float16, loaded as float32 by default."""
    os.makedirs(out, exist_ok=True)
    model.to(torch.float16).save_pretrained(out, safe_serialization=True)
    with open(os.path.join(out, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    config["dtype"] = "float32"
    _write_json(os.path.join(out, "config.json"), config)
    GenerationConfig(bos_token_id=model.config.bos_token_id,
                     eos_token_id=model.config.eos_token_id,
                     do_sample=False).save_pretrained(out)
    tokenizer.save(os.path.join(out, "tokenizer.json"))
    _write_json(os.path.join(out, "special_tokens_map.json"), {
        "bos_token": _token_entry(BOS), "eos_token": _token_entry(EOT)})
    _write_json(os.path.join(out, "tokenizer_config.json"), {
        "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": BOS, "eos_token": EOT,
        "model_max_length": 1024, "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"], "chat_template": CHAT_TEMPLATE,
        "added_tokens_decoder": {str(tokenizer.token_to_id(s)): {**_token_entry(s),
                                                                 "special": True}
                                 for s in SPECIALS}})


def _token_entry(content):
    return {"content": content, "lstrip": False, "normalized": False, "rstrip": False,
            "single_word": False}


def _write_json(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")


@torch.no_grad()
def samples(model, tokenizer, prompts, new_tokens=30):
    """Greedy continuations of `prompts`, for the build log."""
    model.eval()
    for prompt in prompts:
        ids = torch.tensor([tokenizer.encode(prompt).ids])
        out = model.generate(ids, max_new_tokens=new_tokens, do_sample=False)
        print(f"  {prompt!r} -> {tokenizer.decode(out[0, ids.shape[1]:].tolist())!r}")


# main --------------------------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--vocab", type=int, default=4096,
                        help="vocabulary size, specials included")
    parser.add_argument("--hidden", type=int, default=192, help="hidden size (a multiple of 64)")
    parser.add_argument("--intermediate", type=int, default=512, help="MLP size")
    parser.add_argument("--layers", type=int, default=4, help="decoder layers")
    parser.add_argument("--steps", type=int, default=1500, help="training steps")
    parser.add_argument("--batch", type=int, default=8, help="sequences per step")
    parser.add_argument("--length", type=int, default=128, help="tokens per sequence")
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate")
    parser.add_argument("--seed", type=int, default=1234, help="seed of every random choice")
    parser.add_argument("--exchanges", type=int, default=2000,
                        help="chat exchanges about the standard library")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (1 avoids spin-waiting on shared cores)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    start = time.time()
    prose, exchanges = build_documents(args.seed, args.exchanges)
    train_prose = [t for t in prose if not held_out(t)]
    val_prose = [t for t in prose if held_out(t)]
    print(f"documents: {len(prose)} prose ({sum(map(len, prose)) / 1e6:.2f} MB), "
          f"{len(exchanges)} chat exchanges, {len(val_prose)} held out")
    tokenizer = train_tokenizer(train_prose + exchanges, args.vocab)
    train_ids = token_stream(tokenizer, train_prose, exchanges)
    val_ids = token_stream(tokenizer, val_prose, [])
    print(f"tokens: {len(train_ids)} training, {len(val_ids)} validation")
    model = LlamaForCausalLM(model_config(tokenizer, args))
    print(f"parameters: {sum(p.numel() for p in model.parameters())}")
    train_loss, val_loss = train(model, train_ids, val_ids, args)
    tokens_seen = args.steps * args.batch * args.length
    print(f"final training loss {train_loss:.3f}, validation loss {val_loss:.3f}, "
          f"{tokens_seen} tokens seen, {time.time() - start:.0f} s")
    samples(model, tokenizer, ["The function returns", "A list is", "In LispE, a tensor"])
    save(model, tokenizer, args.out, args)
    size = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print(f"wrote {args.out} ({size / 1e6:.2f} MB)")


if __name__ == "__main__":
    sys.exit(main())
