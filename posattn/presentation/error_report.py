"""`posattn eval --report DIR`: the error analysis as files, for reading and for plotting again.

confusion.csv / confusion.png        counts, and the heatmap normalised by gold tag
per_tag.csv / seqeval.txt            precision, recall, F1 and support per tag
confusions.md                        the 30 most frequent confusions, with example sentences
accuracy_by_band.csv / .png          accuracy by sentence length and by word frequency band
evaluation.json                      everything `posattn eval --json` prints
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from posattn.evaluation.analysis import Confusion, confusion_matrix, top_confusions
from posattn.evaluation.scores import Evaluation, seqeval_report
from posattn.files import atomic_write_bytes, atomic_write_json
from posattn.presentation import plots


def _csv(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def _highlight(confusion: Confusion, context: int = 10) -> list[str]:
    """Each example as a Markdown line: the confused word in bold, +-`context` words around it."""
    lines = []
    for example in confusion.examples:
        i = example.position
        start, end = max(0, i - context), min(len(example.words), i + context + 1)
        words = list(example.words[start:end])
        words[i - start] = (
            f"**{words[i - start]}** (gold {example.gold[i]}, predicted {example.predicted[i]})"
        )
        before = "… " if start > 0 else ""
        after = " …" if end < len(example.words) else ""
        lines.append(f"- {before}{' '.join(words)}{after}")
    return lines


def confusions_markdown(confusions: list[Confusion], source: str) -> str:
    total = sum(c.count for c in confusions)
    lines = [f"# Most frequent confusions on {source}", ""]
    lines.append(f"The {len(confusions)} most frequent (gold, predicted) pairs: {total:,} errors.")
    for rank, confusion in enumerate(confusions, start=1):
        lines += [
            "",
            f"## {rank}. gold {confusion.gold}, predicted {confusion.predicted}: "
            f"{confusion.count:,}",
            "",
        ]
        lines += _highlight(confusion)
    return "\n".join(lines) + "\n"


def write_error_report(
    folder: Path,
    words: list[list[str]],
    gold: list[list[str]],
    predicted: list[list[str]],
    evaluation: Evaluation,
) -> None:
    """Write every file listed above."""
    source = evaluation.source
    tags, counts = confusion_matrix(gold, predicted)
    atomic_write_bytes(
        folder / "confusion.csv",
        _csv(
            [
                ["gold \\ predicted", *tags],
                *[[t, *row] for t, row in zip(tags, counts, strict=True)],
            ]
        ),
    )
    atomic_write_bytes(
        folder / "confusion.png",
        plots.confusion_heatmap(tags, counts, f"Confusion matrix (% of gold tag), {source}"),
    )
    per_tag: list[list[object]] = [["tag", "precision", "recall", "f1", "support"]]
    per_tag += [[t, s.precision, s.recall, s.f1, s.support] for t, s in evaluation.per_tag.items()]
    atomic_write_bytes(folder / "per_tag.csv", _csv(per_tag))
    atomic_write_bytes(folder / "seqeval.txt", seqeval_report(gold, predicted).encode())
    confusions = top_confusions(words, gold, predicted)
    atomic_write_bytes(folder / "confusions.md", confusions_markdown(confusions, source).encode())

    by_length, by_frequency = evaluation.by_length, evaluation.by_frequency
    rows: list[list[object]] = [["grouping", "band", "tokens", "accuracy"]]
    for grouping, bands in (("sentence length", by_length), ("word frequency", by_frequency)):
        rows += [
            [grouping, b.label, b.tokens, "" if b.accuracy is None else b.accuracy] for b in bands
        ]
    atomic_write_bytes(folder / "accuracy_by_band.csv", _csv(rows))
    atomic_write_bytes(
        folder / "accuracy_by_band.png",
        plots.accuracy_by_band(
            [
                (
                    "by sentence length (tokens)",
                    [(b.label, b.tokens, b.accuracy) for b in by_length],
                ),
                (
                    "by word frequency in train",
                    [(b.label, b.tokens, b.accuracy) for b in by_frequency],
                ),
            ],
            f"Accuracy by band, {source}",
        ),
    )
    atomic_write_json(folder / "evaluation.json", evaluation.to_json())
