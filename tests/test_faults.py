"""Faults: Ctrl-C / SIGTERM save a checkpoint and `--resume` ends where an uninterrupted run
ends; kill -9 while saving never leaves a model that does not load; a diverging loss stops
training with the last good model and checkpoint kept."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from posattn.cli import app
from posattn.config import load_config
from posattn.data.treebank import TreebankSplits
from posattn.errors import PosattnError
from posattn.model import TaggingNetwork
from posattn.model.storage import load_tensors, save_tensors
from posattn.run_folder import RunFolder
from posattn.tagging.inference import load_model
from posattn.training.loop import EpochMetrics, SilentReporter, train
from posattn.training.resume import TrainingInterrupted

from .conftest import toy_language, toy_treebank

QUICK = Path(__file__).resolve().parent / "toy.yaml"
TOY = ["train.batch_tokens=200", "train.warmup_steps=10", "train.lr=0.005"]
DATA = TreebankSplits(*toy_language(400, seed=1), *toy_language(50, seed=2))
runner = CliRunner()


def timeless(run: Path) -> list[dict[str, float]]:
    lines = (run / "metrics.jsonl").read_text().splitlines()
    return [
        {k: v for k, v in json.loads(line).items() if k not in ("seconds", "tokens_per_second")}
        for line in lines
    ]


def same_weights(a: Path, b: Path) -> bool:
    first, second = (
        load_tensors(a / "model.safetensors")[0],
        load_tensors(b / "model.safetensors")[0],
    )
    return first.keys() == second.keys() and all(torch.equal(first[k], second[k]) for k in first)


class SignalAt(SilentReporter):
    """Sends this process a real signal at a given training step or at the end of an epoch."""

    def __init__(self, signum: int, step: int | None = None, epoch: int | None = None) -> None:
        self.signum, self.at_step, self.at_epoch, self.steps = signum, step, epoch, 0

    def step(self, epoch: int, loss: float, tokens_per_second: float) -> None:
        self.steps += 1
        if self.steps == self.at_step:
            os.kill(os.getpid(), self.signum)

    def epoch_end(self, metrics: EpochMetrics, improved: bool) -> None:
        if metrics.epoch == self.at_epoch:
            os.kill(os.getpid(), self.signum)


@pytest.mark.parametrize(
    "reporter",
    [SignalAt(signal.SIGINT, step=15), SignalAt(signal.SIGTERM, epoch=2)],
    ids=["ctrl-c mid-epoch", "sigterm during dev scoring"],
)
def test_an_interrupted_run_resumes_to_the_same_result(tmp_path: Path, reporter: SignalAt) -> None:
    config = load_config(QUICK, [*TOY, "train.epochs=4", "train.ema_decay=0.9"])
    train(config, tmp_path / "whole", data=DATA)

    cut = tmp_path / "cut"
    with pytest.raises(TrainingInterrupted) as stopped:
        train(config, cut, reporter, data=DATA)
    assert stopped.value.exit_code == 128 + reporter.signum
    assert RunFolder(cut).checkpoint.is_file()
    assert len(timeless(cut)) == (1 if reporter.at_step else 2)

    train(config, cut, data=DATA, resume=True)
    assert timeless(cut) == timeless(tmp_path / "whole")
    assert same_weights(cut, tmp_path / "whole")
    assert not RunFolder(cut).checkpoint.exists()  # finished: nothing left to resume


def test_resume_refuses_changed_data(tmp_path: Path) -> None:
    config = load_config(QUICK, [*TOY, "train.epochs=3"])
    with pytest.raises(TrainingInterrupted):
        train(config, tmp_path, SignalAt(signal.SIGINT, step=5), data=DATA)
    changed = TreebankSplits(*toy_language(400, seed=7), *toy_language(50, seed=2))
    with pytest.raises(PosattnError, match="the training data changed since"):
        train(config, tmp_path, data=changed, resume=True)
    train(config, tmp_path, data=DATA, resume=True)  # the same data resumes


def test_a_run_interrupted_under_the_previous_version_resumes(tmp_path: Path) -> None:
    """Its checkpoint's config lacks the keys added since (model.targets, model.output, ...)
    and has one since renamed (model.xpos_weight): it is read as it was trained."""
    config = load_config(QUICK, [*TOY, "train.epochs=3"])
    train(config, tmp_path / "whole", data=DATA)
    cut = RunFolder(tmp_path / "cut")
    with pytest.raises(TrainingInterrupted):
        train(config, cut.path, SignalAt(signal.SIGINT, step=5), data=DATA)
    tensors, header = load_tensors(cut.checkpoint)
    model = header["config"]["model"]
    for key in ("targets", "target_weight", "output"):
        del model[key]
    model["xpos_weight"] = 0.0
    save_tensors(cut.checkpoint, tensors, header)
    train(config, cut.path, data=DATA, resume=True)
    assert timeless(cut.path) == timeless(tmp_path / "whole")


class SignalAfter(SilentReporter):
    """Sends this process SIGINT at the first training step after `seconds` of training."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.started, self.sent = seconds, time.monotonic(), False

    def start(self, total_steps: int, completed: int = 0) -> None:
        self.started = time.monotonic()

    def step(self, epoch: int, loss: float, tokens_per_second: float) -> None:
        if not self.sent and time.monotonic() - self.started >= self.seconds:
            self.sent = True
            os.kill(os.getpid(), signal.SIGINT)


