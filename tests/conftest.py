"""Shared fixtures: tiny generated treebanks for unit tests, real EWT for the end-to-end runs
(the full treebank where it is found, else the slice under tests/data/, so nothing skips)."""

from __future__ import annotations

import os
import random
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

SHARED_EWT = Path(__file__).resolve().parents[2] / "shared" / "data" / "en_ewt"
EWT_SLICE = Path(__file__).resolve().parent / "data" / "en_ewt_slice"
TOY_CONFIG = Path(__file__).resolve().parent / "toy.yaml"


@pytest.fixture(autouse=True)
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never write caches next to the data or into the user's home."""
    if "POSATTN_CACHE_DIR" not in os.environ:
        monkeypatch.setenv("POSATTN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def ewt_dir() -> Path:
    """The full EWT (POSATTN_DATA_DIR or ../shared) where it is found, else the test slice; a
    POSATTN_DATA_DIR that points elsewhere fails, so CI never tests the slice by mistake."""
    given = os.environ.get("POSATTN_DATA_DIR")
    folder = Path(given or SHARED_EWT)
    if (folder / "en_ewt-ud-train.conllu").is_file():
        return folder
    if given:
        pytest.fail(f"POSATTN_DATA_DIR={given}: no en_ewt-ud-train.conllu there")
    return EWT_SLICE


@pytest.fixture(scope="session")
def full_ewt(ewt_dir: Path) -> bool:
    """Whether the tests run on the whole treebank, where checks of its full size hold."""
    return ewt_dir != EWT_SLICE


@dataclass(frozen=True)
class SplitSize:
    sentences: int
    words: int


def split_size(conllu_file: Path) -> SplitSize:
    """Sentences and syntactic words of a CoNLL-U file (not multiword ranges, not empty nodes)."""
    lines = conllu_file.read_text(encoding="utf-8").splitlines()
    return SplitSize(
        sentences=sum(line.startswith("# text = ") for line in lines),
        words=sum(line.split("\t", 1)[0].isdigit() for line in lines),
    )


def conllu_sentence(words: list[tuple[str, str]], text: str | None = None) -> str:
    lines = [f"# text = {text or ' '.join(w for w, _ in words)}"]
    for index, (word, tag) in enumerate(words, start=1):
        lines.append(f"{index}\t{word}\t_\t{tag}\t_\t_\t_\t_\t_\t_")
    return "\n".join(lines) + "\n\n"


def write_treebank(
    folder: Path, splits: dict[str, list[list[tuple[str, str]]]], name: str = "en_toy"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split, sentences in splits.items():
        text = "".join(conllu_sentence(sentence) for sentence in sentences)
        (folder / f"{name}-ud-{split}.conllu").write_text(text, encoding="utf-8")
    return folder


# A model small enough to build and run in milliseconds, for tests of what the model can see.
TINY_MODEL: dict[str, object] = {
    "word_dim": 16,
    "char_dim": 8,
    "char_channels": 16,
    "d_model": 16,
    "heads": 2,
    "layers": 2,
    "ff_dim": 32,
    "block_conv": 0,  # plain attention: what it sees is what these tests are about
    "char_encoder": "cnn",
}

PRONOUNS = ["I", "we", "they", "you"]
DETERMINERS = ["a", "the", "this", "my"]
AMBIGUOUS = ["saw", "file", "plant", "watch", "fly"]  # both verbs and nouns
NOUNS = ["dog", "tree", "car", "book"]
VERBS = ["took", "sold", "liked", "found"]


def toy_language(count: int, seed: int) -> tuple[list[list[str]], list[list[str]]]:
    """Sentences like "I saw a saw .", where only word order tells a VERB from a NOUN."""
    rng = random.Random(seed)
    words, tags = [], []
    for _ in range(count):
        verb = rng.choice(AMBIGUOUS + VERBS)
        noun = rng.choice(AMBIGUOUS + NOUNS)
        words.append([rng.choice(PRONOUNS), verb, rng.choice(DETERMINERS), noun, "."])
        tags.append(["PRON", "VERB", "DET", "NOUN", "PUNCT"])
    return words, tags


def free_port() -> int:
    """A loopback port nothing listens on now (another process could take it before us)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_picture(path: Path, min_width: int = 500, min_height: int = 300) -> None:
    """A PNG that opens, is big enough to read, and is not blank."""
    image = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert image.shape[0] >= min_height and image.shape[1] >= min_width, (path, image.shape)
    assert image.std() > 10, f"{path} is blank"


def toy_treebank(folder: Path, train: int = 400) -> Path:
    """The toy language as a UD folder: train, dev and test CoNLL-U files."""
    splits = {}
    for split, count, seed in (("train", train, 1), ("dev", 50, 2), ("test", 50, 3)):
        words, tags = toy_language(count, seed)
        splits[split] = [list(zip(w, t, strict=True)) for w, t in zip(words, tags, strict=True)]
    return write_treebank(folder, splits)


@pytest.fixture(scope="session")
def toy_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A model trained on the toy language (seconds), and the toy treebank it learned from."""
    import posattn

    folder = tmp_path_factory.mktemp("toy-run")
    data = toy_treebank(folder / "data")
    overrides = {"train.epochs": 6, "train.batch_tokens": 200, "train.warmup_steps": 10,
                 "train.lr": 0.005}  # fmt: skip
    result = posattn.train(TOY_CONFIG, data_dir=data, output=folder / "run", overrides=overrides)
    assert isinstance(result, posattn.TrainResult)
    assert result.best_dev_accuracy > 0.98  # the toy language is learnable only from context
    return folder / "run", data


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that reads the real treebank is an end-to-end test (`pytest -m "not e2e"`
    skips them for a quick run)."""
    for item in items:
        if "ewt_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
