"""lispe_torch Tokenization family (torch spec §3.23): the simple word tokenizer, SentencePiece
tokenizers (loading and training, with the `sentencepiece` library), encode / decode / vocab
size for both, and padding id sequences into a batch (the padding attention mask,
`torch_attention_mask`, lives with the Attention family in `attention.py`).

`SimpleTokenizer` is written here by hand because it is the original library's own scheme and
no package implements it: ASCII whitespace and punctuation bytes end words, punctuation bytes
are tokens of their own, words are ASCII-lower-cased, unknown tokens are added to the
vocabulary as they are met (the tokenizer grows on encode), and ids are framed by `<bos>` (2)
and `<eos>` (3) after `<pad>` (0) and `<unk>` (1).

SentencePiece tokenizers are `sentencepiece.SentencePieceProcessor`s used as they are: encode
gives plain ids (no BOS/EOS added), decode is SentencePiece's detokenisation.  Training passes
`hard_vocab_limit=false`, so a corpus too small for the requested vocabulary yields a smaller
one instead of failing (the seed manuals train 8000-piece vocabularies on a few lines), and
trains lossless models (identity normalisation, whitespace kept as is), so that decoding gives
back exactly the encoded text whenever its characters occur in the corpus.  Training writes
into a temporary folder beside the model; `<prefix>.model` and `<prefix>.vocab` are then each
renamed into place (`lispe/files.py`), so a kill during training leaves the previous model.

Not here: tiktoken (`lispe_tiktoken`), Hugging Face `tokenizers`, special-token handling
beyond the four ids above.
"""

import array
import os
import string
import tempfile

import torch

from ...errors import LispError
from ...files import atomic_write
from ...printer import register_printer
from ...registry import builtin
from ...values import register_type_name
from ._common import LIBRARY, backend_errors, describe

try:
    import sentencepiece
except ImportError:  # the library is a dependency; the message below is for broken installs
    sentencepiece = None

NO_SENTENCEPIECE = "Error: SentencePiece support not compiled. Install with: brew install sentencepiece"

_SPACE = frozenset(b" \t\n\v\f\r")
_PUNCT = frozenset(string.punctuation.encode())
_SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
PAD, UNK, BOS, EOS = range(4)


class SimpleTokenizer:
    """Word and punctuation tokens of UTF-8 bytes, with a vocabulary that grows on encode."""

    def __init__(self):
        self.tokens = list(_SPECIALS)
        self.ids = {token: i for i, token in enumerate(self.tokens)}

    def __len__(self):
        return len(self.tokens)

    def _id(self, token):
        if token not in self.ids:
            self.ids[token] = len(self.tokens)
            self.tokens.append(token)
        return self.ids[token]

    def words(self, text):
        """The tokens of `text`: lower-cased words and single punctuation characters."""
        out, word = [], bytearray()
        for byte in text.encode("utf-8"):
            if byte in _SPACE or byte in _PUNCT:
                if word:
                    out.append(word.decode("utf-8", "replace"))
                    word = bytearray()
                if byte in _PUNCT:
                    out.append(chr(byte))
            else:
                word.append(byte + 32 if 65 <= byte <= 90 else byte)
        if word:
            out.append(word.decode("utf-8", "replace"))
        return out

    def encode(self, text):
        """Ids of `text` framed by <bos> and <eos>; new tokens join the vocabulary."""
        return [BOS] + [self._id(w) for w in self.words(text)] + [EOS]

    def decode(self, ids):
        """Tokens joined by spaces, none before punctuation; pad/bos/eos and unknown ids skipped."""
        out = []
        for i in ids:
            if i in (PAD, BOS, EOS) or not 0 <= i < len(self.tokens):
                continue
            token = self.tokens[i]
            if out and token[0] not in string.punctuation:
                out.append(" ")
            out.append(token)
        return "".join(out)


class SentencePieceTokenizer:
    """A loaded SentencePiece model."""

    def __init__(self, path):
        self.path = path
        self.processor = sentencepiece.SentencePieceProcessor(model_file=path)

    def __len__(self):
        return self.processor.get_piece_size()

    def encode(self, text):
        """Plain piece ids of `text` (no BOS/EOS)."""
        return self.processor.encode(text)

    def decode(self, ids):
        """SentencePiece detokenisation of `ids`."""
        return self.processor.decode(ids)


