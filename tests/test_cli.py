"""The command line, as a user runs it: help, errors, and one bounded end-to-end run on real EWT
(train on a slice, save, reload, evaluate, tag in every format)."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import conllu
import pytest
from typer.testing import CliRunner

from posattn.cli import app
from posattn.data.download import RELEASES

from .conftest import SplitSize, assert_picture, split_size

runner = CliRunner()
CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_help_does_not_import_torch() -> None:
    code = "import sys, posattn.cli; sys.exit('torch' in sys.modules or 'datasets' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("train", "eval", "tag", "data", "compare", "plot"):
        assert command in result.output
    # rich reads [brackets] in help texts as markup and drops them: defaults must survive
    train_help = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "200"}).output
    assert "(default: runs/<config name>)" in train_help and "--resume" in train_help


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
    assert result.output.strip() == "error: config: model.heads must divide model.d_model=128"


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tag", "--model", str(tmp_path), "I saw a saw"])
    assert result.exit_code == 1
    assert "no trained model here" in result.output and "Traceback" not in result.output


def test_with_no_runs_tag_uses_the_shipped_model_and_says_so_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["tag", "-f", "tsv", "I saw a saw"])
    assert result.exit_code == 0, result.output
    assert [line.split("\t") for line in result.stdout.splitlines() if line] == [
        ["I", "PRON"], ["saw", "VERB"], ["a", "DET"], ["saw", "NOUN"]
    ]  # fmt: skip
    assert "shipped with posattn" in result.stderr and "shipped" not in result.stdout
    listed = runner.invoke(app, ["models"], env={"COLUMNS": "300"})
    assert listed.exit_code == 0, listed.output
    assert "en_ewt (shipped) *" in listed.stdout and "en_ewt-fast (shipped)" in listed.stdout


@pytest.fixture(scope="module")
def test_split(ewt_dir: Path) -> SplitSize:
    return split_size(ewt_dir / "en_ewt-ud-test.conllu")


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
            "data.max_train_sentences=100",  # the slice's train split has 105
            "--set",
            "train.epochs=15",
            "--set",
            "model.targets=[upos,xpos,feats]",  # the other targets come along everywhere
        ],
    )
    assert result.exit_code == 0, result.output
    assert "best dev accuracy" in result.output
    return run_dir


def test_training_writes_a_self_describing_model(
    trained_model: Path, ewt_dir: Path, full_ewt: bool
) -> None:
    meta = json.loads((trained_model / "model.json").read_text())
    assert meta["config"]["train"]["seed"] == 3
    assert meta["config"]["data"]["max_train_sentences"] == 100
    assert set(meta["vocabularies"]["tags"]) >= {"NOUN", "VERB", "PUNCT", "DET"}
    epochs = [
        json.loads(line) for line in (trained_model / "metrics.jsonl").read_text().splitlines()
    ]
    assert [e["epoch"] for e in epochs] == list(range(1, 16))
    # Traceable: versions, the data files' checksums and the source commit (None outside git).
    run = json.loads((trained_model / "run.json").read_text())
    assert run["packages"]["torch"] and run["packages"]["safetensors"] and "git" in run
    train_file = ewt_dir / "en_ewt-ud-train.conllu"
    assert run["data_files"]["train"]["sha256"] == (
        RELEASES["en_ewt"].sha256[train_file.name]
        if full_ewt
        else hashlib.sha256(train_file.read_bytes()).hexdigest()
    )
    # learned, not just ran: 100 sentences for 15 epochs beats tagging everything NOUN (~17%)
    assert epochs[-1]["dev_accuracy"] > 0.7


def test_eval_json_on_a_file(trained_model: Path, ewt_dir: Path, test_split: SplitSize) -> None:
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
    assert scores["tokens"] == test_split.words
    assert 0.7 < scores["accuracy"] < 1
    assert scores["oov_accuracy"] < scores["accuracy"]
    assert {"NOUN", "VERB", "ADJ"} <= set(scores["per_tag"])
    assert {"accuracy", "oov_accuracy", "ambiguous_accuracy", "per_tag"} <= set(scores)
    # XPOS: accuracy and per tag; FEATS: exact match (UFeats) and per feature
    xpos, feats = scores["targets"]["xpos"], scores["targets"]["feats"]
    assert 0.5 < xpos["accuracy"] < 1 and {"NN", "VB", "DT"} <= set(xpos["per_label"])
    assert 0.5 < feats["accuracy"] < 1 and {"Number", "Tense"} <= set(feats["per_label"])
    assert feats["per_label"]["Number"]["f1"] > 0.5


def test_tag_formats(trained_model: Path, tmp_path: Path) -> None:
    text = tmp_path / "in.txt"
    text.write_text("I saw a saw.\n\nThe old man the boat.\n")
    model = ["--model", str(trained_model)]
    tsv = runner.invoke(app, ["tag", *model, "--input", str(text), "--format", "tsv"])
    assert tsv.exit_code == 0, tsv.output
    blocks = tsv.output.strip().split("\n\n")
    assert [len(b.splitlines()) for b in blocks] == [5, 6]
    assert blocks[0].splitlines()[0].startswith("I\tPRON\tPRP\t")  # form, UPOS, XPOS, FEATS
    assert all(len(line.split("\t")) == 4 for b in blocks for line in b.splitlines())

    out = runner.invoke(app, ["tag", *model, "--input", str(text), "--format", "conllu"])
    sentences = conllu.parse(out.output)
    assert [len(s) for s in sentences] == [5, 6]
    assert sentences[1].metadata["text"] == "The old man the boat."

    lines = runner.invoke(
        app, ["tag", *model, "--pretokenized", "--format", "json", "-"], input="I saw a saw\n"
    ).output.splitlines()
    record = json.loads(lines[0])
    assert record["tokens"] == ["I", "saw", "a", "saw"] and len(record["tags"]) == 4
    assert len(record["xpos"]) == len(record["feats"]) == 4

    table = runner.invoke(app, ["tag", *model, "I saw a saw"])
    assert table.exit_code == 0 and "saw" in table.output and "features" in table.output


def test_tag_empty_input_is_an_error(trained_model: Path) -> None:
    result = runner.invoke(app, ["tag", "--model", str(trained_model), "   "])
    assert result.exit_code == 1
    assert "nothing to tag" in result.output


def test_training_draws_its_curves_and_plot_redraws_several(
    trained_model: Path, tmp_path: Path
) -> None:
    assert_picture(trained_model / "curves.png")
    both = tmp_path / "both.png"
    result = runner.invoke(app, ["plot", str(trained_model), str(trained_model), "-o", str(both)])
    assert result.exit_code == 1 and "named twice" in result.output
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "metrics.jsonl").write_text((trained_model / "metrics.jsonl").read_text())
    result = runner.invoke(app, ["plot", str(trained_model), str(copy), "-o", str(both)])
    assert result.exit_code == 0, result.output
    assert_picture(both)

    first = (trained_model / "metrics.jsonl").read_text().splitlines()[0]
    (copy / "metrics.jsonl").write_text(first + '\n{"epo')
    result = runner.invoke(app, ["plot", str(copy)])
    assert result.exit_code == 1
    assert f"{copy / 'metrics.jsonl'}:2: not a JSON line" in result.output
    (copy / "metrics.jsonl").write_text(first + '\n{"epoch": 2, "train_loss": 0.5}\n')
    result = runner.invoke(app, ["plot", str(copy)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{copy / 'metrics.jsonl'}:2: an epoch needs a number for each of" in result.output


def test_eval_report_writes_the_error_analysis(
    trained_model: Path, tmp_path: Path, test_split: SplitSize
) -> None:
    report = tmp_path / "report"
    result = runner.invoke(
        app, ["eval", "--model", str(trained_model), "--split", "test", "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert "Accuracy by word frequency in train" in result.output
    rows = (report / "confusion.csv").read_text().splitlines()
    header = rows[0].split(",")
    assert header[0] == "gold \\ predicted" and {"NOUN", "VERB", "PROPN"} <= set(header)
    counts = [int(n) for row in rows[1:] for n in row.split(",")[1:]]
    assert sum(counts) == test_split.words  # every test token once
    assert (report / "per_tag.csv").read_text().startswith("tag,precision,recall,f1,support\n")
    assert "NOUN" in (report / "seqeval.txt").read_text()
    confusions = (report / "confusions.md").read_text()
    assert confusions.count("\n## ") == 30 and "(gold " in confusions
    evaluation = json.loads((report / "evaluation.json").read_text())
    assert evaluation["tokens"] == test_split.words
    bands = (report / "accuracy_by_band.csv").read_text().splitlines()
    assert sum(int(line.split(",")[2]) for line in bands if line.startswith("sentence")) == (
        test_split.words
    )
    assert_picture(report / "confusion.png")
    assert_picture(report / "accuracy_by_band.png")


def test_tag_shows_attention_in_the_terminal_and_as_a_picture(
    trained_model: Path, tmp_path: Path
) -> None:
    model = ["--model", str(trained_model)]
    result = runner.invoke(app, ["tag", *model, "I saw a saw", "--attention"])
    assert result.exit_code == 0, result.output
    for layer in (1, 2):
        for head in (1, 2, 3, 4):
            assert f"layer {layer}, head {head}" in result.output

    picture = tmp_path / "attention.png"
    result = runner.invoke(
        app,
        ["tag", *model, "I saw a saw", "--attention", "--average-heads", "--plot", str(picture)],
    )
    assert result.exit_code == 0, result.output
    assert "layer 2, heads averaged" in result.output and "head 1" not in result.output
    assert_picture(picture, min_width=300, min_height=200)

    only = runner.invoke(app, ["tag", *model, "I saw a saw", "--attention", "--layer", "2"])
    assert "layer 2, head 3" in only.output and "layer 1" not in only.output
    for wrong, message in (
        (["--attention", "--layer", "3"], "--layer 3: this model has layers 1 to 2"),
        (["--attention", "--head", "0"], "--head 0: this model has heads 1 to 4"),
        (["--plot", str(picture)], "need --attention"),
    ):
        result = runner.invoke(app, ["tag", *model, "I saw a saw", *wrong])
        assert result.exit_code == 1 and message in result.output, result.output
        assert result.stdout == ""  # refused before anything was tagged or written


def test_data_stats_draws_the_treebank(ewt_dir: Path, tmp_path: Path) -> None:
    picture = tmp_path / "stats.png"
    result = runner.invoke(
        app, ["data", "stats", "--data-dir", str(ewt_dir), "--plot", str(picture)]
    )
    assert result.exit_code == 0, result.output
    assert_picture(picture)


def test_machine_formats_keep_stdout_clean_with_attention(trained_model: Path) -> None:
    for output_format in ("json", "tsv", "conllu"):
        result = runner.invoke(
            app,
            ["tag", "--model", str(trained_model), "-f", output_format, "--attention", "I saw"],
        )
        assert result.exit_code == 0, result.output
        assert "layer 1, head 1" in result.stderr and "layer" not in result.stdout
        if output_format == "json":
            assert json.loads(result.stdout)["tokens"] == ["I", "saw"]


def test_version() -> None:
    from posattn import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"posattn {__version__}"


def test_conllu_output_has_multiword_ranges_and_space_after(trained_model: Path) -> None:
    result = runner.invoke(
        app, ["tag", "--model", str(trained_model), "-f", "conllu", "I don't know, Bob."]
    )
    assert result.exit_code == 0, result.output
    sentence = conllu.parse(result.stdout)[0]
    assert [t["form"] for t in sentence] == ["I", "don't", "do", "n't", "know", ",", "Bob", "."]
    assert sentence[1]["id"] == (2, "-", 3)
    words = [t for t in sentence if isinstance(t["id"], int)]
    assert all(t["xpos"] for t in words) and words[0]["feats"] is not None  # "I": Case=Nom|...
    rebuilt = "".join(
        t["form"] + ("" if (t["misc"] or {}).get("SpaceAfter") == "No" else " ")
        for t in sentence
        if not isinstance(t["id"], int)
        or not any(
            isinstance(r["id"], tuple) and r["id"][0] <= t["id"] <= r["id"][2] for r in sentence
        )
    )
    assert rebuilt.strip() == sentence.metadata["text"] == "I don't know, Bob."


def test_eval_raw_scores_tagging_from_text(
    trained_model: Path, ewt_dir: Path, test_split: SplitSize
) -> None:
    test_file = str(ewt_dir / "en_ewt-ud-test.conllu")
    result = runner.invoke(
        app, ["eval", "--model", str(trained_model), "--raw", "--json", "--file", test_file]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["words"]["gold"] == test_split.words
    assert scores["sentences"] == test_split.sentences
    # The tokenizer learned from the slice of train the model saw; UPOS can only lose to it.
    assert scores["words"]["f1"] > 0.97
    assert 0.6 < scores["upos"]["f1"] < scores["words"]["f1"]
    shown = runner.invoke(
        app, ["eval", "--model", str(trained_model), "--raw", "--file", test_file]
    )
    assert "Tagging raw text" in shown.output and "UPOS" in shown.output


def test_the_fast_path_gives_the_slow_paths_tags(trained_model: Path, ewt_dir: Path) -> None:
    """Tagging with each form's word id and character vector cached (the fast path) gives the
    tags of batches built from scratch (`make_batch`, as in training), on real text."""
    from posattn.data.treebank import load_treebank
    from posattn.tagging.forms import FormCache
    from posattn.tagging.inference import load_model, predict

    loaded = load_model(trained_model)
    words = list(load_treebank(ewt_dir, ("test",))["test"]["words"])
    slow = predict(loaded.network, loaded.vocabs, words)
    cache = FormCache()
    fast = predict(loaded.network, loaded.vocabs, words, cache=cache)
    again = predict(loaded.network, loaded.vocabs, words[::-1], cache=cache)[::-1]
    assert [p.tags for p in fast] == [p.tags for p in slow] == [p.tags for p in again]
    # One entry per distinct form, and one for the empty form that pads batches.
    assert len(cache) == len({"", *(form for sentence in words for form in sentence)})
    small = FormCache(limit=100)  # forgets, recomputes: still the same tags
    assert [p.tags for p in predict(loaded.network, loaded.vocabs, words, cache=small)] == [
        p.tags for p in slow
    ]


def test_option_mistakes_are_said_plainly(tmp_path: Path) -> None:
    text = tmp_path / "a.txt"
    text.write_text("I saw a saw\n")
    table = runner.invoke(app, ["tag", "-f", "table", "--input", str(text), "-o", str(tmp_path)])
    assert table.exit_code == 1 and "not --format table" in table.output
    assert not (tmp_path / "a.conllu").exists()
    missing = runner.invoke(app, ["tag", "--model", "/nonexistent", "I saw"])
    assert missing.exit_code == 1
    assert missing.output.strip() == "error: /nonexistent: no such model file or run folder"
    serve_help = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert "pip install 'posattn[serve]'" in serve_help.output


def test_options_are_named_where_the_library_names_parameters() -> None:
    from posattn.cli import _as_options

    assert _as_options("DIR: overwrite=True replaces a run; or choose another output=DIR") == (
        "DIR: --overwrite replaces a run; or choose another --output DIR"
    )
    assert _as_options("layer=9: this model has layers 1 to 2") == (
        "--layer 9: this model has layers 1 to 2"
    )
    assert _as_options("output_format=xml: choose one") == "--format xml: choose one"
    assert _as_options("override 'x': bad") == "--set 'x': bad"
    for untouched in (
        "override 'train.device=cpu': the value is not valid YAML",  # a config key
        "runs/sweep/output=big: cannot write",  # a path
        "override 'device=cpu': expected section.key=value",  # a quoted value
    ):
        assert _as_options(untouched).removeprefix("--set ") == untouched.removeprefix("override ")


def test_every_output_format_is_offered() -> None:
    from posattn.cli import FormatName
    from posattn.presentation.tagged import OUTPUT_FORMATS

    assert [f.value for f in FormatName] == list(OUTPUT_FORMATS)


def test_every_precision_is_offered() -> None:
    from posattn.cli import PrecisionChoice
    from posattn.tagging.precision import PRECISIONS

    assert [p.value for p in PrecisionChoice] == list(PRECISIONS)
