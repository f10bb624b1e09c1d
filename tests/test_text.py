"""Raw text in: a stream read a line at a time gives the same sentences as the whole text, and
every line break that `str.splitlines` knows ends a sentence."""

from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posattn.data.text import sentence_lines, stream_sentences
from posattn.data.tokenizer import TokenizerLexicon, TokenizerRules, tokenize_text
from posattn.errors import PosattnError

LINE_BREAKS = [
    "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029",
]  # fmt: skip
# Line breaks of every kind, control characters and a byte-order mark are what differs between
# reading a line at a time and reading the whole.
PIECES = st.sampled_from(
    ["I saw a saw", " ", "\x00", "\x1b[1m", "\t", "\x1f", "\x7f", "é", "🙂", "a\u200bb",
     *LINE_BREAKS]
)  # fmt: skip


@given(st.lists(PIECES, max_size=30), st.booleans())
def test_streamed_sentences_are_those_of_the_whole_text(pieces: list[str], bom: bool) -> None:
    raw = ("\ufeff" if bom else "").encode() + "".join(pieces).encode()
    streamed = list(stream_sentences(io.BytesIO(raw), "x.txt"))
    assert streamed == sentence_lines(raw.decode("utf-8-sig"))


@pytest.mark.parametrize("line_break", LINE_BREAKS)
def test_every_line_break_ends_a_sentence(line_break: str) -> None:
    text = f"I saw a saw{line_break}a saw saw me\n"
    expected = ["I saw a saw", "a saw saw me"]
    assert sentence_lines(text) == expected
    assert list(stream_sentences(io.BytesIO(text.encode()), "x.txt")) == expected


def test_other_control_characters_are_spaces() -> None:
    assert sentence_lines("I\x00saw\ta\x1fsaw\x1b[1m\x7f") == ["I saw a saw [1m"]


@given(st.lists(PIECES, max_size=30), st.sampled_from(["english", "neutral"]))
def test_no_sentence_or_token_holds_a_line_break(pieces: list[str], rules: TokenizerRules) -> None:
    """Neither a sentence nor a token of it, which become `# text` and FORM, nor a token of the
    raw text tokenised whole."""
    text = "".join(pieces)
    lexicon = TokenizerLexicon(rules=rules)
    for sentence in sentence_lines(text):
        assert len(f"x{sentence}x".splitlines()) == 1
        assert not any(unicodedata.category(c) == "Cc" for c in sentence)
        for token in tokenize_text(sentence, lexicon):
            assert len(f"x{token.form}x".splitlines()) == 1
    assert all(len(f"x{t.form}x".splitlines()) == 1 for t in tokenize_text(text, lexicon))


def test_a_line_that_is_not_utf8_is_named() -> None:
    stream = io.BytesIO(b"I saw a saw\nfine\n\xff\xfe here\n")
    sentences = stream_sentences(stream, "x.txt")
    assert next(sentences) == "I saw a saw"
    with pytest.raises(PosattnError, match=r"^x\.txt:3: not UTF-8 text"):
        list(sentences)
