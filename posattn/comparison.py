"""`posattn compare`: train a suite of variants under one seed and budget, measure each the same
way, and write a report (REPORT.md, results.json, PNG plots).

A suite file (`configs/compare.yaml`) names a base config, the budgets (overrides applied to every
variant) and the variants (overrides that make each one what it is). Each variant trains into its
own folder under the output folder; a variant already trained with the very same config is reused
and one interrupted mid-training resumes from its checkpoint, so an interrupted suite picks up
where it stopped; a variant that fails is reported and the suite goes on.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from posattn.config import (
    Config,
    config_to_dict,
    find_config_file,
    load_config,
    read_yaml,
    saved_config,
)
from posattn.errors import PosattnError
from posattn.evaluation.measure import Measurement, measure_model
from posattn.files import atomic_write_bytes, atomic_write_json, read_json_object
from posattn.run_folder import RunFolder
from posattn.training.loop import Reporter, SilentReporter, train
from posattn.training.resume import TrainingInterrupted, resumable

OUTCOME_FILE = "outcome.json"
ERROR_FILE = "error.txt"
"""Where a variant that failed unexpectedly keeps its traceback."""
"""Beside each variant's run folder files: its config and what it measured, to reuse it."""


@dataclass
class Variant:
    name: str
    claim: str
    overrides: list[str]


@dataclass
class Sentence:
    text: str
    expected: list[str] | None = None
    """The tags a careful annotator gives, one per token of `posattn tag`'s tokenisation."""


@dataclass
class Suite:
    path: Path
    base: Path
    budgets: dict[str, list[str]]
    """Each budget's overrides (a `{minutes: M}` budget already turned into them)."""
    variants: list[Variant]
    sentences: list[Sentence]
    seeds: list[int] = field(default_factory=lambda: [1])
    reference: str = ""
    """The variant the others are tested against (default: the first)."""

    def config(
        self, variant: Variant, budget: str, data_dir: str | None, seed: int | None = None
    ) -> Config:
        values: dict[str, Any] = {"data.data_dir": data_dir} if data_dir else {}
        if seed is not None:
            values["train.seed"] = seed
        try:
            config = load_config(self.base, [*self.budgets[budget], *variant.overrides], values)
            # replace() validates again: the name becomes the variant's run folder.
            return dataclasses.replace(config, name=self.run_name(variant, seed))
        except PosattnError as error:
            raise PosattnError(f"{self.path}: variant {variant.name!r}: {error}") from None

    def run_name(self, variant: Variant, seed: int | None) -> str:
        """A variant's run folder: its name, with the seed when the suite has several."""
        return (
            variant.name if seed is None or len(self.seeds) == 1 else f"{variant.name}-seed{seed}"
        )


