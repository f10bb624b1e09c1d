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
class TargetScores:
    """How well the model predicts a target besides UPOS."""

    accuracy: float
    """Words whose whole label is right (for FEATS: every feature of the word right)."""
    per_label: dict[str, TagScore]
    """XPOS: per tag; FEATS: per feature (`Number`), its `name=value` pairs scored."""


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
    targets: dict[str, TargetScores] = field(default_factory=dict)
    """XPOS and FEATS, where the model predicts them."""

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


def feature_scores(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, TagScore]:
    """Per feature name, precision/recall/F1 of the `name=value` pairs of each word's FEATS
    (`Number=Sing|Person=3`): a pair counts as right where the gold word has it too."""
    right: Counter[str] = Counter()
    guessed: Counter[str] = Counter()
    wanted: Counter[str] = Counter()
    for gold_sentence, predicted_sentence in zip(gold, predicted, strict=True):
        for g, p in zip(gold_sentence, predicted_sentence, strict=True):
            gold_pairs, predicted_pairs = _pairs(g), _pairs(p)
            for name, _ in gold_pairs:
                wanted[name] += 1
            for pair in predicted_pairs:
                guessed[pair[0]] += 1
                right[pair[0]] += pair in gold_pairs
    scores = {}
    for name in sorted(wanted | guessed):
        precision = right[name] / guessed[name] if guessed[name] else 0.0
        recall = right[name] / wanted[name] if wanted[name] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[name] = TagScore(precision, recall, f1, wanted[name])
    return scores


def _pairs(feats: str) -> set[tuple[str, str]]:
    pairs = (pair.partition("=") for pair in feats.split("|") if feats != "_")
    return {(name, value) for name, _, value in pairs}


def target_scores(target: str, gold: list[list[str]], predicted: list[list[str]]) -> TargetScores:
    pairs = [
        (g, p) for gs, ps in zip(gold, predicted, strict=True) for g, p in zip(gs, ps, strict=True)
    ]
    accuracy = sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0
    per_label = (
        feature_scores(gold, predicted) if target == "feats" else per_tag_scores(gold, predicted)
    )
    return TargetScores(accuracy, per_label)


def evaluate(
    words: list[list[str]],
    gold: list[list[str]],
    predicted: list[list[str]],
    vocabs: Vocabularies,
    source: str = "",
    top_confusions: int = 30,
    targets: dict[str, tuple[list[list[str]], list[list[str]]]] | None = None,
) -> Evaluation:
    """UPOS scores of `predicted` against `gold`; `targets`: (gold, predicted) labels of each
    other target the model predicts."""
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
        targets={
            name: target_scores(name, gold_labels, predicted_labels)
            for name, (gold_labels, predicted_labels) in (targets or {}).items()
        },
    )
