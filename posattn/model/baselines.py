"""The encoders self-attention is measured against. Each maps token vectors (batch, seq, d) to
contextual vectors of the same shape, so the tagger around them stays the same.

- `PerTokenEncoder` (fc): an MLP applied to each token alone: no context at all.
- `WindowEncoder` (window): an MLP over the concatenated vectors of the tokens within +-k.
- `ConvEncoder` (cnn): stacked 1-D convolutions: attention restricted to a fixed window, with
  fixed (learned, content-independent) weights per offset.
- `BiLSTMEncoder` (bilstm): a bidirectional LSTM: the whole sentence, read sequentially.

Padding positions are zeroed before any mixing, so they never change a real token's output.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from posattn.config import ModelConfig
from posattn.model.encoder import FeedForward

EncoderOutput = tuple[torch.Tensor, list[torch.Tensor]]
"""Contextual vectors (batch, seq, d) and attention weights per layer (none for these)."""


class PerTokenEncoder(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        d_model, layers = config.d_model, config.layers
        self.norms = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(layers))
        self.feed_forwards = nn.ModuleList(
            FeedForward(d_model, config.ff_dim, config.dropout) for _ in range(layers)
        )
        self.dropout = nn.Dropout(config.dropout)
        self.norm = nn.LayerNorm(d_model)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, return_weights: bool = False
    ) -> EncoderOutput:
        for norm, feed_forward in zip(self.norms, self.feed_forwards, strict=True):
            x = x + self.dropout(feed_forward(norm(x)))
        return self.norm(x), []


class WindowEncoder(PerTokenEncoder):
    """[x_{i-k}; ...; x_i; ...; x_{i+k}] -> linear -> the per-token MLP stack."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        self.window = config.window
        self.merge = nn.Linear((2 * config.window + 1) * config.d_model, config.d_model)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, return_weights: bool = False
    ) -> EncoderOutput:
        x = x * mask.unsqueeze(-1)  # padding contributes zeros, like the sentence's edges
        padded = F.pad(x, (0, 0, self.window, self.window))  # (batch, seq + 2k, d)
        windows = padded.unfold(1, 2 * self.window + 1, 1)  # (batch, seq, d, 2k + 1)
        stacked = windows.transpose(2, 3).flatten(2)  # (batch, seq, (2k + 1) * d)
        return super().forward(self.merge(stacked), mask)


class ConvEncoder(nn.Module):
    """x = x + Dropout(GELU(Conv1d(LayerNorm(x)))), stacked: L layers of width 2k+1 see +-L*k."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        d_model, layers, window = config.d_model, config.layers, config.window
        self.norms = nn.ModuleList(nn.LayerNorm(d_model) for _ in range(layers))
        self.convolutions = nn.ModuleList(
            nn.Conv1d(d_model, d_model, 2 * window + 1, padding=window) for _ in range(layers)
        )
        self.dropout = nn.Dropout(config.dropout)
        self.norm = nn.LayerNorm(d_model)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, return_weights: bool = False
    ) -> EncoderOutput:
        keep = mask.unsqueeze(-1)  # (batch, seq, 1)
        for norm, convolution in zip(self.norms, self.convolutions, strict=True):
            h = (norm(x) * keep).transpose(1, 2)  # (batch, d, seq), zeros at padding
            x = x + self.dropout(F.gelu(convolution(h)).transpose(1, 2))
        return self.norm(x), []


class BiLSTMEncoder(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        d_model, layers = config.d_model, config.layers
        # config.validate has checked that d_model is even: half of it per direction.
        self.lstm = nn.LSTM(
            d_model,
            d_model // 2,
            num_layers=max(1, layers),
            batch_first=True,
            bidirectional=True,
            dropout=config.dropout if layers > 1 else 0.0,
        )
        self.norm = nn.LayerNorm(d_model)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, return_weights: bool = False
    ) -> EncoderOutput:
        lengths = mask.sum(dim=1).cpu()
        # Packing makes the backward direction start at each sentence's last real token.
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths, batch_first=True, enforce_sorted=False
        )
        output, _ = self.lstm(packed)
        unpacked, _ = nn.utils.rnn.pad_packed_sequence(
            output, batch_first=True, total_length=x.size(1)
        )
        return self.norm(unpacked), []
