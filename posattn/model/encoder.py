"""A stack of pre-norm transformer encoder blocks.

    x = x + Dropout(SelfAttention(LayerNorm(x)))
    x = x + ConvModule(x)                       (with model.block_conv: the neighbours, by offset)
    x = x + Dropout(FeedForward(LayerNorm(x)))

Pre-norm (normalising the input of each sub-layer, not its output) trains stably without a long
warm-up, which matters when the whole budget is minutes on a CPU.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
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


class ConvModule(nn.Module):
    """Conformer's convolution module (Gulati et al., 2020): a gated pointwise layer, a depthwise
    convolution over positions (one kernel per channel, weights by offset), a pointwise layer.

        h = GLU(Linear(LayerNorm(x)));  h = DepthwiseConv(h);  out = Linear(SiLU(h))
    """

    def __init__(self, d_model: int, width: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.pointwise_in = nn.Linear(d_model, 2 * d_model)
        self.depthwise = nn.Conv1d(d_model, d_model, width, padding=width // 2, groups=d_model)
        self.pointwise_out = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        # x: (batch, seq, d_model); padding is zeroed first so it never reaches a real token
        h = F.glu(self.pointwise_in(self.norm(x)), dim=-1) * mask.unsqueeze(-1)  # (b, seq, d)
        h = self.depthwise(h.transpose(1, 2)).transpose(1, 2)  # (batch, seq, d_model)
        return self.dropout(self.pointwise_out(F.silu(h)))


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
        self.conv = (
            ConvModule(d_model, config.block_conv, config.dropout) if config.block_conv else None
        )

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
        if self.conv is not None:
            x = x + self.conv(x, mask)
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
