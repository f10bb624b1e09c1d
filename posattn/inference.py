"""Batched prediction over many sentences, in the caller's order."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from posattn.batching import bucket_batches, make_batch
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
