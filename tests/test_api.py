"""The Python API, as the README shows it: train on generated data, load, tag raw and
pretokenised text, evaluate (the same numbers as `posattn eval --json`), look at attention."""

from __future__ import annotations

import gc
import json
import random
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import posattn
from posattn.cli import app
from posattn.tagging.forms import FormCache


def test_tag_raw_text(toy_run: tuple[Path, Path]) -> None:
    tagger = posattn.load(toy_run[0])
    doc = tagger.tag("I saw a saw .\nwe plant the plant .")
    assert [t.upos for t in doc.sentences[0]] == ["PRON", "VERB", "DET", "NOUN", "PUNCT"]
    assert [t.upos for t in doc.sentences[1]][1:4] == ["VERB", "DET", "NOUN"]
    assert all(0 < t.probability <= 1 for t in doc.sentences[0])
    assert str(doc).splitlines()[0] == "I/PRON saw/VERB a/DET saw/NOUN ./PUNCT"


def test_tag_pretokenised_and_lists_of_sentences(toy_run: tuple[Path, Path]) -> None:
    tagger = posattn.load(toy_run[0])
    tokens = tagger.tag([["I", "saw", "a", "saw", "."]]).sentences[0]
    assert tokens.forms == ["I", "saw", "a", "saw", "."]
    assert tokens.tags[1:4] == ["VERB", "DET", "NOUN"]
    assert len(tagger.tag(["I saw a saw .", "they file a file ."]).sentences) == 2
    with pytest.raises(posattn.PosattnError, match="nothing to tag"):
        tagger.tag("  \n ")
    with pytest.raises(posattn.PosattnError, match="sentence 2: token 3 is empty or only spaces"):
        tagger.tag([["I", "saw"], ["I", "saw", " ", "saw"]])


def test_evaluate_gives_what_eval_json_prints(toy_run: tuple[Path, Path], tmp_path: Path) -> None:
    run, data = toy_run
    test_file = data / "en_toy-ud-test.conllu"
    # `posattn eval` scores in float32 unless told otherwise
    evaluation = posattn.load(run, precision="float32").evaluate(
        test_file, report=tmp_path / "report"
    )
    assert evaluation.tokens == 250 and evaluation.accuracy > 0.98
    printed = CliRunner().invoke(
        app, ["eval", "--model", str(run), "--file", str(test_file), "--json"]
    )
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == json.loads(json.dumps(evaluation.to_json()))
    assert (tmp_path / "report" / "confusion.csv").is_file()
    on_split = posattn.load(run, precision="float32").evaluate(split="test")  # its own treebank
    assert on_split.accuracy == evaluation.accuracy


def test_attention_and_what_the_model_says_of_itself(toy_run: tuple[Path, Path]) -> None:
    tagger = posattn.load(toy_run[0])
    rows = tagger.attention("I saw a saw", layer=2)
    assert len(rows) == 1 and len(rows[0]) == tagger.config.model.heads
    assert len(rows[0][0].weights) == 4
    assert tagger.metrics["epoch"] >= 1 and "VERB" in tagger.tags


def test_the_public_names_are_documented() -> None:
    for name in posattn.__all__:
        if name != "__version__":
            assert getattr(posattn, name).__doc__, name


def test_tag_stream_yields_what_tag_gives_in_input_order(toy_run: tuple[Path, Path]) -> None:
    tagger = posattn.load(toy_run[0])
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


