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

    queries, keys, values: (batch, heads, seq, d_head); keep: (batch, 1, 1 or seq, seq), True =
    attend;
    bias: (heads, seq, seq) added to the scores (relative positions), or None.
    Returns the weighted sum (batch, heads, seq, d_head) and the weights (batch, heads, seq, seq).
    """
    scores = queries @ keys.transpose(-2, -1) / math.sqrt(queries.size(-1))  # (b, h, seq, seq)
    if bias is not None:
        scores = scores + bias
    scores = scores.masked_fill(~keep, float("-inf"))
    # Each row sums to 1 over the real tokens; in float32 also when the model runs in bfloat16,
    # since these weights are what people look at.
    weights = scores.float().softmax(dim=-1)
    return F.dropout(weights, dropout).to(values.dtype) @ values, weights


def allowed_keys(
    mask: torch.Tensor, window: int | None = None, graph: torch.Tensor | None = None
) -> torch.Tensor:
    """Which keys each query may attend to: (batch, 1, 1, seq) for all real tokens, or
    (batch, 1, seq, seq) when restricted further: with a window w to the tokens at most w
    positions away (truncated attention), with a graph (batch, seq, seq) to the query's
    neighbours in it. Truncation and graphs are both just masks."""
    keep = mask[:, None, None, :]  # (batch, 1, 1, seq)
    if window is None and graph is None:
        return keep
    if window is not None:
        position = torch.arange(mask.size(1), device=mask.device)
        keep = keep & ((position[None, :] - position[:, None]).abs() <= window)  # (b, 1, seq, seq)
    if graph is not None:
        keep = keep & graph[:, None]  # (batch, 1, seq, seq)
    # A padding query may find no real key left; letting it see itself keeps its softmax
    # finite (an all-masked row is NaN, and NaN times a zero weight would reach real tokens).
    itself = torch.eye(mask.size(1), dtype=torch.bool, device=mask.device)
    return keep | itself  # (batch, 1, seq, seq)


class MultiHeadSelfAttention(nn.Module):
    def __init__(
        self, d_model: int, heads: int, dropout: float = 0.0, window: int | None = None
    ) -> None:
        super().__init__()
        if d_model % heads:
            raise ValueError(f"heads ({heads}) must divide d_model ({d_model})")
        self.heads = heads
        self.dropout = dropout
        self.window = window
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
        graph: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        # x: (batch, seq, d_model); mask: (batch, seq), True at real tokens;
        # bias: (heads, seq, seq) added to the scores, or None; graph: (batch, seq, seq) or None
        queries, keys, values = (self.split_heads(t) for t in self.qkv(x).chunk(3, dim=-1))
        keep = allowed_keys(mask, self.window, graph)  # (batch, 1, 1 or seq, seq)
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
