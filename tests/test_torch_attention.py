"""lispe_torch Attention (torch spec §3.1): multi-head attention (sequence-first), padding
masks, flash attention (module and functions) against the naive softmax(QKᵀ)V computation
or torch's own modules on the same weights, printed forms and documented errors."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lispe import Lisp, LispError
from lispe.libs.torch import attention as att
from lispe.printer import to_string
from lispe.registry import lookup
from lispe.values import Floats, type_name


def fn(name):
    return lookup(name).func


def close(a, b, tol=1e-5):
    return torch.allclose(a, b, atol=tol, rtol=tol)


def naive(q, k, v, scale, allowed=None):
    scores = q @ k.transpose(-2, -1) * scale
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


# multi-head attention ---------------------------------------------------------------------

def test_multihead_attention_is_sequence_first_torch_module():
    mha = att.torch_multihead_attention(8, 2)
    assert isinstance(mha, nn.MultiheadAttention) and not mha.batch_first
    assert to_string(mha) == "PyTorch Multi-Head Attention" and type_name(mha) == "torch_attention_"
    q, k = torch.randn(3, 2, 8), torch.randn(5, 2, 8)
    v = torch.randn(5, 2, 8)
    assert close(att.torch_attention_forward(mha, q, k, v), mha(q, k, v)[0])
    with pytest.raises(LispError, match="Error creating multi-head attention: "):
        att.torch_multihead_attention(10, 3)
    with pytest.raises(LispError, match="must be a multi-head attention layer"):
        att.torch_attention_forward(nn.Linear(2, 2), q, k, v)
    with pytest.raises(LispError, match="Query, key, and value must be tensors"):
        att.torch_attention_forward(mha, q, k, [1])
    with pytest.raises(LispError, match="Error in multi-head attention forward: "):
        att.torch_attention_forward(mha, q, torch.randn(5, 2, 4), v)


def test_multihead_attention_forward_dispatch_and_padding_mask():
    mha = att.torch_multihead_attention(8, 2)
    x = torch.randn(4, 3, 8)                          # [L=4, N=3, E]
    assert close(att.torch_multihead_attention_forward(mha, x), mha(x, x, x)[0])
    q = torch.randn(2, 3, 8)
    assert close(att.torch_multihead_attention_forward(mha, q, x, x), mha(q, x, x)[0])
    ids = torch.tensor([[5, 6, 0, 0], [1, 2, 3, 0], [4, 4, 4, 4]])   # [N, L]
    mask = att.torch_attention_mask(ids)
    expected = mha(x, x, x, key_padding_mask=ids == 0)[0]
    assert close(att.torch_multihead_attention_forward(mha, x, mask), expected)
    assert close(att.torch_multihead_attention_forward(mha, x, mask.t()), expected)   # [L, N]
    assert close(att.torch_multihead_attention_forward(mha, x, x, x, mask), expected)
    with pytest.raises(LispError, match="attention mask shape does not match the key sequence"):
        att.torch_multihead_attention_forward(mha, x, torch.ones(2, 2))


def test_attention_mask_values_and_alias():
    ids = torch.tensor([[3, 0, 7], [9, 9, 0]])
    mask = att.torch_attention_mask(ids)
    assert mask.dtype == torch.float32 and torch.equal(mask, (ids != 0).float())
    assert torch.equal(fn("torch_create_attention_mask")(ids, 9), (ids != 9).float())
    with pytest.raises(LispError, match="First argument must be a tensor of sequences"):
        att.torch_attention_mask([1, 2])


# flash attention functions ------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(2, 4, 16, 8), (3, 10, 8), (1, 2, 3, 5, 8)])
def test_flash_attention_matches_naive(shape):
    torch.manual_seed(0)
    q, k, v = (torch.randn(*shape) for _ in range(3))
    scale = 1 / math.sqrt(8)
    assert close(att.torch_flash_attention(q, k, v, scale), naive(q, k, v, scale), 1e-4)
    assert close(att.torch_flash_attention(q, k, v, 0.3), naive(q, k, v, 0.3), 1e-4)


def test_flash_attention_default_scale_is_the_originals():
    q, k, v = (torch.randn(1, 2, 6, 12) for _ in range(3))
    # E = 12: largest h <= 8 dividing 12 is 6, so s = 1/sqrt(12/6)
    assert close(att.torch_flash_attention(q, k, v), naive(q, k, v, 1 / math.sqrt(2)), 1e-4)
    q64 = torch.randn(1, 1, 4, 64)
    assert close(att.torch_flash_attention(q64, q64, q64), naive(q64, q64, q64, 1 / math.sqrt(8)), 1e-4)


def test_flash_attention_accepts_lispe_data_and_checks_rank():
    data = [[[1.0, 0.0], [0.0, 1.0]]]
    out = att.torch_flash_attention(data, data, data, 1.0)
    t = torch.tensor(data, dtype=torch.float64)
    assert close(out, naive(t, t, t, 1.0))
    with pytest.raises(LispError, match="Flash Attention requires at least 3D tensors"):
        att.torch_flash_attention(Floats([1, 2]), Floats([1, 2]), Floats([1, 2]))
    with pytest.raises(LispError, match="Error in simple Flash Attention: "):
        att.torch_flash_attention(torch.randn(1, 2, 4), torch.randn(1, 3, 5), torch.randn(1, 3, 5))


def test_flash_attention_masked_with_causal_tril():
    q, k, v = (torch.randn(2, 2, 6, 4) for _ in range(3))
    tril = torch.tril(torch.ones(6, 6))
    expected = naive(q, k, v, 0.5, tril != 0)
    assert close(att.torch_flash_attention_masked(q, k, v, 0.5, tril), expected, 1e-4)
    per_batch = tril.expand(2, 1, 6, 6)
    assert close(att.torch_flash_attention_masked(q, k, v, 0.5, per_batch), expected, 1e-4)
    # default scale for D = 4: h = 4 divides 4, s = 1/sqrt(4/4) = 1
    assert close(att.torch_flash_attention_masked(q, k, v, None, tril), naive(q, k, v, 1.0, tril != 0), 1e-4)


def test_scaled_dot_product_attention_is_torchs():
    q, k, v = (torch.randn(2, 2, 5, 4) for _ in range(3))
    sdpa = att.torch_scaled_dot_product_attention
    assert close(sdpa(q, k, v), F.scaled_dot_product_attention(q, k, v))
    assert close(sdpa(q, k, v, None, 0.0, True), F.scaled_dot_product_attention(q, k, v, is_causal=True))
    boolean = torch.rand(5, 5) > 0.3
    boolean[:, 0] = True
    assert close(sdpa(q, k, v, boolean), F.scaled_dot_product_attention(q, k, v, attn_mask=boolean))
    additive = torch.randn(5, 5, dtype=torch.float64)
    assert close(sdpa(q, k, v, additive), F.scaled_dot_product_attention(q, k, v, attn_mask=additive.float()))
    for scale in (0.2, torch.tensor([0.2]), [0.2]):
        assert close(sdpa(q, k, v, None, 0.0, False, scale), F.scaled_dot_product_attention(q, k, v, scale=0.2))
    with pytest.raises(LispError, match="Error in scaled dot product attention: "):
        sdpa(q, torch.randn(2, 2, 5, 3), v)


# flash attention module -------------------------------------------------------------------

def reference_flash(fa, q, k, v, mask=None):
    def heads(x):
        return x.view(x.shape[0], x.shape[1], fa.num_heads, fa.head_dim).transpose(1, 2)
    out = F.scaled_dot_product_attention(heads(fa.q_proj(q)), heads(fa.k_proj(k)),
                                         heads(fa.v_proj(v)), attn_mask=mask)
    return fa.out_proj(out.transpose(1, 2).reshape(q.shape[0], q.shape[1], fa.embed_dim))


def test_flash_module_structure_and_print():
    fa = att.torch_flash_attention_create(256, 8, 0.1, True)
    assert to_string(fa) == "Flash Attention (embed_dim=256, num_heads=8, head_dim=32, dropout=0.1, bias=true)"
    assert type_name(fa) == "torch_flash_attention_"
    plain = att.torch_flash_attention_create(16, 4)
    assert to_string(plain) == "Flash Attention (embed_dim=16, num_heads=4, head_dim=4, dropout=0, bias=true)"
    no_bias = att.torch_flash_attention_create(16, 4, 0.0, False)
    assert no_bias.q_proj.bias is None and to_string(no_bias).endswith("bias=false)")
    bound = math.sqrt(6 / 32)
    assert float(plain.q_proj.weight.detach().abs().max()) <= bound
    with pytest.raises(LispError, match="embed_dim must be divisible by num_heads"):
        att.torch_flash_attention_create(10, 4)


def test_flash_module_forward_mask_dropout():
    fa = att.torch_flash_attention_create(16, 4)
    q, k, v = (torch.randn(2, 5, 16) for _ in range(3))
    assert close(att.torch_flash_attention_forward(fa, q, k, v), reference_flash(fa, q, k, v))
    allowed = torch.tril(torch.ones(5, 5, dtype=torch.bool))
    assert close(att.torch_flash_attention_with_mask(fa, q, k, v, allowed), reference_flash(fa, q, k, v, allowed))
    ones = torch.ones(2, 4, 5, 5)        # a float mask is added: ones change nothing
    assert close(att.torch_flash_attention_with_mask(fa, q, k, v, ones), reference_flash(fa, q, k, v))
    assert close(att.torch_flash_attention_with_dropout(fa, q, k, v, 0.9, False), reference_flash(fa, q, k, v))
    torch.manual_seed(3)
    dropped = att.torch_flash_attention_with_dropout(fa, q, k, v, 0.5)
    assert not close(dropped, reference_flash(fa, q, k, v))
    with pytest.raises(LispError, match="must be a Flash Attention module"):
        att.torch_flash_attention_forward(nn.Linear(2, 2), q, k, v)
    with pytest.raises(LispError, match="Error in Flash Attention forward: "):
        att.torch_flash_attention_forward(fa, torch.randn(2, 5, 8), k, v)
    with pytest.raises(LispError, match="Error in Flash Attention with mask: "):
        att.torch_flash_attention_with_mask(fa, q, k, v, torch.ones(3, 3, dtype=torch.bool))


def test_flash_module_dropout_applies_every_call():
    fa = att.torch_flash_attention_create(8, 2, 0.5)
    x = torch.randn(1, 6, 8)
    torch.manual_seed(1)
    a = att.torch_flash_attention_forward(fa, x, x, x)
    torch.manual_seed(2)
    b = att.torch_flash_attention_forward(fa, x, x, x)
    assert not close(a, b)


def test_attention_from_lispe():
    lisp = Lisp()
    out = lisp.eval("""(use 'lispe_torch)
        (setq q (tensor_randn (integers 1 2 8 4)))
        (torch_flash_attention q q q 0.5)""")
    q = lisp.eval("q")
    assert close(out, naive(q, q, q, 0.5), 1e-4)
    assert lisp.eval('(string (torch_flash_attention_create 8 2 0.25 false))') == \
        "Flash Attention (embed_dim=8, num_heads=2, head_dim=4, dropout=0.25, bias=false)"
