"""Raw text in: bytes decoded as UTF-8 (errors name the line), one sentence per non-empty line."""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from posattn.errors import PosattnError


def stream_sentences(stream: BinaryIO, name: str) -> Iterator[str]:
    """The sentences of a byte stream, read a line at a time so that memory stays flat however
    long the input is; the same sentences as `sentence_lines` of the whole, decoded text."""
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise PosattnError(f"{name}:{number}: not UTF-8 text (a binary file?)") from None
        yield from sentence_lines(line)


def sentence_lines(content: str) -> list[str]:
    """The non-empty lines of `content`, stripped: one sentence each."""
    # Control characters (NUL, escape sequences, ...) are not words: they separate them.
    content = "".join(
        " " if unicodedata.category(c) == "Cc" and c not in "\n\r" else c for c in content
    )
    return [line.strip() for line in content.splitlines() if line.strip()]
