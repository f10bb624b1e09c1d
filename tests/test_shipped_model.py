"""The models shipped inside the package: intact, described by their headers, tagging right, and
scoring what they recorded (on the whole EWT test set where it is found, else on the slice)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import posattn
from posattn.catalog import (
    SHIPPED_MODEL,
    SHIPPED_NAMES,
    available_models,
    default_model,
    shipped_model,
)
from posattn.data.download import RELEASES
from posattn.headers import read_header
from posattn.model.storage import FORMAT_VERSION, load_tensors


@pytest.fixture(scope="module", params=SHIPPED_NAMES)
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_file_is_whole_and_says_how_it_was_made(name: str) -> None:
    path = shipped_model(name)
    assert path.stat().st_size <= 8 * 2**20
    tensors, header = load_tensors(path)  # checks the tensors' and the header's checksums
    assert header["format"] == FORMAT_VERSION
    stored = {t.dtype for t in tensors.values() if t.is_floating_point()}
    assert stored == {getattr(torch, header["storage_dtype"])}
    assert header["treebank"]["files"] == RELEASES["en_ewt"].sha256
    assert header["config"]["data"]["data_dir"] is None  # no path of the machine it was made on
    assert header["config"]["train"]["seed"] == 1 and header["config"]["train"]["threads"] == 1
    assert f"scripts/release_model.py {name}" in header["training"]["command"]
    assert header["evaluation"]["test"]["accuracy"] > 0.95


EMBLEMS = [
    ("I saw a saw", "PRON VERB DET NOUN"),
    ("They refuse to take out the refuse .", "PRON VERB PART VERB ADP DET NOUN PUNCT"),
    ("Can you open the can ?", "AUX PRON VERB DET NOUN PUNCT"),
    ("She will book a book for me .", "PRON AUX VERB DET NOUN ADP PRON PUNCT"),
    ("We watch the watch .", "PRON VERB DET NOUN PUNCT"),
]


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
@pytest.mark.parametrize(("text", "tags"), EMBLEMS)
def test_it_tags_words_that_only_context_tells_apart(
    name: str, precision: str, text: str, tags: str
) -> None:
    tagger = posattn.load(name, precision=precision)  # type: ignore[arg-type]
    assert " ".join(tagger.tag(text).sentences[0].tags) == tags


RECORDED = [("float32", "evaluation"), ("bfloat16", "evaluation_bfloat16")]


@pytest.mark.parametrize(("precision", "recorded_as"), RECORDED)
def test_it_scores_what_it_recorded(
    name: str, precision: str, recorded_as: str, ewt_dir: Path, full_ewt: bool
) -> None:
    tagger = posattn.load(name, precision=precision)  # type: ignore[arg-type]
    recorded = read_header(shipped_model(name))[recorded_as]["test"]
    now = tagger.evaluate(split="test", data_dir=ewt_dir)
    if full_ewt:
        assert now.tokens == recorded["tokens"]
        # Bit for bit on the CPU it was made on; another CPU's kernels may round a borderline
        # token or two the other way (bfloat16's a few more).
        assert abs(now.accuracy - recorded["accuracy"]) * now.tokens <= (
            2 if precision == "float32" else 6
        )
    else:  # the slice's sentences are EWT test's own
        assert now.accuracy > 0.93


def test_with_no_runs_the_shipped_model_is_the_default(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert default_model(runs).shipped and default_model(runs).path == SHIPPED_MODEL
    entries = available_models(runs)
    assert [e.name for e in entries] == list(SHIPPED_NAMES)
    assert [e.default for e in entries] == [True, False]
    assert entries[0].test_accuracy == read_header(SHIPPED_MODEL)["evaluation"]["test"]["accuracy"]
