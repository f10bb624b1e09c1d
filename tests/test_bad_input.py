"""Bad input at the command line: one line on stderr naming what is wrong, exit status 1, no
traceback; odd but valid text is tagged."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from posattn.cli import app

from .conftest import conllu_sentence, toy_treebank

runner = CliRunner()
QUICK = Path(__file__).resolve().parent / "toy.yaml"


@pytest.fixture(scope="module")
def toy_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("toy")
    run = folder / "run"
    result = runner.invoke(
        app,
        [
            *("train", "--config", str(QUICK), "--data-dir", str(toy_treebank(folder / "data"))),
            *("--output", str(run), "--set", "train.epochs=1", "--set", "train.batch_tokens=200"),
        ],
    )
    assert result.exit_code == 0, result.output
    return run


def assert_one_line_error(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output


def test_eval_scores_a_tag_the_model_cannot_produce_as_an_error_and_says_so(
    toy_model: Path, tmp_path: Path
) -> None:
    path = tmp_path / "other.conllu"
    path.write_text(
        conllu_sentence([("I", "PRON"), ("saw", "VERB")])
        + conllu_sentence([("a", "DET"), ("saw", "FOO"), ("!", "FOO"), ("!", "BAR")])
    )
    result = runner.invoke(app, ["eval", "--model", str(toy_model), "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 tokens have gold tags this model cannot produce (BAR, FOO" in result.output
    scores = json.loads(
        runner.invoke(
            app, ["eval", "--model", str(toy_model), "--file", str(path), "--json"]
        ).output
    )
    assert scores["foreign_tag_tokens"] == 3 and scores["foreign_tags"] == ["BAR", "FOO"]
    assert scores["accuracy"] <= 3 / 6 and scores["per_tag"]["FOO"]["recall"] == 0


def test_eval_of_an_empty_file(toy_model: Path, tmp_path: Path) -> None:
    path = tmp_path / "empty.conllu"
    path.write_text("")
    result = runner.invoke(app, ["eval", "--model", str(toy_model), "--file", str(path)])
    assert_one_line_error(result, f"{path}: no sentences to evaluate")


def test_emoji_mixed_scripts_and_control_characters_are_tagged(toy_model: Path) -> None:
    text = "I saw a saw 🙂 — Привет мир, 你好。 e\u0301 \x00\x1b[31m ."
    result = runner.invoke(app, ["tag", "--model", str(toy_model), "-f", "tsv", text])
    assert result.exit_code == 0, result.output
    tokens = [line.split("\t")[0] for line in result.output.splitlines() if line]
    assert "🙂" in tokens and "Привет" in tokens and "\x00" not in result.output
    assert all("\x1b" not in token for token in tokens)


def test_binary_stdin_is_refused(toy_model: Path) -> None:
    result = runner.invoke(
        app,
        ["tag", "--model", str(toy_model), "-"],
        input=b"I saw a saw\n\x89PNG\r\n\x1a\n\xff\xfe",
    )
    assert_one_line_error(result, "stdin:2: not UTF-8 text")


def test_a_long_file_is_tagged_as_it_is_read(toy_model: Path, tmp_path: Path) -> None:
    # Sentences are read and tagged a chunk at a time: a bad line far into a file stops the run
    # with its line number after the chunks before it were written, in order.
    lines = [f"I saw a saw {i}" for i in range(12500)]
    path = tmp_path / "long.txt"
    path.write_bytes("\n".join(lines).encode() + b"\n\xff\n")
    result = runner.invoke(
        app, ["tag", "--model", str(toy_model), "-f", "json", "--input", str(path)]
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {path}:12501: not UTF-8 text (a binary file?)"
    written = [json.loads(line)["tokens"][-1] for line in result.stdout.splitlines()]
    assert written == [str(i) for i in range(10000)]


def test_a_ten_thousand_token_sentence_gets_ten_thousand_tags(toy_model: Path) -> None:
    text = " ".join(["I", "saw", "a", "saw"] * 2500)
    result = runner.invoke(
        app, ["tag", "--model", str(toy_model), "--pretokenized", "-f", "tsv", text]
    )
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 10_000


def test_a_config_name_cannot_leave_the_runs_folder(tmp_path: Path) -> None:
    config = tmp_path / "escape.yaml"
    config.write_text("name: ../../elsewhere\n")
    result = runner.invoke(app, ["train", "--config", str(config)])
    assert_one_line_error(result, "config: name '../../elsewhere' must be a plain file name")
