"""lispe_torch Tokenization family: the simple tokenizer against the spec's rules, SentencePiece
training / encoding / decoding against the `sentencepiece` library on the same model files,
padding against torch, the documented errors, and the seed examples as LispE."""

import json
import pathlib

import pytest
import sentencepiece
import torch

from lispe import Lisp
from lispe.errors import LispError
from lispe.printer import to_string
from lispe.registry import load_library, lookup
from lispe.values import Integers, type_name

load_library("lispe_torch")

DATASET = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "tamgu_dataset.json"


def call(name, *args):
    return lookup(name).func(*args)


def raises(fragment, name, *args):
    with pytest.raises(LispError) as info:
        call(name, *args)
    assert fragment in str(info.value)


# simple tokenizer ------------------------------------------------------------------------

def test_simple_tokenizer_spec_example():
    tokenizer = call("torch_simple_tokenizer")
    assert to_string(tokenizer) == "Simple Tokenizer (vocab size: 4)"
    assert type_name(tokenizer) == "torch_tokenizer_"
    ids = call("torch_encode", tokenizer, "Hello world! This is a test.")
    assert ids.dtype == torch.int64 and ids.tolist() == [2, 4, 5, 6, 7, 8, 9, 10, 11, 3]
    assert call("torch_decode", tokenizer, ids) == "hello world! this is a test."
    assert call("torch_vocab_size", tokenizer) == 12
    assert to_string(tokenizer) == "Simple Tokenizer (vocab size: 12)"


def test_simple_tokenizer_grows_and_reuses_ids():
    tokenizer = call("torch_tokenizer_create")
    first = call("torch_tokenizer_encode", tokenizer, "The cat. THE CAT!").tolist()
    assert first == [2, 4, 5, 6, 4, 5, 7, 3]
    assert call("torch_tokenizer_get_vocab_size", tokenizer) == 8
    assert call("torch_encode", tokenizer, "cat dog").tolist() == [2, 5, 8, 3]


def test_simple_tokenizer_bytes_rules():
    tokenizer = call("torch_simple_tokenizer")
    ids = call("torch_encode", tokenizer, "Été\tà  Paris,déjà-vu\n").tolist()
    words = [tokenizer.tokens[i] for i in ids[1:-1]]
    assert words == ["Été", "à", "paris", ",", "déjà", "-", "vu"]  # non-ASCII kept, ASCII lowered
    assert call("torch_decode", tokenizer, ids) == "Été à paris, déjà- vu"
    assert call("torch_encode", tokenizer, "").tolist() == [2, 3]


def test_simple_tokenizer_decode_forms_and_skips():
    tokenizer = call("torch_simple_tokenizer")
    call("torch_encode", tokenizer, "a b")
    assert call("torch_decode", tokenizer, Integers([2, 4, 0, 5, 3])) == "a b"
    assert call("torch_decode", tokenizer, [1, 4, 99, -3]) == "<unk> a"
    assert call("torch_decode", tokenizer, 5) == "b"
    assert call("torch_tokenizer_decode", tokenizer, torch.tensor([[4], [5]])) == "a b"


def test_tokenizer_errors():
    tokenizer = call("torch_simple_tokenizer")
    raises("First argument must be a tokenizer", "torch_encode", "tok", "text")
    raises("text must be a string", "torch_encode", tokenizer, 12)
    raises("First argument must be a tokenizer", "torch_decode", None, [1])
    raises("Second argument must be a tensor, list, or integers of token IDs",
           "torch_decode", tokenizer, "1 2")
    raises("Second argument must be a tensor, list, or integers of token IDs",
           "torch_decode", tokenizer, torch.tensor([1.5]))
    raises("Argument must be a tokenizer", "torch_vocab_size", 3)


# SentencePiece ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Some 600 lines of the project's dataset: instructions and responses, code included."""
    lines = []
    for entry in json.loads(DATASET.read_text())[:300]:
        for field in ("instruction", "response"):
            lines += [line for line in entry[field].split("\n") if line.strip()]
    path = tmp_path_factory.mktemp("sp") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path, lines


@pytest.fixture(scope="module", params=["bpe", "unigram"])
def trained(request, corpus):
    path, lines = corpus
    prefix = str(path.parent / f"model_{request.param}")
    message = call("torch_train_sentencepiece", str(path), prefix, 150, request.param)
    assert message == f"Training completed successfully. Model saved as: {prefix}.model"
    return prefix + ".model", lines


