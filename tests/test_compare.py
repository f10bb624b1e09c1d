"""`posattn compare` on a generated treebank: every variant trained and measured, a failing one
reported without stopping the rest, finished ones reused, and the report's pictures drawn."""

import json
import os
import signal
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from posattn.cli import app
from posattn.comparison import (
    ERROR_FILE,
    PairedTest,
    SilentSuiteProgress,
    load_suite,
    mcnemar_p_value,
    run_suite,
)
from posattn.errors import PosattnError
from posattn.training.loop import Reporter, SilentReporter, lr_factor_by_time
from posattn.training.resume import TrainingInterrupted
from posattn.training.state import Clock

from .conftest import assert_picture, toy_treebank
from .test_measurement import UPOS_ONLY_KEYS

runner = CliRunner()
QUICK = Path(__file__).resolve().parent / "toy.yaml"

SUITE = f"""
base: {QUICK}
budgets:
  full: [train.epochs=6, train.batch_tokens=200, train.warmup_steps=10, train.lr=0.005]
  quick: [train.epochs=1]
variants:
  - name: fc
    claim: no context
    set: [model.encoder=fc, model.position=none]
  - name: too-short-table
    claim: learned positions that stop before the sentence does
    set: [model.position=learned, model.max_positions=4]
  - name: attention
    claim: relative positions
    set: [model.position=relative]
sentences:
  - text: I saw a saw .
    expected: PRON VERB DET NOUN PUNCT
"""


def statuses(output: Path) -> dict[str, str]:
    results = json.loads((output / "results.json").read_text())
    return {variant["name"]: variant["status"] for variant in results["variants"]}


def test_compare_trains_reports_and_resumes(tmp_path: Path) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(SUITE)
    command = ["compare", "--suite", str(suite), "--output", str(tmp_path / "out")]
    command += ["--data-dir", str(toy_treebank(tmp_path / "toy"))]

    first = runner.invoke(app, command)
    # The failing variant makes the exit status 1, but only after the others ran and the report
    # was written.
    assert first.exit_code == 1, first.output
    assert "1 variant(s) failed: too-short-table" in first.output
    out = tmp_path / "out"
    assert statuses(out) == {"fc": "trained", "too-short-table": "failed", "attention": "trained"}
    results = {v["name"]: v for v in json.loads((out / "results.json").read_text())["variants"]}
    # Learned, by construction of the toy language: only word order separates VERB from NOUN.
    assert results["attention"]["metrics"]["test_accuracy"] > 0.98
    assert results["fc"]["metrics"]["test_accuracy"] < 0.95
    assert results["attention"]["metrics"]["tags"]["I saw a saw ."] == "PRON VERB DET NOUN PUNCT"
    assert len(results["attention"]["dev_curve"]) == 6
    # Each run's outcome.json keeps which test tokens it tagged right; results.json leaves it out.
    kept = json.loads((out / "attention" / "outcome.json").read_text())["outcome"]["metrics"]
    assert list(kept) == UPOS_ONLY_KEYS and len(kept["test_correct"]) == kept["test_tokens"]
    assert list(results["attention"]["metrics"]) == [k for k in kept if k != "test_correct"]

    report = (out / "REPORT.md").read_text()
    assert "| too-short-table | learned positions that stop before the sentence does | failed:" in (
        report
    )
    assert "more than model.max_positions=4" in report
    assert "| attention | PRON VERB DET NOUN PUNCT |" in report
    for picture in ("accuracy.png", "cost.png", "curves.png"):
        assert_picture(out / picture)

    weights = out / "attention" / "model.safetensors"
    trained_at = weights.stat().st_mtime_ns
    second = runner.invoke(app, command)
    assert second.exit_code == 1, second.output
    assert statuses(out) == {"fc": "reused", "too-short-table": "failed", "attention": "reused"}
    assert weights.stat().st_mtime_ns == trained_at

    # A changed variant is a different experiment: it trains again, the rest is reused; the
    # traceback an unexpected failure left in its folder is no reason to refuse it.
    (out / "too-short-table" / ERROR_FILE).write_text("Traceback of an earlier failure")
    suite.write_text(SUITE.replace("model.max_positions=4", "model.max_positions=8"))
    third = runner.invoke(app, [*command, "--only", "too-short-table"])
    assert third.exit_code == 0, third.output
    assert statuses(out) == {"fc": "reused", "too-short-table": "trained", "attention": "reused"}
    assert not (out / "too-short-table" / ERROR_FILE).exists()


