"""A run folder belongs to the run that made it: a second process is refused, a finished run or
a user's files are never touched unless asked, and --overwrite replaces a run only once the new
one has a model (Ctrl-C before that leaves the old run as it was)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from posattn.catalog import default_model
from posattn.cli import app
from posattn.run_folder import RunFolder

from .conftest import toy_treebank

QUICK = Path(__file__).resolve().parent / "toy.yaml"
TOY = ["train.batch_tokens=200", "train.warmup_steps=10", "train.lr=0.005"]
runner = CliRunner()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return toy_treebank(tmp_path_factory.mktemp("toy") / "data", train=1000)


def train_args(data: Path, run: Path, *more: str, epochs: int = 1) -> list[str]:
    sets = [f"--set={s}" for s in [*TOY, f"train.epochs={epochs}", f"train.patience={epochs}"]]
    return ["train", "--config", str(QUICK), "--data-dir", str(data), "-o", str(run), *sets, *more]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def start(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "posattn", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_for(condition: object, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and process.poll() is None:  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_finished_run_is_never_touched_without_being_asked(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert runner.invoke(app, train_args(data, run)).exit_code == 0
    before = snapshot(run)
    again = runner.invoke(app, train_args(data, run, "--seed", "2"))
    assert again.exit_code == 1 and "Traceback" not in again.output
    assert "already holds a run or other files" in again.output and "--overwrite" in again.output
    assert snapshot(run) == before


def test_a_folder_with_a_users_files_is_refused_and_left_alone(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "mine"
    run.mkdir()
    (run / ".draft.tmp").write_text("my draft")
    (run / "config.json").write_text("{}")
    result = runner.invoke(app, train_args(data, run))
    assert result.exit_code == 1 and "already holds a run or other files" in result.output
    assert snapshot(run) == {".draft.tmp": b"my draft", "config.json": b"{}"}


def test_a_second_process_on_the_same_folder_is_refused(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    # Far more epochs (and patience) than the test lasts: only the SIGINT below ends it, so
    # the second process always meets a live lock, however fast the machine.
    first = start(train_args(data, run, epochs=1000))
    wait_for(lambda: RunFolder(run).lock.is_file() and RunFolder(run).config.is_file(), first)
    second = start(train_args(data, run, "--overwrite"))
    _, refused = second.communicate(timeout=120)
    assert second.returncode == 1, refused
    assert f"in use by process {first.pid}" in refused.decode()
    assert "Traceback" not in refused.decode()
    assert first.poll() is None  # still training
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=120)
    assert first.returncode == 130
    assert not RunFolder(run).lock.exists()  # the lock went with its process


def test_a_lock_left_by_a_dead_process_is_taken_over(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (run / ".lock").write_text(f"{gone.pid}\n")
    result = runner.invoke(app, train_args(data, run))
    assert result.exit_code == 0, result.output
    assert not (run / ".lock").exists()


def test_overwrite_interrupted_keeps_the_old_run_and_resume_replaces_it(
    data: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    assert runner.invoke(app, train_args(data, run)).exit_code == 0
    old = snapshot(run)
    replacing = start(train_args(data, run, "--overwrite", "--seed", "2", epochs=5))
    staging = RunFolder(run).staging
    wait_for(lambda: staging.checkpoint.is_file() and staging.model.is_file(), replacing)
    replacing.send_signal(signal.SIGINT)
    _, stderr = replacing.communicate(timeout=120)
    assert replacing.returncode == 130, stderr
    assert f"--resume {staging.path}" in stderr.decode()
    assert snapshot(run) == old  # Ctrl-C during a retrain leaves the old run intact
    assert default_model(tmp_path).path == run  # not the newer, half-trained NAME.new

    resumed = runner.invoke(app, ["train", "--resume", str(staging.path)])
    assert resumed.exit_code == 0, resumed.output
    assert not staging.path.exists()
    assert RunFolder(run).model.is_file() and not (run / "replaces").exists()
    assert '"seed": 2' in RunFolder(run).config.read_text()


def test_overwrite_of_a_finished_run(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert runner.invoke(app, train_args(data, run)).exit_code == 0
    result = runner.invoke(app, train_args(data, run, "--overwrite", "--seed", "3"))
    assert result.exit_code == 0, result.output
    assert '"seed": 3' in RunFolder(run).config.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging or old copy left


def test_only_its_own_temporary_files_are_cleaned_up(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    stopped = start(train_args(data, run, epochs=5))
    wait_for(lambda: RunFolder(run).checkpoint.is_file(), stopped)
    stopped.send_signal(signal.SIGINT)
    stopped.communicate(timeout=120)
    assert RunFolder(run).model.is_file() and default_model(tmp_path).shipped  # not finished
    (run / ".model.safetensors.x1y2.tmp").write_bytes(b"left by a killed process")
    (run / ".draft.tmp").write_text("a user's file")
    assert runner.invoke(app, ["train", "--resume", str(run)]).exit_code == 0
    assert not (run / ".model.safetensors.x1y2.tmp").exists()
    assert (run / ".draft.tmp").read_text() == "a user's file"


def test_a_relative_data_dir_is_stored_resolved(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(data.parent)
    run = tmp_path / "run"
    result = runner.invoke(app, train_args(Path(data.name), run))
    assert result.exit_code == 0, result.output
    assert f'"data_dir": "{data}"' in RunFolder(run).config.read_text()
    monkeypatch.chdir(tmp_path)  # elsewhere, the model still finds its treebank
    scored = runner.invoke(app, ["eval", "--model", str(run), "--json"])
    assert scored.exit_code == 0, scored.output
    assert os.path.isabs(str(data))


def test_overwrite_refuses_a_folder_that_holds_no_run(data: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "photos").mkdir(parents=True)
    (mine / "thesis.txt").write_text("chapter 1")
    (mine / "photos" / "cat.jpg").write_bytes(b"\xff\xd8")
    result = runner.invoke(app, train_args(data, mine, "--overwrite"))
    assert result.exit_code == 1 and "holds files but no posattn run" in result.output
    assert "photos, thesis.txt" in result.output
    assert (mine / "thesis.txt").read_text() == "chapter 1"
    assert (mine / "photos" / "cat.jpg").read_bytes() == b"\xff\xd8"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_overwrite_keeps_what_the_run_did_not_write(data: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert runner.invoke(app, train_args(data, run)).exit_code == 0
    report = runner.invoke(app, ["eval", "--model", str(run), "--report", str(run / "report")])
    assert report.exit_code == 0, report.output
    (run / "notes.txt").write_text("seed 1 looked good")
    kept = {p.relative_to(run): p.read_bytes() for p in run.rglob("*") if p.is_file()}
    kept = {name: data for name, data in kept.items() if name.parts[0] in ("report", "notes.txt")}
    result = runner.invoke(app, train_args(data, run, "--overwrite", "--seed", "3"))
    assert result.exit_code == 0, result.output
    assert '"seed": 3' in RunFolder(run).config.read_text()
    assert {name: (run / name).read_bytes() for name in kept} == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