register_printer(SimpleTokenizer, lambda t: f"Simple Tokenizer (vocab size: {len(t)})")
register_printer(SentencePieceTokenizer, lambda t: f"SentencePiece Tokenizer (vocab size: {len(t)})")
register_type_name(SimpleTokenizer, "torch_tokenizer_")
register_type_name(SentencePieceTokenizer, "torch_tokenizer_")

# argument checks ------------------------------------------------------------------------

_TOKENIZERS = (SimpleTokenizer, SentencePieceTokenizer)


def _check_tokenizer(value, fname, what="First argument"):
    if not isinstance(value, _TOKENIZERS):
        raise LispError(f"Error: {what} must be a tokenizer (in {fname}, got {describe(value)})")
    return value


def _check_string(value, fname, what):
    if not isinstance(value, str):
        raise LispError(f"Error in {fname}: {what} must be a string (got {describe(value)})")
    return value


def _id_list(value, fname):
    """A Python list of ints from a tensor, `integers`, a list of integers, or one integer."""
    if isinstance(value, torch.Tensor) and not value.is_floating_point():
        return value.flatten().tolist()
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, (list, array.array)) and all(
            isinstance(x, int) and not isinstance(x, bool) for x in value):
        return list(value)
    raise LispError(f"Error: Second argument must be a tensor, list, or integers of token IDs "
                    f"(in {fname}, got {describe(value)})")


def _require_sentencepiece():
    if sentencepiece is None:
        raise LispError(NO_SENTENCEPIECE)

# tokenizers -----------------------------------------------------------------------------


@builtin("torch_simple_tokenizer", library=LIBRARY)
def torch_simple_tokenizer():
    """A fresh word tokenizer (<pad> 0, <unk> 1, <bos> 2, <eos> 3) whose vocabulary grows on encode."""
    return SimpleTokenizer()


@builtin("torch_sentencepiece_tokenizer", library=LIBRARY)
def torch_sentencepiece_tokenizer(model_path=None):
    """Load a SentencePiece tokenizer from a .model file."""
    return _sentencepiece(model_path, "torch_sentencepiece_tokenizer")


def _sentencepiece(model_path, fname):
    if model_path is None:
        raise LispError("Error: model_path parameter required for SentencePiece tokenizer")
    _check_string(model_path, fname, "model_path")
    _require_sentencepiece()
    if not os.path.isfile(model_path):
        raise LispError("Error creating SentencePiece tokenizer: Failed to load SentencePiece "
                        f"model: {model_path}")
    with backend_errors("Error creating SentencePiece tokenizer: Failed to load SentencePiece "
                        f"model: {model_path}"):
        return SentencePieceTokenizer(model_path)


@builtin("torch_tokenizer_create", library=LIBRARY)
def torch_tokenizer_create(model_path=None):
    """A simple tokenizer, or with a path a SentencePiece tokenizer loaded from it."""
    if model_path is None:
        return torch_simple_tokenizer()
    return _sentencepiece(model_path, "torch_tokenizer_create")


@builtin("torch_train_sentencepiece", library=LIBRARY)
def torch_train_sentencepiece(input_file, model_prefix, vocab_size=None, model_type=None):
    """Train a SentencePiece model ("bpe", default, or "unigram"); writes <prefix>.model and .vocab."""
    fname = "torch_train_sentencepiece"
    if input_file is None or model_prefix is None:
        raise LispError("Error: input_file and model_prefix parameters required")
    _check_string(input_file, fname, "input_file")
    _check_string(model_prefix, fname, "model_prefix")
    vocab_size = 8000 if vocab_size is None else vocab_size
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size <= 4:
        raise LispError(f"Error in {fname}: vocab_size must be an integer above 4 "
                        f"(got {vocab_size if isinstance(vocab_size, int) else describe(vocab_size)})")
    model_type = "bpe" if model_type is None else _check_string(model_type, fname, "model_type")
    _require_sentencepiece()
    if not os.path.isfile(input_file):
        raise LispError(f"Error training SentencePiece model: input file not found: {input_file}")
    with backend_errors("Error training SentencePiece model"):
        _train(input_file, model_prefix, vocab_size, model_type)
    return f"Training completed successfully. Model saved as: {model_prefix}.model"


