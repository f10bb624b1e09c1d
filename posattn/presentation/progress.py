"""Progress for people, on the console it is given (stderr): a rich progress bar (loss,
tokens/s, ETA) and a table of epochs while training, sentences and tokens/s while tagging. A live
display never takes over stdout, which carries results only."""

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

from posattn.comparison import Outcome
from posattn.training.loop import EpochMetrics


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
            redirect_stdout=False,
        )
        self.task: TaskID | None = None
        self.history: list[EpochMetrics] = []
        self.best_epoch = 0

    def start(self, total_steps: int, completed: int = 0) -> None:
        self.progress.start()
        self.task = self.progress.add_task(
            "train", total=total_steps, completed=completed, epoch=1, loss=0.0, speed=0.0
        )

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


class RichSuiteProgress:
    """One bar for the suite and, below it, one for the variant training now."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            redirect_stdout=False,
        )
        self.suite: TaskID | None = None

    def start(self, variants: int) -> None:
        self.progress.start()
        self.suite = self.progress.add_task("suite", total=variants, detail="variants")

    def variant(self, name: str) -> VariantBar:
        return VariantBar(self.progress, name)

    def done(self, outcome: Outcome) -> None:
        assert self.suite is not None
        self.progress.update(self.suite, advance=1)
        if outcome.status == "not run":
            return
        if outcome.measured:
            result = f"test {100 * outcome.measurement.test.accuracy:.2f}%"
        else:
            result = outcome.error or ""
        self.progress.console.print(f"{outcome.label}: {outcome.status}  {result}", highlight=False)

    def stop(self) -> None:
        self.progress.stop()


class VariantBar:
    """The training `Reporter` of one variant inside a suite's progress display."""

    def __init__(self, progress: Progress, name: str) -> None:
        self.progress = progress
        self.name = name
        self.task: TaskID | None = None

    def start(self, total_steps: int, completed: int = 0) -> None:
        self.task = self.progress.add_task(
            self.name, total=total_steps, completed=completed, detail=""
        )

    def step(self, epoch: int, loss: float, tokens_per_second: float) -> None:
        assert self.task is not None
        detail = f"epoch {epoch}  loss {loss:.3f}  {tokens_per_second:,.0f} tok/s"
        self.progress.update(self.task, advance=1, detail=detail)

    def epoch_end(self, metrics: EpochMetrics, improved: bool) -> None:
        self.progress.console.print(
            f"  {self.name} epoch {metrics.epoch}: dev {100 * metrics.dev_accuracy:.2f}%"
        )

    def stop(self) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)


class TaggingProgress:
    """Tagging a long input: sentences, tokens/s and, for a file, how much of it is read and
    an ETA from its size. Drawn on the console it is given (stderr), so never in the output."""

    def __init__(self, console: Console, total_bytes: int | None) -> None:
        columns = [
            TextColumn("[bold]tagging"),
            TextColumn("{task.fields[sentences]:,} sentences"),
            TextColumn("{task.fields[speed]:,.0f} tok/s"),
            TimeElapsedColumn(),
        ]
        if total_bytes is not None:
            columns[1:1] = [BarColumn()]
            columns += [TextColumn("ETA"), TimeRemainingColumn()]
        # rich's live display would otherwise take over sys.stdout while it runs (on a
        # terminal) and send what is written there, the results, to its own console.
        self.progress = Progress(*columns, console=console, redirect_stdout=False)
        self.task = self.progress.add_task("tag", total=total_bytes, sentences=0, speed=0.0)
        self.tokens = 0

    def __enter__(self) -> TaggingProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def advance(self, sentences: int, tokens: int, bytes_read: int | None) -> None:
        """`sentences` more of `tokens` written; `bytes_read` of the input so far."""
        self.tokens += tokens
        task = self.progress.tasks[0]
        elapsed = task.elapsed or 0.0
        self.progress.update(
            self.task,
            completed=bytes_read if bytes_read is not None else 0,
            sentences=task.fields["sentences"] + sentences,
            speed=self.tokens / elapsed if elapsed > 0 else 0.0,
        )