@dataclass
class Outcome:
    name: str
    claim: str
    status: Literal["trained", "reused", "failed", "not run"]
    seed: int | None = None
    """Where the suite has several seeds."""
    run: str = ""
    """Its run folder, under the report folder."""
    error: str | None = None
    train_minutes: float | None = None
    epochs_run: int | None = None
    best_epoch: int | None = None
    metrics: Measurement | None = None
    """What `measure_model` found; None for a variant that failed or has not run."""
    dev_curve: list[float] = field(default_factory=list)
    """Dev accuracy after each epoch."""

    @property
    def measured(self) -> bool:
        return self.status in ("trained", "reused")

    @property
    def measurement(self) -> Measurement:
        """`metrics`, for a variant known to be `measured`."""
        if self.metrics is None:
            raise ValueError(f"{self.label} was not measured ({self.status})")
        return self.metrics

    @property
    def label(self) -> str:
        """The variant, and the seed where it matters."""
        return self.name if self.seed is None else f"{self.name} (seed {self.seed})"

    def to_json(self, *, with_test_correct: bool = True) -> dict[str, Any]:
        """As outcome.json keeps it (results.json: `with_test_correct=False`); a variant not
        measured has `"metrics": {}`."""
        return {
            "name": self.name,
            "claim": self.claim,
            "status": self.status,
            "seed": self.seed,
            "run": self.run,
            "error": self.error,
            "train_minutes": self.train_minutes,
            "epochs_run": self.epochs_run,
            "best_epoch": self.best_epoch,
            "metrics": (
                self.metrics.to_json(with_test_correct=with_test_correct) if self.metrics else {}
            ),
            "dev_curve": list(self.dev_curve),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        """Read back what `to_json` wrote; an unknown key is a TypeError."""
        fields = dict(data)
        metrics = fields.pop("metrics", {})
        return cls(**fields, metrics=Measurement.from_json(metrics) if metrics else None)


@dataclass(frozen=True)
class SummarizedScores:
    """The numbers a variant's summary averages over its seeds (its mean and its spread). An
    accuracy on words a split has none of (no unknown words, say) counts as 0."""

    dev_accuracy: float
    test_accuracy: float
    test_ambiguous_accuracy: float
    test_oov_accuracy: float
    tagging_tokens_per_second: float

    @classmethod
    def of(cls, measurement: Measurement) -> SummarizedScores:
        return cls(
            dev_accuracy=measurement.dev.accuracy,
            test_accuracy=measurement.test.accuracy,
            test_ambiguous_accuracy=measurement.test.ambiguous_accuracy or 0.0,
            test_oov_accuracy=measurement.test.oov_accuracy or 0.0,
            tagging_tokens_per_second=measurement.tagging_tokens_per_second,
        )

    @classmethod
    def over_runs(
        cls, runs: list[SummarizedScores], statistic: Callable[[list[float]], float]
    ) -> SummarizedScores:
        """`statistic` (the mean, say) of each number over the runs."""
        return cls(
            **{
                number.name: statistic([getattr(run, number.name) for run in runs])
                for number in dataclasses.fields(cls)
            }
        )


@dataclass
class PairedTest:
    """An exact McNemar test on the test tokens: only the tokens one variant tags right and the
    other wrong count. With several seeds, seed-matched runs are paired and the counts summed."""

    reference: str
    better: int
    """Tokens this variant tags right and the reference wrong."""
    worse: int
    p_value: float
    """0.0 when it is below the smallest number a float holds (about 1e-308)."""

    @property
    def shown_p(self) -> str:
        return f"{self.p_value:.2g}" if self.p_value > 0 else "< 1e-300"


@dataclass
class VariantSummary:
    name: str
    claim: str
    seeds: list[int]
    """The seeds measured."""
    mean: SummarizedScores
    """Mean over seeds."""
    std: SummarizedScores
    """Sample standard deviation over seeds (0 with one seed)."""
    train_minutes: float
    """Mean training time."""
    paired: PairedTest | None


def mcnemar_p_value(better: int, worse: int) -> float:
    """Two-sided exact McNemar test: P(a split at least this uneven | each discordant token is
    a fair coin)."""
    n = better + worse
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(better, worse) + 1))
    return min(1.0, 2 * tail / 2**n)


def summarize(suite: Suite, outcomes: list[Outcome]) -> list[VariantSummary]:
    """Mean and spread over seeds of each variant, and its paired test against the reference."""
    measured = [o for o in outcomes if o.measured]
    reference = {o.seed: o for o in measured if o.name == suite.reference}
    summaries = []
    for variant in suite.variants:
        runs = [o for o in measured if o.name == variant.name]
        if not runs:
            continue
        scores = [SummarizedScores.of(o.measurement) for o in runs]
        paired = None
        pairs = [(o, reference[o.seed]) for o in runs if o.seed in reference]
        if variant.name != suite.reference and pairs:
            better = worse = 0
            for run, base in pairs:
                for mine, theirs in zip(_token_results(run), _token_results(base), strict=True):
                    better += mine and not theirs
                    worse += theirs and not mine
            paired = PairedTest(suite.reference, better, worse, mcnemar_p_value(better, worse))
        summaries.append(
            VariantSummary(
                variant.name,
                variant.claim,
                [o.seed for o in runs if o.seed is not None],
                SummarizedScores.over_runs(scores, statistics.fmean),
                SummarizedScores.over_runs(
                    scores, lambda v: statistics.stdev(v) if len(v) > 1 else 0.0
                ),
                statistics.fmean(o.train_minutes or 0.0 for o in runs),
                paired,
            )
        )
    return summaries


