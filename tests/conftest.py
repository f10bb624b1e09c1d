"""Shared fixtures: tiny generated treebanks for unit tests, the real EWT folder for one e2e run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_EWT = Path(__file__).resolve().parents[2] / "shared" / "data" / "en_ewt"


@pytest.fixture(autouse=True)
def isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never write caches next to the data or into the user's home."""
    if "POSATTN_CACHE_DIR" not in os.environ:
        monkeypatch.setenv("POSATTN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def ewt_dir() -> Path:
    folder = Path(os.environ.get("POSATTN_DATA_DIR", SHARED_EWT))
    if not (folder / "en_ewt-ud-train.conllu").is_file():
        pytest.skip(f"EWT not found in {folder}; set POSATTN_DATA_DIR")
    return folder


def conllu_sentence(words: list[tuple[str, str]], text: str | None = None) -> str:
    lines = [f"# text = {text or ' '.join(w for w, _ in words)}"]
    for index, (word, tag) in enumerate(words, start=1):
        lines.append(f"{index}\t{word}\t_\t{tag}\t_\t_\t_\t_\t_\t_")
    return "\n".join(lines) + "\n\n"


def write_treebank(folder: Path, splits: dict[str, list[list[tuple[str, str]]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split, sentences in splits.items():
        text = "".join(conllu_sentence(sentence) for sentence in sentences)
        (folder / f"xx_toy-ud-{split}.conllu").write_text(text, encoding="utf-8")
    return folder
