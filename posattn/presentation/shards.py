"""Tagged files as output shards: one file per input file, in a machine format, each written
under a temporary name and renamed once complete, so a shard is whole or absent, and an
interrupted run keeps every shard it finished."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from posattn.errors import PosattnError
from posattn.files import atomic_writer

if TYPE_CHECKING:
    from posattn.corpus import RenderedChunk

SUFFIXES = {"tsv": ".tsv", "conllu": ".conllu", "json": ".jsonl"}


@dataclass
class ShardSummary:
    shards: list[Path]
    sentences: int
    tokens: int


def shard_paths(files: Sequence[Path], output: Path, output_format: str) -> list[Path]:
    """Where each input file's tags go: `output/<name without suffix><format's suffix>`. Two
    inputs with one name, or a shard that already exists, are refused before any work."""
    if output_format not in SUFFIXES:
        raise PosattnError(f"--format {output_format}: shards are written as {', '.join(SUFFIXES)}")
    if output.exists() and not output.is_dir():
        raise PosattnError(f"{output}: not a folder")
    targets = [output / (path.stem + SUFFIXES[output_format]) for path in files]
    seen: dict[Path, Path] = {}
    for path, target in zip(files, targets, strict=True):
        if target in seen:
            raise PosattnError(f"{seen[target]} and {path} would both be tagged into {target}")
        seen[target] = path
        if target.exists():
            raise PosattnError(f"{target}: already exists (not overwritten; move it away)")
    return targets


def write_shards(
    pieces: Iterable[tuple[Path, RenderedChunk]], files: Sequence[Path], targets: Sequence[Path]
) -> ShardSummary:
    """Write each file's rendered text (in input order, a file's pieces together) into its
    shard; a file without sentences gets an empty shard."""
    target_of = dict(zip(files, targets, strict=True))
    sentences = tokens = 0
    written: set[Path] = set()
    for path, group in itertools.groupby(pieces, key=lambda item: item[0]):
        with atomic_writer(target_of[path]) as out:
            for _, piece in group:
                out.write(piece.text.encode("utf-8"))
                sentences += piece.sentences
                tokens += piece.tokens
        written.add(target_of[path])
    for target in targets:
        if target not in written:  # an input without sentences: an empty shard
            with atomic_writer(target):
                pass
    return ShardSummary(list(targets), sentences, tokens)
