"""Token vectors: a word embedding plus a character-level encoder.

The word embedding memorises frequent words; the character encoder reads spelling (suffixes like
-ly, -ing, capitals, digits), so a word never seen in training still gets a meaningful vector.
"""

from __future__ import annotations

import torch
from torch import nn


class CharEncoder(nn.Module):
    """Characters of a word -> one vector: embed, convolve, max-pool over positions."""

    def __init__(self, num_chars: int, char_dim: int, channels: int, kernel: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(num_chars, char_dim, padding_idx=0)
        self.conv = nn.Conv1d(char_dim, channels, kernel, padding=kernel // 2)

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        # chars: (types, chars) ids, 0 = padding
        x = self.embed(chars).transpose(1, 2)  # (types, char_dim, chars)
        h = torch.relu(self.conv(x))  # (types, channels, chars)
        # ReLU outputs are >= 0, so zeroing padding positions keeps them out of the max.
        h = h * (chars != 0).unsqueeze(1)
        return h.max(dim=2).values  # (types, channels)


class TokenEmbedding(nn.Module):
    """[word embedding ; character encoding] projected to the model width."""

    def __init__(
        self,
        num_words: int,
        num_chars: int,
        word_dim: int,
        char_dim: int,
        char_channels: int,
        char_kernel: int,
        d_model: int,
    ) -> None:
        super().__init__()
        self.words = nn.Embedding(num_words, word_dim, padding_idx=0)
        self.chars = CharEncoder(num_chars, char_dim, char_channels, char_kernel)
        self.project = nn.Linear(word_dim + char_channels, d_model)

    def forward(
        self, words: torch.Tensor, types: torch.Tensor, type_chars: torch.Tensor
    ) -> torch.Tensor:
        # words, types: (batch, seq); type_chars: (types, chars)
        spelling = self.chars(type_chars)[types]  # (batch, seq, char_channels)
        return self.project(torch.cat([self.words(words), spelling], dim=-1))  # (batch, seq, d)
