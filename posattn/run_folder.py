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
    .lock                   while a process trains into the folder: its PID
    replaces                in a run started with --overwrite: the folder it will replace

A run folder belongs to the run that created it. Training refuses a folder that already holds
something unless told to `resume` it or to `overwrite` it; an overwrite trains beside the old
folder (`NAME.new`) and replaces it only once the new run has produced a model.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posattn.errors import PosattnError
from posattn.files import atomic_write_text, leftover_temporaries

METRICS_KEYS = ("epoch", "train_loss", "dev_accuracy", "lr")
"""What every line of metrics.jsonl holds (and what the training curves draw)."""

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

    @property
    def staging(self) -> RunFolder:
        """Where a run started with --overwrite trains until it replaces this folder."""
        return RunFolder(self.path.with_name(self.path.name + ".new"))

    @property
    def lock(self) -> Path:
        return self.path / ".lock"

    @property
    def replaces(self) -> Path:
        return self.path / "replaces"

    def owned_names(self) -> list[str]:
        """The files a run writes here (and only these are ever cleaned up by one)."""
        return [
            p.name
            for p in (
                self.model,
                self.model.with_suffix(".json"),
                self.config,
                self.provenance,
                self.metrics,
                self.result,
                self.curves,
                self.checkpoint,
                self.benchmark,
                self.replaces,
            )
        ]

    def read_metrics(self) -> list[dict[str, Any]]:
        """The epochs logged so far, in order."""
        try:
            lines = self.metrics.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise PosattnError(f"{self.metrics}: cannot read ({error.strerror})") from None
        epochs = []
        for number, line in enumerate(lines, start=1):
            try:
                epoch = json.loads(line)
            except ValueError:
                raise PosattnError(f"{self.metrics}:{number}: not a JSON line") from None
            if not isinstance(epoch, dict) or not all(
                isinstance(epoch.get(key), int | float) for key in METRICS_KEYS
            ):
                raise PosattnError(
                    f"{self.metrics}:{number}: an epoch needs a number for each of "
                    f"{', '.join(METRICS_KEYS)}"
                )
            epochs.append(epoch)
        return epochs

    def append_metrics(self, record: dict[str, Any]) -> None:
        # Rewritten whole and atomically: a full disk or a kill never leaves half a line.
        logged = self.metrics.read_text(encoding="utf-8") if self.metrics.exists() else ""
        atomic_write_text(self.metrics, logged + json.dumps(record) + "\n")

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
            if (
                isinstance(logged, dict)
                and isinstance(logged.get("epoch"), int)
                and (logged["epoch"] < epoch)
            ):
                kept.append(line + "\n")
        atomic_write_text(path, "".join(kept))

    def stale_temporaries(self) -> list[Path]:
        """Temporary files of this folder's own atomic writes that a killed process left."""
        return [t for name in self.owned_names() for t in leftover_temporaries(self.path / name)]

    def remove_stale_temporaries(self) -> None:
        for leftover in self.stale_temporaries():
            leftover.unlink()

    def holds_a_run(self) -> bool:
        """Whether a posattn run was started here (it wrote its config first)."""
        return self.config.is_file() or self.model.is_file()

    def others(self) -> list[Path]:
        """What is here that no run wrote: a user's files and folders, reports, ..."""
        own = {*self.owned_names(), self.lock.name, *(t.name for t in self.stale_temporaries())}
        return [path for path in self.path.iterdir() if path.name not in own]

    def delete_own_files(self) -> None:
        """Remove the files a run wrote here, then the folder if nothing else is left."""
        for name in self.owned_names():
            (self.path / name).unlink(missing_ok=True)
        self.remove_stale_temporaries()
        self.lock.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # something of someone else's: it stays
            self.path.rmdir()

    def finished(self) -> bool:
        """Whether a run trained here to its end: not one still training, interrupted (a
        checkpoint to resume from), or the half-trained `NAME.new` of an interrupted overwrite."""
        return (
            self.model.is_file()
            and self.result.is_file()
            and not self.checkpoint.exists()
            and not self.replaces.exists()
        )

    def is_empty(self) -> bool:
        """Nothing in it but, perhaps, a lock (whose owner `locked` checks)."""
        return not self.path.exists() or all(p == self.lock for p in self.path.iterdir())


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, it is someone else's
        return True
    return True


