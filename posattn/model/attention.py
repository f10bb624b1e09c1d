"""Multi-head self-attention, written as the math: queries, keys, values, scores, softmax, sum.

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d_head)) V,   one such map per head.

Padding tokens are masked out as keys, so they never change a real token's output.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def scaled_dot_product(
    queries: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    keep: torch.Tensor,
    dropout: float = 0.0,
    bias: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The explicit computation, for when the attention weights are wanted.

    queries, keys, values: (batch, heads, seq, d_head); keep: (batch, 1, 1, seq), True = attend;
    bias: (heads, seq, seq) added to the scores (relative positions), or None.
    Returns the weighted sum (batch, heads, seq, d_head) and the weights (batch, heads, seq, seq).
    """
    scores = queries @ keys.transpose(-2, -1) / math.sqrt(queries.size(-1))  # (b, h, seq, seq)
    if bias is not None:
        scores = scores + bias
    scores = scores.masked_fill(~keep, float("-inf"))
    weights = scores.softmax(dim=-1)  # each row sums to 1 over the real tokens
    return F.dropout(weights, dropout) @ values, weights


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        if d_model % heads:
            raise ValueError(f"heads ({heads}) must divide d_model ({d_model})")
        self.heads = heads
        self.dropout = dropout
        self.qkv = nn.Linear(d_model, 3 * d_model)  # queries, keys and values in one matmul
        self.output = nn.Linear(d_model, d_model)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, seq, d_model = x.shape
        return x.view(batch, seq, self.heads, d_model // self.heads).transpose(1, 2)
        # (batch, heads, seq, d_head)

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor,
        return_weights: bool = False,
        bias: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        # x: (batch, seq, d_model); mask: (batch, seq), True at real tokens;
        # bias: (heads, seq, seq) added to the scores, or None
        queries, keys, values = (self.split_heads(t) for t in self.qkv(x).chunk(3, dim=-1))
        keep = mask[:, None, None, :]  # (batch, 1, 1, seq): every query may look at every real key
        dropout = self.dropout if self.training else 0.0
        weights = None
        if return_weights:
            mixed, weights = scaled_dot_product(queries, keys, values, keep, dropout, bias)
        else:  # the same math in one fused kernel, without materialising the weights
            attn_mask = keep if bias is None else bias.masked_fill(~keep, float("-inf"))
            mixed = F.scaled_dot_product_attention(
                queries, keys, values, attn_mask=attn_mask, dropout_p=dropout
            )
        batch, _, seq, _ = mixed.shape
        mixed = mixed.transpose(1, 2).reshape(batch, seq, -1)  # (batch, seq, d_model)
        return self.output(mixed), weights
