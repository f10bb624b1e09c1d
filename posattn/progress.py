"""Training progress for people: a rich progress bar (loss, tokens/s, ETA) and a table of epochs."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from posattn.train import EpochMetrics


class RichReporter:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("[bold]epoch {task.fields[epoch]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.3f}"),
            TextColumn("{task.fields[speed]:,.0f} tok/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self.task: TaskID | None = None
        self.history: list[EpochMetrics] = []
        self.best_epoch = 0

    def start(self, total_steps: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("train", total=total_steps, epoch=1, loss=0.0, speed=0.0)

    def step(self, epoch: int, loss: float, tokens_per_second: float) -> None:
        assert self.task is not None
        self.progress.update(self.task, advance=1, epoch=epoch, loss=loss, speed=tokens_per_second)

    def epoch_end(self, metrics: EpochMetrics, improved: bool) -> None:
        self.history.append(metrics)
        if improved:
            self.best_epoch = metrics.epoch
        mark = "  [green]best, saved[/]" if improved else ""
        self.progress.console.print(
            f"epoch {metrics.epoch:>3}  loss {metrics.train_loss:.4f}  "
            f"dev {100 * metrics.dev_accuracy:.2f}%  {metrics.tokens_per_second:,.0f} tok/s{mark}"
        )

    def stop(self) -> None:
        self.progress.stop()
        if not self.history:
            return
        table = Table(title="Training")
        for column in ("epoch", "train loss", "dev accuracy", "learning rate", "elapsed"):
            table.add_column(column, justify="right")
        for m in self.history:
            style = "bold green" if m.epoch == self.best_epoch else None
            table.add_row(
                str(m.epoch),
                f"{m.train_loss:.4f}",
                f"{100 * m.dev_accuracy:.2f}%",
                f"{m.lr:.2e}",
                f"{m.seconds / 60:.1f} min",
                style=style,
            )
        self.console.print(table)