@contextmanager
def locked(folder: RunFolder) -> Iterator[None]:
    """Hold `folder` for this process: a second process is refused with one line; a lock left
    by a process that no longer runs is stale and taken over."""
    folder.path.mkdir(parents=True, exist_ok=True)
    for _attempt in range(2):
        try:
            handle = os.open(folder.lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                owner = int(folder.lock.read_text(encoding="ascii").strip() or "0")
            except (OSError, ValueError):
                owner = 0
            if owner and owner != os.getpid() and _process_alive(owner):
                raise PosattnError(
                    f"{folder.path}: in use by process {owner}, which is training into it; "
                    "wait for it to end or choose another output=DIR"
                ) from None
            folder.lock.unlink(missing_ok=True)  # stale: its process is gone
            continue
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(f"{os.getpid()}\n")
        break
    else:
        raise PosattnError(f"{folder.lock}: could not take the lock; try again")
    try:
        yield
    finally:
        folder.lock.unlink(missing_ok=True)


@contextmanager
def claim(target: RunFolder, resume: bool = False, overwrite: bool = False) -> Iterator[RunFolder]:
    """The folder to train in, locked while training: `target` itself for a new or resumed run,
    or, for an `overwrite` of a folder that holds something, `NAME.new` beside it, which
    replaces `target` when the block ends normally (not when it is interrupted: the old run then
    stays as it was, and `--resume NAME.new` finishes the new one)."""
    with ExitStack() as stack:
        if resume:
            stack.enter_context(locked(target))
            replaced = _replaced_by(target)
            if replaced is not None:
                stack.enter_context(locked(replaced))
            yield target
            if replaced is not None:
                _replace(replaced, target)
            return
        if target.is_empty():
            stack.enter_context(locked(target))
            yield target
            return
        if not overwrite:
            raise PosattnError(
                f"{target.path}: already holds a run or other files; resume=DIR continues an "
                "interrupted run, overwrite=True replaces the run once the new one has a model, "
                "or choose another output=DIR"
            )
        if not target.holds_a_run():
            shown = ", ".join(sorted(p.name for p in target.path.iterdir())[:5])
            raise PosattnError(
                f"{target.path}: holds files but no posattn run ({shown}); overwrite=True "
                "replaces a run folder only: choose another output=DIR"
            )
        staging = target.staging
        if not staging.is_empty():
            raise PosattnError(
                f"{staging.path}: an earlier overwrite=True of {target.path} was interrupted "
                f"there; continue it with resume={staging.path}, or remove it"
            )
        stack.enter_context(locked(target))
        stack.enter_context(locked(staging))
        atomic_write_text(staging.replaces, str(target.path.resolve()) + "\n")
        yield staging
        _replace(target, staging)


def final_folder(folder: RunFolder, resume: bool) -> RunFolder:
    """Where a run trained in `folder` ends up (read before it starts)."""
    return (_replaced_by(folder) if resume else None) or folder


def _replaced_by(folder: RunFolder) -> RunFolder | None:
    if not folder.replaces.is_file():
        return None
    return RunFolder(Path(folder.replaces.read_text(encoding="utf-8").strip()))


def _replace(target: RunFolder, staging: RunFolder) -> None:
    """Put the finished run in `staging` where `target` was, then delete the old run's files.
    Anything else in `target` (a report written into it, a user's notes) moves into the new
    run first: a kill half-way leaves each such file in one of the two folders, never lost."""
    staging.replaces.unlink()
    if target.path.exists():
        for other in target.others():
            os.replace(other, staging.path / other.name)
        old = target.path.with_name(f".{target.path.name}.replaced-{os.getpid()}")
        os.replace(target.path, old)
        os.replace(staging.path, target.path)
        RunFolder(old).delete_own_files()
    else:
        os.replace(staging.path, target.path)
