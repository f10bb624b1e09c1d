"""What one training run holds while it trains: the objects it steps (`Run`) and where the loop
stands between two steps (`TrainingState`), the two things a checkpoint saves."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import torch
from torch.optim.swa_utils import AveragedModel

from posattn.model.network import TaggingNetwork


@dataclass
class Clock:
    """A run's wall-time budget (train.max_minutes): when it ends, how much of it is spent."""

    deadline: float = math.inf
    """time.monotonic() at which training stops."""
    seconds: float = math.inf
    """The whole budget."""

    def over(self) -> bool:
        return time.monotonic() > self.deadline

    def spent(self) -> float:
        """The share of the budget used so far (0 without one)."""
        if math.isinf(self.seconds):
            return 0.0
        return min(1.0, 1.0 - (self.deadline - time.monotonic()) / self.seconds)


@dataclass
class Run:
    """What one training run holds besides the data: built once, then stepped through."""

    model: TaggingNetwork
    device: torch.device
    evaluated: TaggingNetwork
    """The model scored on dev and saved: the weight average if there is one, else `model`."""
    averaged: AveragedModel | None
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    epoch_batches: list[list[list[int]]]
    total_steps: int
    clock: Clock
    teacher: list[torch.Tensor] | None = None
    """The teachers' tag distributions for each training sentence (with train.teachers)."""


@dataclass
class TrainingState:
    """Where a run stands between two steps: all a resumed run needs besides the tensors."""

    epoch: int = 1
    """The epoch in progress (1-based)."""
    batch: int = 0
    """Batches of it already done."""
    epoch_loss: float = 0.0
    """Sum over those batches of loss x tokens."""
    epoch_tokens: int = 0
    best_accuracy: float = -1.0
    best_epoch: int = 0
    epochs_without_gain: int = 0
    seconds: float = 0.0
    """Training time spent before this process took over."""