@pytest.mark.parametrize(
    ("original", "broken", "message"),
    [
        ("variants:", "colour: blue\nvariants:", "unknown key colour"),
        (
            "[model.position=relative]",
            "[model.heads=3]",
            "variant 'attention': config: model.heads",
        ),
        ("- name: fc", "- name: attention", "variant name 'attention' is repeated"),
        ("- name: fc", '- name: "my variant"', "name 'my variant' must be a plain file name"),
        ("- name: fc", '- name: ""', "variant '': config: name '' must be a plain file name"),
    ],
)
def test_suite_mistakes_are_found_before_training(
    tmp_path: Path, original: str, broken: str, message: str
) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(SUITE.replace(original, broken, 1))
    with pytest.raises(PosattnError, match=message):
        load_suite(suite)
    assert not list(tmp_path.glob("*/"))  # nothing trained, no run folder made


def test_unknown_variant_in_only_is_an_error(tmp_path: Path) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(SUITE)
    result = runner.invoke(
        app, ["compare", "--suite", str(suite), "--output", str(tmp_path), "--only", "gru"]
    )
    assert result.exit_code == 1
    assert "--only gru: no such variant" in result.output


def test_each_suite_reports_into_a_folder_named_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two suites both have a variant called `fc`: a shared default folder would let the second
    # suite replace the first one's run.
    monkeypatch.chdir(tmp_path)
    data = str(toy_treebank(tmp_path / "toy"))
    only_fc = (
        SUITE.split("  - name: too-short-table")[0]
        + SUITE.split("    set: [model.position=relative]\n")[1]
    )
    for name in ("first", "second"):
        (tmp_path / f"{name}.yaml").write_text(only_fc)
        result = runner.invoke(
            app, ["compare", "--suite", f"{name}.yaml", "--quick", "--data-dir", data]
        )
        assert result.exit_code == 0, result.output
    for name in ("first", "second"):
        assert statuses(tmp_path / "runs" / f"{name}-quick") == {"fc": "trained"}


def test_the_shipped_suite_is_valid() -> None:
    suite = load_suite(QUICK.parent / "compare.yaml")
    assert {"fc", "window", "cnn", "bilstm", "attention-no-position"} <= {
        v.name for v in suite.variants
    }
    assert suite.sentences[0].text == "I saw a saw"


class InterruptAttention(SilentSuiteProgress):
    """Presses Ctrl-C (a real SIGINT) in the middle of the `attention` variant's training."""

    def variant(self, name: str) -> Reporter:
        progress = self

        class Bar(SilentReporter):
            steps = 0

            def step(self, epoch: int, loss: float, tokens_per_second: float) -> None:
                self.steps += 1
                if name == "attention" and self.steps == 15 and not progress.pressed:
                    progress.pressed = True
                    os.kill(os.getpid(), signal.SIGINT)

        return Bar()

    pressed = False


def test_ctrl_c_stops_the_suite_and_the_next_run_resumes_it(tmp_path: Path) -> None:
    suite_file = tmp_path / "suite.yaml"
    suite_file.write_text(SUITE.replace("model.max_positions=4", "model.max_positions=8"))
    suite, data = load_suite(suite_file), str(toy_treebank(tmp_path / "toy"))
    with pytest.raises(TrainingInterrupted):
        run_suite(suite, "full", tmp_path / "out", data, progress=InterruptAttention())
    assert (tmp_path / "out" / "attention" / "checkpoint.safetensors").is_file()
    outcomes = run_suite(suite, "full", tmp_path / "out", data)
    assert [o.status for o in outcomes] == ["reused", "reused", "trained"]
    assert len(outcomes[2].dev_curve) == 6  # epochs 1 to 6, the first one from before the stop
    assert not (tmp_path / "out" / "attention" / "checkpoint.safetensors").exists()