ENDLESS = ["train.epochs=1000", "train.patience=1000"]  # only the clock or a signal stops it


def test_a_resumed_run_has_only_the_rest_of_its_minutes(tmp_path: Path) -> None:
    """train.max_minutes is the whole run's: a run interrupted after half of it and resumed
    stops when the time before and after the interruption adds up to it, not that much again."""
    budget = 4.8  # seconds: train.max_minutes=0.08
    config = load_config(QUICK, [*TOY, "train.max_minutes=0.08", "train.budget=minutes", *ENDLESS])
    folder = RunFolder(tmp_path)
    with pytest.raises(TrainingInterrupted):
        train(config, tmp_path, SignalAfter(budget / 2), data=DATA)
    before = load_tensors(folder.checkpoint)[1]["state"]["seconds"]  # the time already spent
    assert budget / 2 <= before < budget

    train(config, tmp_path, data=DATA, resume=True)
    result = json.loads(folder.result.read_text())
    assert result["stopped_because"] == "time budget of 0.08 min reached"
    total = result["seconds"]  # before and after the interruption
    # The resumed run had what was left, budget - before, give or take a step and a dev
    # scoring; the whole budget again would make the total budget + before.
    margin = before / 2
    assert budget - margin < total < budget + margin, (before, total)


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "posattn", "train", *args]


def wait_for(
    condition: object, process: subprocess.Popen[bytes], seconds: float = 120, pause: float = 0.002
) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and process.poll() is None:  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(pause)


def test_sigterm_exits_cleanly_and_resume_finishes_the_run(tmp_path: Path) -> None:
    data = toy_treebank(tmp_path / "toy", train=2000)
    settings = ["--config", str(QUICK), "--data-dir", str(data), "--set", "train.epochs=3"]
    settings += [f"--set={s}" for s in TOY]
    run = tmp_path / "run"
    process = subprocess.Popen(
        command(*settings, "--output", str(run)), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    metrics = run / "metrics.jsonl"
    wait_for(lambda: metrics.is_file() and metrics.read_text().strip(), process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    message = stderr.decode()
    assert "interrupted by SIGTERM" in message and f"--resume {run}" in message
    assert "Traceback" not in message

    resumed = runner.invoke(app, ["train", "--resume", str(run)])
    assert resumed.exit_code == 0, resumed.output
    whole = runner.invoke(app, ["train", *settings, "--output", str(tmp_path / "whole")])
    assert whole.exit_code == 0, whole.output
    assert timeless(run) == timeless(tmp_path / "whole")
    assert same_weights(run, tmp_path / "whole")


def test_resume_needs_something_to_resume(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"name": "x"}))
    result = runner.invoke(app, ["train", "--resume", str(tmp_path)])
    assert result.exit_code == 1 and "nothing to resume" in result.output
    result = runner.invoke(app, ["train", "--resume", str(tmp_path), "--seed", "2"])
    assert result.exit_code == 1 and "give it alone" in result.output