def _token_results(outcome: Outcome) -> tuple[bool, ...]:
    """Whether the run tagged each test token right."""
    results = outcome.measurement.test_correct
    if results is None:  # `_reusable` passes over such runs: they train again
        raise PosattnError(f"{outcome.label}: its test tokens one by one were not kept")
    return results


class SuiteProgress(Protocol):
    def start(self, variants: int) -> None: ...
    def variant(self, name: str) -> Reporter: ...
    def done(self, outcome: Outcome) -> None: ...
    def stop(self) -> None: ...


class SilentSuiteProgress:
    def start(self, variants: int) -> None:
        pass

    def variant(self, name: str) -> Reporter:
        return SilentReporter()

    def done(self, outcome: Outcome) -> None:
        pass

    def stop(self) -> None:
        pass


def _string_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PosattnError(f"{where} must be a list of section.key=value strings")
    return value


def _budget(value: Any, where: str) -> list[str]:
    """A budget's overrides: a list of them, or `{minutes: M, set: [...]}` for a wall-time
    budget, over which the learning rate then decays (epochs and patience stop mattering)."""
    if not isinstance(value, dict):
        return _string_list(value, where)
    unknown = set(value) - {"minutes", "set"}
    minutes = value.get("minutes")
    if unknown or not isinstance(minutes, int | float) or minutes <= 0:
        raise PosattnError(f"{where} must be a list of overrides or {{minutes: M, set: [...]}}")
    return [
        "train.budget=minutes",
        f"train.max_minutes={minutes}",
        "train.epochs=1000",
        "train.patience=1000",
        *_string_list(value.get("set", []), where),
    ]


