"""What an interrupted training run needs to continue exactly where it stopped: the state of
the loop, a checkpoint file holding it with every tensor, and stopping on Ctrl-C or SIGTERM at a
step boundary instead of dying halfway through an optimizer update.

A checkpoint is one safetensors file (see `checkpoint.save_tensors`): the model, its weight
average, the optimizer's moments, the torch random state; and in its header the loop's position,
the scheduler, the config and a digest of the data, so a run is never resumed on other terms.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import torch

from posattn.config import Config, config_to_dict, saved_config
from posattn.errors import PosattnError
from posattn.model.storage import load_tensors, save_tensors
from posattn.run_folder import RunFolder
from posattn.training.state import Run, TrainingState

CHECKPOINT_FORMAT = 1


class TrainingInterrupted(PosattnError):
    """Training stopped on SIGINT/SIGTERM after saving a checkpoint to resume from."""

    def __init__(self, signum: int, folder: RunFolder) -> None:
        super().__init__(
            f"interrupted by {signal.Signals(signum).name}: training state saved in "
            f"{folder.checkpoint}; continue it with resume={folder.path}"
        )
        self.exit_code = 128 + signum


@dataclass
class StopRequest:
    signum: int | None = None


@contextmanager
def stop_on_signals(request: StopRequest) -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM ask the loop to stop at the next step, instead of killing it
    halfway through an optimizer update."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    def ask_to_stop(signum: int, frame: object) -> None:
        request.signum = signum

    previous = {s: signal.signal(s, ask_to_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def save_checkpoint(
    run: Run, state: TrainingState, config: Config, data_sha256: str, folder: RunFolder
) -> None:
    """`data_sha256`: the run's `TreebankSplits.digest()`, computed once (it reads every
    sentence)."""
    tensors = {f"model.{k}": v for k, v in run.model.state_dict().items()}
    if run.averaged is not None:
        tensors.update({f"averaged.{k}": v for k, v in run.averaged.state_dict().items()})
    optimizer = run.optimizer.state_dict()
    for index, values in optimizer["state"].items():
        tensors.update({f"optimizer.{index}.{key}": v for key, v in values.items()})
    tensors["rng.torch"] = torch.get_rng_state()
    header = {
        "format": CHECKPOINT_FORMAT,
        "state": asdict(state),
        "config": config_to_dict(config),
        "data_sha256": data_sha256,
        "optimizer_groups": optimizer["param_groups"],
        "scheduler": run.scheduler.state_dict(),
    }
    save_tensors(folder.checkpoint, tensors, header)


def _saved(header: dict[str, Any]) -> dict[str, Any] | None:
    """The checkpoint's config as today's keys say it (one saved by an older posattn too)."""
    try:
        return config_to_dict(saved_config(header["config"]))
    except (KeyError, PosattnError):
        return None


def resumable(folder: RunFolder, config: Config) -> bool:
    """Whether `folder` holds a readable checkpoint of a run with exactly this config."""
    try:
        _, header = load_tensors(folder.checkpoint)
    except PosattnError:
        return False
    return _saved(header) == config_to_dict(config)


def restore_checkpoint(
    run: Run, config: Config, data_sha256: str, folder: RunFolder
) -> TrainingState:
    path = folder.checkpoint
    tensors, header = load_tensors(path)
    if header.get("format") != CHECKPOINT_FORMAT:
        raise PosattnError(f"{path}: checkpoint format {header.get('format')!r} is not readable")
    if _saved(header) != config_to_dict(config):
        raise PosattnError(f"{path}: saved with another config than {folder.config}")
    if header["data_sha256"] != data_sha256:
        raise PosattnError(f"{path}: the training data changed since the run was interrupted")

    def section(prefix: str) -> dict[str, torch.Tensor]:
        return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}

    run.model.load_state_dict(section("model."))
    if run.averaged is not None:
        run.averaged.load_state_dict(section("averaged."))
    optimizer_state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in section("optimizer.").items():
        index, name = key.split(".", 1)
        optimizer_state.setdefault(int(index), {})[name] = value
    run.optimizer.load_state_dict(
        {"state": optimizer_state, "param_groups": header["optimizer_groups"]}
    )
    run.scheduler.load_state_dict(header["scheduler"])
    torch.set_rng_state(tensors["rng.torch"])
    state = TrainingState(**header["state"])
    run.clock.deadline -= state.seconds
    return state
