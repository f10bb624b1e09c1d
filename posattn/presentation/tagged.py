"""Tagged sentences on the terminal: each in the chosen output format, and attention maps as
shaded tables (and, if asked, a picture)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from posattn.files import atomic_write_bytes
from posattn.presentation.formats import OutputFormat
from posattn.presentation.tables import print_attention

if TYPE_CHECKING:
    from posattn.model.inference import AttentionMap, TaggedSentence


def write_sentence(
    console: Console, sentence: TaggedSentence, number: int, output_format: OutputFormat
) -> None:
    rendered = output_format.write(sentence, number)
    if isinstance(rendered, str):
        sys.stdout.write(rendered)
    else:
        console.print(rendered)


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