def test_training_writes_model_and_vocab(trained):
    model_path, _ = trained
    assert pathlib.Path(model_path).is_file()
    assert pathlib.Path(model_path[:-len(".model")] + ".vocab").is_file()
    reference = sentencepiece.SentencePieceProcessor(model_file=model_path)
    assert [reference.id_to_piece(i) for i in range(4)] == ["<pad>", "<unk>", "<s>", "</s>"]
    assert reference.get_piece_size() == 150


def test_sentencepiece_encode_decode_match_the_library(trained):
    model_path, lines = trained
    tokenizer = call("torch_sentencepiece_tokenizer", model_path)
    reference = sentencepiece.SentencePieceProcessor(model_file=model_path)
    assert to_string(tokenizer) == "SentencePiece Tokenizer (vocab size: 150)"
    assert type_name(tokenizer) == "torch_tokenizer_"
    assert call("torch_vocab_size", tokenizer) == reference.get_piece_size()
    for line in lines[:50]:
        ids = call("torch_encode", tokenizer, line)
        assert ids.dtype == torch.int64 and ids.tolist() == reference.encode(line)
        assert call("torch_decode", tokenizer, ids) == reference.decode(ids.tolist())


def test_sentencepiece_round_trip_on_the_corpus(trained):
    model_path, lines = trained
    tokenizer = call("torch_tokenizer_create", model_path)
    for line in lines:
        assert call("torch_decode", tokenizer, call("torch_encode", tokenizer, line)) == line


def test_small_corpus_trains_a_smaller_vocabulary(tmp_path):
    corpus = tmp_path / "tiny.txt"
    corpus.write_text("Large corpus of text for training the tokenizer model")
    for model_type in ("bpe", "unigram"):
        prefix = str(tmp_path / model_type)
        call("torch_train_sentencepiece", str(corpus), prefix, 8000, model_type)
        size = call("torch_vocab_size", call("torch_sentencepiece_tokenizer", prefix + ".model"))
        assert 4 < size < 8000
    call("torch_train_sentencepiece", str(corpus), str(tmp_path / "default"))  # 8000, bpe
    assert (tmp_path / "default.model").is_file()


def test_sentencepiece_errors(tmp_path):
    raises("Error: model_path parameter required for SentencePiece tokenizer",
           "torch_sentencepiece_tokenizer")
    raises("Error creating SentencePiece tokenizer: Failed to load SentencePiece model: nowhere.model",
           "torch_sentencepiece_tokenizer", "nowhere.model")
    junk = tmp_path / "junk.model"
    junk.write_text("not a model")
    raises("Failed to load SentencePiece model", "torch_sentencepiece_tokenizer", str(junk))
    raises("Error: input_file and model_prefix parameters required", "torch_train_sentencepiece", None, "m")
    raises("Error training SentencePiece model: input file not found",
           "torch_train_sentencepiece", str(tmp_path / "none.txt"), str(tmp_path / "m"))
    corpus = tmp_path / "c.txt"
    corpus.write_text("some text\n" * 20)
    raises("Error training SentencePiece model:", "torch_train_sentencepiece",
           str(corpus), str(tmp_path / "m"), 100, "letters")
    raises("vocab_size must be an integer", "torch_train_sentencepiece", str(corpus), "m", "big")


# padding ---------------------------------------------------------------------------------

def reference_pad(sequences, max_length, pad):
    truncated = [s.flatten()[:max_length] for s in sequences]
    padded = torch.nn.utils.rnn.pad_sequence(truncated, batch_first=True, padding_value=pad)
    return torch.nn.functional.pad(padded, (0, max_length - padded.shape[1]), value=pad)


def test_pad_sequences_matches_torch():
    sequences = [torch.tensor([2, 4, 5, 3]), torch.tensor([2, 6, 7, 8, 9, 10, 3]), torch.tensor([[2, 3]])]
    for max_length, pad in ((5, 0), (10, 1), (2, 0)):
        out = call("torch_pad_sequences", sequences, max_length, pad)
        assert out.dtype == torch.int64 and out.shape == (3, max_length)
        assert torch.equal(out, reference_pad(sequences, max_length, pad))
    assert torch.equal(call("torch_pad_sequence", sequences, 6), reference_pad(sequences, 6, 0))


