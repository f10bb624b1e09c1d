r"""Raw text in: bytes decoded as UTF-8 (errors name the line), one sentence per non-empty line.

A line ends at every line break `str.splitlines` knows: `\n`, `\r`, `\r\n`, and also `\v`, `\f`,
the separators `\x1c`-`\x1e`, NEL `\x85`, and LINE and PARAGRAPH SEPARATOR (U+2028, U+2029).
Other control characters (NUL, tab, escape sequences, ...) are spaces. So no sentence, and no
token or `# text` made from one, holds a line break.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from posattn.errors import PosattnError

_CONTROLS_AS_SPACES = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)], " ")
"""Every control character (Unicode category Cc) -> a space."""


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
    # Split first: control characters that are line breaks (\v, \x85, ...) end a line like \n
    # does; the others are not words but separate them.
    lines = (line.translate(_CONTROLS_AS_SPACES).strip() for line in content.splitlines())
    return [line for line in lines if line]
