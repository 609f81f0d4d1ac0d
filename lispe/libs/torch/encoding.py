"""lispe_torch Embedding and Encoding (torch spec §3.3): token embeddings, the sinusoidal
positional encoding, rotary position embedding (RoPE) tables and their application.

Embeddings are plain `nn.Embedding`s. `PositionalEncoding` and `RotaryEmbedding` are small
modules written here because torch has no ready-made equivalent with the original's layout;
the positional encoding keeps the original's quirk of adding along dimension 0.
"""

import math

import torch
from torch import nn

from ...errors import LispError
from ...registry import builtin
from ._common import LIBRARY, backend_errors, check_int, check_tensor, resolve_device
from ._modules import library_kind


class PositionalEncoding(nn.Module):
    """Sinusoidal table `pe[p, 2i] = sin(p·10000^(−2i/d))`, `pe[p, 2i+1] = cos(...)`, stored as a
    `[max_len, 1, d_model]` buffer and added along dimension 0 of the input."""

    def __init__(self, d_model, max_len=5000):
        super().__init__()
        position = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32)
                             * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(1))

    def forward(self, x):
        length = x.size(0)
        if length > self.pe.size(0):
            raise LispError(f"Error in positional encoding forward: length {length} exceeds "
                            f"max_len {self.pe.size(0)}")
        if x.dim() == 2:
            return x + self.pe[:length, 0, :]
        return x + self.pe[:length]


class RotaryEmbedding(nn.Module):
    """RoPE tables: `inv_freq = 1/10000^(arange(0, dim, 2)/dim)`, cos/sin of
    `cat(t⊗inv_freq, t⊗inv_freq)` for positions `t < max_seq_len`, grown on demand."""

    def __init__(self, dim, max_seq_len=8192):
        super().__init__()
        self.dim = dim
        inv_freq = 1.0 / (10000 ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self._build(max_seq_len)

    def _build(self, length):
        self.max_seq_len = length
        t = torch.arange(length, dtype=torch.float32)
        freqs = torch.outer(t, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos_cached", emb.cos(), persistent=False)
        self.register_buffer("sin_cached", emb.sin(), persistent=False)

    def forward(self, seq_len, device=None):
        if seq_len > self.max_seq_len:
            self._build(seq_len)
        cos, sin = self.cos_cached[:seq_len], self.sin_cached[:seq_len]
        if device is not None:
            cos, sin = cos.to(device), sin.to(device)
        return [cos, sin]


library_kind(nn.Embedding, "torch_embedding_", "PyTorch Embedding")
library_kind(PositionalEncoding, "torch_positional_encoding_", "PyTorch Positional Encoding")
library_kind(RotaryEmbedding, "torch_rotary_embedding_",
             lambda r: f"PyTorch Rotary Embedding (dim={r.dim}, max_seq_len={r.max_seq_len})")

_ID_DTYPES = (torch.int64, torch.int32)


@builtin("torch_embedding", library=LIBRARY, aliases=("torch_embedding_create",))
@backend_errors("Error creating embedding")
def torch_embedding(num_embeddings, embedding_dim):
    """Create an embedding table of `num_embeddings` vectors of size `embedding_dim` (N(0,1))."""
    return nn.Embedding(check_int(num_embeddings, "torch_embedding", "num_embeddings"),
                        check_int(embedding_dim, "torch_embedding", "embedding_dim"))


def embed(embedding, ids, prefix):
    """Look `ids` up in `embedding` (integer ids of any integer dtype)."""
    if ids.dtype not in _ID_DTYPES:
        if ids.is_floating_point() or ids.dtype == torch.bool:
            raise LispError(f"{prefix}token ids must be integers (got {ids.dtype})")
        ids = ids.long()
    try:
        return embedding(ids)
    except Exception as e:  # noqa: BLE001
        raise LispError(f"{prefix}{e}") from e


@builtin("torch_embedding_forward", library=LIBRARY)
def torch_embedding_forward(embedding, input_data):
    """Look token ids up: returns a tensor `ids.shape + [embedding_dim]`."""
    if not isinstance(embedding, nn.Embedding):
        raise LispError("Error: First argument must be an embedding layer (in torch_embedding_forward)")
    check_tensor(input_data, "torch_embedding_forward", "Second argument")
    return embed(embedding, input_data, "Error in embedding forward: ")


@builtin("torch_positional_encoding", library=LIBRARY)
@backend_errors("Error creating positional encoding")
def torch_positional_encoding(d_model, max_len=None):
    """Create a sinusoidal positional encoding for `d_model` (even) and `max_len` positions (5000)."""
    fname = "torch_positional_encoding"
    return PositionalEncoding(check_int(d_model, fname, "d_model"),
                              5000 if max_len is None else check_int(max_len, fname, "max_len"))


@builtin("torch_positional_forward", library=LIBRARY, aliases=("torch_positional_encoding_forward",))
def torch_positional_forward(positional_encoding, input_data):
    """Add the positional encoding along dimension 0 (`[S, D]` inputs get `pe[:S]`)."""
    if not isinstance(positional_encoding, PositionalEncoding):
        raise LispError("Error: First argument must be a positional encoding (in torch_positional_forward)")
    check_tensor(input_data, "torch_positional_forward", "Second argument")
    try:
        return positional_encoding(input_data)
    except LispError:
        raise
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error in positional encoding forward: {e}") from e


@builtin("torch_rotary_embedding", library=LIBRARY)
@backend_errors("Error creating rotary embedding")
def torch_rotary_embedding(dim, max_seq_len=None):
    """Create rotary position embedding tables for head dimension `dim` (max_seq_len 8192)."""
    fname = "torch_rotary_embedding"
    return RotaryEmbedding(check_int(dim, fname, "dim"),
                           8192 if max_seq_len is None else check_int(max_seq_len, fname, "max_seq_len"))


@builtin("torch_rotary_forward", library=LIBRARY)
def torch_rotary_forward(rotary_embedding, seq_len, device=None):
    """The list `(cos sin)` of float32 tensors `[seq_len, dim]` on `device` ("cpu")."""
    if not isinstance(rotary_embedding, RotaryEmbedding):
        raise LispError("Error: First argument must be a rotary embedding (in torch_rotary_forward)")
    length = check_int(seq_len, "torch_rotary_forward", "seq_len")
    target = resolve_device("cpu" if device is None else device, "torch_rotary_forward")
    try:
        return rotary_embedding(length, target)
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error in rotary embedding forward: {e}") from e


@builtin("torch_apply_rotary_pos_emb", library=LIBRARY)
def torch_apply_rotary_pos_emb(tensor, cos, sin):
    """Rotate `[..., S, D]` by RoPE: `x·cos + rotate_half(x)·sin`, cos/sin `[S, D]`."""
    if not all(isinstance(t, torch.Tensor) for t in (tensor, cos, sin)):
        raise LispError("Error: All arguments must be tensors (in torch_apply_rotary_pos_emb)")
    try:
        half = tensor.shape[-1] // 2
        rotated = torch.cat((-tensor[..., half:], tensor[..., :half]), dim=-1)
        return tensor * cos + rotated * sin
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error applying rotary position embedding: {e}") from e
