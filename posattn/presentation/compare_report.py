"""The report of `posattn compare`: results.json, REPORT.md and its pictures."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from posattn.comparison import Outcome, Sentence, Suite
from posattn.files import atomic_write_bytes, atomic_write_json
from posattn.presentation import plots


def write_report(suite: Suite, budget: str, outcomes: list[Outcome], output: Path) -> Path:
    """results.json, REPORT.md and the plots; returns the path of REPORT.md."""
    atomic_write_json(
        output / "results.json",
        {"suite": str(suite.path), "budget": budget, "variants": [asdict(o) for o in outcomes]},
    )
    measured = [o for o in outcomes if o.measured]
    if measured:
        treebank = treebank_of(measured)
        atomic_write_bytes(output / "accuracy.png", plots.accuracy_bars(measured, budget, treebank))
        atomic_write_bytes(
            output / "cost.png", plots.accuracy_against_cost(measured, budget, treebank)
        )
        atomic_write_bytes(output / "curves.png", plots.dev_curves(measured, budget, treebank))
    report = output / "REPORT.md"
    atomic_write_bytes(report, markdown_report(suite, budget, outcomes).encode())
    return report


def treebank_of(outcomes: list[Outcome]) -> str:
    """The treebank the variants were measured on (as its files name it)."""
    names = {o.metrics.get("treebank", "?") for o in outcomes if o.measured}
    return ", ".join(sorted(names)) or "?"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def markdown_report(suite: Suite, budget: str, outcomes: list[Outcome]) -> str:
    lines = [
        f"# posattn compare: {suite.path.name}, budget `{budget}`",
        "",
        f"Every variant starts from `{suite.base.name}` with `{' '.join(suite.budgets[budget])}`"
        " and the same seed; the overrides below are the only difference. Accuracies in %, on"
        f" {treebank_of(outcomes)} with gold tokens; *ambiguous*: words seen with 2+ tags in"
        " train; *unknown*: words not in train; tok/s: tagging the test set on this machine.",
        "",
        *_results_table(outcomes),
        "",
        "![accuracy](accuracy.png)",
        "",
        "![cost](cost.png)",
        "",
        "![curves](curves.png)",
        "",
        "## Ambiguous sentences",
        "",
        "Tags each variant gives; a tag in **bold** differs from the expected reading.",
    ]
    for sentence in suite.sentences:
        lines += ["", f"*{sentence.text}*", "", *_sentence_table(sentence, outcomes)]
    return "\n".join(lines) + "\n"


def _results_table(outcomes: list[Outcome]) -> list[str]:
    lines = [
        "| variant | what it tests | dev | test | test ambiguous | test unknown | parameters"
        " | train min | tok/s |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for o in outcomes:
        if not o.measured:
            detail = (o.error or "").replace("|", "/") if o.status == "failed" else "not run yet"
            lines.append(f"| {o.name} | {o.claim} | {o.status}: {detail} ||||||| ")
            continue
        m = o.metrics
        lines.append(
            f"| {o.name} | {o.claim} | {_percent(m['dev_accuracy'])} | "
            f"{_percent(m['test_accuracy'])} | {_percent(m['test_ambiguous_accuracy'])} | "
            f"{_percent(m['test_oov_accuracy'])} | {m['parameters']:,} | "
            f"{o.train_minutes or 0:.1f} | {m['tagging_tokens_per_second']:,.0f} |"
        )
    return lines


def _sentence_table(sentence: Sentence, outcomes: list[Outcome]) -> list[str]:
    expected = sentence.expected or []
    lines = ["| variant | tags |", "|---|---|", f"| (expected) | {' '.join(expected) or '-'} |"]
    for o in (o for o in outcomes if o.measured):
        if sentence.text not in o.metrics["tags"]:
            lines.append(f"| {o.name} | (needs a dependency tree: cannot tag raw text) |")
            continue
        tags = o.metrics["tags"][sentence.text].split()
        wrong = [i < len(expected) and tag != expected[i] for i, tag in enumerate(tags)]
        marked = [f"**{t}**" if w else t for t, w in zip(tags, wrong, strict=True)]
        lines.append(f"| {o.name} | {' '.join(marked)} |")
    return lines
