"""The Python API, as the README shows it: train on generated data, load, tag raw and
pretokenised text, evaluate (the same numbers as `posattn eval --json`), look at attention."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import posattn
from posattn.cli import app

from .conftest import toy_treebank

QUICK = Path(__file__).resolve().parent / "toy.yaml"
TOY = {"train.epochs": 6, "train.batch_tokens": 200, "train.warmup_steps": 10, "train.lr": 0.005}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("api")
    data = toy_treebank(folder / "data")
    result = posattn.train(QUICK, data_dir=data, output=folder / "run", overrides=TOY)
    assert isinstance(result, posattn.TrainResult)
    assert result.best_dev_accuracy > 0.98  # the toy language is learnable only from context
    return folder / "run", data


def test_tag_raw_text(trained: tuple[Path, Path]) -> None:
    tagger = posattn.load(trained[0])
    doc = tagger.tag("I saw a saw .\nwe plant the plant .")
    assert [t.upos for t in doc.sentences[0]] == ["PRON", "VERB", "DET", "NOUN", "PUNCT"]
    assert [t.upos for t in doc.sentences[1]][1:4] == ["VERB", "DET", "NOUN"]
    assert all(0 < t.probability <= 1 for t in doc.sentences[0])
    assert str(doc).splitlines()[0] == "I/PRON saw/VERB a/DET saw/NOUN ./PUNCT"


def test_tag_pretokenised_and_lists_of_sentences(trained: tuple[Path, Path]) -> None:
    tagger = posattn.load(trained[0])
    tokens = tagger.tag([["I", "saw", "a", "saw", "."]]).sentences[0]
    assert tokens.forms == ["I", "saw", "a", "saw", "."]
    assert tokens.tags[1:4] == ["VERB", "DET", "NOUN"]
    assert len(tagger.tag(["I saw a saw .", "they file a file ."]).sentences) == 2
    with pytest.raises(posattn.PosattnError, match="nothing to tag"):
        tagger.tag("  \n ")


def test_evaluate_gives_what_eval_json_prints(trained: tuple[Path, Path], tmp_path: Path) -> None:
    run, data = trained
    test_file = data / "en_toy-ud-test.conllu"
    evaluation = posattn.load(run).evaluate(test_file, report=tmp_path / "report")
    assert evaluation.tokens == 250 and evaluation.accuracy > 0.98
    printed = CliRunner().invoke(
        app, ["eval", "--model", str(run), "--file", str(test_file), "--json"]
    )
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == json.loads(json.dumps(evaluation.to_json()))
    assert (tmp_path / "report" / "confusion.csv").is_file()
    on_split = posattn.load(run).evaluate(split="test")  # the model's own treebank
    assert on_split.accuracy == evaluation.accuracy


def test_attention_and_what_the_model_says_of_itself(trained: tuple[Path, Path]) -> None:
    tagger = posattn.load(trained[0])
    rows = tagger.attention("I saw a saw", layer=2)
    assert len(rows) == 1 and len(rows[0]) == tagger.config.model.heads
    assert len(rows[0][0].weights) == 4
    assert tagger.metrics["epoch"] >= 1 and "VERB" in tagger.tags


def test_the_public_names_are_documented() -> None:
    for name in posattn.__all__:
        if name != "__version__":
            assert getattr(posattn, name).__doc__, name


def test_tag_stream_yields_what_tag_gives_in_input_order(trained: tuple[Path, Path]) -> None:
    tagger = posattn.load(trained[0])
    lines = ["I saw a saw .", "we plant the plant .", "they file a file .", "a dog ."] * 5
    whole = tagger.tag(lines).sentences
    for chunk in (1, 3, 1000):
        streamed = list(tagger.tag_stream(iter(lines), chunk=chunk))
        assert [s.text for s in streamed] == lines
        assert [str(s) for s in streamed] == str(tagger.tag(lines)).splitlines()
        assert [s.tags for s in streamed] == [s.tags for s in whole]
    pretokenised = list(tagger.tag_stream(line.split() for line in lines[:2]))
    assert [s.tags for s in pretokenised] == [s.tags for s in whole[:2]]
    with pytest.raises(posattn.PosattnError, match="chunk must be at least 1"):
        next(tagger.tag_stream(lines, chunk=0))