def load_suite(path: Path) -> Suite:
    """Read and check a suite file; every variant's config is built once here, so a typo in the
    last variant is reported before the first one trains for an hour."""
    path = find_config_file(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("variants"), list):
        raise PosattnError(f"{path}: expected a mapping with base, budgets, variants, sentences")
    unknown = set(raw) - {"base", "budgets", "variants", "sentences", "seeds", "reference"}
    if unknown:
        raise PosattnError(f"{path}: unknown key {sorted(unknown)[0]}")
    budgets = raw.get("budgets") or {}
    if not isinstance(budgets, dict) or not {"full", "quick"} <= set(budgets):
        raise PosattnError(f"{path}: budgets must give at least `full` and `quick`")
    seeds = raw.get("seeds", [1])
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) for s in seeds):
        raise PosattnError(f"{path}: seeds must be a list of integers")
    variants, names = [], set()
    for number, item in enumerate(raw["variants"], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise PosattnError(f"{path}: variant {number} needs a name")
        if item["name"] in names:
            raise PosattnError(f"{path}: variant name {item['name']!r} is repeated")
        names.add(item["name"])
        where = f"{path}: variant {item['name']}"
        variants.append(
            Variant(item["name"], str(item.get("claim", "")), _string_list(item.get("set"), where))
        )
    sentences = []
    for item in raw.get("sentences") or []:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise PosattnError(f"{path}: each sentence needs a text")
        expected = item.get("expected")
        sentences.append(Sentence(item["text"], expected.split() if expected else None))
    reference = str(raw.get("reference", variants[0].name if variants else ""))
    if variants and reference not in names:
        raise PosattnError(f"{path}: reference {reference!r} is not one of the variants")
    suite = Suite(
        path=path,
        base=path.parent / str(raw.get("base", "ewt.yaml")),
        budgets={k: _budget(v, f"{path}: budget {k}") for k, v in budgets.items()},
        variants=variants,
        sentences=sentences,
        seeds=seeds,
        reference=reference,
    )
    for variant in variants:
        for budget in suite.budgets:
            suite.config(variant, budget, None)
    return suite


def run_suite(
    suite: Suite,
    budget: str,
    output: Path,
    data_dir: str | None = None,
    only: list[str] | None = None,
    progress: SuiteProgress | None = None,
) -> list[Outcome]:
    """Train and measure each variant with each seed (or only the variants named), reusing
    finished runs."""
    progress = progress or SilentSuiteProgress()
    if budget not in suite.budgets:
        raise PosattnError(f"budget={budget}: {suite.path} has {', '.join(suite.budgets)}")
    unknown = set(only or []) - {v.name for v in suite.variants}
    if unknown:
        raise PosattnError(f"only={sorted(unknown)[0]}: no such variant in {suite.path}")
    outcomes = []
    progress.start(len(suite.variants) * len(suite.seeds))
    try:
        for variant in suite.variants:
            for seed in suite.seeds:
                config = suite.config(variant, budget, data_dir, seed)
                run_dir = output / config.name
                shown_seed = seed if len(suite.seeds) > 1 else None
                outcome = _reusable(run_dir, config)
                if outcome is None and only and variant.name not in only:
                    outcome = Outcome(
                        variant.name, variant.claim, "not run", shown_seed, config.name
                    )
                elif outcome is None:
                    reporter = progress.variant(config.name)
                    outcome = _train_and_measure(
                        variant, config, run_dir, suite, data_dir, reporter, shown_seed
                    )
                progress.done(outcome)
                outcomes.append(outcome)
    finally:
        progress.stop()
    return outcomes


def _reusable(run_dir: Path, config: Config) -> Outcome | None:
    try:
        saved = read_json_object(run_dir / OUTCOME_FILE)
        # A key added since then takes the value the run had, so a changed default counts as a
        # change: the variant trains again.
        same = saved_config(saved["config"]) == config
        outcome = Outcome.from_json(saved["outcome"])
    except (OSError, ValueError, KeyError, TypeError, PosattnError):
        return None
    if not same or outcome.status == "failed":
        return None
    # An outcome.json from before the paired test lacks which test tokens the run tagged
    # right; without them it cannot be paired with the reference, so it trains again.
    if outcome.metrics is None or outcome.metrics.test_correct is None:
        return None
    return dataclasses.replace(outcome, status="reused")


def _train_and_measure(
    variant: Variant,
    config: Config,
    run_dir: Path,
    suite: Suite,
    data_dir: str | None,
    reporter: Reporter,
    seed: int | None,
) -> Outcome:
    outcome = Outcome(variant.name, variant.claim, "trained", seed, config.name)
    # Stale until this run writes its own; left in the folder, they would make it look like a
    # user's files to the overwrite below (and a folder of them alone is not a run to replace).
    for stale in (OUTCOME_FILE, ERROR_FILE):
        (run_dir / stale).unlink(missing_ok=True)
    try:
        folder = RunFolder(run_dir)
        # An interrupted variant resumes where it stopped (in its folder, or beside it when it
        # was replacing an outdated run); any other run of it is replaced.
        stopped = next((f for f in (folder.staging, folder) if resumable(f, config)), None)
        if stopped is not None:
            result = train(config, stopped.path, reporter, resume=True)
        else:
            result = train(config, run_dir, reporter, overwrite=True)
        outcome.train_minutes = result.seconds / 60
        outcome.epochs_run, outcome.best_epoch = result.epochs_run, result.best_epoch
        outcome.dev_curve = [epoch["dev_accuracy"] for epoch in folder.read_metrics()]
        outcome.metrics = measure_model(run_dir, data_dir, tuple(s.text for s in suite.sentences))
    except TrainingInterrupted:
        raise  # Ctrl-C stops the suite; running it again resumes this variant
    except PosattnError as error:
        outcome.status, outcome.error = "failed", str(error)
    except Exception as error:  # one broken variant must not cost the rest of the suite
        outcome.status, outcome.error = "failed", f"{type(error).__name__}: {error}"
        atomic_write_bytes(run_dir / ERROR_FILE, traceback.format_exc().encode())
    atomic_write_json(
        run_dir / OUTCOME_FILE, {"config": config_to_dict(config), "outcome": outcome.to_json()}
    )
    return outcome
