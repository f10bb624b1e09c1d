"""A rule-based English tokenizer that splits raw text the way UD English EWT does.

EWT separates punctuation and clitics into their own syntactic words ("don't" -> do + n't,
"John's" -> John + 's, "cannot" -> can + not) and keeps URLs, e-mail addresses, numbers and
common abbreviations whole. A tagger trained on EWT tags best what is split like EWT.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = (
    "Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|etc|e\\.g|i\\.e|Inc|Ltd|Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul"
    "|Aug|Sep|Sept|Oct|Nov|Dec|No|approx|dept|est|min|max"
)
_TOKEN = re.compile(
    rf"""
      (?:https?://|www\.)[^\s<>"]+[^\s<>".,;:!?)\]'] # URLs, without a final full stop
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                  # e-mail addresses
    | (?:[A-Za-z]\.){{2,}}                           # initialisms: U.S., a.m.
    | (?:{_ABBREVIATIONS})\.(?=\s|$)                 # Mr. Dr. etc.
    | \d+(?:[.,:/]\d+)*                          # 3.5  1,000  10:30
    | \w+(?:[-'’]\w+)*                              # words, hyphenated words, don't
    | \.{{2,}}|-{{2,}}|[^\w\s]                        # ... -- and any single symbol
    """,
    re.VERBOSE,
)
_CLITIC = re.compile(r"^(.+?)(n['’]t|['’](?:s|re|ve|ll|d|m))$", re.IGNORECASE)
_SPLIT_WORDS = {"cannot": ("can", "not"), "gonna": ("gon", "na"), "wanna": ("wan", "na")}


def tokenize(text: str) -> list[str]:
    """Split one sentence of raw text into tokens."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.lower() in _SPLIT_WORDS:
            first, _ = _SPLIT_WORDS[token.lower()]
            tokens += [token[: len(first)], token[len(first) :]]
            continue
        clitic = _CLITIC.match(token)
        if clitic and not token[0].isdigit():
            tokens += [clitic.group(1), clitic.group(2)]
        else:
            tokens.append(token)
    return tokens
