"""A run folder: everything one training run writes, each file named here and nowhere else.

model.safetensors       the best model so far: weights, config, vocabularies, metrics
model.json              a readable copy of the model file's header
config.json             the resolved config the run trains with
run.json                provenance: command, package versions, data checksums, git commit
metrics.jsonl           one JSON line per epoch (train loss, dev accuracy, ...)
train_result.json       how the run ended
curves.png              training curves
checkpoint.safetensors  while training: the state to resume from
benchmark.json          what `scripts/benchmark.py` measured on the model
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posattn.errors import PosattnError
from posattn.files import atomic_write_text

RUNS_ROOT = Path("runs")
"""Where `posattn train` puts run folders unless told otherwise."""


@dataclass(frozen=True)
class RunFolder:
    path: Path

    @property
    def model(self) -> Path:
        return self.path / "model.safetensors"

    @property
    def config(self) -> Path:
        return self.path / "config.json"

    @property
    def provenance(self) -> Path:
        return self.path / "run.json"

    @property
    def metrics(self) -> Path:
        return self.path / "metrics.jsonl"

    @property
    def result(self) -> Path:
        return self.path / "train_result.json"

    @property
    def curves(self) -> Path:
        return self.path / "curves.png"

    @property
    def checkpoint(self) -> Path:
        return self.path / "checkpoint.safetensors"

    @property
    def benchmark(self) -> Path:
        return self.path / "benchmark.json"

    def read_metrics(self) -> list[dict[str, Any]]:
        """The epochs logged so far, in order."""
        try:
            lines = self.metrics.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise PosattnError(f"{self.metrics}: cannot read ({error.strerror})") from None
        epochs = []
        for number, line in enumerate(lines, start=1):
            try:
                epochs.append(json.loads(line))
            except ValueError:
                raise PosattnError(f"{self.metrics}:{number}: not a JSON line") from None
        return epochs

    def append_metrics(self, record: dict[str, Any]) -> None:
        with self.metrics.open("a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")

    def keep_metrics_before(self, epoch: int) -> None:
        """A run killed after logging an epoch but before its checkpoint logs that epoch again;
        one killed in the middle of appending a line leaves half a line, dropped here too."""
        path = self.metrics
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        kept = []
        for line in lines:
            try:
                logged = json.loads(line)
            except ValueError:
                continue
            if logged["epoch"] < epoch:
                kept.append(line + "\n")
        atomic_write_text(path, "".join(kept))

    def remove_stale_temporaries(self) -> None:
        """Temporary files of an atomic write that a killed process left behind."""
        for leftover in self.path.glob(".*.tmp"):
            leftover.unlink()


def latest_model(root: Path = RUNS_ROOT) -> Path:
    """The run folder under `root` whose model was written last."""
    trained = sorted(
        (RunFolder(folder) for folder in root.glob("*") if RunFolder(folder).model.is_file()),
        key=lambda run: run.model.stat().st_mtime,
    )
    if not trained:
        raise PosattnError(
            f"no trained model under {root}/: train one with `posattn train`, or pass --model DIR"
        )
    return trained[-1].path
