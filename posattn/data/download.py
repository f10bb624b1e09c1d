"""Treebanks posattn can fetch: pinned releases, verified by SHA-256, kept in the user's cache."""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from posattn.errors import PosattnError
from posattn.files import atomic_write_text

UD_RELEASE = "r2.16"
"""The Universal Dependencies release posattn downloads from (May 2025)."""


UD_GITHUB = "https://raw.githubusercontent.com/UniversalDependencies/"


@dataclass(frozen=True)
class Release:
    """A treebank posattn knows how to download, pinned to one release."""

    name: str
    url: str
    """Where each file is, with `{file}` for its name."""
    sha256: dict[str, str | None]
    """Each file's SHA-256, or None where posattn does not know it: then the first download
    records it (SHA256SUMS in the cache folder) and later downloads are checked against that."""
    language: str = "English"
    repository: str = ""
    """The UD repository (`UD_German-GSD`), for treebanks of the UD release."""

    @property
    def pinned(self) -> bool:
        return all(self.sha256.values())

    @property
    def folder(self) -> Path:
        """Where its files are kept: the cache's `treebanks/NAME`."""
        return cache_root() / "treebanks" / self.name

    def in_cache(self) -> bool:
        return all((self.folder / file).is_file() for file in self.sha256)


def ud_release(name: str, language: str, repository: str, **sha256: str) -> Release:
    """A treebank of the UD release by its UD name (`de_gsd`) and repository (`UD_German-GSD`)."""
    return Release(
        name=name,
        url=f"{UD_GITHUB}{repository}/{UD_RELEASE}/{{file}}",
        sha256={
            f"{name}-ud-{split}.conllu": sha256.get(split) for split in ("train", "dev", "test")
        },
        language=language,
        repository=repository,
    )


RELEASES = {
    release.name: release
    for release in [
        ud_release(
            "en_ewt",
            "English",
            "UD_English-EWT",
            train="3fb78e2b55482c8ee00caa653af436c88c9e5bc9a73ce26e4ae3ddc79d2b7e7b",
            dev="531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6",
            test="e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd",
        ),
        # Treebanks with one file per split, in languages written with spaces between words
        # (the raw-text tokenizer splits at spaces and punctuation). Checksums not yet pinned.
        ud_release("en_gum", "English", "UD_English-GUM"),
        ud_release("en_lines", "English", "UD_English-LinES"),
        ud_release("de_gsd", "German", "UD_German-GSD"),
        ud_release("fr_gsd", "French", "UD_French-GSD"),
        ud_release("es_ancora", "Spanish", "UD_Spanish-AnCora"),
        ud_release("it_isdt", "Italian", "UD_Italian-ISDT"),
        ud_release("pt_bosque", "Portuguese", "UD_Portuguese-Bosque"),
        ud_release("nl_alpino", "Dutch", "UD_Dutch-Alpino"),
        ud_release("nl_lassysmall", "Dutch", "UD_Dutch-LassySmall"),
        ud_release("sv_talbanken", "Swedish", "UD_Swedish-Talbanken"),
        ud_release("fi_tdt", "Finnish", "UD_Finnish-TDT"),
        ud_release("ru_gsd", "Russian", "UD_Russian-GSD"),
        ud_release("tr_imst", "Turkish", "UD_Turkish-IMST"),
    ]
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
        "data_dir=DIR or set POSATTN_DATA_DIR=DIR"
    )


@dataclass(frozen=True)
class KnownTreebank:
    name: str
    language: str
    source: str
    """Where the files come from: the UD repository, or the URL."""
    pinned: bool
    """Whether posattn ships the files' checksums (else the first download records them)."""
    downloaded: Path | None
    """The cache folder, if the files are there."""


def known_treebanks() -> list[KnownTreebank]:
    """The treebanks `download` can fetch, and which are in the cache already."""
    known = []
    for release in RELEASES.values():
        known.append(
            KnownTreebank(
                name=release.name,
                language=release.language,
                source=release.repository or release.url,
                pinned=release.pinned,
                downloaded=release.folder if release.in_cache() else None,
            )
        )
    return known


RECORDED_SUMS = "SHA256SUMS"
"""In a download's cache folder: the checksums of a release posattn has not pinned, as its first
download found them (the format of `sha256sum`)."""


def _recorded(folder: Path) -> dict[str, str]:
    path = folder / RECORDED_SUMS
    if not path.is_file():
        return {}
    sums = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split(maxsplit=1)
        if not fields:
            continue
        if len(fields) != 2 or len(fields[0]) != 64:
            raise PosattnError(
                f"{path}:{number}: not a '<sha256>  <file>' line (delete the file to record "
                "the checksums again at the next download)"
            )
        sums[fields[1].strip().lstrip("*")] = fields[0]
    return sums


def _record(folder: Path, sums: dict[str, str]) -> None:
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    atomic_write_text(folder / RECORDED_SUMS, text)


def release_of(treebank: str) -> Release:
    release = RELEASES.get(treebank)
    if release is None:
        raise PosattnError(
            f"unknown treebank {treebank!r} (`posattn data list` shows the known ones); "
            "for any other treebank pass data_dir=DIR"
        )
    return release


def download(treebank: str = "en_ewt", timeout: float = 60.0) -> Path:
    """Fetch a known release into the cache, verify its checksums, return the folder. A release
    without pinned checksums is checked against those its first download recorded."""
    release = release_of(treebank)
    folder = release.folder
    folder.mkdir(parents=True, exist_ok=True)
    recorded = _recorded(folder)
    found: dict[str, str] = {}
    for file, pinned in release.sha256.items():
        expected = pinned or recorded.get(file)
        target = folder / file
        if target.is_file() and expected is not None and sha256_of(target) == expected:
            found[file] = expected
            continue
        url = release.url.format(file=file)
        try:
            found[file] = _fetch(url, target, expected, treebank, timeout)
        except ChecksumMismatch as error:
            where = (
                "" if pinned else f", as {folder / RECORDED_SUMS} recorded it at the first download"
            )
            raise PosattnError(f"{error}{where}") from None
    if not release.pinned and found != recorded:
        _record(folder, found)
    return folder


class ChecksumMismatch(PosattnError):
    """A downloaded file is not the one its checksum says."""


def _fetch(url: str, target: Path, expected: str | None, treebank: str, timeout: float) -> str:
    """Download one file to `target` (atomically), check it, and return its SHA-256."""
    handle, tmp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as r:
            shutil.copyfileobj(r, out)
            if r.length:  # bytes the server announced but never sent
                raise http.client.IncompleteRead(b"", r.length)
            out.flush()
            os.fsync(out.fileno())
        actual = sha256_of(tmp)
        if expected is not None and actual != expected:
            raise ChecksumMismatch(
                f"{url}: checksum mismatch (expected {expected[:12]}…, got {actual[:12]}…)"
            )
        os.replace(tmp, target)
        return actual
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
