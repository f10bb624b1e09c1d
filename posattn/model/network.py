"""The tagger: token vectors + positions -> encoder -> a linear classifier over tags.

It offers `loss(batch)` to training and `predict_targets(batch)` to tagging: the training loop
needs nothing else of it.
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
from posattn.model.crf import LinearChainCRF
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


class TaggingNetwork(nn.Module):
    def __init__(
        self,
        config: ModelConfig,
        num_words: int,
        num_chars: int,
        num_tags: int,
        target_sizes: dict[str, int] | None = None,
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
        self.crf = LinearChainCRF(num_tags) if config.output == "crf" else None
        # One classifier per target besides UPOS (XPOS, FEATS), all reading the same encoder.
        sizes = target_sizes or {}
        self.target_classifiers = nn.ModuleDict(
            {name: nn.Linear(config.d_model, sizes[name]) for name in config.targets[1:]}
        )

    def run_in(self, dtype: torch.dtype) -> TaggingNetwork:
        """Tag in `dtype` (see `tagging.precision`): the network in it, the character encoder and
        the CRF in float32. For tagging only: training is float32."""
        self.to(dtype)
        self.embedding.chars.float()
        if self.crf is not None:
            self.crf.float()
        return self

    @property
    def max_length(self) -> int | None:
        """The longest sentence this model can tag, or None for no limit."""
        return self.config.max_positions if self.learned_positions is not None else None

    @classmethod
    def for_vocabularies(cls, config: ModelConfig, vocabs: Vocabularies) -> TaggingNetwork:
        sizes = {name: len(vocab) for name, vocab in vocabs.targets.items()}
        return cls(config, len(vocabs.words), len(vocabs.chars), len(vocabs.tags), sizes)

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
            x = x + sinusoidal(x.size(1), x.size(2), x.device).to(x.dtype)
        elif self.learned_positions is not None:
            x = x + self.learned_positions(x.size(1))
        x = self.input_dropout(x)
        if self.config.attention_graph:
            if batch.graph is None:
                raise ValueError("model.attention_graph: this batch has no dependency graph")
            return self.encoder(x, batch.mask, return_weights, graph=batch.graph)
        return self.encoder(x, batch.mask, return_weights)

    def forward(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Each token's contextual vector (batch, seq, d_model) and tag scores (batch, seq,
        tags), what training and tagging both start from."""
        hidden, _ = self.encode(batch)
        return hidden, self.classifier(hidden)

    def loss(
        self, batch: Batch, label_smoothing: float = 0.0, distill: float = 0.0
    ) -> torch.Tensor:
        """Cross-entropy with the gold tags (or a CRF's negative log-likelihood); with `distill`
        and the batch's teacher distributions, mixed with the cross-entropy with those; plus
        each other target's loss, weighted by model.target_weight."""
        hidden, logits = self(batch)  # (batch, seq, d_model), (batch, seq, tags)
        if self.crf is not None:
            # Per token, as the cross-entropy is, so the learning rate means the same.
            nll = self.crf.negative_log_likelihood(logits, batch.tags, batch.mask)
            loss = nll / batch.mask.sum()
        else:
            loss = _cross_entropy(logits, batch.tags, label_smoothing)
        if batch.soft_tags is not None and distill > 0:
            log_p = logits.log_softmax(dim=-1)
            soft = -(batch.soft_tags * log_p).sum(dim=-1)[batch.mask].mean()
            loss = (1 - distill) * loss + distill * soft
        for name, classifier in self.target_classifiers.items():
            target_logits = classifier(hidden)  # (batch, seq, labels)
            target_loss = _cross_entropy(target_logits, batch.targets[name], label_smoothing)
            loss = loss + self.config.target_weight * target_loss
        return loss

    @torch.no_grad()
    def predict_targets(self, batch: Batch) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Tag probabilities (batch, seq, tags), and the chosen label ids (batch, seq) of each
        other target."""
        hidden, logits = self(batch)  # (batch, seq, d_model), (batch, seq, tags)
        logits = logits.float()  # probabilities in float32, whatever the network runs in
        chosen = {
            name: classifier(hidden).argmax(dim=-1)
            for name, classifier in self.target_classifiers.items()
        }
        if self.crf is not None:
            return self.crf.marginals(logits, batch.mask), chosen
        return logits.softmax(dim=-1), chosen

    @torch.no_grad()
    def attention_weights(self, batch: Batch) -> list[torch.Tensor]:
        """One (batch, heads, seq, seq) tensor per layer."""
        _, weights = self.encode(batch, return_weights=True)
        return weights
