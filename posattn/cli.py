"""The `posattn` command: each command reads its options, makes one call into `posattn.api`,
and prints the result with `posattn.presentation`.

Heavy modules (torch, datasets) are imported inside the commands, so `posattn --help` is instant.
Library code raises PosattnError for a user's mistake, naming the parameter at fault
(`overwrite=True`); `reported_errors` shows it as one red line on stderr, with the option's
name (`--overwrite`), and exits with status 1.
"""

from __future__ import annotations

import os
import re
import select
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from posattn.errors import PosattnError

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

NO_METAVAR = " "
"""For flags: typer would show `<bool>` after them in --help."""


class Split(str, Enum):
    dev = "dev"
    test = "test"


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class DeviceChoice(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class PrecisionChoice(str, Enum):
    auto = "auto"
    float32 = "float32"
    bfloat16 = "bfloat16"


# The --format choices (mypy cannot see members made at run time).
FormatName = Enum(  # type: ignore[misc]
    "FormatName", {name: name for name in ("table", "tsv", "conllu", "json")}, type=str
)


def _flag(name: str, help: str) -> typer.models.OptionInfo:
    """An on/off option, shown without a value."""
    return typer.Option(name, metavar=NO_METAVAR, help=help)


# Options, each defined once and shared by the commands that take it. Optional[...] rather
# than `| None`: typer reads these annotations at run time, also on Python 3.10.
DataDir = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--data-dir",
        envvar="POSATTN_DATA_DIR",
        metavar="DIR",
        help="Folder of UD CoNLL-U files (*-ud-train.conllu, ...) (default: the model's or "
        "config's treebank, downloaded on first use).",
    ),
]
ModelDir = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--model",
        metavar="DIR",
        help="Run folder, model file, or a shipped model's name: en_ewt, en_ewt-fast (default: "
        "the latest finished run under runs/, else en_ewt; see posattn models).",
    ),
]
PrecisionOption = Annotated[
    PrecisionChoice,
    typer.Option(
        help="What the model tags in: auto is bfloat16 where the CPU multiplies it fast (AMX, "
        "AVX-512 BF16; `posattn models` says which), else float32."
    ),
]
ConfigFile = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--config",
        "-c",
        metavar="FILE",
        help="YAML config file, or the name of one shipped with posattn: ewt, ewt-fast, quick "
        "(default: the default model, configs/ewt.yaml).",
    ),
]
RunOutput = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--output",
        "-o",
        metavar="DIR",
        help="Run folder; refused if it holds anything (default: runs/<config name>).",
    ),
]
Seed = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(help="Random seed (default: the config's train.seed, 1)."),
]
Device = Annotated[
    Optional[DeviceChoice],  # noqa: UP045
    typer.Option(help="Where to train (default: the config's train.device, auto)."),
]
MaxMinutes = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option(
        help="Stop after this many minutes, keeping the best model so far (default: no limit)."
    ),
]
Overrides = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Override a config key, e.g. --set model.layers=4 (repeatable; default: none).",
    ),
]
Resume = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        metavar="DIR", help="Continue an interrupted run in this folder, with its own config."
    ),
]
Overwrite = Annotated[
    bool,
    _flag(
        "--overwrite",
        "Replace an existing run folder's own files, once the new run has produced a model "
        "(default: refuse to touch it).",
    ),
]
SplitOption = Annotated[
    Split, typer.Option(help="Which split of the model's treebank (or of --data-dir).")
]
GoldFiles = Annotated[
    Optional[list[Path]],  # noqa: UP045
    typer.Option(
        "--file", metavar="FILE", help="Evaluate this CoNLL-U file instead of a split (repeatable)."
    ),
]
AsJson = Annotated[bool, _flag("--json", "Print one JSON object (default: tables).")]
ReportDir = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--report",
        metavar="DIR",
        help="Write the error analysis here: confusion matrix, per-tag scores, example "
        "confusions, accuracy by sentence length and word frequency (CSV, PNG, Markdown).",
    ),
]
Raw = Annotated[
    bool,
    _flag(
        "--raw",
        "Tag each sentence's raw text (its # text), tokenised by the model, and score tokens, "
        "words and UPOS F1 against the gold words as the CoNLL 2018 shared task does (default: "
        "tag the gold words).",
    ),
]
Text = Annotated[
    Optional[str],  # noqa: UP045
    typer.Argument(
        metavar="TEXT", help="Text to tag (one sentence per line), or - to read it from stdin."
    ),
]
InputFile = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--input", "-i", metavar="FILE", help="File with one sentence per line (- for stdin)."
    ),
]
Pretokenized = Annotated[
    bool,
    _flag("--pretokenized", "Tokens are already separated by spaces (default: tokenise like EWT)."),
]
OutputFormat = Annotated[
    Optional[FormatName],  # noqa: UP045
    typer.Option(
        "--format",
        "-f",
        help="Output format (default: table, conllu with --output).",
    ),
]
Attention = Annotated[bool, _flag("--attention", "Show each layer's and head's attention map.")]
Plot = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        metavar="FILE.png",
        help="With --attention: also draw the maps into this PNG (one sentence).",
    ),
]
Layer = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(help="With --attention: only this layer, 1 = first (default: all)."),
]
Head = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(help="With --attention: only this head, 1 = first (default: all)."),
]
AverageHeads = Annotated[
    bool, _flag("--average-heads", "With --attention: one map per layer, the mean over heads.")
]
Workers = Annotated[
    int,
    typer.Option(
        metavar="N", help="Tag in N processes, one thread each (e.g. one per core); same output."
    ),
]
NoProgress = Annotated[
    bool,
    _flag(
        "--no-progress",
        "No progress display (shown on stderr for --input when it is a terminal).",
    ),
]
ShardDir = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--output",
        "-o",
        metavar="DIR",
        help="Tag the --input files (a glob like 'corpus/*.txt' works) into this folder, one "
        "shard per file (default format there: conllu); the same command again finishes an "
        "interrupted job.",
    ),
]
EngineOption = Annotated[
    Engine,
    typer.Option(
        help="With --output: local (--workers processes) or ray (a Ray cluster: RAY_ADDRESS, "
        "else a local one; pip install 'posattn\\[ray]').",
    ),
]
Suite = Annotated[
    Path,
    typer.Option(
        metavar="FILE",
        help="Suite file: base config, budgets, variants (default: the shipped "
        "configs/compare.yaml).",
    ),
]
Quick = Annotated[
    bool,
    _flag(
        "--quick",
        "The suite's quick budget: a first look in minutes (default: the full budget).",
    ),
]
Budget = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        metavar="NAME",
        help="Another budget the suite names, e.g. one in wall-clock minutes (default: full, or "
        "quick with --quick).",
    ),
]
Seeds = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--seeds",
        metavar="N,N,...",
        help="Train every variant with each of these seeds, e.g. --seeds 1,2,3 (default: the "
        "suite's seeds, or seed 1).",
    ),
]
ReportFolder = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--output",
        "-o",
        metavar="DIR",
        help="Report folder (default: runs/SUITE[-BUDGET], SUITE the suite file's name).",
    ),
]
Only = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        metavar="NAME",
        help="Train only this variant (repeatable; the others are reused if done; default: all).",
    ),
]
Runs = Annotated[
    list[Path], typer.Argument(metavar="RUN...", help="Run folders (with metrics.jsonl).")
]
PictureFile = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--output", "-o", metavar="FILE.png", help="PNG file (default: RUN/curves.png for one run)."
    ),
]
Host = Annotated[str, typer.Option(help="Address to listen on (the default: this machine only).")]
Port = Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")]
MaxBytes = Annotated[int, typer.Option(help="Largest request body in bytes; bigger ones get 413.")]
MaxTokens = Annotated[int, typer.Option(help="Most tokens tagged in one request; more get 413.")]
MaxAttentionCells = Annotated[
    int, typer.Option(help="With attention: most sum of squared sentence lengths; more get 413.")
]
TreebankName = Annotated[str, typer.Argument(metavar="NAME", help="Which treebank.")]
TreebankOption = Annotated[
    str, typer.Option(metavar="NAME", help="Treebank to download if no folder is given.")
]
Top = Annotated[int, typer.Option(help="How many ambiguous forms to list.")]
StatsPlot = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        metavar="FILE.png",
        help="Also draw the tag distribution and sentence lengths into this PNG.",
    ),
]

