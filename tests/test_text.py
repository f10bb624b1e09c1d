"""Raw text in: a stream read a line at a time gives the same sentences as the whole text."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posattn.data.text import sentence_lines, stream_sentences
from posattn.errors import PosattnError

# Line breaks of every kind, control characters and a byte-order mark are what differs between
# reading a line at a time and reading the whole.
PIECES = st.sampled_from(
    ["I saw a saw", " ", "\n", "\r\n", "\r", "\x00", "\x1b[1m", "\u2028", "\x85", "é", "🙂"]
)


@given(st.lists(PIECES, max_size=30), st.booleans())
def test_streamed_sentences_are_those_of_the_whole_text(pieces: list[str], bom: bool) -> None:
    raw = ("\ufeff" if bom else "").encode() + "".join(pieces).encode()
    streamed = list(stream_sentences(io.BytesIO(raw), "x.txt"))
    assert streamed == sentence_lines(raw.decode("utf-8-sig"))


def test_a_line_that_is_not_utf8_is_named() -> None:
    stream = io.BytesIO(b"I saw a saw\nfine\n\xff\xfe here\n")
    sentences = stream_sentences(stream, "x.txt")
    assert next(sentences) == "I saw a saw"
    with pytest.raises(PosattnError, match=r"^x\.txt:3: not UTF-8 text"):
        list(sentences)
