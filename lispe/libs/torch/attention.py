"""lispe_torch Attention (torch spec §3.1): multi-head attention (sequence-first, as in the
original), padding masks, the flash-attention module (batch-first) and the flash-attention
functions.

Every attention product goes through `torch.nn.functional.scaled_dot_product_attention`. On
CPU its flash kernel keeps memory linear in the sequence length for 4-D inputs, but 3-D
inputs fall back to the math kernel that materialises the full score matrix (measured: see
`bench/bench_flash_attention.py`), so `sdpa` below always hands SDPA a 4-D view.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import LispError
from ...printer import format_number
from ...registry import builtin
from ._common import LIBRARY, backend_errors, check_int, check_number, check_tensor, to_tensor
from ._modules import library_kind


def sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """`F.scaled_dot_product_attention` on a 4-D view of `[..., S, D]` inputs, so that CPU uses
    its memory-efficient (flash) kernel whatever the number of leading dimensions."""
    if query.dim() == 4:
        return F.scaled_dot_product_attention(query, key, value, attn_mask=attn_mask,
                                              dropout_p=dropout_p, is_causal=is_causal, scale=scale)
    lead = query.shape[:-2]
    q, k, v = (t.reshape(1, -1, *t.shape[-2:]) if t.dim() < 4 else t.reshape(-1, *t.shape[-3:])
               for t in (query, key, value))
    if attn_mask is not None and attn_mask.dim() > 2:
        square = attn_mask.shape[-2:]
        attn_mask = attn_mask.expand(*lead, *square).reshape(q.shape[0], -1, *square)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=dropout_p,
                                         is_causal=is_causal, scale=scale)
    return out.reshape(*lead, *out.shape[-2:])


class FlashAttention(nn.Module):
    """Batch-first multi-head attention `[B, S, E]`: q/k/v/out projections (Xavier-uniform
    weights) around SDPA; the dropout probability applies on every call, as in the original."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True):
        super().__init__()
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim = embed_dim // num_heads
        self.bias = bias
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        for layer in (self.q_proj, self.k_proj, self.v_proj, self.out_proj):
            nn.init.xavier_uniform_(layer.weight)

    def _heads(self, x):
        batch, length, _ = x.shape
        return x.view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, query, key=None, value=None, attn_mask=None, dropout_p=None):
        key = query if key is None else key
        value = key if value is None else value
        q = self._heads(self.q_proj(query))
        k = self._heads(self.k_proj(key))
        v = self._heads(self.v_proj(value))
        p = self.dropout if dropout_p is None else dropout_p
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=p)
        batch, length = query.shape[0], query.shape[1]
        return self.out_proj(out.transpose(1, 2).reshape(batch, length, self.embed_dim))


def _flash_text(fa):
    return (f"Flash Attention (embed_dim={fa.embed_dim}, num_heads={fa.num_heads}, "
            f"head_dim={fa.head_dim}, dropout={format_number(float(fa.dropout))}, "
            f"bias={'true' if fa.bias else 'false'})")


library_kind(nn.MultiheadAttention, "torch_attention_", "PyTorch Multi-Head Attention")
library_kind(FlashAttention, "torch_flash_attention_", _flash_text)


# multi-head attention (sequence-first) ----------------------------------------------------

@builtin("torch_multihead_attention", library=LIBRARY)
@backend_errors("Error creating multi-head attention")
def torch_multihead_attention(embed_dim, num_heads):
    """Create a sequence-first multi-head attention `[S, B, E]` (bias on, dropout 0)."""
    return nn.MultiheadAttention(check_int(embed_dim, "torch_multihead_attention", "embed_dim"),
                                 check_int(num_heads, "torch_multihead_attention", "num_heads"))


def _check_mha(attention, fname):
    if not isinstance(attention, nn.MultiheadAttention):
        raise LispError(f"Error: First argument must be a multi-head attention layer (in {fname})")


def _attend(attention, query, key, value, key_padding_mask=None):
    try:
        return attention(query, key, value, key_padding_mask=key_padding_mask, need_weights=False)[0]
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error in multi-head attention forward: {e}") from e


