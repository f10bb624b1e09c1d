"""Pictures, drawn with matplotlib's object API on the headless Agg canvas (no display, no pyplot
global state); each function returns PNG bytes for the caller to write atomically.

matplotlib is imported when the first picture is drawn, not with this module: loading a model
and tagging (which import the modules that draw) never need it, and it costs half a second.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.figure import Figure

    from posattn.comparison import Outcome, VariantSummary
    from posattn.tagging.document import AttentionMap


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def accuracy_bars(outcomes: list[Outcome], budget: str, treebank: str) -> bytes:
    """Test accuracy overall, on ambiguous words and on unknown words, one bar per variant."""
    tests = [o.measurement.test for o in outcomes]
    panels: list[tuple[str, list[float | None]]] = [
        ("all tokens", [t.accuracy for t in tests]),
        ("ambiguous words", [t.ambiguous_accuracy for t in tests]),
        ("unknown words", [t.oov_accuracy for t in tests]),
    ]
    names = [o.label for o in outcomes]
    figure = _figure(13, 0.45 * len(names) + 1.6)
    axes = figure.subplots(1, len(panels), sharey=True)
    for axis, (title, accuracies) in zip(axes, panels, strict=True):
        values = [100 * (a or 0.0) for a in accuracies]  # no such words: a bar of 0
        bars = axis.barh(names, values, color="tab:blue")
        axis.bar_label(bars, fmt="%.1f", padding=2, fontsize=8)
        low = min(values)
        axis.set_xlim(max(0.0, low - (100 - low) * 0.5), 100)
        axis.set_title(title)
        axis.set_xlabel("accuracy (%)")
        axis.invert_yaxis()  # the suite's order, top to bottom
    figure.suptitle(f"{treebank} test accuracy by variant (budget: {budget})")
    return _png(figure)


def summary_bars(summaries: list[VariantSummary], budget: str, treebank: str, seeds: int) -> bytes:
    """Mean test accuracy per variant, with the standard deviation over seeds as error bars."""
    names = [s.name for s in summaries]
    means = [100 * s.mean.test_accuracy for s in summaries]
    errors = [100 * s.std.test_accuracy for s in summaries]
    figure = _figure(8, 0.45 * len(names) + 1.6)
    axis = figure.subplots()
    bars = axis.barh(names, means, xerr=errors, color="tab:blue", capsize=3)
    axis.bar_label(bars, fmt="%.2f", padding=4, fontsize=8)
    low = min(means)
    axis.set_xlim(max(0.0, low - (100 - low) * 0.5), 100)
    axis.invert_yaxis()
    axis.set_xlabel(f"{treebank} test accuracy (%), mean ± sd over {seeds} seed(s)")
    axis.set_title(f"Test accuracy by variant (budget: {budget})")
    return _png(figure)


def accuracy_against_cost(outcomes: list[Outcome], budget: str, treebank: str) -> bytes:
    """Test accuracy against parameter count and against tagging speed."""
    figure = _figure(12, 5)
    axes = figure.subplots(1, 2, sharey=True)
    measured = [o.measurement for o in outcomes]
    accuracy = [100 * m.test.accuracy for m in measured]
    costs: list[tuple[str, str, Sequence[float]]] = [
        ("parameters", "parameters", [m.parameters for m in measured]),
        ("speed", "tagging speed (tokens/s)", [m.tagging_tokens_per_second for m in measured]),
    ]
    for axis, (title, label, values) in zip(axes, costs, strict=True):
        axis.scatter(values, accuracy, color="tab:orange")
        for name, x, y in zip((o.label for o in outcomes), values, accuracy, strict=True):
            axis.annotate(name, (x, y), textcoords="offset points", xytext=(4, 3), fontsize=8)
        axis.set_xlabel(label)
        axis.set_title(f"accuracy against {title}")
        axis.grid(alpha=0.3)
    axes[0].set_ylabel(f"{treebank} test accuracy (%)")
    figure.suptitle(f"What each variant costs (budget: {budget})")
    return _png(figure)


def dev_curves(outcomes: list[Outcome], budget: str, treebank: str) -> bytes:
    """Dev accuracy after each epoch, one line per variant."""
    figure = _figure(9, 5.5)
    axis = figure.subplots()
    from matplotlib import colormaps

    tab20 = colormaps["tab20"]  # a suite easily has more than the default cycle's 10 colours
    for index, outcome in enumerate(outcomes):
        epochs = range(1, len(outcome.dev_curve) + 1)
        axis.plot(
            epochs,
            [100 * a for a in outcome.dev_curve],
            marker="os^D"[index % 4],
            color=tab20(index % tab20.N),
            label=outcome.label,
        )
    axis.set_xlabel("epoch")
    axis.set_ylabel(f"{treebank} dev accuracy (%)")
    axis.set_title(f"Learning curves (budget: {budget})")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="lower right")
    return _png(figure)


def attention_grid(tokens: list[str], tags: list[str], rows: list[list[AttentionMap]]) -> bytes:
    """One heatmap per map, a row of maps per layer: rows are queries (labelled with their tag),
    columns the keys they attend to."""
    size = 0.32 * len(tokens) + 1.8
    columns = max(len(row) for row in rows)
    figure = _figure(size * columns + 1.2, size * len(rows) + 0.8)
    axes = figure.subplots(len(rows), columns, squeeze=False)
    image = None
    labels = [f"{word} {tag}" for word, tag in zip(tokens, tags, strict=True)]
    for row_axes, row in zip(axes, rows, strict=True):
        for axis, attention in zip(row_axes, row, strict=False):
            image = axis.imshow(attention.weights, cmap="viridis", vmin=0.0, vmax=1.0)
            axis.set_xticks(range(len(tokens)), tokens, rotation=90, fontsize=8)
            first_column = axis is row_axes[0]
            axis.set_yticks(range(len(tokens)), labels if first_column else [], fontsize=8)
            axis.set_title(attention.title, fontsize=9)
            axis.set_xlabel("attends to", fontsize=8)
        for axis in row_axes[len(row) :]:
            axis.set_visible(False)
    assert image is not None
    figure.colorbar(image, ax=axes, shrink=0.6, label="attention weight")
    figure.suptitle(f"Self-attention in \u201c{' '.join(tokens)}\u201d (rows: token and its tag)")
    return _png(figure)


def confusion_heatmap(tags: list[str], counts: list[list[int]], title: str) -> bytes:
    """Rows normalised by gold tag: each row shows where that tag's tokens went."""
    rows = [[c / max(1, sum(row)) for c in row] for row in counts]
    figure = _figure(0.5 * len(tags) + 2.5, 0.5 * len(tags) + 1.5)
    axis = figure.subplots()
    image = axis.imshow(rows, cmap="Blues", vmin=0.0, vmax=1.0)
    axis.set_xticks(range(len(tags)), tags, rotation=60, ha="right", fontsize=9)
    axis.set_yticks(range(len(tags)), tags, fontsize=9)
    for i, row in enumerate(rows):
        for j, share in enumerate(row):
            if share >= 0.005:
                color = "white" if share > 0.6 else "black"
                axis.text(
                    j, i, f"{100 * share:.0f}", ha="center", va="center", fontsize=7, color=color
                )
    axis.set_xlabel("predicted tag")
    axis.set_ylabel("gold tag")
    axis.set_title(title)
    figure.colorbar(image, ax=axis, shrink=0.8, label="share of the gold tag's tokens")
    return _png(figure)


