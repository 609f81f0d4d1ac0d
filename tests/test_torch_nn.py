"""lispe_torch layers, encodings and the MLP (torch spec §3.3, §3.11, §3.12): each function
against the same computation done with torch on the same weights, printed forms, type
atoms, zero-argument forms, and documented errors."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lispe import Lisp, LispError
from lispe.libs.torch import encoding, model, nn as lnn
from lispe.printer import to_string
from lispe.registry import lookup
from lispe.values import Integers, type_name


@pytest.fixture
def lisp():
    interpreter = Lisp()
    interpreter.eval("(use 'lispe_torch)")
    return interpreter


def fn(name):
    """The Python function registered under a LispE name (aliases included)."""
    return lookup(name).func


def close(a, b, tol=1e-6):
    return torch.allclose(a, b, atol=tol, rtol=tol)


# linear, layer norm -----------------------------------------------------------------------

def test_linear_forward_matches_torch():
    layer = lnn.torch_linear(5, 3)
    x = torch.randn(4, 5)
    assert isinstance(layer, nn.Linear) and layer.weight.shape == (3, 5)
    assert close(lnn.torch_linear_forward(layer, x), x @ layer.weight.T + layer.bias)


def test_linear_forward_casts_float64_input():
    layer = lnn.torch_linear(2, 1)
    x = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    assert close(lnn.torch_linear_forward(layer, x), F.linear(x.float(), layer.weight, layer.bias))


def test_layer_norm_integer_or_list():
    x = torch.randn(3, 6)
    for shape in (6, [6], Integers([6])):
        norm = lnn.torch_layer_norm(shape)
        assert close(lnn.torch_layer_norm_forward(norm, x), F.layer_norm(x, (6,), eps=1e-5), 1e-5)
    norm2 = lnn.torch_layer_norm([2, 3])
    y = torch.randn(4, 2, 3)
    assert close(lnn.torch_layer_norm_forward(norm2, y), F.layer_norm(y, (2, 3)), 1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda: lnn.torch_linear_forward("x", torch.ones(2)), "First argument must be a linear layer"),
    (lambda: lnn.torch_linear_forward(nn.Linear(2, 2), [1, 2]), "Second argument must be a tensor"),
    (lambda: lnn.torch_linear_forward(nn.Linear(2, 2), torch.ones(3)), "Error in linear forward: "),
    (lambda: lnn.torch_linear(2.5, 3), "torch_linear"),
    (lambda: lnn.torch_linear(-2, 3), "Error creating linear layer: "),
    (lambda: lnn.torch_layer_norm_forward(nn.Linear(2, 2), torch.ones(2)), "must be a layer norm"),
    (lambda: lnn.torch_layer_norm_forward(nn.LayerNorm(4), torch.ones(3)), "Error in layer norm forward: "),
    (lambda: lnn.torch_layer_norm("abc"), "torch_layer_norm"),
    (lambda: lnn.torch_transformer_block(10, 3, 8), "Error creating transformer block: "),
    (lambda: lnn.torch_transformer_forward(nn.Linear(2, 2), torch.ones(2)), "must be a transformer block"),
])
def test_layer_errors(call, message):
    with pytest.raises(LispError, match=message.replace("(", r"\(")):
        call()


# transformer block --------------------------------------------------------------------------

def reference_block(block, x, blocked=None):
    attn = block.self_attention
    e = x.shape[-1]
    w, b = attn.in_proj_weight, attn.in_proj_bias
    attended = F.multi_head_attention_forward(
        x, x, x, e, attn.num_heads, w, b, None, None, False, 0.0,
        attn.out_proj.weight, attn.out_proj.bias, training=False, need_weights=False,
        attn_mask=blocked)[0]
    y = F.layer_norm(x + attended, (e,), block.norm1.weight, block.norm1.bias)
    hidden = F.relu(F.linear(y, block.ffn1.weight, block.ffn1.bias))
    return F.layer_norm(y + F.linear(hidden, block.ffn2.weight, block.ffn2.bias), (e,),
                        block.norm2.weight, block.norm2.bias)


def test_transformer_block_structure_and_forward():
    block = lnn.torch_transformer_block(16, 4, 32)
    names = [n for n, _ in block.named_parameters()]
    assert names[:2] == ["self_attention.in_proj_weight", "self_attention.in_proj_bias"]
    assert {"norm1.weight", "norm2.bias", "ffn1.weight", "ffn2.bias"} <= set(names)
    x = torch.randn(5, 2, 16)   # [S, B, E]
    assert close(lnn.torch_transformer_forward(block, x), reference_block(block, x), 1e-5)
    unbatched = torch.randn(5, 16)
    assert lnn.torch_transformer_forward(block, unbatched).shape == (5, 16)


def test_transformer_block_masks():
    block = lnn.torch_transformer_block(8, 2, 16)
    x = torch.randn(4, 3, 8)
    causal = torch.tril(torch.ones(4, 4))
    expected = reference_block(block, x, causal == 0)
    assert close(lnn.torch_transformer_forward(block, x, causal), expected, 1e-5)
    per_batch = causal.expand(3, 4, 4)
    assert close(fn("torch_transformer_block_forward")(block, x, per_batch), expected, 1e-5)
    ones = torch.ones(4, 4)
    assert close(lnn.torch_transformer_forward(block, x, ones), reference_block(block, x), 1e-5)


def test_transformer_block_batch_first_mask_as_in_seed():
    block = lnn.torch_transformer_block(8, 2, 16)
    x = torch.randn(3, 5, 8)          # the seed's [batch, seq, dim]
    mask = torch.tril(torch.ones(5, 5)).expand(3, 5, 5)
    turned = x.transpose(0, 1)
    expected = reference_block(block, turned, (torch.tril(torch.ones(5, 5)) == 0)).transpose(0, 1)
    assert close(lnn.torch_transformer_forward(block, x, mask), expected, 1e-5)
    with pytest.raises(LispError, match="Error in transformer block forward: mask"):
        lnn.torch_transformer_forward(block, x, torch.ones(7, 7))


# embeddings and encodings ----------------------------------------------------------------

def test_embedding_lookup_and_id_dtypes():
    emb = encoding.torch_embedding(10, 4)
    ids = torch.tensor([[1, 2, 9]])
    assert close(encoding.torch_embedding_forward(emb, ids), emb.weight[ids])
    assert close(encoding.torch_embedding_forward(emb, ids.to(torch.int16)), emb.weight[ids])
    assert fn("torch_embedding_create")(3, 2).weight.shape == (3, 2)
    with pytest.raises(LispError, match="Error in embedding forward: "):
        encoding.torch_embedding_forward(emb, torch.tensor([10]))
    with pytest.raises(LispError, match="must be an embedding layer"):
        encoding.torch_embedding_forward(nn.Linear(2, 2), ids)
    with pytest.raises(LispError, match="Second argument must be a tensor"):
        encoding.torch_embedding_forward(emb, [1, 2])


def sinusoid_table(length, d):
    pe = torch.zeros(length, d)
    for p in range(length):
        for i in range(0, d, 2):
            angle = p / (10000 ** (i / d))
            pe[p, i] = math.sin(angle)
            pe[p, i + 1] = math.cos(angle)
    return pe


def test_positional_encoding_table_and_layouts():
    pe = encoding.torch_positional_encoding(6, 10)
    table = sinusoid_table(10, 6)
    assert pe.pe.shape == (10, 1, 6) and close(pe.pe[:, 0, :], table, 1e-5)
    assert encoding.torch_positional_encoding(4).pe.shape == (5000, 1, 4)
    assert not any(True for _ in pe.parameters())
    x3 = torch.randn(3, 4, 6)          # dimension 0 is the position axis (original's behaviour)
    assert close(encoding.torch_positional_forward(pe, x3), x3 + table[:3].unsqueeze(1), 1e-5)
    x2 = torch.randn(4, 6)
    assert close(fn("torch_positional_encoding_forward")(pe, x2), x2 + table[:4], 1e-5)
    with pytest.raises(LispError, match="Error in positional encoding forward: length 11"):
        encoding.torch_positional_forward(pe, torch.randn(11, 6))
    with pytest.raises(LispError, match="Error creating positional encoding: "):
        encoding.torch_positional_encoding(5, 10)
    with pytest.raises(LispError, match="must be a positional encoding"):
        encoding.torch_positional_forward(nn.Linear(1, 1), x2)


def test_rotary_tables_grow_and_print():
    rope = encoding.torch_rotary_embedding(8, 16)
    assert to_string(rope) == "PyTorch Rotary Embedding (dim=8, max_seq_len=16)"
    assert to_string(encoding.torch_rotary_embedding(64)) == "PyTorch Rotary Embedding (dim=64, max_seq_len=8192)"
    cos, sin = encoding.torch_rotary_forward(rope, 5)
    inv_freq = 1.0 / (10000 ** (torch.arange(0, 8, 2).float() / 8))
    freqs = torch.outer(torch.arange(5).float(), inv_freq)
    emb = torch.cat((freqs, freqs), -1)
    assert cos.dtype == torch.float32 and close(cos, emb.cos()) and close(sin, emb.sin())
    cos40, _ = encoding.torch_rotary_forward(rope, 40, "cpu")
    assert cos40.shape == (40, 8) and to_string(rope).endswith("max_seq_len=40)")
    with pytest.raises(LispError, match="unknown device"):
        encoding.torch_rotary_forward(rope, 4, "tpu")
    with pytest.raises(LispError, match="must be a rotary embedding"):
        encoding.torch_rotary_forward(nn.Linear(1, 1), 4)


def test_apply_rotary_matches_transformers():
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb
    rope = encoding.torch_rotary_embedding(16)
    cos, sin = encoding.torch_rotary_forward(rope, 7)
    q, k = torch.randn(2, 3, 7, 16), torch.randn(2, 3, 7, 16)
    ref_q, ref_k = apply_rotary_pos_emb(q, k, cos.unsqueeze(0), sin.unsqueeze(0))
    assert close(encoding.torch_apply_rotary_pos_emb(q, cos, sin), ref_q, 1e-6)
    assert close(encoding.torch_apply_rotary_pos_emb(k, cos, sin), ref_k, 1e-6)
    with pytest.raises(LispError, match="All arguments must be tensors"):
        encoding.torch_apply_rotary_pos_emb(q, cos, [1])
    with pytest.raises(LispError, match="Error applying rotary position embedding: "):
        encoding.torch_apply_rotary_pos_emb(q, cos[:3], sin[:3])


# MLP and the generic forward -------------------------------------------------------------

def test_mlp_structure_and_forward():
    mlp = model.torch_model(4, 8, 2)
    assert [n for n, _ in mlp.named_parameters()] == [
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]
    x = torch.randn(3, 4)
    expected = mlp.fc3(torch.relu(mlp.fc2(torch.relu(mlp.fc1(x)))))
    assert close(model.torch_forward(mlp, x), expected)
    assert close(model.torch_model_forward(mlp, x), expected)
    with pytest.raises(LispError, match="Error creating model: "):
        model.torch_model(4, -1, 2)


def test_forward_runs_every_module_kind():
    from lispe.libs.torch import attention, checkpointing
    x = torch.randn(3, 2, 8)
    mha = attention.torch_multihead_attention(8, 2)
    assert close(model.torch_forward(mha, x), mha(x, x, x)[0])
    flash = attention.torch_flash_attention_create(8, 2)
    assert close(model.torch_forward(flash, x), flash(x, x, x))
    block = lnn.torch_transformer_block(8, 2, 16)
    assert close(model.torch_forward(block, x), block(x))
    emb = encoding.torch_embedding(5, 8)
    ids = torch.tensor([[0, 4]], dtype=torch.int32)
    assert close(model.torch_forward(emb, ids), emb.weight[ids.long()])
    pe = encoding.torch_positional_encoding(8, 10)
    assert close(model.torch_forward(pe, x), pe(x))
    norm = lnn.torch_layer_norm(8)
    assert close(model.torch_forward(norm, x), norm(x))
    wrapped = checkpointing.torch_checkpoint_create(nn.Linear(8, 3))
    assert close(model.torch_forward(wrapped, x), wrapped.module(x))
    with pytest.raises(LispError, match="First argument must be a model"):
        model.torch_forward("model", x)
    with pytest.raises(LispError, match="Second argument must be a tensor"):
        model.torch_forward(norm, [1.0])
    with pytest.raises(LispError, match="Error in forward pass: "):
        model.torch_forward(norm, torch.randn(2, 3))


def test_zero_argument_forms_read_caller_variables(lisp):
    out = lisp.eval("""
        (setq input_size 3) (setq hidden_size 5) (setq output_size 2)
        (setq model (torch_model_create))
        (setq input_data (tensor_create (floats 1 2 3)))
        (torch_model_forward)""")
    mlp = lisp.eval("model")
    assert isinstance(mlp, model.MLP) and mlp.fc1.in_features == 3 and mlp.fc2.out_features == 5
    assert close(out, mlp(torch.tensor([1.0, 2.0, 3.0])))
    inside = lisp.eval("""
        (defun build () (setq input_size 2) (setq hidden_size 4) (setq output_size 1) (torch_model_create))
        (build)""")
    assert inside.fc1.in_features == 2 and inside.fc3.out_features == 1
    with pytest.raises(LispError, match="missing argument"):
        Lisp().eval("(use 'lispe_torch) (torch_model_forward)")


# printed forms and type atoms ------------------------------------------------------------

@pytest.mark.parametrize("expr, text, atom", [
    ("(torch_model 2 3 1)", "PyTorch Model", "torch_model_"),
    ("(torch_linear 2 3)", "PyTorch Linear Layer", "torch_linear_"),
    ("(torch_embedding 10 4)", "PyTorch Embedding", "torch_embedding_"),
    ("(torch_layer_norm 4)", "PyTorch Layer Normalization", "torch_layernorm_"),
    ("(torch_transformer_block 8 2 16)", "PyTorch Transformer Block", "torch_transformer_block_"),
    ("(torch_positional_encoding 8 16)", "PyTorch Positional Encoding", "torch_positional_encoding_"),
    ("(torch_rotary_embedding 8 16)", "PyTorch Rotary Embedding (dim=8, max_seq_len=16)",
     "torch_rotary_embedding_"),
])
def test_printed_forms_and_types(lisp, expr, text, atom):
    value = lisp.eval(expr)
    assert to_string(value) == text and type_name(value) == atom
    assert lisp.eval(f"(string {expr})") == text
    assert str(lisp.eval(f"(type {expr})")) == atom


def test_lispe_layers_compute_like_torch(lisp):
    out = lisp.eval("""
        (setq linear (torch_linear 3 2))
        (setq x (tensor_create (floats 1 2 3)))
        (torch_linear_forward linear x)""")
    linear = lisp.eval("linear")
    assert close(out, linear(torch.tensor([1.0, 2.0, 3.0])))
