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