@builtin("torch_attention_forward", library=LIBRARY)
def torch_attention_forward(attention, query, key, value):
    """Multi-head attention of `[S_q, B, E]` queries over `[S_k, B, E]` keys and values."""
    _check_mha(attention, "torch_attention_forward")
    if not all(isinstance(t, torch.Tensor) for t in (query, key, value)):
        raise LispError("Error: Query, key, and value must be tensors (in torch_attention_forward)")
    return _attend(attention, query, key, value)


@builtin("torch_multihead_attention_forward", library=LIBRARY)
def torch_multihead_attention_forward(attention, query, key=None, value=None, mask=None):
    """Self-attention `(att x (mask))`, or `(att q k v (mask))`; mask 1 = token, 0 = padding."""
    fname = "torch_multihead_attention_forward"
    _check_mha(attention, fname)
    if value is None and mask is None:
        query, mask = query, key
        key = value = query
    if not all(isinstance(t, torch.Tensor) for t in (query, key, value)):
        raise LispError(f"Error: Query, key, and value must be tensors (in {fname})")
    padding = None if mask is None else _key_padding_mask(check_tensor(mask, fname, "mask"), key)
    return _attend(attention, query, key, value, padding)


def _key_padding_mask(mask, key):
    """`mask == 0` shaped `[N, L]` for a key `[L, N, E]` (a `[L, N]` mask is transposed)."""
    length = key.shape[0]
    batch = key.shape[1] if key.dim() == 3 else None
    shape = tuple(mask.shape)
    if batch is None and shape in ((length,), (1, length)):
        return mask.reshape(length) == 0
    if shape == (batch, length):
        return mask == 0
    if shape == (length, batch):
        return mask.t() == 0
    raise LispError("Error: attention mask shape does not match the key sequence "
                    f"(mask {list(shape)}, key {list(key.shape)})")


@builtin("torch_attention_mask", library=LIBRARY, aliases=("torch_create_attention_mask",))
def torch_attention_mask(sequences, pad_token=None):
    """Float32 mask of the same shape as `sequences`: 1.0 for real tokens, 0.0 for `pad_token` (0)."""
    if not isinstance(sequences, torch.Tensor):
        raise LispError("Error: First argument must be a tensor of sequences (in torch_attention_mask)")
    pad = 0 if pad_token is None else check_int(pad_token, "torch_attention_mask", "pad_token")
    try:
        return (sequences != pad).to(torch.float32)
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error creating attention mask: {e}") from e


# flash attention -------------------------------------------------------------------------

def _default_scale(query):
    """The original's scale `1/sqrt(E/h)`, `h` the largest integer <= 8 dividing `E`."""
    dim = query.shape[-1]
    heads = max(h for h in range(1, 9) if dim % h == 0)
    return 1.0 / math.sqrt(dim / heads)


def _scale_value(scale, fname):
    if scale is None:
        return None
    if isinstance(scale, torch.Tensor):
        return float(scale.reshape(-1)[0])
    if isinstance(scale, (list, tuple)) or hasattr(scale, "typecode"):
        return check_number(scale[0], fname, "scale")
    return check_number(scale, fname, "scale")


def _qkv(query, key, value, fname):
    return tuple(to_tensor(t, fname) for t in (query, key, value))


@builtin("torch_flash_attention", library=LIBRARY)
def torch_flash_attention(query, key, value, scale=None):
    """Memory-efficient `softmax(Q·Kᵀ·scale)·V` on `[..., S, D]` tensors (no mask, no dropout)."""
    q, k, v = _qkv(query, key, value, "torch_flash_attention")
    if q.dim() < 3:
        raise LispError("Error: Flash Attention requires at least 3D tensors (batch, seq_len, embed_dim)")
    s = _scale_value(scale, "torch_flash_attention")
    try:
        return sdpa(q, k, v, scale=_default_scale(q) if s is None else s)
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error in simple Flash Attention: {e}") from e


