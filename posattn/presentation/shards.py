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
from posattn.presentation.formats import OutputFormat

if TYPE_CHECKING:
    from posattn.model.inference import TaggedSentence

SUFFIXES = {"tsv": ".tsv", "conllu": ".conllu", "json": ".jsonl"}


@dataclass
class ShardSummary:
    shards: list[Path]
    sentences: int
    tokens: int


def shard_paths(files: Sequence[Path], output: Path, output_format: OutputFormat) -> list[Path]:
    """Where each input file's tags go: `output/<name without suffix><format's suffix>`. Two
    inputs with one name, or a shard that already exists, are refused before any work."""
    if output_format.name not in SUFFIXES:
        raise PosattnError(
            f"--format {output_format.name} is for the terminal; shards are written as "
            f"{', '.join(SUFFIXES)}"
        )
    if output.exists() and not output.is_dir():
        raise PosattnError(f"{output}: not a folder")
    targets = [output / (path.stem + SUFFIXES[output_format.name]) for path in files]
    seen: dict[Path, Path] = {}
    for path, target in zip(files, targets, strict=True):
        if target in seen:
            raise PosattnError(f"{seen[target]} and {path} would both be tagged into {target}")
        seen[target] = path
        if target.exists():
            raise PosattnError(f"{target}: already exists (not overwritten; move it away)")
    return targets


def write_shards(
    tagged: Iterable[tuple[Path, TaggedSentence]],
    files: Sequence[Path],
    targets: Sequence[Path],
    output_format: OutputFormat,
) -> ShardSummary:
    """Write each file's tagged sentences (in input order, a file's sentences together) into
    its shard; a file without sentences gets an empty shard."""
    target_of = dict(zip(files, targets, strict=True))
    sentences = tokens = 0
    written: list[Path] = []
    for path, group in itertools.groupby(tagged, key=lambda item: item[0]):
        with atomic_writer(target_of[path]) as out:
            for number, (_, sentence) in enumerate(group, start=1):
                text = output_format.write(sentence, number)
                assert isinstance(text, str)  # shard formats are machine formats
                out.write(text.encode("utf-8"))
                sentences += 1
                tokens += len(sentence)
        written.append(target_of[path])
    for target in targets:
        if target not in written:
            with atomic_writer(target):
                written.append(target)
    return ShardSummary([t for t in targets if t in written], sentences, tokens)
