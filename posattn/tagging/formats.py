"""Tagged sentences as text for machines: tab-separated, CoNLL-U, JSON lines.

`MACHINE_FORMATS` is the one registry of these writers (the terminal's table for people is in
`presentation.tagged`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from posattn.errors import PosattnError
from posattn.tagging.document import TaggedSentence


def _other_labels(sentence: TaggedSentence) -> list[list[str]]:
    """The labels of each other target the model predicts, XPOS then FEATS, a list each."""
    targets = sentence.prediction.targets
    return [targets[name] for name in ("xpos", "feats") if name in targets]


def to_tsv(sentence: TaggedSentence, number: int) -> str:
    """One `form<TAB>tag` line per token (then XPOS and FEATS, if the model predicts them), a
    blank line after each sentence."""
    columns = zip(sentence.forms, sentence.tags, *_other_labels(sentence), strict=True)
    return "".join("\t".join(row) + "\n" for row in columns) + "\n"


def to_conllu(sentence: TaggedSentence, number: int) -> str:
    """UD's format: a multiword token as a range line (`3-4 don't`) before its words, and
    `SpaceAfter=No` where no space follows a token, so `# text` can be rebuilt from them."""
    lines = [f"# sent_id = {number}", f"# text = {' '.join(sentence.text.split())}"]
    targets = sentence.prediction.targets
    no_labels = ["_"] * len(sentence)
    xpos, feats = targets.get("xpos", no_labels), targets.get("feats", no_labels)
    word = 0  # the 0-based index of the next word
    for token in sentence.surface:
        misc = "_" if token.space_after else "SpaceAfter=No"
        if len(token.words) > 1:
            lines.append(
                f"{word + 1}-{word + len(token.words)}\t{token.form}\t_\t_\t_\t_\t_\t_\t_\t{misc}"
            )
        word_misc = misc if len(token.words) == 1 else "_"
        for at in range(word, word + len(token.words)):
            lines.append(
                f"{at + 1}\t{sentence.forms[at]}\t_\t{sentence.tags[at]}\t{xpos[at]}\t{feats[at]}"
                f"\t_\t_\t_\t{word_misc}"
            )
        word += len(token.words)
    return "\n".join(lines) + "\n\n"


def to_json(sentence: TaggedSentence, number: int) -> str:
    prediction = sentence.prediction
    record: dict[str, list[Any]] = {
        "tokens": sentence.forms,
        "tags": sentence.tags,
        "probabilities": [round(p, 4) for p in prediction.probabilities],
    }
    for name in ("xpos", "feats"):
        if name in prediction.targets and sentence.forms:
            record[name] = prediction.targets[name]
    return json.dumps(record, ensure_ascii=False) + "\n"


Writer = Callable[[TaggedSentence, int], str]
"""Renders sentence `number` (1-based) as text."""

MACHINE_FORMATS: dict[str, Writer] = {"tsv": to_tsv, "conllu": to_conllu, "json": to_json}


def machine_format(name: str) -> Writer:
    """The writer of a machine format by name (`tsv`, `conllu`, `json`)."""
    if name not in MACHINE_FORMATS:
        raise PosattnError(
            f"output_format={name!r}: the machine formats are {', '.join(MACHINE_FORMATS)}"
        )
    return MACHINE_FORMATS[name]
