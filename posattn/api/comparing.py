"""Comparing variants from Python: what `posattn compare` does.

posattn.compare("configs/compare.yaml", quick=True)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from posattn.api.training import draw_curves
from posattn.comparison import (
    Outcome,
    Suite,
    SuiteProgress,
    VariantSummary,
    load_suite,
    run_suite,
    summarize,
)
from posattn.errors import PosattnError
from posattn.presentation.compare_report import write_report
from posattn.run_folder import RUNS_ROOT, RunFolder


@dataclass
class Comparison:
    """What a suite gave: each variant's outcome, their summaries over seeds, the report."""

    suite: Suite
    outcomes: list[Outcome]
    report: Path
    """REPORT.md; results.json and the pictures lie beside it."""

    @property
    def summaries(self) -> list[VariantSummary]:
        """Each variant over the suite's seeds: means, spreads, the paired test."""
        return summarize(self.suite, self.outcomes)

    @property
    def failed(self) -> list[str]:
        """The variants that failed to train or to be measured."""
        return [o.name for o in self.outcomes if o.status == "failed"]


def compare(
    suite: str | Path = "configs/compare.yaml",
    *,
    quick: bool = False,
    budget: str | None = None,
    seeds: Sequence[int] | None = None,
    output: str | Path | None = None,
    data_dir: str | Path | None = None,
    only: Sequence[str] | None = None,
    progress: SuiteProgress | None = None,
) -> Comparison:
    """Train every variant of a suite under one budget (`full`, `quick` or another the suite
    names), with each of its seeds (or `seeds`), and report on them side by side: means and
    spreads over seeds, and a paired test against the suite's reference variant. Runs already
    trained with the same config are reused. `quick` is `budget="quick"`."""
    if quick and budget is not None:
        raise PosattnError("quick=True is budget=quick: give one of them")
    settings = load_suite(Path(suite))
    if seeds:
        settings = dataclasses.replace(settings, seeds=list(seeds))
    budget = budget or ("quick" if quick else "full")
    # Named after the suite, so two suites with a variant of the same name never share a run.
    default = settings.path.stem if budget == "full" else f"{settings.path.stem}-{budget}"
    folder = Path(output) if output is not None else RUNS_ROOT / default
    outcomes = run_suite(
        settings,
        budget,
        folder,
        str(data_dir) if data_dir is not None else None,
        list(only) if only else None,
        progress,
    )
    for outcome in outcomes:
        if outcome.status == "trained":
            run = RunFolder(folder / outcome.run)
            draw_curves([run.path], run.curves, names=[outcome.label])
    return Comparison(settings, outcomes, write_report(settings, budget, outcomes, folder))