def test_pad_sequences_accepts_id_lists_and_promotes():
    out = call("torch_pad_sequences", [Integers([1, 2]), [3], torch.tensor([4, 5, 6])], 3)
    assert out.tolist() == [[1, 2, 0], [3, 0, 0], [4, 5, 6]]
    floats = call("torch_pad_sequences", [torch.tensor([1.5, 2.5])], 3)
    assert floats.dtype == torch.float32 and floats.tolist() == [[1.5, 2.5, 0.0]]
    assert call("torch_pad_sequences", [], 4).shape == (0, 4)


def test_pad_sequences_errors():
    raises("First argument must be a list of sequences", "torch_pad_sequences", torch.ones(3), 4)
    raises("All sequences must be tensors", "torch_pad_sequences", [torch.ones(2), "ids"], 4)
    raises("max_length must be a non-negative integer", "torch_pad_sequences", [torch.ones(2)], 2.5)
    raises("pad_token must be an integer", "torch_pad_sequences", [torch.ones(2)], 3, "x")


# the seeds, as LispE programs --------------------------------------------------------------

def run(code):
    return Lisp().eval("(use 'lispe_torch)\n" + code)


def test_seed_001_tokenizer_reference_examples(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = run(r"""
(setq tokenizer (torch_simple_tokenizer))
(println tokenizer)
(setq training_text (+ "Natural language processing is fascinating.\n"
                       "Machine learning models require tokenization.\n"
                       "SentencePiece provides subword units.\n"))
(fwrite "training_data.txt" training_text)
(setq result (torch_train_sentencepiece "training_data.txt" "my_model" 300 "bpe"))
(println result)
(setq simple_tokenizer (torch_simple_tokenizer))
(setq text "Hello world! This is a test.")
(setq tokens (torch_encode simple_tokenizer text))
(setq sp_tokenizer (torch_sentencepiece_tokenizer "my_model.model"))
(setq sp_tokens (torch_encode sp_tokenizer "Machine learning models"))
(setq decoded_text (torch_decode simple_tokenizer tokens))
(setq sp_decoded_text (torch_decode sp_tokenizer sp_tokens))
(setq seq1 (torch_tokenizer_encode tokenizer "Hello world!"))
(setq seq2 (torch_tokenizer_encode tokenizer "Short text."))
(setq padded (torch_pad_sequences (list seq1 seq2) 20))
(setq attention_mask (torch_create_attention_mask padded))
(list result decoded_text sp_decoded_text (tensor_shape padded) (torch_vocab_size simple_tokenizer))""")
    assert out[0] == "Training completed successfully. Model saved as: my_model.model"
    assert out[1] == "hello world! this is a test."
    assert out[2] == "Machine learning models"
    assert list(out[3]) == [2, 20] and out[4] == 12


def test_seed_001_sentencepiece_pipeline(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    run(r"""
(setq corpus (+ "Natural language processing enables computers to understand text.\n"
                "Machine learning models require sophisticated tokenization systems.\n"
                "SentencePiece provides subword tokenization for modern AI.\n"
                "Deep learning transformers revolutionize language understanding.\n"
                "Tokenization is the foundation of text processing pipelines.\n"))
(fwrite "training_corpus.txt" corpus)
(setq training_result (torch_train_sentencepiece "training_corpus.txt" "my_tokenizer" 200 "bpe"))
(println "Training result:" training_result)
(setq simple_tokenizer (torch_simple_tokenizer))
(setq sp_tokenizer (torch_sentencepiece_tokenizer "my_tokenizer.model"))
(setq test_text "Hello world! Natural language processing is amazing.")
(setq simple_tokens (torch_encode simple_tokenizer test_text))
(setq sp_tokens (torch_encode sp_tokenizer test_text))
(println "SentencePiece vocab size:" (torch_vocab_size sp_tokenizer))
(setq texts (list
    "Short text."
    "This is a longer sentence with more complex vocabulary."
    "Machine learning algorithms process natural language efficiently."))
(setq tokenized_texts (list))
(loop text texts
    (setq tokens (torch_encode sp_tokenizer text))
    (setq tokenized_texts (cons tokens tokenized_texts))
)
(setq max_length 25)
(setq padded_sequences (torch_pad_sequences (reverse tokenized_texts) max_length))
(setq attention_mask (torch_create_attention_mask padded_sequences))
(println "Padded sequences shape:" (torch_shape padded_sequences))
(setq vocab_size (torch_vocab_size sp_tokenizer))
(setq embedding (torch_embedding vocab_size 128))
(setq transformer (torch_transformer_block 128 8 256))
(setq embedded_sequences (torch_forward embedding padded_sequences))
(setq transformer_output (torch_forward transformer embedded_sequences))
(println "Transformer output shape:" (torch_shape transformer_output))
(setq verification_text "Test bidirectional encoding with SentencePiece.")
(setq encoded_verification (torch_encode sp_tokenizer verification_text))
(setq decoded_verification (torch_decode sp_tokenizer encoded_verification))
(println "Perfect reconstruction:" (= verification_text decoded_verification))""")
    out = capsys.readouterr().out
    assert "Padded sequences shape: (3 25)" in out
    assert "Transformer output shape: (3 25 128)" in out
    assert "Perfect reconstruction: true" in out


def test_seed_001_llama_preparation_trains_a_domain_tokenizer(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    size = run(r"""
(setq tokenizer nil)
(setq load_result
  (catch
    (setq tokenizer (torch_sentencepiece_tokenizer "llama3_tokenizer.model"))))
(setq domain_corpus (+
    "Instruction: Explain machine learning concepts in simple terms.\n"
    "Response: Machine learning is a type of artificial intelligence...\n"
    "Instruction: Write efficient Python code for data processing.\n"
    "Response: Here's an optimized Python function for data processing...\n"))
(fwrite "domain_corpus.txt" domain_corpus)
(println (torch_train_sentencepiece "domain_corpus.txt" "domain_tokenizer" 8000 "bpe"))
(setq tokenizer (torch_sentencepiece_tokenizer "domain_tokenizer.model"))
(setq processed_data (list))
(loop text (list "Instruction: Explain the transformer." "Response: Python code.")
    (setq processed_data (cons (torch_encode tokenizer text) processed_data)))
(setq padded_data (torch_pad_sequences (reverse processed_data) 512))
(setq attention_mask (torch_create_attention_mask padded_data))
(list (maybe load_result) (torch_vocab_size tokenizer) (tensor_shape attention_mask))""")
    assert size[0] is True and 4 < size[1] < 8000 and list(size[2]) == [2, 512]
    assert "Training completed successfully" in capsys.readouterr().out


def test_seed_004_transformer_pipeline_tokens():
    out = run("""
(setq tokenizer (torch_simple_tokenizer))
(setq text "The quick brown fox jumps over the lazy dog")
(setq tokens (torch_tokenizer_encode tokenizer text))
(setq padded_tokens (torch_pad_sequence (list tokens) 128))
(setq attention_mask (torch_create_attention_mask padded_tokens 0))
(list tokens padded_tokens attention_mask)""")
    tokens, padded, mask = out
    assert tokens.tolist() == [2, 4, 5, 6, 7, 8, 9, 4, 10, 11, 3]
    assert padded.shape == (1, 128) and padded[0, :11].tolist() == tokens.tolist()
    assert mask.sum().item() == 11


def test_seed_001_basic_and_domain_training(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = run(r"""
(setq training_data "Large corpus of text for training the tokenizer model")
(fwrite "training_corpus.txt" training_data)
(setq result (torch_train_sentencepiece "training_corpus.txt" "my_model" 8000 "bpe"))
(setq domain_corpus (+
    "Technical documentation requires specialized vocabulary handling.\n"
    "Software engineering terminology needs careful tokenization.\n"
    "API documentation contains structured text patterns.\n"
    "Code examples require preserving syntax elements.\n"))
(fwrite "domain_corpus.txt" domain_corpus)
(setq domain_result (torch_train_sentencepiece "domain_corpus.txt" "domain_model" 2000 "bpe"))
(setq domain_tokenizer (torch_sentencepiece_tokenizer "domain_model.model"))
(setq tokens (torch_encode domain_tokenizer "Technical documentation"))
(list result (torch_decode domain_tokenizer tokens) (size tokens))""")
    assert out[0] == "Training completed successfully. Model saved as: my_model.model"
    assert out[1] == "Technical documentation" and out[2] >= 1
