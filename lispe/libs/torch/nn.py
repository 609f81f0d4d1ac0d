"""lispe_torch Neural Network layers (torch spec §3.12): linear, layer norm, transformer block.

Linear and layer-norm objects are plain `nn.Linear` / `nn.LayerNorm`; a transformer block is
the small post-norm `TransformerBlock` below (sequence-first attention, like the original).
Embeddings live in `encoding.py`, multi-head attention in `attention.py`, the MLP and the
generic `torch_forward` in `model.py`.
"""

import torch
from torch import nn

from ...errors import LispError
from ...registry import builtin
from ._common import LIBRARY, check_size, check_tensor, int_list
from ._modules import library_kind, run_module


class TransformerBlock(nn.Module):
    """Post-norm block: `y = norm1(x + attn(x, x, x))`, `out = norm2(y + ffn2(relu(ffn1(y))))`.

    Inputs are sequence-first `[S, B, E]` or unbatched `[S, E]`, as in the original.
    """

    def __init__(self, embed_dim, num_heads, ffn_dim):
        super().__init__()
        self.self_attention = nn.MultiheadAttention(embed_dim, num_heads)
        self.norm1 = nn.LayerNorm(embed_dim)
        self.norm2 = nn.LayerNorm(embed_dim)
        self.ffn1 = nn.Linear(embed_dim, ffn_dim)
        self.ffn2 = nn.Linear(ffn_dim, embed_dim)

    def forward(self, x, attn_mask=None):
        attended = self.self_attention(x, x, x, attn_mask=attn_mask, need_weights=False)[0]
        y = self.norm1(x + attended)
        return self.norm2(y + self.ffn2(torch.relu(self.ffn1(y))))


library_kind(nn.Linear, "torch_linear_", "PyTorch Linear Layer")
library_kind(nn.LayerNorm, "torch_layernorm_", "PyTorch Layer Normalization")
library_kind(TransformerBlock, "torch_transformer_block_", "PyTorch Transformer Block")


@builtin("torch_linear", library=LIBRARY, errors="Error creating linear layer")
def torch_linear(in_features, out_features):
    """Create a linear layer `x·Wᵀ + b` (with bias, PyTorch default initialisation)."""
    fname, prefix = "torch_linear", "Error creating linear layer"
    return nn.Linear(check_size(in_features, fname, "in_features", prefix),
                     check_size(out_features, fname, "out_features", prefix))


@builtin("torch_linear_forward", library=LIBRARY)
def torch_linear_forward(linear, input_data):
    """Apply a linear layer to a tensor: `x·Wᵀ + b`."""
    if not isinstance(linear, nn.Linear):
        raise LispError("Error: First argument must be a linear layer (in torch_linear_forward)")
    check_tensor(input_data, "torch_linear_forward", "Second argument")
    return run_module(linear, input_data, "Error in linear forward: ")


@builtin("torch_layer_norm", library=LIBRARY, aliases=("torch_layer_norm_create",),
         errors="Error creating layer norm")
def torch_layer_norm(normalized_shape):
    """Create a layer normalisation over the trailing shape (an integer or a list; eps 1e-5)."""
    fname, prefix = "torch_layer_norm", "Error creating layer norm"
    shape = int_list(normalized_shape, fname, "normalized_shape")
    return nn.LayerNorm([check_size(n, fname, "normalized_shape", prefix) for n in shape])


@builtin("torch_layer_norm_forward", library=LIBRARY)
def torch_layer_norm_forward(layer_norm, input_data):
    """Apply a layer normalisation to a tensor."""
    if not isinstance(layer_norm, nn.LayerNorm):
        raise LispError("Error: First argument must be a layer norm (in torch_layer_norm_forward)")
    check_tensor(input_data, "torch_layer_norm_forward", "Second argument")
    return run_module(layer_norm, input_data, "Error in layer norm forward: ")


@builtin("torch_transformer_block", library=LIBRARY, aliases=("torch_transformer_block_create",),
         errors="Error creating transformer block")
def torch_transformer_block(embed_dim, num_heads, ffn_dim):
    """Create a post-norm transformer block (attention, 2 layer norms, ReLU feed-forward)."""
    fname, prefix = "torch_transformer_block", "Error creating transformer block"
    embed_dim = check_size(embed_dim, fname, "embed_dim", prefix)
    num_heads = check_size(num_heads, fname, "num_heads", prefix)
    if embed_dim % num_heads:
        raise LispError(f"{prefix}: embed_dim ({embed_dim}) must be divisible by num_heads "
                        f"({num_heads})")
    return TransformerBlock(embed_dim, num_heads, check_size(ffn_dim, fname, "ffn_dim", prefix))


@builtin("torch_transformer_forward", library=LIBRARY, aliases=("torch_transformer_block_forward",))
def torch_transformer_forward(block, input_data, mask=None):
    """Run a transformer block on `[S, B, E]` or `[S, E]`; optional mask, non-zero = may attend."""
    if not isinstance(block, TransformerBlock):
        raise LispError("Error: First argument must be a transformer block (in torch_transformer_forward)")
    check_tensor(input_data, "torch_transformer_forward", "Second argument")
    try:
        if mask is None:
            return block(input_data)
        return _masked_block(block, input_data, check_tensor(mask, "torch_transformer_forward", "mask"))
    except LispError:
        raise
    except Exception as e:  # noqa: BLE001
        raise LispError(f"Error in transformer block forward: {e}") from e


def _masked_block(block, x, mask):
    """Forward with a 0/1 mask. A mask that fits the sequence-first layout is used as is; one
    that only fits `x` read batch-first (`[B, S, S]` for `x` = `[B, S, E]`, as the seeds write
    it) runs the block on the batch-first view."""
    heads = block.self_attention.num_heads
    blocked = _blocked_mask(mask, x, heads)
    if blocked is not None:
        return block(x, blocked)
    if x.dim() == 3:
        turned = x.transpose(0, 1)
        blocked = _blocked_mask(mask, turned, heads)
        if blocked is not None:
            return block(turned, blocked).transpose(0, 1)
    raise LispError(f"Error in transformer block forward: mask of shape {list(mask.shape)} "
                    f"does not fit an input of shape {list(x.shape)}")


def _blocked_mask(mask, x, heads):
    """The boolean 'may not attend' mask MultiheadAttention wants for sequence-first `x`, or None
    when `mask` (`[S, S]`, `[B, S, S]` or `[B·H, S, S]`) does not fit `x`."""
    length = x.shape[0]
    batch = x.shape[1] if x.dim() == 3 else 1
    shape = tuple(mask.shape)
    if shape == (length, length) or shape == (batch * heads, length, length):
        return mask == 0
    if x.dim() == 3 and shape == (batch, length, length):
        return (mask == 0).repeat_interleave(heads, dim=0)
    return None