def test_mcnemar_exact_p_values() -> None:
    assert mcnemar_p_value(0, 0) == 1.0
    assert mcnemar_p_value(5, 5) == 1.0
    # 10 discordant tokens, all one way: 2 * 0.5**10
    assert mcnemar_p_value(10, 0) == pytest.approx(2 / 1024)
    # 2 of 10 one way: 2 * (1 + 10 + 45) / 1024
    assert mcnemar_p_value(2, 8) == pytest.approx(112 / 1024)
    assert mcnemar_p_value(8, 2) == mcnemar_p_value(2, 8)
    assert mcnemar_p_value(1200, 1000) < 0.001  # a few thousand tokens: no overflow
    # Far below what a float holds, it is 0.0, and shown as a bound rather than as "0".
    assert PairedTest("a", 994, 5010, mcnemar_p_value(994, 5010)).shown_p == "< 1e-300"
    assert PairedTest("a", 2, 8, mcnemar_p_value(2, 8)).shown_p == "0.11"


def test_seeds_are_summarised_and_paired_against_the_reference(tmp_path: Path) -> None:
    suite = tmp_path / "suite.yaml"
    two = SUITE.replace("  - name: too-short-table\n", "  - name: unused\n", 1)
    suite.write_text(two.replace("variants:", "reference: attention\nvariants:", 1))
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["compare", "--suite", str(suite), "--output", str(out), "--seeds", "1,2",
         "--only", "fc", "--only", "attention", "--data-dir", str(toy_treebank(tmp_path / "toy"))],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir() if p.is_dir()} >= {
        "fc-seed1", "fc-seed2", "attention-seed1", "attention-seed2",
    }  # fmt: skip
    results = json.loads((out / "results.json").read_text())
    summary = {s["name"]: s for s in results["summary"]}
    assert summary["attention"]["seeds"] == [1, 2] and summary["attention"]["paired"] is None
    fc = summary["fc"]
    runs = {(v["name"], v["seed"]): v for v in results["variants"]}
    mean = (
        runs["fc", 1]["metrics"]["test_accuracy"] + runs["fc", 2]["metrics"]["test_accuracy"]
    ) / 2
    assert fc["mean"]["test_accuracy"] == pytest.approx(mean)
    # fc cannot tell the saws apart: attention tags many more test tokens right than it does.
    assert fc["paired"]["reference"] == "attention"
    assert fc["paired"]["worse"] > fc["paired"]["better"] and fc["paired"]["p_value"] < 1e-3
    report = (out / "REPORT.md").read_text()
    assert "## Over seeds" in report and "| fc | 2 |" in report
    assert "Over seeds (mean ± sd)" in result.output
    assert_picture(out / "summary.png", min_width=300, min_height=100)


def test_a_budget_in_minutes_decays_the_rate_over_the_clock(tmp_path: Path) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        SUITE.replace(
            "  quick: [train.epochs=1]",
            "  quick: [train.epochs=1]\n  minute: {minutes: 0.05, set: [train.batch_tokens=200]}",
        )
    )
    settings = load_suite(suite)
    config = settings.config(settings.variants[0], "minute", None)
    assert config.train.budget == "minutes" and config.train.max_minutes == 0.05
    out = tmp_path / "out"
    outcomes = run_suite(
        settings, "minute", out, str(toy_treebank(tmp_path / "toy")), ["fc"], SilentSuiteProgress()
    )
    fc = next(o for o in outcomes if o.name == "fc")
    assert fc.status == "trained" and fc.epochs_run is not None
    assert fc.epochs_run < 1000  # stopped by the clock, not by its 1,000 epochs
    with pytest.raises(PosattnError, match=r"budget=hour: .* has full, quick, minute"):
        run_suite(settings, "hour", out)


def test_the_time_schedule_follows_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    clock = Clock(deadline=160.0, seconds=60.0)
    assert clock.spent() == 0.0 and not clock.over()
    now[0] = 130.0
    assert clock.spent() == 0.5 and lr_factor_by_time(500, 100, clock.spent()) == 0.5
    assert lr_factor_by_time(9, 100, clock.spent()) == 0.1  # still warming up
    now[0] = 170.0
    assert clock.over() and lr_factor_by_time(500, 100, clock.spent()) == 0.0
    assert Clock().spent() == 0.0 and not Clock().over()  # no budget