def accuracy_by_band(
    panels: list[tuple[str, list[tuple[str, int, float | None]]]], title: str
) -> bytes:
    """One bar chart per panel (title, [(band label, tokens, accuracy)]), token counts on bars."""
    figure = _figure(6 * len(panels), 4.5)
    axes = figure.subplots(1, len(panels), squeeze=False)[0]
    for axis, (panel_title, bands) in zip(axes, panels, strict=True):
        shown = [(label, n, 100 * a) for label, n, a in bands if a is not None]
        bars = axis.bar(
            [label for label, _, _ in shown], [a for _, _, a in shown], color="tab:green"
        )
        axis.bar_label(bars, labels=[f"{n:,} tok" for _, n, _ in shown], fontsize=7, padding=2)
        low = min((a for _, _, a in shown), default=0.0)
        axis.set_ylim(max(0.0, low - 10), 101)
        axis.set_title(panel_title)
        axis.set_ylabel("accuracy (%)")
        axis.tick_params(axis="x", rotation=30)
    figure.suptitle(title)
    return _png(figure)


def training_curves(runs: dict[str, list[dict[str, float]]]) -> bytes:
    """Train loss, dev accuracy and learning rate after each epoch; one line per run."""
    figure = _figure(15, 4.5)
    axes = figure.subplots(1, 3)
    panels = [
        ("train_loss", "train loss (per token)", 1.0),
        ("dev_accuracy", "dev accuracy (%)", 100.0),
        ("lr", "learning rate (end of epoch)", 1.0),
    ]
    for axis, (key, label, scale) in zip(axes, panels, strict=True):
        for name, epochs in runs.items():
            axis.plot(
                [e["epoch"] for e in epochs],
                [scale * e[key] for e in epochs],
                marker="o",
                label=name,
            )
        axis.set_xlabel("epoch")
        axis.set_title(label)
        axis.grid(alpha=0.3)
    axes[1].legend(fontsize=8, loc="lower right")
    figure.suptitle("Training curves")
    return _png(figure)


def treebank_overview(
    tag_counts: dict[str, int], tag_split: str, lengths: dict[str, list[int]], title: str
) -> bytes:
    """The tag distribution and, per split, the histogram of sentence lengths."""
    figure = _figure(14, 4.8)
    tags_axis, lengths_axis = figure.subplots(1, 2)
    ranked = sorted(tag_counts.items(), key=lambda item: -item[1])
    tags_axis.bar([t for t, _ in ranked], [n for _, n in ranked], color="tab:purple")
    tags_axis.tick_params(axis="x", rotation=60)
    tags_axis.set_title(f"Tag distribution ({tag_split})")
    tags_axis.set_ylabel("tokens")
    longest = max((max(v) for v in lengths.values() if v), default=1)
    bins = range(1, min(longest, 100) + 2)
    for split, values in lengths.items():
        lengths_axis.hist(
            values, bins=bins, histtype="step", linewidth=1.5, label=split, density=True
        )
    lengths_axis.set_title("Sentence length (cut at 100)")
    lengths_axis.set_xlabel("tokens per sentence")
    lengths_axis.set_ylabel("share of sentences")
    lengths_axis.legend()
    figure.suptitle(title)
    return _png(figure)
