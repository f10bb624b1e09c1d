"""Treebank files: find them, download them, read them into a `datasets.DatasetDict`.

A treebank is a folder of CoNLL-U files named by the UD convention (`xx_name-ud-train.conllu`,
`-dev`, `-test`). Each sentence becomes a row `{"words", "upos", "xpos", "heads"}` (heads: each
word's syntactic head, 1-based, 0 for the root);
multiword-token ranges (`3-4`) and empty nodes (`8.1`) are skipped, because UPOS is annotated on
the syntactic words.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posattn.errors import PosattnError

if TYPE_CHECKING:
    from datasets import DatasetDict

SPLITS = ("train", "dev", "test")
DATASET_LAYOUT = 2
"""Bumped when the cached rows change (2: `heads`, the dependency tree), so old caches are not
read as new ones."""


@dataclass(frozen=True)
class Release:
    """A treebank posattn knows how to download, pinned to one release and checksummed."""

    name: str
    url: str
    sha256: dict[str, str]


RELEASES = {
    "en_ewt": Release(
        name="en_ewt",
        url="https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/r2.16/{file}",
        sha256={
            "en_ewt-ud-train.conllu": (
                "3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e4ae3ddc79d2b7e7b"
            ),
            "en_ewt-ud-dev.conllu": (
                "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6"
            ),
            "en_ewt-ud-test.conllu": (
                "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd"
            ),
        },
    )
}


def cache_root() -> Path:
    """Where downloads and parsed datasets live: $POSATTN_CACHE_DIR, else the user cache."""
    if "POSATTN_CACHE_DIR" in os.environ:
        return Path(os.environ["POSATTN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "posattn"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def how_to_supply(treebank: str) -> str:
    return (
        f"run `posattn data download {treebank}` with network access, or put the UD CoNLL-U "
        "files (*-ud-train.conllu, *-ud-dev.conllu, *-ud-test.conllu) in a folder and pass "
        "--data-dir DIR or set POSATTN_DATA_DIR=DIR"
    )


def download(treebank: str = "en_ewt", timeout: float = 60.0) -> Path:
    """Fetch a known release into the cache, verify its checksums, return the folder."""
    release = RELEASES.get(treebank)
    if release is None:
        raise PosattnError(
            f"unknown treebank {treebank!r} (known: {', '.join(RELEASES)}); "
            "for any other treebank pass --data-dir DIR"
        )
    folder = cache_root() / "treebanks" / treebank
    folder.mkdir(parents=True, exist_ok=True)
    for file, expected in release.sha256.items():
        target = folder / file
        if target.is_file() and sha256_of(target) == expected:
            continue
        url = release.url.format(file=file)
        handle, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{file}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as r:
                shutil.copyfileobj(r, out)
                if r.length:  # bytes the server announced but never sent
                    raise http.client.IncompleteRead(b"", r.length)
                out.flush()
                os.fsync(out.fileno())
            actual = sha256_of(tmp)
            if actual != expected:
                raise PosattnError(
                    f"{url}: checksum mismatch (expected {expected[:12]}…, got {actual[:12]}…)"
                )
            os.replace(tmp, target)
        except http.client.HTTPException as error:
            # The server closed the connection early: nothing partial is kept, so the next
            # attempt starts over and the checksum still guards the result.
            raise PosattnError(
                f"download of {url} broke off ({type(error).__name__}); nothing was kept, "
                "run the command again"
            ) from None
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            reason = getattr(error, "reason", error)
            raise PosattnError(
                f"could not download {url} ({reason}); {how_to_supply(treebank)}"
            ) from None
        finally:
            tmp.unlink(missing_ok=True)
    return folder


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
            found[split] = matches[0]
    if not found:
        raise PosattnError(
            f"{folder}: no *-ud-train.conllu, *-ud-dev.conllu or *-ud-test.conllu files"
        )
    return found


def resolve_data_dir(data_dir: str | Path | None, treebank: str = "en_ewt") -> Path:
    """The folder to read: the one given, else a verified download in the cache (fetched now)."""
    if data_dir:
        return Path(data_dir)
    release = RELEASES.get(treebank)
    if release is None:
        raise PosattnError(f"unknown treebank {treebank!r}; pass --data-dir DIR")
    cached = cache_root() / "treebanks" / treebank
    if all((cached / file).is_file() for file in release.sha256):
        return cached
    return download(treebank)


def read_conllu(path: Path) -> Iterator[dict[str, Any]]:
    """Yield one row per sentence: words, upos, xpos, and the file line of each word. Errors
    name the file and line."""
    import conllu

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        bad_line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise PosattnError(f"{path}:{bad_line}: not valid UTF-8") from None
    except OSError as error:
        raise PosattnError(f"{path}: cannot read ({error.strerror})") from None
    lines = text.replace("\r\n", "\n").split("\n")
    start = 0
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip():
            continue
        block = lines[start : number - 1]
        first_line = start + 1
        start = number
        if any(not raw.startswith("#") for raw in block):
            yield _sentence(conllu, path, first_line, block)


def _sentence(conllu: Any, path: Path, first_line: int, block: list[str]) -> dict[str, Any]:
    # conllu reports a problem but not where: check the columns first, line by line, so an
    # error can name the line; then let the parser read the block.
    expected_id, lines = 1, []
    for offset, raw in enumerate(block):
        if raw.startswith("#"):
            continue
        where = f"{path}:{first_line + offset}"
        columns = raw.split("\t")
        if len(columns) != 10:
            raise PosattnError(f"{where}: expected 10 tab-separated columns, found {len(columns)}")
        token_id = columns[0]
        if re.fullmatch(r"[1-9][0-9]*-[1-9][0-9]*|[0-9]+\.[1-9][0-9]*", token_id):
            continue  # a multiword range or an empty node
        if not token_id.isdigit():
            raise PosattnError(f"{where}: ID {token_id!r} is not a word number, range or decimal")
        if int(token_id) != expected_id:
            hint = " (a blank line must end each sentence)" if token_id == "1" else ""
            raise PosattnError(
                f"{where}: word ID {token_id} where {expected_id} was expected{hint}"
            )
        expected_id += 1
        lines.append(first_line + offset)
    try:
        tokens = conllu.parse_token_and_metadata("\n".join(block))
    except conllu.exceptions.ParseException as error:
        raise PosattnError(f"{path}:{first_line}: in this sentence, {error}") from None
    # Multiword ranges (3-4) and empty nodes (8.1) have tuple IDs; UPOS lives on the words.
    words = [token for token in tokens if isinstance(token["id"], int)]
    return {
        "words": [token["form"] for token in words],
        "upos": [token["upos"] for token in words],
        "xpos": [token["xpos"] or "_" for token in words],
        "heads": [token["head"] if isinstance(token["head"], int) else 0 for token in words],
        "lines": lines,
    }


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
        dataset = Dataset.from_dict(
            {k: [row[k] for row in rows] for k in ("words", "upos", "xpos", "heads")}
        )
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
class TreebankStats:
    sentences: int
    tokens: int
    tag_counts: Counter[str]
    ambiguous: list[tuple[str, Counter[str]]]
    """Forms seen with two or more tags, the most frequent first."""
    lengths: list[int]
    """Tokens per sentence."""


def reference_split(splits: Iterable[str]) -> str:
    """The split whose tags describe a treebank: train if there is one, else the first."""
    names = list(splits)
    return "train" if "train" in names else names[0]


def treebank_stats(words: list[list[str]], tags: list[list[str]], top: int = 20) -> TreebankStats:
    tag_counts: Counter[str] = Counter()
    tags_of_form: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence_words, sentence_tags in zip(words, tags, strict=True):
        tag_counts.update(sentence_tags)
        for word, tag in zip(sentence_words, sentence_tags, strict=True):
            tags_of_form[word.lower()][tag] += 1
    ambiguous = [(form, c) for form, c in tags_of_form.items() if len(c) > 1]
    # Rank by how many tokens the second-best tag accounts for: "that" (DET/PRON/SCONJ) ranks
    # above a form that is tagged otherwise once in ten thousand times.
    ambiguous.sort(key=lambda item: (-(item[1].total() - item[1].most_common(1)[0][1]), item[0]))
    return TreebankStats(
        sentences=len(words),
        tokens=sum(map(len, words)),
        tag_counts=tag_counts,
        ambiguous=ambiguous[:top],
        lengths=[len(sentence) for sentence in words],
    )
