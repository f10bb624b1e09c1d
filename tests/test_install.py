"""After a plain install (a wheel, not this checkout), every command works from any folder: the
configs, the comparison suite and the shipped English model are part of the package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import toy_treebank

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-cache-dir", "--target", str(target), str(ROOT)],
        check=True,
        capture_output=True,
        cwd=tmp_path_factory.mktemp("build"),
    )  # fmt: skip
    return target


def posattn(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    return subprocess.run(
        [sys.executable, "-m", "posattn", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_train_and_compare_from_another_folder(installed: Path, tmp_path: Path) -> None:
    data = toy_treebank(tmp_path / "data")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    quick = ["--set=train.epochs=1", "--set=train.batch_tokens=200"]
    trained = posattn(installed, elsewhere, "train", "--config", "quick", "--data-dir",
                      str(data), *quick)  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert (elsewhere / "runs" / "quick" / "model.safetensors").is_file()
    shipped = posattn(installed, elsewhere, "train", "--config", "configs/quick.yaml",
                      "--data-dir", str(data), "-o", "again", *quick)  # fmt: skip
    assert shipped.returncode == 0, shipped.stderr
    compared = posattn(installed, elsewhere, "compare", "--quick", "--only", "fc",
                       "--data-dir", str(data))  # fmt: skip
    assert compared.returncode == 0, compared.stderr
    assert (elsewhere / "runs" / "compare-quick" / "REPORT.md").is_file()
    # It ran the installed copy, not this checkout.
    where = posattn(installed, elsewhere, "--version")
    assert where.returncode == 0
    code = "import posattn; print(posattn.__file__)"
    env = {**os.environ, "PYTHONPATH": str(installed)}
    location = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env,
                              capture_output=True, text=True).stdout  # fmt: skip
    assert location.startswith(str(installed))


def test_the_installed_package_tags_at_once_with_its_shipped_model(
    installed: Path, tmp_path: Path
) -> None:
    done = posattn(installed, tmp_path, "tag", "-f", "tsv", "I saw a saw")  # no runs/ here
    assert done.returncode == 0, done.stderr
    assert [line.split("\t")[1] for line in done.stdout.splitlines() if line] == [
        "PRON", "VERB", "DET", "NOUN"
    ]  # fmt: skip
    assert f"shipped with posattn (UD English EWT): {installed}" in done.stderr
