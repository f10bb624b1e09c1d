"""The report of `posattn compare`: results.json, REPORT.md and its pictures."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from posattn.comparison import Outcome, Sentence, Suite, VariantSummary, summarize
from posattn.files import atomic_write_bytes, atomic_write_json
from posattn.presentation import plots


def write_report(suite: Suite, budget: str, outcomes: list[Outcome], output: Path) -> Path:
    """results.json, REPORT.md and the plots; returns the path of REPORT.md."""
    summaries = summarize(suite, outcomes)
    # Token-by-token results stay in each run's outcome.json.
    runs = [o.to_json(with_test_correct=False) for o in outcomes]
    atomic_write_json(
        output / "results.json",
        {
            "suite": str(suite.path),
            "budget": budget,
            "seeds": suite.seeds,
            "summary": [asdict(s) for s in summaries],
            "variants": runs,
        },
    )
    measured = [o for o in outcomes if o.measured]
    if measured:
        treebank = treebank_of(measured)
        atomic_write_bytes(
            output / "summary.png",
            plots.summary_bars(summaries, budget, treebank, len(suite.seeds)),
        )
        atomic_write_bytes(output / "accuracy.png", plots.accuracy_bars(measured, budget, treebank))
        atomic_write_bytes(
            output / "cost.png", plots.accuracy_against_cost(measured, budget, treebank)
        )
        atomic_write_bytes(output / "curves.png", plots.dev_curves(measured, budget, treebank))
    report = output / "REPORT.md"
    atomic_write_bytes(report, markdown_report(suite, budget, outcomes, summaries).encode())
    return report


def treebank_of(outcomes: list[Outcome]) -> str:
    """The treebank the variants were measured on (as its files name it)."""
    names = {o.measurement.treebank for o in outcomes if o.measured}
    return ", ".join(sorted(names)) or "?"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def markdown_report(
    suite: Suite, budget: str, outcomes: list[Outcome], summaries: list[VariantSummary]
) -> str:
    seeds = ", ".join(map(str, suite.seeds))
    lines = [
        f"# posattn compare: {suite.path.name}, budget `{budget}`",
        "",
        f"Every variant starts from `{suite.base.name}` with `{' '.join(suite.budgets[budget])}`"
        f" and seeds {seeds}; the overrides below are the only difference. Accuracies in %, on"
        f" {treebank_of(outcomes)} with gold tokens; *ambiguous*: words seen with 2+ tags in"
        " train; *unknown*: words not in train; tok/s: tagging the test set on this machine.",
        "",
        "## Over seeds",
        "",
        f"Mean ± standard deviation over the seeds; the paired test compares each variant with"
        f" `{suite.reference}` on the test tokens that one tags right and the other wrong"
        " (exact McNemar test, seed-matched runs paired, counts summed over seeds).",
        "",
        *_summary_table(summaries),
        "",
        "![summary](summary.png)",
        "",
        "## Every run",
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


def _spread(mean: float, std: float, seeds: int) -> str:
    """An accuracy's mean over the seeds, and its spread where there are several."""
    return f"{100 * mean:.2f} ± {100 * std:.2f}" if seeds > 1 else f"{100 * mean:.2f}"


def _summary_table(summaries: list[VariantSummary]) -> list[str]:
    lines = [
        "| variant | seeds | dev | test | test ambiguous | test unknown | train min |"
        " better / worse tokens | p |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for s in summaries:
        test = s.paired
        paired = f"{test.better:,} / {test.worse:,} | {test.shown_p}" if test else "(reference) |"
        mean, std, seeds = s.mean, s.std, len(s.seeds)
        lines.append(
            f"| {s.name} | {seeds} | {_spread(mean.dev_accuracy, std.dev_accuracy, seeds)} | "
            f"{_spread(mean.test_accuracy, std.test_accuracy, seeds)} | "
            f"{_spread(mean.test_ambiguous_accuracy, std.test_ambiguous_accuracy, seeds)} | "
            f"{_spread(mean.test_oov_accuracy, std.test_oov_accuracy, seeds)} | "
            f"{s.train_minutes:.1f} | {paired} |"
        )
    return lines


def _results_table(outcomes: list[Outcome]) -> list[str]:
    lines = [
        "| variant | what it tests | dev | test | test ambiguous | test unknown | parameters"
        " | train min | tok/s |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for o in outcomes:
        if not o.measured:
            detail = (o.error or "").replace("|", "/") if o.status == "failed" else "not run yet"
            lines.append(f"| {o.label} | {o.claim} | {o.status}: {detail} ||||||| ")
            continue
        m = o.measurement
        lines.append(
            f"| {o.label} | {o.claim} | {_percent(m.dev.accuracy)} | "
            f"{_percent(m.test.accuracy)} | {_percent(m.test.ambiguous_accuracy)} | "
            f"{_percent(m.test.oov_accuracy)} | {m.parameters:,} | "
            f"{o.train_minutes or 0:.1f} | {m.tagging_tokens_per_second:,.0f} |"
        )
    return lines


def _sentence_table(sentence: Sentence, outcomes: list[Outcome]) -> list[str]:
    expected = sentence.expected or []
    lines = ["| variant | tags |", "|---|---|", f"| (expected) | {' '.join(expected) or '-'} |"]
    for o in (o for o in outcomes if o.measured):
        tagged = o.measurement.tags.get(sentence.text)
        if tagged is None:
            lines.append(f"| {o.label} | (needs a dependency tree: cannot tag raw text) |")
            continue
        tags = tagged.split()
        wrong = [i < len(expected) and tag != expected[i] for i, tag in enumerate(tags)]
        marked = [f"**{t}**" if w else t for t, w in zip(tags, wrong, strict=True)]
        lines.append(f"| {o.label} | {' '.join(marked)} |")
    return lines
