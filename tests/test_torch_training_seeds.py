"""Every seed example of the nn, attention, encoding, model, optimizer, loss and persistence
families runs as a LispE program (read from ../shared/seeds, not copied).

Fragments that use names the seed defines elsewhere get those names from a short prelude;
the few textual fixes are listed with each case and say why. Programs run in a temporary
directory (they write .pt files)."""

import re
from pathlib import Path

import pytest
import torch

from lispe import Lisp


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One intra-op thread: on a loaded 2-core machine torch's thread pool spins and these
    whole-program tests get several times slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
S0, S1 = "000_975fcea83cd59122.txt", "001_961fca893dc73678.txt"
S2, S4 = "002_66dff8ecda1644e8.txt", "004_5f2f319f3079b1b0.txt"


def seed_block(filename, heading, index=0):
    """The `index`-th ```lisp block after the first heading line containing `heading`."""
    text = (SEEDS / filename).read_text(encoding="utf-8")
    start = re.search(r"^#+ .*" + re.escape(heading), text, re.M).start()
    return re.findall(r"```lisp\n(.*?)```", text[start:], re.S)[index]


# (id, seed file, [(heading, block index)], prelude, replacements, expected output pieces)
CASES = [
    ("S1 flash attention section", S1,
     [("torch_flash_attention_create:", 0), ("torch_flash_attention_forward:", 0),
      ("torch_flash_attention_with_mask:", 0), ("torch_flash_attention_with_dropout:", 0),
      ("torch_scaled_dot_product_attention:", 0), ("torch_flash_attention: (", 0)],
     # the forward example names its tensors `key`/`value` but passes `thekey`/`thevalue`;
     # the SDPA example says "Similar for k and v..." for k_transposed / v_transposed
     """(setq thekey (torch_zeros (integers 2 32 256))) (setq thevalue (torch_ones (integers 2 32 256)))
        (setq k_transposed (torch_transpose (torch_reshape thekey (integers 2 32 8 32)) 1 2))
        (setq v_transposed (torch_transpose (torch_reshape thevalue (integers 2 32 8 32)) 1 2))""",
     [], ["Flash Attention (embed_dim=256, num_heads=8, head_dim=32, dropout=0.1, bias=true)",
          "Output shape: (2 32 256)", "Flash attention output shape: (2 32 256)"]),
    ("S1 neural network models", S1,
     [("torch_model: (", 0), ("torch_embedding: (", 0), ("torch_multihead_attention: (", 0),
      ("torch_layer_norm: (", 0), ("torch_transformer_block: (", 0), ("torch_forward: (", 0)],
     "", [], ["PyTorch Model", "PyTorch Embedding", "PyTorch Multi-Head Attention",
              "PyTorch Layer Normalization", "PyTorch Transformer Block", "CPUFloatType{2}"]),
    ("S1 optimizers and losses", S1,
     [("torch_optimizer: (", 0), ("torch_optimizer_step: (", 0), ("torch_optimizer_zero_grad: (", 0),
      ("torch_mse_loss: (", 0), ("torch_crossentropy_loss: (", 0)],
     "(setq model (torch_model 4 64 2))", [], ["CPUFloatType{}"]),
    ("S1 backward", S1, [("torch_backward: (", 0)],
     """(setq predictions (torch_forward (torch_model 3 8 3) (torch_tensor (floats 1 2 3))))
        (setq targets (torch_tensor (floats 1.1 1.9 3.2)))""", [], []),
    ("S1 persistence", S1,
     [("torch_save_model: (", 0), ("torch_load_model: (", 0), ("torch_state_dict: (", 0),
      ("torch_load_state_dict: (", 0), ("torch_save_checkpoint: (", 0), ("torch_load_checkpoint: (", 0)],
     # `input` is a LispE keyword and cannot hold the example's input data
     "", [("new_linear input)", "new_linear (torch_randn (integers 3 512)))")], []),
    ("S1 positional encoding", S1,
     [("torch_positional_encoding: (", 0), ("torch_positional_encoding_forward: (", 0)], "", [], []),
    ("S2 flash attention quick start", S2, [("Flash Attention Quick Start", 0)], "", [], []),
    ("S2 rotary position embedding", S2, [("Rotary Position Embedding (RoPE)", 0)],
     # query/key/value/attention come from the surrounding text: [S, B, head_dim] tensors
     """(setq query (tensor_randn (integers 4 128 64))) (setq key (tensor_randn (integers 4 128 64)))
        (setq value (tensor_randn (integers 4 128 64))) (setq attention (torch_multihead_attention 64 8))""",
     [], []),
    ("S2 simple neural network", S2, [("Simple Neural Network", 0)], "", [], []),
    ("S2 complete text processing", S2, [("Complete Text Processing", 0)], "", [], []),
    ("S2 model persistence", S2, [("Model Persistence", 0)],
     """(setq my_model (torch_linear 8 4)) (setq model my_model) (setq epoch 3)
        (setq optimizer (torch_optimizer model 0.01 "adam"))""", [], []),
    ("S4 save, load, state dict, checkpoints", S4,
     [("Save Models", 1), ("Load Models", 1), ("State Dictionaries", 1), ("Advanced: Load State Dict", 0),
      ("Training Checkpoints", 0)],
     """(setq my_model (torch_model 4 8 2)) (setq model (torch_model 4 8 2)) (setq epoch 5)
        (setq optimizer (torch_optimizer model 0.01 "adam")) (setq path "ckpt.pt")
        (setq state_dict (torch_state_dict my_model))""", [], []),
    ("S4 positional encoding", S4, [("Create Positional Encoder", 1), ("Apply Positional Encoding", 0)],
     "(setq input_tensor (tensor_randn (integers 2 16 512)))", [], []),
    ("S4 production workflow", S4,
     [("1. Model Development", 0), ("2. Training Loop", 0), ("3. Model Export", 0),
      ("4. Production Deployment", 0), ("Memory-Efficient Loading", 0)],
     """(setq vocab_size 100) (setq embed_dim 16) (setq max_seq 32) (setq num_heads 4)
        (setq num_epochs 201) (setq model (torch_model 4 8 2))
        (setq optimizer (torch_optimizer model 0.01 "adam"))
        (setq embedding (torch_embedding vocab_size embed_dim))
        (setq attention (torch_multihead_attention embed_dim num_heads))
        (torch_save_model embedding "pre_trained_embedding.pt")""", [], []),
    ("S0 simple model creation", S0, [("Simple Model Creation", 0)], "", [], []),
    ("S0 transformer blocks", S0, [("Transformer Blocks", 0)], "", [], []),
    ("S0 flash attention", S0, [("Memory-Efficient Attention", 0), ("Flash Attention with Mask", 0)],
     "", [], ["Output shape: (2 8 4096 64)"]),
    ("S0 simple classification", S0, [("Example 1: Simple Classification", 0)],
     "", [], ["Epoch 40 Loss:"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_seed_example_runs(case, tmp_path, monkeypatch, capsys):
    _, filename, blocks, prelude, replacements, expected = case
    program = "\n".join(seed_block(filename, heading, index) for heading, index in blocks)
    for old, new in replacements:
        assert old in program
        program = program.replace(old, new)
    if "(defun train_mnist_classifier" in program:
        program += "\n(train_mnist_classifier)"
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    Lisp().eval("(use 'lispe_torch)\n" + prelude + "\n" + program)
    out = capsys.readouterr().out
    for piece in expected:
        assert piece in out
