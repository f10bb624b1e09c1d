"""Tagged sentences as output: tab-separated, CoNLL-U, JSON lines, or a rich table for people.

`FORMATS` is the one registry of writers; the command line's `--format` choices are its keys.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.table import Table

from posattn.errors import PosattnError

if TYPE_CHECKING:
    from posattn.model.inference import TaggedSentence, Token


def _others(token: Token) -> list[str]:
    """The token's labels of the other targets its model predicts: XPOS, then FEATS."""
    return [label for label in (token.xpos, token.feats) if label is not None]


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


def to_table(sentence: TaggedSentence, number: int) -> Table:
    table = Table()
    table.add_column("#", justify="right", style="dim")
    table.add_column("token")
    table.add_column("tag", style="bold")
    table.add_column("probability", justify="right")
    first = sentence[0] if len(sentence) else None
    if first is not None and first.xpos is not None:
        table.add_column("xpos")
    if first is not None and first.feats is not None:
        table.add_column("features")
    for index, token in enumerate(sentence, start=1):
        table.add_row(
            str(index), token.form, token.upos, f"{token.probability:.3f}", *_others(token)
        )
    return table


@dataclass(frozen=True)
class OutputFormat:
    name: str
    write: Callable[[TaggedSentence, int], str | Table]
    """Renders sentence `number` (1-based): text for machines, a rich Table for people."""
    for_machines: bool
    """Its output is data (to be parsed), so nothing else may be mixed into stdout."""


FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("table", to_table, for_machines=False),
        OutputFormat("tsv", to_tsv, for_machines=True),
        OutputFormat("conllu", to_conllu, for_machines=True),
        OutputFormat("json", to_json, for_machines=True),
    )
}


def machine_format(name: str) -> Callable[[TaggedSentence, int], str]:
    """The writer of a machine format by name (`tsv`, `conllu`, `json`)."""
    chosen = FORMATS.get(name)
    if chosen is None or not chosen.for_machines:
        machine = [f.name for f in FORMATS.values() if f.for_machines]
        raise PosattnError(f"{name!r} is not a machine format (those are: {', '.join(machine)})")
    return cast(Callable[["TaggedSentence", int], str], chosen.write)