def new_writes(run: Path, before: set[str]) -> list[str]:
    """The temporary files of model and checkpoint writes in `run` that were not there `before`
    (each write goes through one of its own, renamed over the file when whole). The model is
    written when dev accuracy improves, a checkpoint after every epoch."""
    targets = (".model.safetensors.", ".checkpoint.safetensors.")
    return [n for n in os.listdir(run) if n.startswith(targets) and n not in before]


def test_kill_9_while_saving_never_leaves_a_model_that_does_not_load(tmp_path: Path) -> None:
    data = toy_treebank(tmp_path / "toy")
    run = tmp_path / "run"
    fresh = command(
        "--config", str(QUICK), "--data-dir", str(data), "--output", str(run),
        "--set", "train.epochs=100", "--set", "train.patience=100", *[f"--set={s}" for s in TOY],
    )  # fmt: skip
    # First let a checkpoint appear, so there is something to resume; then kill each process
    # the moment it starts writing a model or a checkpoint, and resume from what is on disk.
    process = subprocess.Popen(fresh, stderr=subprocess.DEVNULL)
    wait_for(lambda: RunFolder(run).checkpoint.is_file(), process)
    process.kill()
    process.wait()
    cut = 0  # kills that landed while a file was being written
    for _ in range(8):
        left = set(os.listdir(run))  # what killed processes left (the next one removes them)
        process = subprocess.Popen(command("--resume", str(run)), stderr=subprocess.DEVNULL)
        wait_for(lambda left=left: new_writes(run, left), process, seconds=60, pause=0.0005)
        process.kill()
        process.wait()
        # A write's temporary file outlives its process only if the process died before
        # renaming it (or removing it, on an error): then the kill landed during that write.
        if process.returncode == -signal.SIGKILL and new_writes(run, left):
            cut += 1
        load_model(run)  # raises if the model is damaged
        load_tensors(RunFolder(run).checkpoint)
        if cut == 2:  # the second resumed past what the first cut write left
            break
    assert cut >= 1, "no kill landed while a model or a checkpoint was being written"


def test_a_diverging_loss_stops_training_and_keeps_the_last_good_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original, calls = TaggingNetwork.loss, [0]

    def poisoned(self: TaggingNetwork, batch: object, *args: float) -> torch.Tensor:
        calls[0] += 1
        value = original(self, batch, *args)  # type: ignore[arg-type]
        return value * float("nan") if calls[0] > 25 else value

    monkeypatch.setattr(TaggingNetwork, "loss", poisoned)
    with pytest.raises(PosattnError, match="training diverged at epoch 3, step 26") as stopped:
        train(load_config(QUICK, [*TOY, "train.epochs=5"]), tmp_path, data=DATA)
    assert "kept: the best model so far" in str(stopped.value)
    assert "and the last epoch's checkpoint" in str(stopped.value)
    assert load_model(tmp_path).meta["metrics"]["epoch"] == 2
    _, header = load_tensors(RunFolder(tmp_path).checkpoint)
    assert header["state"]["epoch"] == 3 and header["state"]["batch"] == 0

    calls[0] = 100  # diverging from the first step: nothing was saved, and it says so
    with pytest.raises(PosattnError, match="nothing was saved yet"):
        train(load_config(QUICK, [*TOY, "train.epochs=5"]), tmp_path / "early", data=DATA)
