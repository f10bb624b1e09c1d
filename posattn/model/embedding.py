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
        self.out_dim = channels

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        # chars: (types, chars) ids, 0 = padding
        x = self.embed(chars).transpose(1, 2)  # (types, char_dim, chars)
        h = torch.relu(self.conv(x))  # (types, channels, chars)
        # ReLU outputs are >= 0, so zeroing padding positions keeps them out of the max.
        h = h * (chars != 0).unsqueeze(1)
        return h.max(dim=2).values  # (types, channels)


class MultiWidthCharCNN(nn.Module):
    """Convolutions of widths 1, 3, 5 and 7 side by side, each max-pooled, then a highway layer
    (Kim et al., 2016): short and long spelling patterns, mixed by a learned gate."""

    WIDTHS = (1, 3, 5, 7)

    def __init__(self, num_chars: int, char_dim: int, channels: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(num_chars, char_dim, padding_idx=0)
        each = channels // len(self.WIDTHS)
        self.convs = nn.ModuleList(
            nn.Conv1d(char_dim, each, width, padding=width // 2) for width in self.WIDTHS
        )
        self.out_dim = each * len(self.WIDTHS)
        self.transform = nn.Linear(self.out_dim, self.out_dim)
        self.gate = nn.Linear(self.out_dim, self.out_dim)

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        # chars: (types, chars) ids, 0 = padding
        x = self.embed(chars).transpose(1, 2)  # (types, char_dim, chars)
        real = (chars != 0).unsqueeze(1)  # ReLU outputs >= 0: zeros at padding lose every max
        pooled = torch.cat(
            [(torch.relu(conv(x)) * real).max(dim=2).values for conv in self.convs], dim=-1
        )  # (types, out_dim)
        gate = torch.sigmoid(self.gate(pooled))
        return gate * torch.relu(self.transform(pooled)) + (1 - gate) * pooled


class CharBiLSTM(nn.Module):
    """Characters of a word -> the last states of a BiLSTM read left to right and right to left
    (Plank et al., 2016): the end of each reading sums up a prefix or a suffix."""

    def __init__(self, num_chars: int, char_dim: int, channels: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(num_chars, char_dim, padding_idx=0)
        self.lstm = nn.LSTM(char_dim, channels // 2, batch_first=True, bidirectional=True)
        self.out_dim = channels

    def forward(self, chars: torch.Tensor) -> torch.Tensor:
        # The padding type (row 0) has no characters: packing needs a length of at least 1.
        lengths = (chars != 0).sum(dim=1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(
            self.embed(chars), lengths, batch_first=True, enforce_sorted=False
        )
        _, (last, _) = self.lstm(packed)  # (2 directions, types, channels // 2)
        return torch.cat([last[0], last[1]], dim=-1)  # (types, channels)


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
        char_encoder: str = "cnn",
    ) -> None:
        super().__init__()
        self.words = nn.Embedding(num_words, word_dim, padding_idx=0)
        self.chars: CharEncoder | MultiWidthCharCNN | CharBiLSTM
        if char_encoder == "bilstm":
            self.chars = CharBiLSTM(num_chars, char_dim, char_channels)
        elif char_encoder == "multicnn":
            self.chars = MultiWidthCharCNN(num_chars, char_dim, char_channels)
        else:
            self.chars = CharEncoder(num_chars, char_dim, char_channels, char_kernel)
        self.project = nn.Linear(word_dim + self.chars.out_dim, d_model)

    def forward(
        self,
        words: torch.Tensor,
        types: torch.Tensor,
        type_chars: torch.Tensor,
        spelling: torch.Tensor | None = None,
    ) -> torch.Tensor:
        # words, types: (batch, seq); type_chars: (types, chars); spelling: (types, out_dim),
        # the character vectors of the types if already known (they depend on the form alone)
        if spelling is None:
            spelling = self.chars(type_chars)
        # The character encoder stays float32 when the rest tags in bfloat16 (see `run_in`).
        per_token = spelling[types].to(self.project.weight.dtype)  # (batch, seq, out_dim)
        return self.project(torch.cat([self.words(words), per_token], dim=-1))  # (b, seq, d)
