"""What a treebank holds: sizes, tag distribution, sentence lengths, the most ambiguous forms."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class TreebankStats:
    sentences: int
    tokens: int
    tag_counts: Counter[str]
    ambiguous: list[tuple[str, Counter[str]]]
    """Forms seen with two or more tags, the most frequent first."""
    lengths: list[int]
    """Tokens per sentence."""


def reference_split(splits: Iterable[str]) -> str:
    """The split whose tags describe a treebank: train if there is one, else the first."""
    names = list(splits)
    return "train" if "train" in names else names[0]


def treebank_stats(words: list[list[str]], tags: list[list[str]], top: int = 20) -> TreebankStats:
    tag_counts: Counter[str] = Counter()
    tags_of_form: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence_words, sentence_tags in zip(words, tags, strict=True):
        tag_counts.update(sentence_tags)
        for word, tag in zip(sentence_words, sentence_tags, strict=True):
            tags_of_form[word.lower()][tag] += 1
    ambiguous = [(form, c) for form, c in tags_of_form.items() if len(c) > 1]
    # Rank by how many tokens the second-best tag accounts for: "that" (DET/PRON/SCONJ) ranks
    # above a form that is tagged otherwise once in ten thousand times.
    ambiguous.sort(key=lambda item: (-(item[1].total() - item[1].most_common(1)[0][1]), item[0]))
    return TreebankStats(
        sentences=len(words),
        tokens=sum(map(len, words)),
        tag_counts=tag_counts,
        ambiguous=ambiguous[:top],
        lengths=[len(sentence) for sentence in words],
    )
