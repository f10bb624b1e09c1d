"""The command line, as a user runs it: help, errors, and one bounded end-to-end run on real EWT
(train on a slice, save, reload, evaluate, tag in every format)."""

import json
import subprocess
import sys
from pathlib import Path

import conllu
import pytest
from typer.testing import CliRunner

from posattn.cli import app

runner = CliRunner()
CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_help_does_not_import_torch() -> None:
    code = "import sys, posattn.cli; sys.exit('torch' in sys.modules or 'datasets' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("train", "eval", "tag", "data"):
        assert command in result.output


def test_bad_override_is_one_line_naming_the_key(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "train",
            "--config",
            str(CONFIGS / "quick.yaml"),
            "--set",
            "model.heads=3",
            "--output",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1
    assert result.output.strip() == "error: config: model.heads must divide model.d_model=64"


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tag", "--model", str(tmp_path), "I saw a saw"])
    assert result.exit_code == 1
    assert "no trained model here" in result.output and "Traceback" not in result.output


@pytest.fixture(scope="module")
def trained_model(ewt_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("run")
    result = runner.invoke(
        app,
        [
            "train",
            "--config",
            str(CONFIGS / "quick.yaml"),
            "--data-dir",
            str(ewt_dir),
            "--output",
            str(run_dir),
            "--seed",
            "3",
            "--set",
            "data.max_train_sentences=1500",
            "--set",
            "train.epochs=2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "best dev accuracy" in result.output
    return run_dir


def test_training_writes_a_self_describing_model(trained_model: Path) -> None:
    meta = json.loads((trained_model / "model.json").read_text())
    assert meta["config"]["train"]["seed"] == 3
    assert meta["config"]["data"]["max_train_sentences"] == 1500
    assert set(meta["vocabularies"]["tags"]) >= {"NOUN", "VERB", "PUNCT", "DET"}
    epochs = [
        json.loads(line) for line in (trained_model / "metrics.jsonl").read_text().splitlines()
    ]
    assert [e["epoch"] for e in epochs] == [1, 2]
    # learned, not just ran: 1,500 sentences for 2 epochs beats tagging everything NOUN (~17%)
    assert epochs[-1]["dev_accuracy"] > 0.7


def test_eval_json_on_a_file(trained_model: Path, ewt_dir: Path) -> None:
    result = runner.invoke(
        app,
        [
            "eval",
            "--model",
            str(trained_model),
            "--json",
            "--file",
            str(ewt_dir / "en_ewt-ud-test.conllu"),
        ],
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["tokens"] == 25094
    assert 0.7 < scores["accuracy"] < 1
    assert scores["oov_accuracy"] < scores["accuracy"]
    assert {"NOUN", "VERB", "ADJ"} <= set(scores["per_tag"])
    assert {"accuracy", "oov_accuracy", "ambiguous_accuracy", "per_tag"} <= set(scores)


def test_tag_formats(trained_model: Path, tmp_path: Path) -> None:
    text = tmp_path / "in.txt"
    text.write_text("I saw a saw.\n\nThe old man the boat.\n")
    model = ["--model", str(trained_model)]
    tsv = runner.invoke(app, ["tag", *model, "--input", str(text), "--format", "tsv"])
    assert tsv.exit_code == 0, tsv.output
    blocks = tsv.output.strip().split("\n\n")
    assert [len(b.splitlines()) for b in blocks] == [5, 6]
    assert blocks[0].splitlines()[0].startswith("I\t")

    out = runner.invoke(app, ["tag", *model, "--input", str(text), "--format", "conllu"])
    sentences = conllu.parse(out.output)
    assert [len(s) for s in sentences] == [5, 6]
    assert sentences[1].metadata["text"] == "The old man the boat."

    lines = runner.invoke(
        app, ["tag", *model, "--pretokenized", "--format", "json", "-"], input="I saw a saw\n"
    ).output.splitlines()
    record = json.loads(lines[0])
    assert record["tokens"] == ["I", "saw", "a", "saw"] and len(record["tags"]) == 4

    table = runner.invoke(app, ["tag", *model, "I saw a saw"])
    assert table.exit_code == 0 and "saw" in table.output


def test_tag_empty_input_is_an_error(trained_model: Path) -> None:
    result = runner.invoke(app, ["tag", "--model", str(trained_model), "   "])
    assert result.exit_code == 1
    assert "nothing to tag" in result.output
