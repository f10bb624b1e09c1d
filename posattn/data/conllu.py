"""Reading CoNLL-U with the `conllu` parser, with errors that name the file and line.

Each sentence becomes a row: `words`, `upos`, `xpos`, `heads` (each word's syntactic head,
1-based, 0 for the root), `lines` (the file line of each word), and the surface the words were
written as: `text` (the `# text` comment), `token_forms`, `token_words` and `token_space` (each
token's form, its syntactic words, and whether a space follows it: `SpaceAfter=No` in MISC).
UPOS is annotated on the syntactic words, so `words` skips multiword-token ranges (`3-4 don't`)
and empty nodes (`8.1`), which the tokens keep.

Refused, each with the file and line: a line without 10 columns, an empty FORM (`_` is a form, an
underscore), word IDs out of order, a multiword range not followed by exactly its words (`2-3`
then words 2 and 3), and a word whose UPOS is `_` (not annotated: nothing to learn or score).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from posattn.errors import PosattnError


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
    open_range: tuple[str, int, str] | None = None  # a multiword token whose words are due
    for offset, raw in enumerate(block):
        if raw.startswith("#"):
            continue
        where = f"{path}:{first_line + offset}"
        columns = raw.split("\t")
        if len(columns) != 10:
            raise PosattnError(f"{where}: expected 10 tab-separated columns, found {len(columns)}")
        token_id = columns[0]
        if not columns[1].strip():
            raise PosattnError(f"{where}: empty FORM (an underscore word is written `_`)")
        if re.fullmatch(r"[0-9]+\.[1-9][0-9]*", token_id):
            continue  # an empty node
        if re.fullmatch(r"[1-9][0-9]*-[1-9][0-9]*", token_id):
            if open_range is not None:
                reason = f"line {first_line + offset} starts another after word {expected_id - 1}"
                _unfinished(open_range, reason)
            first, last = map(int, token_id.split("-"))
            if last <= first:
                raise PosattnError(f"{where}: multiword token {token_id} covers fewer than 2 words")
            if first != expected_id:
                raise PosattnError(
                    f"{where}: multiword token {token_id} where word {expected_id} was expected"
                )
            open_range = (token_id, last, where)
            continue
        if not token_id.isdigit():
            raise PosattnError(f"{where}: ID {token_id!r} is not a word number, range or decimal")
        if int(token_id) != expected_id:
            hint = " (a blank line must end each sentence)" if token_id == "1" else ""
            raise PosattnError(
                f"{where}: word ID {token_id} where {expected_id} was expected{hint}"
            )
        if columns[3].strip() in ("", "_"):
            upos = "`_`" if columns[3].strip() else "empty"
            raise PosattnError(f"{where}: UPOS {upos}: word {token_id} is not annotated")
        if open_range is not None and open_range[1] == expected_id:
            open_range = None
        expected_id += 1
        lines.append(first_line + offset)
    if open_range is not None:
        _unfinished(open_range, f"the sentence ends at word {expected_id - 1}")
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
        "feats": [_feats(token["feats"]) for token in words],
        "heads": [token["head"] if isinstance(token["head"], int) else 0 for token in words],
        "lines": lines,
        **_surface(tokens, [token["form"] for token in words]),
    }


def _unfinished(open_range: tuple[str, int, str], reason: str) -> NoReturn:
    """Refuse a multiword token whose words stop short of its range."""
    token_id, last, where = open_range
    first = token_id.split("-")[0]
    raise PosattnError(
        f"{where}: multiword token {token_id} must be followed by words {first} to {last}, "
        f"but {reason}"
    )


def _feats(feats: dict[str, str] | None) -> str:
    """A word's FEATS as the file writes them (`Number=Sing|Person=3`), `_` for none."""
    return "|".join(f"{name}={value}" for name, value in feats.items()) if feats else "_"


def _surface(tokens: Any, words: list[str]) -> dict[str, Any]:
    forms, token_words, spaces = [], [], []
    covered = 0  # word numbers up to here belong to a multiword token already listed
    for token in tokens:
        token_id, misc = token["id"], token["misc"] or {}
        if isinstance(token_id, tuple) and token_id[1] == "-":
            first, covered = token_id[0], token_id[2]
        elif isinstance(token_id, int) and token_id > covered:
            first = covered = token_id
        else:
            continue
        forms.append(token["form"])
        token_words.append(words[first - 1 : covered])
        spaces.append(misc.get("SpaceAfter") != "No")
    text = tokens.metadata.get("text") or " ".join(words)
    return {"text": text, "token_forms": forms, "token_words": token_words, "token_space": spaces}
