"""Rich tables for the terminal: evaluation results and treebank statistics."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from posattn.catalog import ModelEntry
from posattn.data.download import UD_RELEASE, KnownTreebank
from posattn.data.stats import TreebankStats, reference_split
from posattn.evaluation.scores import Evaluation, TagScore
from posattn.evaluation.segmentation import RawTextScores

if TYPE_CHECKING:
    from posattn.comparison import Outcome, Suite, VariantSummary
    from posattn.evaluation.analysis import Band
    from posattn.tagging.document import AttentionMap


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def print_evaluation(console: Console, result: Evaluation, confusions: int = 10) -> None:
    summary = Table(title=f"Evaluation on {result.source}")
    summary.add_column("")
    summary.add_column("tokens", justify="right")
    summary.add_column("accuracy", justify="right")
    for label, tokens, accuracy in (
        ("all tokens", result.tokens, result.accuracy),
        ("unknown words (not in train)", result.oov_tokens, result.oov_accuracy),
        ("ambiguous words (2+ tags in train)", result.ambiguous_tokens, result.ambiguous_accuracy),
    ):
        summary.add_row(label, f"{tokens:,}", _percent(accuracy))
    for name, scores in result.targets.items():
        what = "XPOS" if name == "xpos" else "features (all of a word's FEATS right)"
        summary.add_row(what, f"{result.tokens:,}", _percent(scores.accuracy))
    console.print(summary)
    if result.foreign_tag_tokens:
        console.print(
            f"[yellow]note:[/] {result.foreign_tag_tokens:,} tokens have gold tags this model "
            f"cannot produce ({', '.join(result.foreign_tags)}: not in its training data); "
            "they count as errors"
        )

    _print_label_scores(console, "Per tag (seqeval)", result.per_tag)
    for name, scores in result.targets.items():
        if name == "xpos":
            _print_label_scores(console, "Per XPOS tag (seqeval)", scores.per_label)
        else:
            title = "Per feature (its name=value pairs)"
            _print_label_scores(console, title, scores.per_label, label="feature")

    errors = result.tokens - round(result.accuracy * result.tokens)
    top = Table(title=f"Most frequent errors (of {errors:,})")
    for column in ("gold", "predicted", "count", "share of errors"):
        top.add_column(
            column, justify="right" if column in ("count", "share of errors") else "left"
        )
    for gold, predicted, count in result.confusions[:confusions]:
        top.add_row(gold, predicted, str(count), f"{100 * count / max(1, errors):.1f}%")
    console.print(top)


def _print_label_scores(
    console: Console, title: str, scores: dict[str, TagScore], label: str = "tag"
) -> None:
    table = Table(title=title)
    for column in (label, "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == label else "right")
    for name, score in scores.items():
        table.add_row(
            name,
            f"{score.precision:.3f}",
            f"{score.recall:.3f}",
            f"{score.f1:.3f}",
            str(score.support),
        )
    console.print(table)


def print_raw_text_scores(console: Console, scores: RawTextScores) -> None:
    table = Table(title=f"Tagging raw text: {scores.source} (CoNLL 2018 alignment)")
    for column in ("", "gold", "system", "precision", "recall", "F1"):
        table.add_column(column, justify="left" if not column else "right")
    for label, score in (("tokens", scores.tokens), ("words", scores.words), ("UPOS", scores.upos)):
        table.add_row(
            label,
            f"{score.gold:,}",
            f"{score.system:,}",
            _percent(score.precision),
            _percent(score.recall),
            _percent(score.f1),
        )
    console.print(table)
    console.print(
        f"sentences whose words were reproduced exactly: {scores.exact_sentences:,} of "
        f"{scores.sentences:,}"
    )


def print_known_treebanks(console: Console, known: list[KnownTreebank]) -> None:
    table = Table(title=f"UD treebanks posattn can download ({UD_RELEASE})")
    for column in ("name", "language", "UD repository", "checksums", "downloaded to"):
        table.add_column(column)
    for treebank in known:
        table.add_row(
            treebank.name,
            treebank.language,
            treebank.source,
            "pinned" if treebank.pinned else "first download",
            str(treebank.downloaded) if treebank.downloaded else "",
        )
    console.print(table)
    console.print(
        "Any other treebank: a folder of its *-ud-{train,dev,test}.conllu, --data-dir DIR"
    )


def print_models(console: Console, models: list[ModelEntry], bfloat16_hardware: str | None) -> None:
    table = Table(title="Models posattn can use")
    for column in ("model", "treebank", "predicts", "dev", "test", "where"):
        table.add_column(column, justify="right" if column in ("dev", "test") else "left")
    for model in models:
        table.add_row(
            model.name + (" (shipped)" if model.shipped else "") + (" *" if model.default else ""),
            model.treebank,
            ", ".join(model.targets),
            _percent(model.dev_accuracy),
            _percent(model.test_accuracy),
            str(model.path),
        )
    console.print(table)
    console.print(
        "* With no --model, tag, eval and serve use this one: the latest finished run under "
        "runs/, else the shipped en_ewt. --model NAME takes a shipped model by name."
    )
    console.print(
        f"--precision auto tags in bfloat16 here (this CPU has {bfloat16_hardware})"
        if bfloat16_hardware
        else "--precision auto tags in float32 here (this CPU has no fast bfloat16)"
    )


def print_stats(console: Console, folder: Path, stats: dict[str, TreebankStats]) -> None:
    sizes = Table(title=f"Treebank in {folder}")
    for column in ("split", "sentences", "tokens"):
        sizes.add_column(column, justify="left" if column == "split" else "right")
    for split, s in stats.items():
        sizes.add_row(split, f"{s.sentences:,}", f"{s.tokens:,}")
    console.print(sizes)

    split_name = reference_split(stats)
    first = stats[split_name]
    tags = Table(title=f"Tags ({split_name})")
    for column in ("tag", "tokens", "share"):
        tags.add_column(column, justify="left" if column == "tag" else "right")
    for tag, count in first.tag_counts.most_common():
        tags.add_row(tag, f"{count:,}", f"{100 * count / first.tokens:.1f}%")
    console.print(tags)

    ambiguous = Table(title=f"Most ambiguous word forms ({split_name})")
    ambiguous.add_column("form")
    ambiguous.add_column("tags seen")
    for form, counts in first.ambiguous:
        ambiguous.add_row(form, " / ".join(f"{t} {n}" for t, n in counts.most_common()))
    console.print(ambiguous)


def print_comparison(
    console: Console, outcomes: list[Outcome], sentence: str, treebank: str
) -> None:
    table = Table(
        title=f"posattn compare (accuracy on {treebank}; ambiguous and unknown words on test)"
    )
    for column in ("variant", "dev", "test", "ambiguous", "unknown", "parameters", "tok/s"):
        if column == "variant":
            table.add_column(column, no_wrap=True)
        else:
            table.add_column(column, justify="right")
    table.add_column(sentence)
    for o in outcomes:
        if not o.measured:
            table.add_row(o.label, f"[red]{o.status}[/]", *[""] * 5, o.error or "")
            continue
        m = o.measurement
        table.add_row(
            o.label,
            _percent(m.dev.accuracy),
            _percent(m.test.accuracy),
            _percent(m.test.ambiguous_accuracy),
            _percent(m.test.oov_accuracy),
            f"{m.parameters:,}",
            f"{m.tagging_tokens_per_second:,.0f}",
            m.tags.get(sentence, ""),
        )
    console.print(table)


def print_summary(console: Console, summaries: list[VariantSummary]) -> None:
    """Mean ± standard deviation over seeds, and the paired test against the reference."""
    table = Table(title="Over seeds (mean ± sd); paired test on test tokens")
    for column in ("variant", "seeds", "dev", "test", "unknown", "better / worse", "p"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    for s in summaries:
        cells = [
            f"{100 * mean:.2f} ± {100 * std:.2f}"
            for mean, std in (
                (s.mean.dev_accuracy, s.std.dev_accuracy),
                (s.mean.test_accuracy, s.std.test_accuracy),
                (s.mean.test_oov_accuracy, s.std.test_oov_accuracy),
            )
        ]
        test = s.paired
        paired = [f"{test.better:,} / {test.worse:,}", f"{test.shown_p}"] if test else ["", ""]
        table.add_row(s.name, str(len(s.seeds)), *cells, *paired)
    console.print(table)


def print_scores(
    console: Console, result: Evaluation | RawTextScores, report: Path | None = None
) -> None:
    """What `posattn eval` shows: the scores on gold words (with the bands of the error
    report, if one was written) or from raw text."""
    if isinstance(result, RawTextScores):
        print_raw_text_scores(console, result)
        return
    print_evaluation(console, result)
    if report is not None:
        print_bands(console, "Accuracy by sentence length (tokens)", result.by_length)
        print_bands(console, "Accuracy by word frequency in train", result.by_frequency)
        console.print(f"error analysis written to [bold]{report}[/]")


def print_suite(
    console: Console,
    suite: Suite,
    outcomes: list[Outcome],
    summaries: list[VariantSummary],
    report: Path,
) -> None:
    """What `posattn compare` shows: each variant, the summaries over seeds, the report."""
    # Here, not at the top: compare_report brings in training and torch, which `data list`
    # and the other tables must not wait for.
    from posattn.presentation.compare_report import treebank_of

    first = suite.sentences[0].text if suite.sentences else ""
    print_comparison(console, outcomes, first, treebank_of(outcomes))
    if len(suite.seeds) > 1:
        print_summary(console, summaries)
    console.print(f"report: [bold]{report}[/]")


def print_bands(console: Console, title: str, bands: list[Band]) -> None:
    table = Table(title=title)
    for column in ("band", "tokens", "accuracy"):
        table.add_column(column, justify="left" if column == "band" else "right")
    for band in bands:
        table.add_row(band.label, f"{band.tokens:,}", _percent(band.accuracy))
    console.print(table)


def _shade(weight: float) -> str:
    """White for 0 to dark blue for 1, with readable text on top."""
    level = max(0.0, min(1.0, weight))
    red, green, blue = (round(255 - level * (255 - c)) for c in (8, 48, 107))
    text = "white" if level > 0.5 else "black"
    return f"{text} on rgb({red},{green},{blue})"


def print_attention(
    console: Console, tokens: list[str], tags: list[str], attention: AttentionMap
) -> None:
    """The map as a shaded table: a row per token (with its tag), a column per token attended to;
    cells are weights in percent."""
    table = Table(title=attention.title)
    table.add_column("token  tag", no_wrap=True)
    for token in tokens:
        table.add_column(token[:8], justify="right", no_wrap=True)
    for token, tag, row in zip(tokens, tags, attention.weights, strict=True):
        cells = [f"[{_shade(w)}]{100 * w:3.0f}[/]" for w in row]
        table.add_row(f"{token}  [bold]{tag}[/]", *cells)
    console.print(table)