OPTION_NAMES = {"output_format": "--format"}
"""Parameters whose option is not `--` and their name with dashes."""
PARAMETER = re.compile(
    # A parameter stands at the start or after a space or `(`: never inside a config key
    # (`train.device=cpu`), a path (`runs/output=big`) or a quoted value (`'device=cpu'`).
    r"(?<![^\s(])(overwrite|resume|output|data_dir|engine|device|budget|only|layer|head|"
    r"average_heads|plot|attention|quick|output_format|workers|precision|seeds|input|raw|"
    r"report)=([^\s,:;)]*)"
)


def _as_options(message: str) -> str:
    """A library message names parameters (`overwrite=True`, `layer=9`); on the command line
    they are options (`--overwrite`, `--layer 9`)."""

    def option(match: re.Match[str]) -> str:
        name, value = match.groups()
        flag = OPTION_NAMES.get(name, "--" + name.replace("_", "-"))
        return flag if value in ("True", "") else f"{flag} {value}"

    return PARAMETER.sub(option, re.sub(r"^override ", "--set ", message))


def _report(message: str, exit_code: int = 1) -> typer.Exit:
    error_console.print(
        f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True, emoji=False
    )
    return typer.Exit(exit_code)


@contextmanager
def reported_errors(writes_results: bool = True) -> Iterator[None]:
    """The one error boundary: a user's mistake or an ordinary failure of the system (a full
    disk, a missing folder, a file where a folder should be) is one line and a non-zero exit.
    A command that `writes_results` needs stdout open."""
    if writes_results and sys.stdout is None:  # started with stdout closed (`>&-`)
        raise _report("stdout is closed: there is nowhere to write the results")
    try:
        yield
    except BrokenPipeError:
        if not _stdout_is_closed():
            raise _report("a pipe closed while posattn wrote into it (Broken pipe)") from None
        # Whoever read the output has gone (`| head -1`): end quietly, as `cat` does, and let
        # nothing more be written into the closed pipe when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(141) from None
    except PosattnError as error:
        raise _report(_as_options(str(error)), getattr(error, "exit_code", 1)) from None
    except OSError as error:
        what = error.strerror or str(error)
        raise _report(what if error.filename is None else f"{error.filename}: {what}") from None
    except MemoryError:
        raise _report("out of memory: try a smaller model or smaller batches") from None
    except KeyboardInterrupt:
        error_console.print("[bold red]interrupted[/]")
        raise typer.Exit(130) from None


