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


def to_tsv(sentence: TaggedSentence, number: int) -> str:
    """One `form<TAB>tag` line per token (then XPOS and FEATS, if the model predicts them), a
    blank line after each sentence."""
    return "".join("\t".join([t.form, t.upos, *_others(t)]) + "\n" for t in sentence) + "\n"


def to_conllu(sentence: TaggedSentence, number: int) -> str:
    """UD's format: a multiword token as a range line (`3-4 don't`) before its words, and
    `SpaceAfter=No` where no space follows a token, so `# text` can be rebuilt from them."""
    lines = [f"# sent_id = {number}", f"# text = {' '.join(sentence.text.split())}"]
    words = iter(enumerate(sentence, start=1))
    for token in sentence.surface:
        misc = "_" if token.space_after else "SpaceAfter=No"
        parts = [next(words) for _ in token.words]
        first, last = parts[0][0], parts[-1][0]
        if len(parts) > 1:
            lines.append(f"{first}-{last}\t{token.form}\t_\t_\t_\t_\t_\t_\t_\t{misc}")
        for index, word in parts:
            word_misc = misc if len(parts) == 1 else "_"
            xpos, feats = word.xpos or "_", word.feats or "_"
            lines.append(
                f"{index}\t{word.form}\t_\t{word.upos}\t{xpos}\t{feats}\t_\t_\t_\t{word_misc}"
            )
    return "\n".join(lines) + "\n\n"


def to_json(sentence: TaggedSentence, number: int) -> str:
    record: dict[str, list[Any]] = {
        "tokens": sentence.forms,
        "tags": sentence.tags,
        "probabilities": [round(t.probability, 4) for t in sentence],
    }
    for name in ("xpos", "feats"):
        labels = [getattr(t, name) for t in sentence]
        if labels and all(label is not None for label in labels):
            record[name] = labels
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
