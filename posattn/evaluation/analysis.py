"""Where the errors are: the confusion matrix, accuracy by sentence length and by how frequent a
word was in training, and example sentences for the most frequent confusions.

Pure computations on (words, gold, predicted); `posattn eval --report` writes them out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from posattn.data.vocab import Vocabularies, normalize_word

LENGTH_BANDS = ((1, 5), (6, 10), (11, 20), (21, 30), (31, 50), (51, 10_000))
RANK_BANDS = ((1, 100), (101, 1_000), (1_001, 5_000), (5_001, 10**9))
"""Frequency bands by a word's rank in the training vocabulary (1 = the most frequent)."""


@dataclass
class Band:
    label: str
    tokens: int = 0
    correct: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.tokens if self.tokens else None


@dataclass
class ConfusionExample:
    words: list[str]
    gold: list[str]
    predicted: list[str]
    position: int
    """Index of the confused token in the sentence."""


@dataclass
class Confusion:
    gold: str
    predicted: str
    count: int
    examples: list[ConfusionExample] = field(default_factory=list)


def confusion_matrix(
    gold: list[list[str]], predicted: list[list[str]]
) -> tuple[list[str], list[list[int]]]:
    """The tags that occur (sorted), and counts[i][j] = tokens of gold tags[i] tagged tags[j]."""
    pairs = Counter(
        (g, p)
        for gold_tags, predicted_tags in zip(gold, predicted, strict=True)
        for g, p in zip(gold_tags, predicted_tags, strict=True)
    )
    tags = sorted({tag for pair in pairs for tag in pair})
    return tags, [[pairs[g, p] for p in tags] for g in tags]


def accuracy_by_length(gold: list[list[str]], predicted: list[list[str]]) -> list[Band]:
    bands = [Band(f"{low}-{high}" if high < 10_000 else f"{low}+") for low, high in LENGTH_BANDS]
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        n = len(gold_tags)
        band = next(
            b for b, (low, high) in zip(bands, LENGTH_BANDS, strict=True) if low <= n <= high
        )
        band.tokens += n
        band.correct += sum(g == p for g, p in zip(gold_tags, predicted_tags, strict=True))
    return bands


def accuracy_by_frequency(
    words: list[list[str]],
    gold: list[list[str]],
    predicted: list[list[str]],
    vocabs: Vocabularies,
) -> list[Band]:
    """Unknown words, rare words (seen, but too rarely for an embedding), then rank bands."""
    unknown, rare = Band("unknown"), Band("rare in train")
    ranked = [
        Band(f"rank {low:,}-{high:,}" if high < 10**9 else f"rank {low:,}+")
        for low, high in RANK_BANDS
    ]
    for sentence, gold_tags, predicted_tags in zip(words, gold, predicted, strict=True):
        for word, g, p in zip(sentence, gold_tags, predicted_tags, strict=True):
            key = normalize_word(word)
            if key in vocabs.words:
                rank = vocabs.words.index(key) - 1  # index 0 and 1 are <pad> and <unk>
                band = next(
                    b
                    for b, (low, high) in zip(ranked, RANK_BANDS, strict=True)
                    if low <= rank <= high
                )
            else:
                band = rare if key in vocabs.rare_words else unknown
            band.tokens += 1
            band.correct += g == p
    return [unknown, rare, *ranked]


def top_confusions(
    words: list[list[str]],
    gold: list[list[str]],
    predicted: list[list[str]],
    top: int = 30,
    examples: int = 3,
) -> list[Confusion]:
    """The most frequent (gold, predicted) errors, each with its first few example sentences."""
    counts: Counter[tuple[str, str]] = Counter()
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        counts.update((g, p) for g, p in zip(gold_tags, predicted_tags, strict=True) if g != p)
    confusions = {pair: Confusion(*pair, n) for pair, n in counts.most_common(top)}
    for sentence, gold_tags, predicted_tags in zip(words, gold, predicted, strict=True):
        shown: set[tuple[str, str]] = set()  # one example per sentence and confusion
        for position, (g, p) in enumerate(zip(gold_tags, predicted_tags, strict=True)):
            confusion = confusions.get((g, p))
            if confusion is not None and len(confusion.examples) < examples and (g, p) not in shown:
                shown.add((g, p))
                confusion.examples.append(
                    ConfusionExample(sentence, gold_tags, predicted_tags, position)
                )
    return list(confusions.values())