def _stdout_is_closed() -> bool:
    """Whether stdout is a pipe whose reader has gone (its end then reports an error)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no such file descriptor (tests, notebooks)
        return False


def _print_version(value: bool) -> None:
    if value:
        from posattn.version import __version__

        console.print(f"posattn {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            metavar=NO_METAVAR,
            help="Print the version.",
        ),
    ] = False,
) -> None:
    """Train, evaluate and run a stacked self-attention part-of-speech tagger on UD treebanks."""


@app.command()
def train(
    config: ConfigFile = None,
    data_dir: DataDir = None,
    output: RunOutput = None,
    seed: Seed = None,
    device: Device = None,
    max_minutes: MaxMinutes = None,
    overrides: Overrides = None,
    resume: Resume = None,
    overwrite: Overwrite = False,
) -> None:
    """Train a tagger; the best model by dev accuracy is saved in the run folder.

    Ctrl-C or SIGTERM saves the training state; `posattn train --resume RUN` continues it and
    ends with the same metrics as a run that never stopped.
    """
    with reported_errors():
        from posattn import api
        from posattn.presentation.progress import RichReporter

        result = api.train(
            config, data_dir=data_dir, output=output, overrides=overrides or None,
            overwrite=overwrite, seed=seed, device=device.value if device else None,
            max_minutes=max_minutes, resume=resume, reporter=RichReporter(error_console),
            command=sys.argv,
        )  # fmt: skip
        console.print(
            f"best dev accuracy [bold]{100 * result.best_dev_accuracy:.2f}%[/] at epoch "
            f"{result.best_epoch} ({result.stopped_because}; {result.seconds / 60:.1f} min, "
            f"{result.parameters:,} parameters); model saved in [bold]{result.run_dir}[/]"
        )


@app.command("eval")
def evaluate(
    model: ModelDir = None,
    precision: PrecisionOption = PrecisionChoice.float32,
    data_dir: DataDir = None,
    split: SplitOption = Split.dev,
    files: GoldFiles = None,
    as_json: AsJson = False,
    report_dir: ReportDir = None,
    raw: Raw = False,
) -> None:
    """Accuracy (overall, unknown words, ambiguous words), per-tag P/R/F1 and top confusions.

    With --raw, the score of tagging raw text: what Stanza and UDPipe publish.
    """
    with reported_errors():
        import json

        from posattn import api
        from posattn.presentation.tables import print_scores

        result = api.evaluate(
            model, precision=precision.value, files=files or None, split=split.value,
            data_dir=data_dir, report=report_dir, raw=raw,
        )  # fmt: skip
        if as_json:
            print(json.dumps(result.to_json()))
        else:
            print_scores(console, result, report_dir)


@app.command()
def tag(
    text: Text = None,
    model: ModelDir = None,
    precision: PrecisionOption = PrecisionChoice.auto,
    input_file: InputFile = None,
    pretokenized: Pretokenized = False,
    output_format: OutputFormat = None,
    attention: Attention = False,
    plot: Plot = None,
    layer: Layer = None,
    head: Head = None,
    average_heads: AverageHeads = False,
    workers: Workers = 1,
    no_progress: NoProgress = False,
    output: ShardDir = None,
    engine: EngineOption = Engine.local,
) -> None:
    """Tag raw text: `posattn tag "I saw a saw"`.

    With --attention, also show where each word looks. Attention weights are a view of what the
    model computes, not an explanation of why it chose a tag.
    """
    with reported_errors():
        from posattn import api

        job = api.TagJob(
            text=text, input=input_file, output=output, pretokenized=pretokenized,
            output_format=output_format.value if output_format else None, workers=workers,
            engine=engine.value, attention=attention, layer=layer, head=head,
            average_heads=average_heads, plot=plot,
        )  # fmt: skip
        tagger = api.load(model, precision=precision.value)
        summary = job.run(tagger, console, error_console, progress=not no_progress)
        if summary is not None:
            done = f" ({len(summary.already_done)} already done)" if summary.already_done else ""
            error_console.print(
                f"{summary.sentences:,} sentences, {summary.tokens:,} tokens tagged into "
                f"{len(summary.shards)} file(s) in [bold]{output}[/]{done}",
                soft_wrap=True,
            )


@app.command()
def compare(
    suite: Suite = Path("configs/compare.yaml"),
    quick: Quick = False,
    budget: Budget = None,
    seeds: Seeds = None,
    output: ReportFolder = None,
    data_dir: DataDir = None,
    only: Only = None,
) -> None:
    """Train every variant of a suite with the same seeds and budget; report on them side by side.

    Variants already trained with the same config are reused, so an interrupted suite resumes.
    """
    with reported_errors():
        from posattn import api
        from posattn.presentation.progress import RichSuiteProgress
        from posattn.presentation.tables import print_suite

        comparison = api.compare(
            suite, quick=quick, budget=budget, seeds=_seed_list(seeds), output=output,
            data_dir=data_dir, only=only, progress=RichSuiteProgress(error_console),
        )  # fmt: skip
        print_suite(
            console, comparison.suite, comparison.outcomes, comparison.summaries, comparison.report
        )
        if comparison.failed:
            failed = comparison.failed
            raise PosattnError(
                f"{len(failed)} variant(s) failed: {', '.join(failed)} (see {comparison.report})"
            )


def _seed_list(seeds: str | None) -> list[int] | None:
    """`1,2,3` (or `1 2 3`) as numbers."""
    if seeds is None:
        return None
    try:
        return [int(seed) for seed in seeds.replace(",", " ").split()]
    except ValueError:
        raise PosattnError(f"--seeds {seeds!r}: expected integers, e.g. 1,2,3") from None


@app.command()
def plot(runs: Runs, output: PictureFile = None) -> None:
    """Draw training curves (train loss, dev accuracy, learning rate); several runs on one plot."""
    with reported_errors():
        from posattn import api

        target = api.draw_curves(runs, output)
        console.print(f"training curves drawn in [bold]{target}[/]")


@app.command()
def serve(
    model: ModelDir = None,
    precision: PrecisionOption = PrecisionChoice.auto,
    host: Host = "127.0.0.1",
    port: Port = 8000,
    max_bytes: MaxBytes = 100_000,
    max_tokens: MaxTokens = 10_000,
    max_attention_cells: MaxAttentionCells = 100_000,
) -> None:
    """Serve a tagging page with attention maps at http://HOST:PORT/ and a JSON API
    (POST /api/tag, GET /api/model, docs at /docs); needs pip install 'posattn\\[serve]'."""
    with reported_errors(writes_results=False):
        from posattn import api
        from posattn.server import Limits, build_app, listening_socket, run_app

        sock = listening_socket(host, port)  # a port in use is said before the model loads
        tagger = api.load(model, precision=precision.value)
        server = build_app(tagger, Limits(max_bytes, max_tokens, max_attention_cells))
        where = f"[{host}]" if ":" in host else host
        error_console.print(
            f"posattn serves on [bold]http://{where}:{sock.getsockname()[1]}/[/] (Ctrl+C stops it)"
        )
        run_app(server, sock)


@app.command()
def models() -> None:
    """The models posattn can use: the ones shipped with it and the finished runs under runs/,
    with their treebank and accuracy."""
    with reported_errors():
        from posattn.catalog import available_models
        from posattn.presentation.tables import print_models
        from posattn.tagging.precision import bfloat16_hardware

        print_models(console, available_models(), bfloat16_hardware())


@data_app.command("download")
def data_download(treebank: TreebankName = "en_ewt") -> None:
    """Download a treebank of the pinned UD release into the cache and verify its checksums
    (`posattn data list` shows the known ones)."""
    with reported_errors():
        from posattn.data.download import RECORDED_SUMS, download, release_of

        folder = download(treebank)
        console.print(f"{treebank}: verified files in [bold]{folder}[/]")
        if not release_of(treebank).pinned:
            console.print(
                f"posattn does not pin this release's checksums: those of the first download "
                f"are in {folder / RECORDED_SUMS}, and later downloads are checked against them"
            )


@data_app.command("list")
def data_list() -> None:
    """The treebanks `posattn data download NAME` knows, and which are downloaded."""
    with reported_errors():
        from posattn.data.download import known_treebanks
        from posattn.presentation.tables import print_known_treebanks

        print_known_treebanks(console, known_treebanks())


@data_app.command("stats")
def data_stats(
    data_dir: DataDir = None,
    treebank: TreebankOption = "en_ewt",
    top: Top = 20,
    plot: StatsPlot = None,
) -> None:
    """Sentences and tokens per split, the tag distribution, the most ambiguous word forms."""
    with reported_errors():
        from posattn import api
        from posattn.presentation.tables import print_stats

        overview = api.treebank_overview(data_dir, treebank, top, plot)
        print_stats(console, overview.folder, overview.stats)
        if plot is not None:
            console.print(f"drawn in [bold]{plot}[/]")
