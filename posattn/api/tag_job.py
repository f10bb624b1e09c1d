"""Everything `posattn tag` can be asked, as one object a Python user can make too: what to read
(text, a file, stdin or files into shards), how to write it, what to show. Its rules are checked
when it is made, before any model loads or any input is read.

    posattn.TagJob(input="corpus.txt", output_format="conllu").run(posattn.load())
    posattn.TagJob(text="I saw a saw", attention=True, layer=2).run(tagger)
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from rich.console import Console

from posattn.api.tagger import PosTagger
from posattn.data.text import sentence_lines, stream_sentences
from posattn.errors import PosattnError
from posattn.presentation.progress import TaggingProgress
from posattn.presentation.tagged import OUTPUT_FORMATS, TABLE, show_attention, write_sentence
from posattn.tagging.shards import ShardSummary

STDIN = "-"


@dataclass(frozen=True)
class TagJob:
    text: str | None = None
    """Raw text to tag (one sentence per line), or `-` to read stdin."""
    input: str | Path | None = None
    """A file to read (`-`: stdin); with `output`, files or glob patterns (`corpus/*.txt`)."""
    output: Path | None = None
    """A folder to tag the `input` files into, one shard each (see `PosTagger.tag_files`)."""
    output_format: str | None = None
    """`table` (for people), `tsv`, `conllu` or `json`; default table, conllu for shards."""
    pretokenized: bool = False
    """The text's tokens are separated by spaces already."""
    workers: int = 1
    engine: Literal["local", "ray"] = "local"
    """With `output`: tag in `workers` processes here, or on a Ray cluster."""
    attention: bool = False
    """Also show each sentence's attention maps (see `PosTagger.attention`)."""
    layer: int | None = None
    head: int | None = None
    average_heads: bool = False
    plot: Path | None = None
    """With `attention`: also draw the maps of the (one) sentence into this PNG."""

    def __post_init__(self) -> None:
        views = (self.layer, self.head, self.plot, self.average_heads or None)
        if not self.attention and any(option is not None for option in views):
            raise PosattnError(
                "layer=N, head=N, average_heads=True and plot=FILE need attention=True"
            )
        if self.engine not in ("local", "ray"):
            raise PosattnError(f"engine={self.engine}: choose local or ray")
        if self.output_format not in (None, *OUTPUT_FORMATS):
            raise PosattnError(
                f"output_format={self.output_format}: choose one of {', '.join(OUTPUT_FORMATS)}"
            )
        if self.writes_shards:
            if self.input is None or self.output is None or self.text is not None:
                raise PosattnError(
                    "output= and engine= tag files: give input=FILES and output=DIR, no text"
                )
            if self.attention or self.output_format == TABLE:
                raise PosattnError(
                    "output= writes shards as conllu, tsv or json: not output_format=table, "
                    "not attention=True"
                )
        elif (self.text is None) == (self.input is None):
            raise PosattnError('give either text or input=FILE (e.g. posattn tag "I saw a saw")')

    @property
    def writes_shards(self) -> bool:
        return self.output is not None or self.engine != "local"

    @property
    def format(self) -> str:
        return self.output_format or ("conllu" if self.writes_shards else TABLE)

    def run(
        self,
        tagger: PosTagger,
        console: Console | None = None,
        stderr: Console | None = None,
        progress: bool = False,
    ) -> ShardSummary | None:
        """Tag, and write: a machine format to stdout, tables to `console`, shards into
        `output` (their summary is returned). What is for people goes to `stderr` when stdout
        carries data; with `progress`, a progress display there while a file is read."""
        console = console or Console()
        stderr = stderr or Console(stderr=True)
        if self.writes_shards:
            assert self.input is not None and self.output is not None
            return tagger.tag_files(
                str(self.input),
                self.output,
                output_format=self.format,
                engine=self.engine,
                workers=self.workers,
            )
        with self._sentences() as (lines, stream):
            first = next(lines, None)
            if first is None:
                raise PosattnError("nothing to tag: the input is empty")
            if self.plot is not None and next(lines, None) is not None:
                raise PosattnError("plot= draws one sentence; the input has more")
            if self.attention:
                tagger.check_attention_view(self.layer, self.head)
            if not self.pretokenized and tagger.tokenizer == "neutral":
                stderr.print(
                    f"split into words by the language-neutral tokenizer, with what it learned "
                    f"from {tagger.treebank}'s tokens"
                )
            sentences = itertools.chain([first], lines)
            given = (line.split() for line in sentences) if self.pretokenized else sentences
            shown = stream if progress and stderr.is_terminal else None
            with _progress(stderr, shown) as advance:
                self._write(tagger, given, console, stderr, advance)
        return None

    def _write(
        self,
        tagger: PosTagger,
        given: Iterator[str] | Iterator[list[str]],
        console: Console,
        stderr: Console,
        advance: Callable[[int, int], None],
    ) -> None:
        if self.format != TABLE and not self.attention:
            # Written where it is tagged: with workers, in the workers.
            for piece in tagger.tag_to_text(given, self.format, workers=self.workers):
                sys.stdout.write(piece.text)
                advance(piece.sentences, piece.tokens)
            return
        # With a machine format on stdout, what is for people goes to stderr.
        people = console if self.format == TABLE else stderr
        for number, sentence in enumerate(tagger.tag_stream(given, workers=self.workers), 1):
            write_sentence(console, sentence, number, self.format)
            advance(1, len(sentence))
            if self.attention:
                maps = tagger.attention(sentence.forms, self.layer, self.head, self.average_heads)
                show_attention(people, sentence, maps, self.plot)

    @contextmanager
    def _sentences(self) -> Iterator[tuple[Iterator[str], BinaryIO | None]]:
        """The input's sentences, read as they are tagged (a file or stdin a line at a time),
        and the stream they are read from (None for text)."""
        if self.input is not None and str(self.input) != STDIN:
            with Path(self.input).open("rb") as stream:
                yield stream_sentences(stream, str(self.input)), stream
        elif self.text == STDIN or self.input is not None:
            if sys.stdin is None:  # started with stdin closed (`<&-`)
                raise PosattnError("stdin is closed: there is nothing to read")
            yield stream_sentences(sys.stdin.buffer, "stdin"), sys.stdin.buffer
        else:
            yield iter(sentence_lines(self.text or "")), None


@contextmanager
def _progress(console: Console, stream: BinaryIO | None) -> Iterator[Callable[[int, int], None]]:
    """`advance(sentences, tokens)` after each piece of output: a progress display on
    `console` while `stream` (the input) is read, nothing without one."""
    if stream is None:
        yield lambda sentences, tokens: None
        return
    size = os.fstat(stream.fileno()).st_size if stream.seekable() else None
    with TaggingProgress(console, size or None) as progress:
        yield lambda sentences, tokens: progress.advance(
            sentences, tokens, stream.tell() if size else None
        )
