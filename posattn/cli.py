"""The `posattn` command: each command reads its options, makes one call to `posattn.api`, and
prints the result with `posattn.presentation`.

Heavy modules (torch, datasets) are imported inside the commands, so `posattn --help` is instant.
Library code raises PosattnError for a user's mistake; `reported_errors` turns it into one red
line on stderr and exit status 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from posattn.errors import PosattnError
from posattn.presentation.formats import FORMATS

app = typer.Typer(
    help="Train, evaluate and run a stacked self-attention part-of-speech tagger on UD treebanks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Download treebanks and look at them.", no_args_is_help=True)
app.add_typer(data_app, name="data")

console = Console()
error_console = Console(stderr=True)

DataDir = Annotated[
    Optional[Path],  # noqa: UP045  (typer reads this annotation at run time on Python 3.10)
    typer.Option(
        "--data-dir",
        envvar="POSATTN_DATA_DIR",
        help="Folder of UD CoNLL-U files (*-ud-train.conllu, ...) instead of the download.",
    ),
]
ModelDir = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option("--model", help="Model folder (default: the most recently trained under runs/)."),
]


# The --format choices are the registry's keys (mypy cannot see members made at run time).
FormatName = Enum("FormatName", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]
TABLE = FormatName("table")


class Split(str, Enum):
    dev = "dev"
    test = "test"


class DeviceChoice(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


@contextmanager
def reported_errors() -> Iterator[None]:
    try:
        yield
    except PosattnError as error:
        error_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(getattr(error, "exit_code", 1)) from None
    except KeyboardInterrupt:
        error_console.print("[bold red]interrupted[/]")
        raise typer.Exit(130) from None


@app.command()
def train(
    config: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--config", "-c", help="YAML config file (default: configs/ewt.yaml)."),
    ] = None,
    data_dir: DataDir = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="Run folder (default: runs/<config name>)."),
    ] = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed.")] = None,  # noqa: UP045
    device: Annotated[Optional[DeviceChoice], typer.Option(help="Where to train.")] = None,  # noqa: UP045
    max_minutes: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(help="Stop after this many minutes, keeping the best model so far."),
    ] = None,
    overrides: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--set", help="Override a config key, e.g. --set model.layers=4 (repeatable)."
        ),
    ] = None,
    resume: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Continue an interrupted run in this folder, with its own config."),
    ] = None,
) -> None:
    """Train a tagger; the best model by dev accuracy is saved in the run folder.

    Ctrl-C or SIGTERM saves the training state; `posattn train --resume RUN` continues it and
    ends with the same metrics as a run that never stopped.
    """
    with reported_errors():
        from posattn import api
        from posattn.config import load_config
        from posattn.presentation.progress import RichReporter

        reporter = RichReporter(console)
        if resume is not None:
            if config or output or seed is not None or device or max_minutes or overrides:
                raise PosattnError("--resume continues a run with its own config: give it alone")
            run_dir = resume
            result = api.resume(resume, reporter=reporter, command=sys.argv)
        else:
            flags = {
                "data.data_dir": str(data_dir) if data_dir else None,
                "train.seed": seed,
                "train.device": device.value if device else None,
                "train.max_minutes": max_minutes,
            }
            settings = load_config(
                config or api.DEFAULT_CONFIG,
                overrides or [],
                {k: v for k, v in flags.items() if v is not None},
            )
            run_dir = output or api.RUNS_ROOT / settings.name
            result = api.train(settings, output=run_dir, reporter=reporter, command=sys.argv)
        console.print(
            f"best dev accuracy [bold]{100 * result.best_dev_accuracy:.2f}%[/] at epoch "
            f"{result.best_epoch} ({result.stopped_because}; {result.seconds / 60:.1f} min, "
            f"{result.parameters:,} parameters); model saved in [bold]{run_dir}[/]"
        )


@app.command("eval")
def evaluate(
    model: ModelDir = None,
    data_dir: DataDir = None,
    split: Annotated[Split, typer.Option(help="Which split of the treebank.")] = Split.dev,
    files: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--file", help="Evaluate this CoNLL-U file instead (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    report_dir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--report",
            help="Write the error analysis here: confusion matrix, per-tag scores, example "
            "confusions, accuracy by sentence length and word frequency (CSV, PNG, Markdown).",
        ),
    ] = None,
) -> None:
    """Accuracy (overall, unknown words, ambiguous words), per-tag P/R/F1 and top confusions."""
    with reported_errors():
        from posattn import api

        result = api.load(model).evaluate(
            files or None, split=split.value, data_dir=data_dir, report=report_dir
        )
        if as_json:
            print(json.dumps(result.to_json()))
            return
        from posattn.presentation.tables import print_bands, print_evaluation

        print_evaluation(console, result)
        if report_dir is not None:
            print_bands(console, "Accuracy by sentence length (tokens)", result.by_length)
            print_bands(console, "Accuracy by word frequency in train", result.by_frequency)
            console.print(f"error analysis written to [bold]{report_dir}[/]")


@app.command()
def tag(
    text: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(help="A sentence to tag, or - to read one sentence per line from stdin."),
    ] = None,
    model: ModelDir = None,
    input_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--input", "-i", help="File with one sentence per line (- for stdin)."),
    ] = None,
    pretokenized: Annotated[
        bool, typer.Option(help="Tokens are already separated by spaces.")
    ] = False,
    output_format: Annotated[
        FormatName, typer.Option("--format", "-f", help="Output format.")
    ] = TABLE,
    attention: Annotated[
        bool, typer.Option("--attention", help="Show each layer's and head's attention map.")
    ] = False,
    plot: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="With --attention: also draw the maps into this PNG (one sentence)."),
    ] = None,
    layer: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="With --attention: only this layer (1 = first)."),
    ] = None,
    head: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="With --attention: only this head (1 = first)."),
    ] = None,
    average_heads: Annotated[
        bool, typer.Option(help="With --attention: one map per layer, the mean over heads.")
    ] = False,
) -> None:
    """Tag raw text: `posattn tag "I saw a saw"`.

    With --attention, also show where each word looks. Attention weights are a view of what the
    model computes, not an explanation of why it chose a tag.
    """
    with reported_errors():
        view_options = (plot, layer, head, average_heads or None)
        if any(option is not None for option in view_options) and not attention:
            raise PosattnError("--plot, --layer, --head and --average-heads need --attention")
        from posattn import api
        from posattn.data.text import sentence_lines
        from posattn.presentation.tagged import show_attention, write_sentence

        lines = sentence_lines(_read_input(text, input_file))
        if not lines:
            raise PosattnError("nothing to tag: the input is empty")
        if plot is not None and len(lines) > 1:
            raise PosattnError(f"--plot draws one sentence; the input has {len(lines)}")
        tagger = api.load(model)
        document = tagger.tag([line.split() for line in lines] if pretokenized else lines)
        for number, sentence in enumerate(document.sentences, start=1):
            write_sentence(console, sentence, number, FORMATS[output_format.value])
            if attention:
                maps = tagger.attention(sentence.forms, layer, head, average_heads)
                show_attention(console, sentence, maps, plot)


def _read_input(text: str | None, input_file: Path | None) -> str:
    from posattn.data.text import decode, read_text_file

    if (text is None) == (input_file is None):
        raise PosattnError('give either TEXT or --input FILE (e.g. posattn tag "I saw a saw")')
    if input_file is not None and str(input_file) != "-":
        return read_text_file(input_file)
    if text == "-" or input_file is not None:
        return decode(sys.stdin.buffer.read(), "stdin")
    return text or ""


@app.command()
def compare(
    suite: Annotated[Path, typer.Option(help="Suite file: base config, budgets, variants.")] = Path(
        "configs/compare.yaml"
    ),
    quick: Annotated[
        bool, typer.Option(help="The suite's quick budget: a first look in minutes.")
    ] = False,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output", "-o", help="Report folder (default: runs/compare or runs/compare-quick)."
        ),
    ] = None,
    data_dir: DataDir = None,
    only: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Train only this variant (repeatable); the others are reused if done."),
    ] = None,
) -> None:
    """Train every variant of a suite with one seed and budget, and report on them side by side.

    Variants already trained with the same config are reused, so an interrupted suite resumes.
    """
    with reported_errors():
        from posattn import api
        from posattn.presentation.compare_report import treebank_of
        from posattn.presentation.progress import RichSuiteProgress
        from posattn.presentation.tables import print_comparison

        comparison = api.compare(
            suite,
            quick=quick,
            output=output,
            data_dir=data_dir,
            only=only,
            progress=RichSuiteProgress(console),
        )
        outcomes = comparison.outcomes
        first = comparison.suite.sentences[0].text if comparison.suite.sentences else ""
        print_comparison(console, outcomes, first, treebank_of(outcomes))
        console.print(f"report: [bold]{comparison.report}[/]")
        failed = [o.name for o in outcomes if o.status == "failed"]
        if failed:
            raise PosattnError(
                f"{len(failed)} variant(s) failed: {', '.join(failed)} (see {comparison.report})"
            )


@app.command()
def plot(
    runs: Annotated[list[Path], typer.Argument(help="Run folders (with metrics.jsonl).")],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="PNG file (default: RUN/curves.png for one run)."),
    ] = None,
) -> None:
    """Draw training curves (train loss, dev accuracy, learning rate); several runs on one plot."""
    with reported_errors():
        from posattn import api

        if output is None and len(runs) > 1:
            raise PosattnError("several runs: say where to draw them with --output FILE.png")
        target = api.draw_curves(runs, output or runs[0] / "curves.png")
        console.print(f"training curves drawn in [bold]{target}[/]")


@data_app.command("download")
def data_download(
    treebank: Annotated[str, typer.Argument(help="Which treebank.")] = "en_ewt",
) -> None:
    """Download a treebank release into the cache and verify its checksums."""
    with reported_errors():
        from posattn.data.download import download

        folder = download(treebank)
        console.print(f"{treebank}: verified files in [bold]{folder}[/]")


@data_app.command("stats")
def data_stats(
    data_dir: DataDir = None,
    treebank: Annotated[str, typer.Option(help="Treebank to download if no folder is given.")] = (
        "en_ewt"
    ),
    top: Annotated[int, typer.Option(help="How many ambiguous forms to list.")] = 20,
    plot: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Also draw the tag distribution and sentence lengths into this PNG."),
    ] = None,
) -> None:
    """Sentences and tokens per split, the tag distribution, the most ambiguous word forms."""
    with reported_errors():
        from posattn import api
        from posattn.presentation.tables import print_stats

        overview = api.treebank_overview(data_dir, treebank, top, plot)
        print_stats(console, overview.folder, overview.stats)
        if plot is not None:
            console.print(f"drawn in [bold]{plot}[/]")
