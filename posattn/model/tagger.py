"""The tagger: token vectors + positions -> encoder -> a linear classifier over tags.

It offers `loss(batch)` and `predict(batch)`, so the training loop knows nothing about tagging.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from posattn.config import ModelConfig
from posattn.data.batching import IGNORE_INDEX, Batch
from posattn.data.vocab import Vocabularies
from posattn.errors import PosattnError
from posattn.model.baselines import BiLSTMEncoder, ConvEncoder, PerTokenEncoder, WindowEncoder
from posattn.model.embedding import TokenEmbedding
from posattn.model.encoder import Encoder
from posattn.model.position import LearnedPositions, sinusoidal

ENCODERS: dict[str, Callable[[ModelConfig], nn.Module]] = {
    "attention": Encoder,
    "fc": PerTokenEncoder,
    "window": WindowEncoder,
    "cnn": ConvEncoder,
    "bilstm": BiLSTMEncoder,
}
"""Every encoder maps token vectors (batch, seq, d_model) to contextual ones of the same shape."""


def build_encoder(config: ModelConfig) -> nn.Module:
    try:
        make = ENCODERS[config.encoder]
    except KeyError:
        raise PosattnError(
            f"model.encoder: unknown encoder {config.encoder!r} (known: {', '.join(ENCODERS)})"
        ) from None
    return make(config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _cross_entropy(logits: torch.Tensor, gold: torch.Tensor, smoothing: float) -> torch.Tensor:
    # logits: (batch, seq, classes); gold: (batch, seq), IGNORE_INDEX at padding
    return F.cross_entropy(
        logits.flatten(0, 1), gold.flatten(), ignore_index=IGNORE_INDEX, label_smoothing=smoothing
    )


class Tagger(nn.Module):
    def __init__(
        self,
        config: ModelConfig,
        num_words: int,
        num_chars: int,
        num_tags: int,
        num_xpos: int = 0,
    ) -> None:
        super().__init__()
        self.config = config
        self.embedding = TokenEmbedding(
            num_words,
            num_chars,
            config.word_dim,
            config.char_dim,
            config.char_channels,
            config.char_kernel,
            config.d_model,
            config.char_encoder,
        )
        self.learned_positions = (
            LearnedPositions(config.max_positions, config.d_model)
            if config.position == "learned"
            else None
        )
        self.input_dropout = nn.Dropout(config.dropout)
        self.encoder = build_encoder(config)
        self.classifier = nn.Linear(config.d_model, num_tags)
        # A second task sharpens the shared encoder: the treebank's finer XPOS tags.
        self.xpos_classifier = (
            nn.Linear(config.d_model, num_xpos) if config.xpos_weight > 0 and num_xpos else None
        )

    @property
    def max_length(self) -> int | None:
        """The longest sentence this model can tag, or None for no limit."""
        return self.config.max_positions if self.learned_positions is not None else None

    @classmethod
    def for_vocabularies(cls, config: ModelConfig, vocabs: Vocabularies) -> Tagger:
        num_xpos = len(vocabs.xpos) if vocabs.xpos is not None else 0
        return cls(config, len(vocabs.words), len(vocabs.chars), len(vocabs.tags), num_xpos)

    def encode(
        self, batch: Batch, return_weights: bool = False
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        words = batch.words
        if self.training and self.config.word_dropout > 0:
            # Replace random words by <unk> (id 1) so its vector is trained like a rare word's.
            drop = torch.rand(words.shape, device=words.device) < self.config.word_dropout
            words = torch.where(drop & batch.mask, torch.ones_like(words), words)
        x = self.embedding(words, batch.types, batch.type_chars, batch.spelling)  # (b, seq, d)
        if self.config.position == "sinusoidal":
            x = x + sinusoidal(x.size(1), x.size(2), x.device)
        elif self.learned_positions is not None:
            x = x + self.learned_positions(x.size(1))
        x = self.input_dropout(x)
        if self.config.attention_graph:
            if batch.graph is None:
                raise ValueError("model.attention_graph: this batch has no dependency graph")
            return self.encoder(x, batch.mask, return_weights, graph=batch.graph)
        return self.encoder(x, batch.mask, return_weights)

    def forward(self, batch: Batch) -> torch.Tensor:
        hidden, _ = self.encode(batch)
        return self.classifier(hidden)  # (batch, seq, tags)

    def loss(
        self, batch: Batch, label_smoothing: float = 0.0, distill: float = 0.0
    ) -> torch.Tensor:
        """Cross-entropy with the gold tags; with `distill` and the batch's teacher
        distributions, mixed with the cross-entropy with those; plus the XPOS loss if any."""
        hidden, _ = self.encode(batch)  # (batch, seq, d_model)
        logits = self.classifier(hidden)  # (batch, seq, tags)
        loss = _cross_entropy(logits, batch.tags, label_smoothing)
        if batch.soft_tags is not None and distill > 0:
            log_p = logits.log_softmax(dim=-1)
            soft = -(batch.soft_tags * log_p).sum(dim=-1)[batch.mask].mean()
            loss = (1 - distill) * loss + distill * soft
        if self.xpos_classifier is not None and batch.xpos is not None:
            xpos_logits = self.xpos_classifier(hidden)
            loss = loss + self.config.xpos_weight * _cross_entropy(
                xpos_logits, batch.xpos, label_smoothing
            )
        return loss

    @torch.no_grad()
    def predict(self, batch: Batch) -> torch.Tensor:
        """Tag probabilities, (batch, seq, tags)."""
        return self(batch).softmax(dim=-1)

    @torch.no_grad()
    def attention_weights(self, batch: Batch) -> list[torch.Tensor]:
        """One (batch, heads, seq, seq) tensor per layer."""
        _, weights = self.encode(batch, return_weights=True)
        return weights
