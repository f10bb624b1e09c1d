"""Batched prediction over many sentences, in the caller's order."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from posattn.batching import bucket_batches, make_batch
from posattn.errors import PosattnError
from posattn.model import Tagger
from posattn.vocab import Vocabularies


@dataclass
class Prediction:
    tags: list[str]
    probabilities: list[float]
    """The probability the model gives each chosen tag."""


def predict(
    tagger: Tagger,
    vocabs: Vocabularies,
    sentences: list[list[str]],
    batch_tokens: int = 4000,
    max_word_length: int = 24,
    device: torch.device | str = "cpu",
) -> list[Prediction]:
    """Tag tokenised sentences; batches group similar lengths, results keep the input order."""
    limit = tagger.max_length
    for number, sentence in enumerate(sentences, start=1):
        if limit is not None and len(sentence) > limit:
            raise PosattnError(
                f"sentence {number} has {len(sentence)} tokens, more than the {limit} positions "
                "this model learned (model.max_positions); split it, or use a model trained "
                "with model.position=relative or sinusoidal"
            )
    tagger.eval()
    results: list[Prediction | None] = [None] * len(sentences)
    nonempty = [i for i, sentence in enumerate(sentences) if sentence]
    for index in (i for i, sentence in enumerate(sentences) if not sentence):
        results[index] = Prediction([], [])
    lengths = [len(sentences[i]) for i in nonempty]
    for group in bucket_batches(lengths, batch_tokens):
        indices = [nonempty[g] for g in group]
        batch = make_batch([sentences[i] for i in indices], vocabs, None, max_word_length)
        best, chosen = tagger.predict(batch.to(torch.device(device))).max(dim=-1)
        for row, index in enumerate(indices):
            n = len(sentences[index])
            results[index] = Prediction(
                [vocabs.tags.itos[t] for t in chosen[row, :n].tolist()], best[row, :n].tolist()
            )
    return [r for r in results if r is not None]


@dataclass
class AttentionMap:
    layer: int
    """1-based, as shown to people."""
    head: int | None
    """1-based; None for the average over heads."""
    weights: list[list[float]]
    """(seq, seq): row i is how token i spreads its attention over the sentence."""

    @property
    def title(self) -> str:
        return f"layer {self.layer}, " + (
            "heads averaged" if self.head is None else f"head {self.head}"
        )


def attention_maps(
    tagger: Tagger,
    vocabs: Vocabularies,
    tokens: list[str],
    layer: int | None = None,
    head: int | None = None,
    average_heads: bool = False,
    max_word_length: int = 24,
) -> list[list[AttentionMap]]:
    """The attention weights of one sentence, one row of maps per layer (or only `layer`), each
    row all heads (or only `head`, or their average)."""
    if tagger.config.encoder != "attention":
        raise PosattnError(
            f"this model's encoder is {tagger.config.encoder}: it has no attention to show"
        )
    layers, heads = tagger.config.layers, tagger.config.heads
    if layer is not None and not 1 <= layer <= layers:
        raise PosattnError(f"--layer {layer}: this model has layers 1 to {layers}")
    if head is not None and not 1 <= head <= heads:
        raise PosattnError(f"--head {head}: this model has heads 1 to {heads}")
    tagger.eval()
    batch = make_batch([tokens], vocabs, None, max_word_length)
    weights = torch.stack(tagger.attention_weights(batch))[:, 0]  # (layers, heads, seq, seq)
    rows = []
    for layer_index in [layer - 1] if layer else range(layers):
        per_head = weights[layer_index]
        if average_heads:
            rows.append([AttentionMap(layer_index + 1, None, per_head.mean(0).tolist())])
        else:
            chosen = [head - 1] if head else range(heads)
            rows.append(
                [AttentionMap(layer_index + 1, h + 1, per_head[h].tolist()) for h in chosen]
            )
    return rows
