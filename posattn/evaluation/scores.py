"""Scores: token accuracy, accuracy on unknown and on ambiguous words, per-tag P/R/F1, confusions.

The per-tag report comes from seqeval, which scores *chunks* in BIO notation and would read a bare
`VERB` as prefix `V` + type `ERB`. Writing every token as its own one-token chunk, `B-VERB`, makes
chunk precision/recall/F1 exactly per-token precision/recall/F1 for each UPOS tag, named VERB.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from posattn.data.vocab import Vocabularies
from posattn.evaluation.analysis import Band, accuracy_by_frequency, accuracy_by_length


@dataclass
class TagScore:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Evaluation:
    source: str
    """What was evaluated: a file, or a treebank's split."""
    tokens: int
    accuracy: float
    oov_tokens: int
    oov_accuracy: float | None
    ambiguous_tokens: int
    ambiguous_accuracy: float | None
    per_tag: dict[str, TagScore]
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    """(gold, predicted, count), most frequent first."""
    by_length: list[Band] = field(default_factory=list)
    """Accuracy by sentence length."""
    by_frequency: list[Band] = field(default_factory=list)
    """Accuracy by how frequent a word was in train (unknown, rare, rank bands)."""
    foreign_tag_tokens: int = 0
    """Tokens whose gold tag the model cannot produce (not in its training data's tag set):
    always errors, counted here so that a tag-set mismatch is visible."""
    foreign_tags: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["confusions"] = [
            {"gold": g, "predicted": p, "count": n} for g, p, n in self.confusions
        ]
        for key in ("by_length", "by_frequency"):
            data[key] = [{**band, "accuracy": Band(**band).accuracy} for band in data[key]]
        return data


def _fraction(correct: int, total: int) -> float | None:
    return correct / total if total else None


def _as_chunks(sentences: list[list[str]]) -> list[list[str]]:
    return [[f"B-{tag}" for tag in sentence] for sentence in sentences]


def seqeval_report(gold: list[list[str]], predicted: list[list[str]]) -> str:
    """seqeval's own text report (per tag precision, recall, F1, support)."""
    from seqeval.metrics import classification_report

    return str(
        classification_report(_as_chunks(gold), _as_chunks(predicted), digits=4, zero_division=0)
    )


def per_tag_scores(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, TagScore]:
    from seqeval.metrics import classification_report

    report = classification_report(
        _as_chunks(gold), _as_chunks(predicted), output_dict=True, zero_division=0
    )
    return {
        tag: TagScore(row["precision"], row["recall"], row["f1-score"], int(row["support"]))
        for tag, row in sorted(report.items())
        if not tag.endswith(" avg")
    }


def evaluate(
    words: list[list[str]],
    gold: list[list[str]],
    predicted: list[list[str]],
    vocabs: Vocabularies,
    source: str = "",
    top_confusions: int = 30,
) -> Evaluation:
    total = correct = oov = oov_correct = ambiguous = ambiguous_correct = 0
    confusions: Counter[tuple[str, str]] = Counter()
    foreign: Counter[str] = Counter()
    for sentence, gold_tags, predicted_tags in zip(words, gold, predicted, strict=True):
        for word, g, p in zip(sentence, gold_tags, predicted_tags, strict=True):
            hit = g == p
            total += 1
            if g not in vocabs.tags:
                foreign[g] += 1
            correct += hit
            if not vocabs.is_known(word):
                oov += 1
                oov_correct += hit
            elif vocabs.is_ambiguous(word):
                ambiguous += 1
                ambiguous_correct += hit
            if not hit:
                confusions[g, p] += 1
    return Evaluation(
        source=source,
        tokens=total,
        accuracy=correct / total if total else 0.0,
        oov_tokens=oov,
        oov_accuracy=_fraction(oov_correct, oov),
        ambiguous_tokens=ambiguous,
        ambiguous_accuracy=_fraction(ambiguous_correct, ambiguous),
        per_tag=per_tag_scores(gold, predicted),
        confusions=[(g, p, n) for (g, p), n in confusions.most_common(top_confusions)],
        by_length=accuracy_by_length(gold, predicted),
        by_frequency=accuracy_by_frequency(words, gold, predicted, vocabs),
        foreign_tag_tokens=foreign.total(),
        foreign_tags=sorted(foreign),
    )
