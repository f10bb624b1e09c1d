"""A stack of pre-norm transformer encoder blocks.

    x = x + Dropout(SelfAttention(LayerNorm(x)))
    x = x + Dropout(FeedForward(LayerNorm(x)))

Pre-norm (normalising the input of each sub-layer, not its output) trains stably without a long
warm-up, which matters when the whole budget is minutes on a CPU.
"""

from __future__ import annotations

import torch
from torch import nn

from posattn.config import ModelConfig
from posattn.model.attention import MultiHeadSelfAttention
from posattn.model.position import RelativePositionBias


class FeedForward(nn.Module):
    def __init__(self, d_model: int, ff_dim: int, dropout: float) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(d_model, ff_dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(ff_dim, d_model)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class EncoderBlock(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        d_model = config.d_model
        self.relative = (
            RelativePositionBias(config.heads, config.relative_distance)
            if config.position == "relative"
            else None
        )
        self.norm1 = nn.LayerNorm(d_model)
        self.attention = MultiHeadSelfAttention(
            d_model, config.heads, config.attention_dropout, config.attention_window
        )
        self.norm2 = nn.LayerNorm(d_model)
        self.feed_forward = FeedForward(d_model, config.ff_dim, config.dropout)
        self.dropout = nn.Dropout(config.dropout)

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor,
        return_weights: bool = False,
        graph: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        bias = self.relative(x.size(1)) if self.relative is not None else None
        attended, weights = self.attention(self.norm1(x), mask, return_weights, bias, graph)
        x = x + self.dropout(attended)
        x = x + self.dropout(self.feed_forward(self.norm2(x)))
        return x, weights


class Encoder(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(EncoderBlock(config) for _ in range(config.layers))
        self.norm = nn.LayerNorm(config.d_model)

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor,
        return_weights: bool = False,
        graph: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        # x: (batch, seq, d_model) -> (batch, seq, d_model), plus one (batch, heads, seq, seq)
        # weight tensor per layer when asked for; graph: (batch, seq, seq) allowed pairs, or None
        all_weights = []
        for block in self.blocks:
            x, weights = block(x, mask, return_weights, graph)
            if weights is not None:
                all_weights.append(weights)
        return self.norm(x), all_weights