def _train(input_file, model_prefix, vocab_size, model_type):
    """Train into a temporary folder beside the prefix, then move both files into place."""
    parent = os.path.dirname(os.path.abspath(model_prefix))
    if not os.path.isdir(parent):
        raise LispError(f"Error training SentencePiece model: no such folder: {parent}")
    with tempfile.TemporaryDirectory(dir=parent, prefix=".sentencepiece-") as folder:
        trained = os.path.join(folder, "model")
        sentencepiece.SentencePieceTrainer.train(
            input=input_file, model_prefix=trained, vocab_size=vocab_size,
            model_type=model_type, character_coverage=1.0, pad_id=PAD, unk_id=UNK, bos_id=BOS,
            eos_id=EOS, hard_vocab_limit=False, normalization_rule_name="identity",
            remove_extra_whitespaces=False, minloglevel=2)
        for suffix in (".vocab", ".model"):
            with atomic_write(model_prefix + suffix) as temporary:
                os.replace(trained + suffix, temporary)

# encode / decode ------------------------------------------------------------------------


@builtin("torch_encode", library=LIBRARY, aliases=("torch_tokenizer_encode",))
def torch_encode(tokenizer, text):
    """The token ids of a text, as a 1-D int64 tensor."""
    fname = "torch_encode"
    _check_tokenizer(tokenizer, fname)
    _check_string(text, fname, "text")
    with backend_errors("Error encoding text"):
        return torch.tensor(tokenizer.encode(text), dtype=torch.int64)


@builtin("torch_decode", library=LIBRARY, aliases=("torch_tokenizer_decode",))
def torch_decode(tokenizer, token_ids):
    """The text of token ids (a tensor, integers, a list of integers, or one integer)."""
    fname = "torch_decode"
    _check_tokenizer(tokenizer, fname)
    ids = _id_list(token_ids, fname)
    with backend_errors("Error decoding tokens"):
        return tokenizer.decode(ids)


@builtin("torch_vocab_size", library=LIBRARY, aliases=("torch_tokenizer_get_vocab_size",))
def torch_vocab_size(tokenizer):
    """The tokenizer's vocabulary size (a simple tokenizer's grows as it encodes)."""
    return len(_check_tokenizer(tokenizer, "torch_vocab_size", "Argument"))

# batches --------------------------------------------------------------------------------


def _pad_id(value, fname):
    if value is None:
        return PAD
    if isinstance(value, bool) or not isinstance(value, int):
        raise LispError(f"Error in {fname}: pad_token must be an integer (got {describe(value)})")
    return value


def _sequence(value, fname):
    if isinstance(value, torch.Tensor):
        return value.flatten()
    if isinstance(value, (list, array.array)):
        ids = _id_list(value, fname) if len(value) else []
        return torch.tensor(ids, dtype=torch.int64)
    raise LispError(f"Error: All sequences must be tensors (in {fname}, got {describe(value)})")


@builtin("torch_pad_sequences", library=LIBRARY, aliases=("torch_pad_sequence",))
def torch_pad_sequences(sequences, max_length, pad_token=None):
    """A [count, max_length] tensor: each id sequence truncated or right-padded with pad_token (0)."""
    fname = "torch_pad_sequences"
    if not isinstance(sequences, list):
        raise LispError(f"Error: First argument must be a list of sequences (in {fname}, "
                        f"got {describe(sequences)})")
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 0:
        raise LispError(f"Error in {fname}: max_length must be a non-negative integer "
                        f"(got {max_length if isinstance(max_length, int) else describe(max_length)})")
    pad_token = _pad_id(pad_token, fname)
    rows = [_sequence(s, fname)[:max_length] for s in sequences]
    if not rows:
        return torch.zeros(0, max_length, dtype=torch.int64)
    with backend_errors("Error padding sequences"):
        dtype = rows[0].dtype
        for row in rows:
            dtype = torch.promote_types(dtype, row.dtype)
        if any(len(row) < max_length for row in rows):
            dtype = torch.promote_types(dtype, torch.int64)
        out = torch.full((len(rows), max_length), pad_token, dtype=dtype, device=rows[0].device)
        for i, row in enumerate(rows):
            out[i, :len(row)] = row
        return out

