"""A treebank: a folder of CoNLL-U files named by the UD convention (`xx_name-ud-train.conllu`,
`-dev`, `-test`), read into a `datasets.DatasetDict` cached by the files' checksums.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posattn.data.conllu import read_conllu
from posattn.data.download import cache_root, download, release_of, sha256_of
from posattn.data.tokenizer import TokenizerRules, WrittenToken
from posattn.errors import PosattnError

if TYPE_CHECKING:
    from datasets import DatasetDict

SPLITS = ("train", "dev", "test")
DATASET_LAYOUT = 5
"""Bumped when the cached rows change (2: `heads`, the dependency tree; 3: the text and its
surface tokens; 4: `feats`; 5: read by a reader that refuses an empty FORM, a range over
words that do not follow it and UPOS `_`), so old caches are not read as new ones."""
COLUMNS = (
    "words",
    "upos",
    "xpos",
    "feats",
    "heads",
    "text",
    "token_forms",
    "token_words",
    "token_space",
)
EXTRA_TARGETS = ("xpos", "feats")
"""What a model can predict besides UPOS: the treebank's own tags, the morphological features
(the whole FEATS string of a word as one label)."""


def find_split_files(folder: Path) -> dict[str, Path]:
    """The CoNLL-U file of each split present in `folder`, by the UD naming convention."""
    if not folder.is_dir():
        raise PosattnError(f"{folder}: data folder not found")
    found: dict[str, Path] = {}
    for split in SPLITS:
        matches = sorted(folder.glob(f"*-ud-{split}.conllu"))
        if len(matches) > 1:
            names = ", ".join(m.name for m in matches)
            raise PosattnError(f"{folder}: several {split} files ({names}); keep one per folder")
        if matches:
            found[split] = _readable_file(matches[0])
    if not found:
        raise PosattnError(
            f"{folder}: no *-ud-train.conllu, *-ud-dev.conllu or *-ud-test.conllu files"
        )
    return found


def _readable_file(path: Path) -> Path:
    if path.is_dir():
        raise PosattnError(f"{path}: a folder, where a CoNLL-U file should be")
    if not path.exists():
        raise PosattnError(f"{path}: a link to a file that does not exist")
    if not os.access(path, os.R_OK):
        raise PosattnError(f"{path}: cannot read (permission denied)")
    return path


def treebank_name(folder: Path) -> str:
    """The treebank's name as its files give it: `en_ewt` for `en_ewt-ud-train.conllu`."""
    names = {path.name.rsplit("-ud-", 1)[0] for path in find_split_files(folder).values()}
    return names.pop() if len(names) == 1 else folder.name


def tokenizer_rules_for(treebank: str | None) -> TokenizerRules:
    """English rules for an English treebank (`en_ewt`) or one without a name; language-neutral
    ones for any other language."""
    language = None if treebank is None else treebank.split("_")[0]
    return "english" if language in (None, "en") else "neutral"


def resolve_data_dir(data_dir: str | Path | None, treebank: str = "en_ewt") -> Path:
    """The folder to read: the one given, else a verified download in the cache (fetched now)."""
    if data_dir:
        return Path(data_dir)
    release = release_of(treebank)
    return release.folder if release.in_cache() else download(treebank)


def load_treebank(folder: Path, splits: tuple[str, ...] = SPLITS) -> DatasetDict:
    """Parse the requested splits into a DatasetDict, cached by the files' checksums."""
    from datasets import Dataset, DatasetDict, disable_progress_bars, load_from_disk

    disable_progress_bars()

    files = find_split_files(folder)
    missing = [split for split in splits if split not in files]
    if missing:
        raise PosattnError(f"{folder}: no *-ud-{missing[0]}.conllu file")
    parts = {}
    for split in splits:
        path = files[split]
        key = sha256_of(path)
        cached = cache_root() / "datasets" / f"{key[:32]}-{DATASET_LAYOUT}"
        if cached.is_dir():
            parts[split] = load_from_disk(str(cached))
            continue
        rows = list(read_conllu(path))
        if not rows:
            raise PosattnError(f"{path}: no sentences")
        dataset = Dataset.from_dict({column: [row[column] for row in rows] for column in COLUMNS})
        _save_atomically(dataset, cached)
        parts[split] = dataset
    return DatasetDict(parts)


def _save_atomically(dataset: Any, target: Path) -> None:
    """A cache entry appears whole or not at all, so a killed run never leaves half of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        dataset.save_to_disk(str(tmp))
        os.replace(tmp, target)
    except OSError:
        pass  # the cache is an optimisation: a read-only cache only costs a re-parse
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class TreebankSplits:
    """What training reads: the train and dev sentences with their tags (and trees)."""

    train_words: list[list[str]]
    train_tags: list[list[str]]
    dev_words: list[list[str]]
    dev_tags: list[list[str]]
    train_heads: list[list[int]] | None = None
    """Dependency heads, needed only by model.attention_graph."""
    dev_heads: list[list[int]] | None = None
    train_tokens: list[list[WrittenToken]] | None = None
    """How the training sentences were written: what the tokenizer learns from."""
    train_targets: dict[str, list[list[str]]] = field(default_factory=dict)
    """XPOS and FEATS of the training sentences, for a model that learns them too."""
    treebank: str | None = None
    """Its name as its files give it (`en_ewt`); the language code before the `_` picks the
    tokenizer's rules (`tokenizer_rules_for`)."""

    def digest(self) -> str:
        """Identifies the data, so a run is never resumed on different sentences."""
        digest = hashlib.sha256()
        for part in (self.train_words, self.train_tags, self.dev_words, self.dev_tags):
            for sentence in part:
                digest.update(("\t".join(sentence) + "\n").encode())
            digest.update(b"\0")
        for heads in (self.train_heads, self.dev_heads):
            for sentence_heads in heads or []:
                digest.update((" ".join(map(str, sentence_heads)) + "\n").encode())
        return digest.hexdigest()


def load_splits(folder: Path, max_train_sentences: int | None = None) -> TreebankSplits:
    """Train (or its first `max_train_sentences`) and dev of the treebank in `folder`."""
    treebank = load_treebank(folder, ("train", "dev"))
    train, dev = treebank["train"], treebank["dev"]
    if max_train_sentences is not None:
        train = train.select(range(min(max_train_sentences, len(train))))
    return TreebankSplits(
        train["words"],
        train["upos"],
        dev["words"],
        dev["upos"],
        train["heads"],
        dev["heads"],
        surface_tokens(train),
        {target: train[target] for target in EXTRA_TARGETS},
        treebank=treebank_name(folder),
    )


def surface_tokens(rows: Any) -> list[list[WrittenToken]]:
    """The tokens of each sentence of a split (a `datasets.Dataset` or a list of rows)."""
    columns = (rows["token_forms"], rows["token_words"], rows["token_space"])
    return [
        [(form, tuple(words), space) for form, words, space in zip(*sentence, strict=True)]
        for sentence in zip(*columns, strict=True)
    ]