def test_tagging_pauses_the_cycle_collector_and_gives_it_back(
    toy_run: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = posattn.load(toy_run[0]).model
    collecting_while_tagging = []
    forward = model.network.predict_targets

    def watched(batch: Any) -> Any:
        collecting_while_tagging.append(gc.isenabled())
        return forward(batch)

    monkeypatch.setattr(model.network, "predict_targets", watched)
    assert model.predict([["I", "saw", "a", "saw", "."]])[0].tags == [
        "PRON",
        "VERB",
        "DET",
        "NOUN",
        "PUNCT",
    ]
    assert collecting_while_tagging == [False] and gc.isenabled()
    monkeypatch.setattr(model.network, "predict_targets", lambda batch: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        model.predict([["I", "saw"]])
    assert gc.isenabled()  # also after a failure
    gc.disable()
    try:
        monkeypatch.setattr(model.network, "predict_targets", forward)
        model.predict([["I", "saw"]])
        assert not gc.isenabled()  # a caller's choice is left as it was
    finally:
        gc.enable()


def test_one_tagger_from_many_threads_tags_as_one_thread_does(toy_run: tuple[Path, Path]) -> None:
    rng = random.Random(7)
    sentences = [
        f"{rng.choice(['I', 'we'])} saw a {''.join(rng.choices('bcdfglmnprst', k=7))} ."
        for _ in range(300)
    ]  # words it never saw, so every thread adds to the model's cache of forms
    expected = [s.tags for s in posattn.load(toy_run[0]).tag(sentences).sentences]
    shared = posattn.load(toy_run[0])
    shared.model.cache = FormCache(limit=64)  # small: it is also emptied while others read it

    def tag_all(offset: int) -> list[list[str]]:
        order = sentences[offset:] + sentences[:offset]
        tags = [shared.tag(sentence).sentences[0].tags for sentence in order]
        return tags[-offset:] + tags[:-offset] if offset else tags

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(tag_all, range(0, 300, 300 // 8)))
    assert all(result == expected for result in results)


def test_wrong_input_from_python_is_a_posattn_error(toy_run: tuple[Path, Path]) -> None:
    tagger = posattn.load(toy_run[0])
    for call, message in [
        (lambda: tagger.attention(""), "empty sentence"),
        (lambda: tagger.attention([]), "empty sentence"),
        (lambda: tagger.attention(["I", ""]), "token 2 is empty"),
        (lambda: tagger.tag(b"I saw a saw"), "not bytes .decode bytes first"),
        (lambda: tagger.tag([["I", 5]]), "sentence 1: token 2 is int, not text"),
        (lambda: tagger.tag([b"I saw"]), "sentence 1 is bytes"),
        (lambda: tagger.tag([["I", "saw\u2028it"]]), "token 2 holds a tab or line break"),
        (lambda: tagger.tag([["I\x85", "saw"]]), "token 1 holds a tab or line break"),
        (lambda: tagger.tag(42), "not int"),  # type: ignore[arg-type]
        (lambda: tagger.tokenize(None), "not NoneType"),  # type: ignore[arg-type]
    ]:
        with pytest.raises(posattn.PosattnError, match=message):
            call()


def test_documents_are_sequences_and_the_api_is_listed(toy_run: tuple[Path, Path]) -> None:
    doc = posattn.load(toy_run[0]).tag(["I saw a saw .", "we plant the plant ."])
    assert len(doc) == 2 and [len(s) for s in doc] == [5, 5] and doc[1].tags[1] == "VERB"
    assert {"load", "PosTagger", "train", "Document"} <= set(dir(posattn))
    tokens = posattn.load(toy_run[0]).tokenize("I don't know.")
    assert [(t.form, t.words, t.space_after) for t in tokens] == [
        ("I", ("I",), True), ("don't", ("do", "n't"), True), ("know", ("know",), False),
        (".", (".",), True),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("job", "message"),
    [
        ({"text": "I saw", "layer": 2}, "layer=N, head=N, average_heads=True and plot=FILE need"),
        ({"text": "I saw", "output_format": "xml"}, "output_format=xml: choose one of table"),
        ({"text": "I saw", "output": Path("out")}, "output= and engine= tag files: give input"),
        ({"input": "a.txt", "engine": "ray"}, "output= and engine= tag files"),
        ({"input": "a.txt", "output": Path("o"), "output_format": "table"}, "not output_format"),
        ({"input": "a.txt", "output": Path("o"), "attention": True}, "not attention=True"),
        ({}, "give either text or input=FILE"),
        ({"text": "I saw", "input": "a.txt"}, "give either text or input=FILE"),
    ],
)
def test_the_rules_of_posattn_tag_hold_in_python(job: dict[str, Any], message: str) -> None:
    with pytest.raises(posattn.PosattnError, match=re.escape(message)):
        posattn.TagJob(**job)


def test_the_rules_of_the_other_commands_hold_in_python(
    toy_run: tuple[Path, Path], tmp_path: Path
) -> None:
    run = toy_run[0]
    with pytest.raises(posattn.PosattnError, match="report= analyses the tagging of the gold"):
        posattn.evaluate(run, raw=True, report=tmp_path / "report")
    with pytest.raises(posattn.PosattnError, match=r"resume=.* continues a run with its own"):
        posattn.train(resume=run, seed=2)
    with pytest.raises(posattn.PosattnError, match="quick=True is budget=quick"):
        posattn.compare(quick=True, budget="quick")
    with pytest.raises(posattn.PosattnError, match="several runs: say where"):
        posattn.draw_curves([run, run])
    assert not (tmp_path / "report").exists()


def test_a_tag_job_writes_what_the_command_writes(
    toy_run: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    tagger = posattn.load(toy_run[0])
    posattn.TagJob(text="I saw a saw .", output_format="tsv").run(tagger)
    assert capsys.readouterr().out == "I\tPRON\nsaw\tVERB\na\tDET\nsaw\tNOUN\n.\tPUNCT\n\n"


def test_shards_tagged_in_another_precision_are_not_taken_for_finished(
    toy_run: tuple[Path, Path], tmp_path: Path
) -> None:
    text = tmp_path / "a.txt"
    text.write_text("I saw a saw .\n")
    posattn.load(toy_run[0], precision="float32").tag_files(text, tmp_path / "out")
    again = posattn.load(toy_run[0], precision="float32").tag_files(text, tmp_path / "out")
    assert again.already_done == [tmp_path / "out" / "a.conllu"]
    with pytest.raises(posattn.PosattnError, match="with this model, precision and format"):
        posattn.load(toy_run[0], precision="bfloat16").tag_files(text, tmp_path / "out")
