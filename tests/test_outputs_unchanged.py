"""What the tools write, compared with what they wrote before the code was reorganised: the
shipped model (float32, so no CPU's bfloat16 kernels are involved) on the EWT test slice, in
every output format, evaluated, with its error report, its attention, and the treebank's
statistics. The expected files in tests/data/golden/ were written by the code of commit 24dd1e1
(`POSATTN_WRITE_GOLDEN=1 pytest tests/test_outputs_unchanged.py` writes them again)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from posattn.cli import app

from .conftest import EWT_SLICE

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
MODEL = ["--model", "en_ewt", "--precision", "float32"]
runner = CliRunner()


def slice_text(folder: Path) -> Path:
    lines = (folder / "en_ewt-ud-test.conllu").read_text(encoding="utf-8").splitlines()
    text = Path("slice.txt")
    text.write_text("\n".join(line[9:] for line in lines if line.startswith("# text = ")) + "\n")
    return text


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


def outputs() -> dict[str, bytes]:
    """Every output, by a file name of its own, run in the current folder (relative paths, so
    that what is printed does not depend on where the test runs)."""
    slice_folder = Path("slice")
    shutil.copytree(EWT_SLICE, slice_folder)
    text = slice_text(slice_folder)
    data = ["--data-dir", str(slice_folder)]
    found = {
        f"tag.{fmt}": run("tag", *MODEL, "-f", fmt, "--input", str(text)).encode()
        for fmt in ("tsv", "conllu", "json")
    }
    first = "\n".join(text.read_text(encoding="utf-8").splitlines()[:30])
    found["tag.table"] = run("tag", *MODEL, first).encode()
    found["tag-pretokenized.tsv"] = run(
        "tag", *MODEL, "--pretokenized", "-f", "tsv", "I saw a saw .\nThey refuse the refuse ."
    ).encode()
    found["attention.txt"] = run(
        "tag", *MODEL, "I saw a saw", "--attention", "--layer", "2", "--plot", "a.png"
    ).encode()
    found["attention.png"] = Path("a.png").read_bytes()
    found["eval.json"] = run("eval", *MODEL, *data, "--split", "test", "--json").encode()
    found["eval-raw.json"] = run(
        "eval", *MODEL, *data, "--split", "test", "--raw", "--json"
    ).encode()
    found["eval.txt"] = run("eval", *MODEL, *data, "--split", "test", "--report", "report").encode()
    for path in sorted(Path("report").iterdir()):
        found[f"report-{path.name}"] = path.read_bytes()
    found["stats.txt"] = run("data", "stats", *data, "--plot", "s.png").encode()
    found["stats.png"] = Path("s.png").read_bytes()
    run("tag", *MODEL, "--input", str(text), "--output", "shards", "-f", "tsv")
    found["shard-slice.tsv"] = Path("shards/slice.tsv").read_bytes()
    return found


def test_every_output_is_what_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    found = outputs()
    if os.environ.get("POSATTN_WRITE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name, data in found.items():
            (GOLDEN / name).write_bytes(data)
        pytest.skip("golden outputs written")
    assert sorted(found) == sorted(p.name for p in GOLDEN.iterdir() if p.name != "README.md")
    for name, data in found.items():
        assert data == (GOLDEN / name).read_bytes(), name
