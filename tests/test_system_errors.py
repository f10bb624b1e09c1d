"""Ordinary failures of the system, and files that are not what they should be: each is one line
on stderr naming the path and what went wrong, exit status 1, no traceback, nothing half-written
left behind."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import posattn.files
from posattn.cli import app

from .conftest import toy_treebank

QUICK = Path(__file__).resolve().parent / "toy.yaml"
TINY = ["--set=train.epochs=1", "--set=train.batch_tokens=200", "--set=train.warmup_steps=10"]
runner = CliRunner()


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return toy_treebank(tmp_path_factory.mktemp("toy") / "data")


@pytest.fixture(scope="module")
def model(data: Path) -> Path:
    run = data.parent / "run"
    result = runner.invoke(
        app, ["train", "-c", str(QUICK), "--data-dir", str(data), "-o", str(run), *TINY]
    )
    assert result.exit_code == 0, result.output
    return run


def assert_one_line(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for fragment in fragments:
        assert fragment in lines[0], result.output


def assert_ends_with_one_error_line(result: Result, fragment: str) -> None:
    """For commands that print progress before they fail."""
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error: ") and fragment in last, result.output


def no_temporaries(folder: Path) -> bool:
    return not list(folder.rglob("*.tmp"))


@pytest.mark.parametrize("target", ["model.safetensors", "checkpoint.safetensors"])
def test_a_full_disk_while_saving(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if target in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(posattn.files.os, "fsync", fsync)
    run = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "train",
            "-c",
            str(QUICK),
            "--data-dir",
            str(data),
            "-o",
            str(run),
            *TINY[1:],
            "--set=train.epochs=2",
        ],
    )
    assert_ends_with_one_error_line(
        result, f"{run / target}: cannot write (No space left on device)"
    )
    assert no_temporaries(run)


def test_output_under_a_file(data: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    run = tmp_path / "file" / "run"
    result = runner.invoke(
        app, ["train", "-c", str(QUICK), "--data-dir", str(data), "-o", str(run), *TINY]
    )
    assert_one_line(result, str(run), "Not a directory")


def test_report_and_pictures_into_impossible_places(model: Path, tmp_path: Path) -> None:
    assert_one_line(
        runner.invoke(app, ["eval", "--model", str(model), "--report", "/dev/null/report"]),
        "/dev/null/report",
        "cannot write",
    )
    folder = tmp_path / "folder"
    folder.mkdir()
    tagged = runner.invoke(
        app, ["tag", "--model", str(model), "--attention", "--plot", str(folder), "I saw a saw"]
    )
    assert tagged.exit_code == 1 and f"{folder}: cannot write (Is a directory)" in tagged.output
    assert "Traceback" not in tagged.output
    assert_one_line(
        runner.invoke(app, ["plot", str(model), "-o", str(folder)]),
        f"{folder}: cannot write (Is a directory)",
    )
    assert_one_line(
        runner.invoke(app, ["data", "stats", "--data-dir", str(model.parent / "data"), "--plot",
                            "/dev/null/x.png"]),
        "/dev/null/x.png: cannot write",
    )  # fmt: skip
    assert no_temporaries(tmp_path)


def test_config_and_suite_files_that_are_not_utf8(tmp_path: Path) -> None:
    config = tmp_path / "latin1.yaml"
    config.write_bytes("model:\n  # caf\u00e9\n  layers: 2\n".encode("latin-1"))
    assert_one_line(
        runner.invoke(app, ["train", "-c", str(config), "-o", str(tmp_path / "r")]),
        f"{config}:2: not UTF-8 text",
    )
    assert_one_line(
        runner.invoke(app, ["compare", "--suite", str(config), "-o", str(tmp_path / "c")]),
        f"{config}:2: not UTF-8 text",
    )


def test_yaml_mistakes_name_the_file_or_the_option(tmp_path: Path) -> None:
    assert_one_line(
        runner.invoke(app, ["train", "-c", str(QUICK), "--set", "train.lr=[1"]),
        "--set 'train.lr=[1': the value is not valid YAML",
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("model:\n  layers: [2\n")
    assert_one_line(
        runner.invoke(app, ["train", "-c", str(broken)]), f"{broken}:", "not valid YAML"
    )


@pytest.mark.parametrize("kind", ["folder", "dangling link"])
def test_a_split_file_that_is_not_a_file(data: Path, tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "data"
    shutil.copytree(data, folder)
    train_file = folder / "en_toy-ud-train.conllu"
    train_file.unlink()
    if kind == "folder":
        train_file.mkdir()
        expected = "a folder, where a CoNLL-U file should be"
    else:
        train_file.symlink_to(tmp_path / "nowhere.conllu")
        expected = "a link to a file that does not exist"
    result = runner.invoke(app, ["train", "-c", str(QUICK), "--data-dir", str(folder), *TINY])
    assert_one_line(result, f"{train_file}: {expected}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_split_file(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(data, folder)
    (folder / "en_toy-ud-dev.conllu").chmod(0)
    result = runner.invoke(app, ["train", "-c", str(QUICK), "--data-dir", str(folder), *TINY])
    assert_one_line(result, "en_toy-ud-dev.conllu: cannot read (permission denied)")


def test_a_model_too_big_for_memory_is_refused_before_allocating(
    data: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        ["train", "-c", str(QUICK), "--data-dir", str(data), "-o", str(tmp_path / "r"),
         "--set", "model.d_model=100000000", "--set", "model.heads=1"],
    )  # fmt: skip
    assert_one_line(result, "config: a model of", "parameters needs at least", "GiB")
    assert not (tmp_path / "r").exists()
