"""Raw text in: bytes decoded as UTF-8 (errors name the line), one sentence per non-empty line."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from posattn.errors import PosattnError


def decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); `name` says where it came from in errors."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PosattnError(f"{name}:{line}: not UTF-8 text (a binary file?)") from None


def read_text_file(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PosattnError(f"{path}: cannot read ({error.strerror})") from None
    return decode(raw, str(path))


def sentence_lines(content: str) -> list[str]:
    """The non-empty lines of `content`, stripped: one sentence each."""
    # Control characters (NUL, escape sequences, ...) are not words: they separate them.
    content = "".join(
        " " if unicodedata.category(c) == "Cc" and c not in "\n\r" else c for c in content
    )
    return [line.strip() for line in content.splitlines() if line.strip()]