@builtin("torch_flash_attention_masked", library=LIBRARY)
def torch_flash_attention_masked(query, key, value, scale, mask):
    """`torch_flash_attention` with a mask broadcastable to `[..., S_q, S_k]`: non-zero = attend."""
    fname = "torch_flash_attention_masked"
    q, k, v = _qkv(query, key, value, fname)
    if q.dim() < 3:
        raise LispError("Error: Flash Attention requires at least 3D tensors (batch, seq_len, embed_dim)")
    allowed = to_tensor(mask, fname) != 0
    s = _scale_value(scale, fname)
    try:
        return sdpa(q, k, v, attn_mask=allowed, scale=_default_scale(q) if s is None else s)
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error in {fname}: {e}") from e


@builtin("torch_flash_attention_create", library=LIBRARY)
@backend_errors("Error creating Flash Attention")
def torch_flash_attention_create(embed_dim, num_heads, dropout=None, bias=True):
    """Create a batch-first flash-attention module (dropout 0.0; `false`/nil bias: no bias)."""
    fname = "torch_flash_attention_create"
    dim, heads = check_int(embed_dim, fname, "embed_dim"), check_int(num_heads, fname, "num_heads")
    if heads <= 0 or dim % heads:
        raise LispError(f"Error: embed_dim must be divisible by num_heads (in {fname})")
    p = 0.0 if dropout is None else check_number(dropout, fname, "dropout")
    return FlashAttention(dim, heads, p, bool(bias))


def _check_flash(module, fname):
    if not isinstance(module, FlashAttention):
        raise LispError(f"Error: First argument must be a Flash Attention module (in {fname})")


def _run_flash(module, query, key, value, prefix, fname, **options):
    q, k, v = _qkv(query, key, value, fname)
    try:
        return module(q, k, v, **options)
    except Exception as e:  # noqa: BLE001
        raise LispError(f"{prefix}{e}") from e


@builtin("torch_flash_attention_forward", library=LIBRARY)
def torch_flash_attention_forward(flash_attention, query, key, value):
    """Run a flash-attention module on `[B, S, E]` query, key and value."""
    _check_flash(flash_attention, "torch_flash_attention_forward")
    return _run_flash(flash_attention, query, key, value, "Error in Flash Attention forward: ",
                      "torch_flash_attention_forward")


@builtin("torch_flash_attention_with_mask", library=LIBRARY)
def torch_flash_attention_with_mask(flash_attention, query, key, value, attn_mask):
    """Flash-attention module with a mask given to SDPA as is (bool: True = attend; float: added)."""
    fname = "torch_flash_attention_with_mask"
    _check_flash(flash_attention, fname)
    mask = to_tensor(attn_mask, fname)
    if mask.is_floating_point():
        mask = mask.to(flash_attention.q_proj.weight.dtype)
    return _run_flash(flash_attention, query, key, value, "Error in Flash Attention with mask: ",
                      fname, attn_mask=mask)


@builtin("torch_flash_attention_with_dropout", library=LIBRARY)
def torch_flash_attention_with_dropout(flash_attention, query, key, value, dropout_p, training=True):
    """Flash-attention module with dropout `dropout_p`, applied when `training` is true."""
    fname = "torch_flash_attention_with_dropout"
    _check_flash(flash_attention, fname)
    p = check_number(dropout_p, fname, "dropout_p")
    return _run_flash(flash_attention, query, key, value, "Error in Flash Attention with dropout: ",
                      fname, dropout_p=p if training else 0.0)


@builtin("torch_scaled_dot_product_attention", library=LIBRARY)
def torch_scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=None,
                                       is_causal=None, scale=None):
    """PyTorch's scaled dot-product attention on `[B, H, S, D]` (bool mask True = attend)."""
    fname = "torch_scaled_dot_product_attention"
    q, k, v = _qkv(query, key, value, fname)
    mask = None if attn_mask is None else to_tensor(attn_mask, fname)
    if mask is not None and mask.is_floating_point():
        mask = mask.to(q.dtype)
    p = 0.0 if dropout_p is None else check_number(dropout_p, fname, "dropout_p")
    try:
        return sdpa(q, k, v, attn_mask=mask, dropout_p=p, is_causal=bool(is_causal),
                    scale=_scale_value(scale, fname))
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error in scaled dot product attention: {e}") from e
