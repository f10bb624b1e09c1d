"""What can be tagged, checked: raw text (each string's non-empty lines, a sentence each) or
lists of tokens. A token that would break the CoNLL-U or TSV written from it is refused here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from posattn.data.text import sentence_lines
from posattn.errors import PosattnError

Sentence = str | Sequence[str]
"""Raw text (tokenised like the model's treebank) or a list of tokens."""


def is_bytes(value: object) -> bool:
    return isinstance(value, bytes | bytearray | memoryview)


def one_sentence_each(
    items: Iterable[str] | Iterable[Sequence[str]],
) -> Iterator[str | list[str]]:
    """Raw text split into its non-empty lines (one sentence each); token lists as they are.
    An empty token list, a token with nothing to read, or a tab or line break inside a token
    (which would break the CoNLL-U and TSV written from it) is an error naming it."""
    for number, item in enumerate(items, start=1):
        if isinstance(item, str):
            yield from sentence_lines(item)
            continue
        if is_bytes(item) or not isinstance(item, Iterable):
            raise PosattnError(
                f"sentence {number} is {type(item).__name__}: give text (str) or a list of tokens"
            )
        tokens = list(item)
        if not tokens:
            raise PosattnError(f"sentence {number} has no tokens")
        # One search over the whole sentence finds any suspect token; only then is each token
        # looked at (a per-token loop here cost a tenth of tagging).
        if not all(isinstance(token, str) for token in tokens) or _SUSPECT.search(
            _SEPARATOR.join(tokens)
        ):
            _check_tokens(number, tokens)
        yield tokens


_SEPARATOR = "\x1f"
_SUSPECT = re.compile(r"(?:^|\x1f)\s*(?:\x1f|$)|[\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
"""In tokens joined by _SEPARATOR: an empty or blank token, or a tab or line break."""


def _check_tokens(number: int, tokens: list[Any]) -> None:
    for index, token in enumerate(tokens, start=1):
        if not isinstance(token, str):
            raise PosattnError(
                f"sentence {number}: token {index} is {type(token).__name__}, not text (str)"
            )
        if not token.strip():
            raise PosattnError(f"sentence {number}: token {index} is empty or only spaces")
        if "\t" in token or token.splitlines() != [token]:  # \n, \x85, U+2028, ...
            raise PosattnError(f"sentence {number}: token {index} holds a tab or line break")
