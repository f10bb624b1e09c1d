"""Tagged sentences on the terminal: a table for people, machine formats as they are, and
attention maps as shaded tables (and, if asked, a picture)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from posattn.files import atomic_write_bytes
from posattn.presentation.tables import print_attention
from posattn.tagging.document import AttentionMap, TaggedSentence, Token
from posattn.tagging.formats import MACHINE_FORMATS

TABLE = "table"
"""The format for people: a rich table per sentence."""

OUTPUT_FORMATS = (TABLE, *MACHINE_FORMATS)
"""What `posattn tag --format` offers."""


def _others(token: Token) -> list[str]:
    """The token's labels of the other targets its model predicts: XPOS, then FEATS."""
    return [label for label in (token.xpos, token.feats) if label is not None]


def to_table(sentence: TaggedSentence) -> Table:
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


def write_sentence(
    console: Console, sentence: TaggedSentence, number: int, output_format: str
) -> None:
    """A table on `console`, or a machine format on stdout."""
    if output_format == TABLE:
        console.print(to_table(sentence))
    else:
        sys.stdout.write(MACHINE_FORMATS[output_format](sentence, number))


def show_attention(
    console: Console,
    sentence: TaggedSentence,
    maps: list[list[AttentionMap]],
    plot: Path | None = None,
) -> None:
    for row in maps:
        for attention_map in row:
            print_attention(console, sentence.forms, sentence.tags, attention_map)
    if plot is not None:
        from posattn.presentation.plots import attention_grid

        atomic_write_bytes(plot, attention_grid(sentence.forms, sentence.tags, maps))
        console.print(f"attention maps drawn in [bold]{plot}[/]")
