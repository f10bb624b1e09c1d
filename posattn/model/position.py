"""Positional encodings: without one, self-attention sees a sentence as a bag of words."""

from __future__ import annotations

import math

import torch
from torch import nn


def sinusoidal(length: int, dim: int, device: torch.device | None = None) -> torch.Tensor:
    """PE[pos, 2i] = sin(pos / 10000^(2i/dim)), PE[pos, 2i+1] = cos(...) (Vaswani et al., 2017).

    Defined for any length, so a sentence longer than any seen in training needs no table.
    """
    position = torch.arange(length, device=device, dtype=torch.float32).unsqueeze(1)  # (seq, 1)
    frequency = torch.exp(
        torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim)
    )  # (ceil(dim / 2),)
    angles = position * frequency  # (seq, ceil(dim / 2))
    encoding = torch.zeros(length, dim, device=device)
    encoding[:, 0::2] = torch.sin(angles)
    encoding[:, 1::2] = torch.cos(angles[:, : dim // 2])
    return encoding  # (seq, dim)


class LearnedPositions(nn.Module):
    """One trained vector per absolute position, added to the input (as in BERT): as expressive as
    sinusoids, but a sentence longer than the table has no vector for its last words."""

    def __init__(self, max_positions: int, dim: int) -> None:
        super().__init__()
        self.max_positions = max_positions
        self.table = nn.Embedding(max_positions, dim)
        nn.init.normal_(self.table.weight, std=0.02)

    def forward(self, length: int) -> torch.Tensor:
        if length > self.max_positions:
            raise ValueError(
                f"a sentence of {length} tokens is longer than the {self.max_positions} "
                "learned positions"
            )
        return self.table.weight[:length]  # (seq, dim)


class RelativePositionBias(nn.Module):
    """A learned score bias per head for each clipped offset j - i (Shaw et al., 2018, simplified
    as in T5): "the word just before me" gets the same bias wherever the sentence starts, which
    suits tagging, where what matters is a word's neighbours, not its absolute position."""

    def __init__(self, heads: int, max_distance: int) -> None:
        super().__init__()
        self.max_distance = max_distance
        self.bias = nn.Embedding(2 * max_distance + 1, heads)
        nn.init.zeros_(self.bias.weight)

    def forward(self, length: int) -> torch.Tensor:
        position = torch.arange(length, device=self.bias.weight.device)
        offset = position[None, :] - position[:, None]  # (seq, seq): key position - query position
        offset = offset.clamp(-self.max_distance, self.max_distance) + self.max_distance
        return self.bias(offset).permute(2, 0, 1)  # (heads, seq, seq)
