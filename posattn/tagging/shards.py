"""Tagged files as output shards: one file per input file, in a machine format, each written
under a temporary name and renamed once complete, so a shard is whole or absent.

An interrupted run keeps every shard it finished, and the same command run again continues it:
the folder's manifest (`.posattn-shards.json`) records, for each finished shard, the input's and
the shard's SHA-256, the model, its precision and the format. A shard whose record still
matches is skipped, any other file in the way is refused (never overwritten), and temporary
files that a killed run left are removed. The shards of a continued run are those of a run
that never stopped.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posattn.data.download import sha256_of
from posattn.errors import PosattnError
from posattn.files import (
    atomic_write_json,
    atomic_writer,
    leftover_temporaries,
    read_json_object,
)

if TYPE_CHECKING:
    from posattn.tagging.parallel import RenderedChunk

SUFFIXES = {"tsv": ".tsv", "conllu": ".conllu", "json": ".jsonl"}
MANIFEST = ".posattn-shards.json"


@dataclass
class ShardSummary:
    shards: list[Path]
    sentences: int
    """Tagged by this run (not counting the shards an earlier run finished)."""
    tokens: int
    already_done: list[Path] = field(default_factory=list)
    """Shards finished by an earlier run of the same command, left as they were."""


@dataclass
class ShardPlan:
    """Where each input file's tags go, and which of them an earlier run already wrote."""

    output: Path
    targets: dict[Path, Path]
    """Input file -> its shard."""
    stamp: dict[str, str]
    """What else makes two shards of one input the same: the model, the precision it tagged
    in (bfloat16 can change a tag), the format."""
    done: list[Path] = field(default_factory=list)
    """Inputs whose shard an earlier run of the same command finished."""
    records: dict[str, Any] = field(default_factory=dict)
    """The manifest: shard name -> what it was made from."""

    @property
    def todo(self) -> list[Path]:
        return [path for path in self.targets if path not in self.done]

    def record(self, source: Path, shard_sha256: str) -> None:
        """Note a finished shard in the manifest (rewritten whole, atomically)."""
        self.records[self.targets[source].name] = {
            "input": str(source.resolve()),
            "input_sha256": sha256_of(source),
            "sha256": shard_sha256,
            **self.stamp,
        }
        atomic_write_json(self.output / MANIFEST, {"shards": self.records})

    def _finished_before(self, source: Path, target: Path) -> bool:
        record = self.records.get(target.name)
        return (
            isinstance(record, dict)
            and record.get("input") == str(source.resolve())
            and all(record.get(key) == value for key, value in self.stamp.items())
            and record.get("input_sha256") == sha256_of(source)
            and record.get("sha256") == sha256_of(target)
        )


def plan_shards(
    files: Sequence[Path], output: Path, output_format: str, model_sha256: str, precision: str
) -> ShardPlan:
    """`output/<name without suffix><format's suffix>` for each input. Two inputs with one name,
    or a file in the way that is not a finished shard of the same input, model, precision and
    format, are refused before any work; posattn's own temporary files left by a killed run are
    removed."""
    if output_format not in SUFFIXES:
        raise PosattnError(
            f"output_format={output_format}: shards are written as {', '.join(SUFFIXES)}"
        )
    if output.exists() and not output.is_dir():
        raise PosattnError(f"{output}: not a folder")
    stamp = {"model_sha256": model_sha256, "precision": precision, "output_format": output_format}
    plan = ShardPlan(output, {}, stamp)
    manifest = output / MANIFEST
    if manifest.is_file():
        plan.records = dict(read_json_object(manifest).get("shards") or {})
    seen: dict[Path, Path] = {}
    for path in files:
        target = output / (path.stem + SUFFIXES[output_format])
        if target in seen:
            raise PosattnError(f"{seen[target]} and {path} would both be tagged into {target}")
        seen[target] = path
        plan.targets[path] = target
        for leftover in leftover_temporaries(target):
            leftover.unlink()
        if not target.exists():
            continue
        if not plan._finished_before(path, target):
            raise PosattnError(
                f"{target}: already exists, and is not a finished shard of {path} with this "
                "model, precision and format (not overwritten; move it away)"
            )
        plan.done.append(path)
    return plan


def write_shards(pieces: Iterable[tuple[Path, RenderedChunk]], plan: ShardPlan) -> ShardSummary:
    """Write each file's rendered text (in input order, a file's pieces together) into its
    shard, recorded in the manifest; a file without sentences gets an empty shard."""
    sentences = tokens = 0
    written: set[Path] = set(plan.done)
    for path, group in itertools.groupby(pieces, key=lambda item: item[0]):
        digest = hashlib.sha256()
        with atomic_writer(plan.targets[path]) as out:
            for _, piece in group:
                data = piece.text.encode("utf-8")
                out.write(data)
                digest.update(data)
                sentences += piece.sentences
                tokens += piece.tokens
            # Recorded before the shard takes its name: a kill in between leaves a record
            # of a shard that is not there (tagged again), never a shard without its record.
            plan.record(path, digest.hexdigest())
        written.add(path)
    for path in plan.targets:
        if path not in written:  # an input without sentences: an empty shard
            with atomic_writer(plan.targets[path]):
                plan.record(path, hashlib.sha256().hexdigest())
    already = [plan.targets[path] for path in plan.done]
    return ShardSummary(list(plan.targets.values()), sentences, tokens, already)
