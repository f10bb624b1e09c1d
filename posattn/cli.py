"""The `posattn` command: each command reads its options, makes one call to `posattn.api`, and
prints the result with `posattn.presentation`.

Heavy modules (torch, datasets) are imported inside the commands, so `posattn --help` is instant.
Library code raises PosattnError for a user's mistake; `reported_errors` turns it into one red
line on stderr and exit status 1.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, BinaryIO, Optional

import typer
from rich.console import Console
from rich.markup import escape

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

NO_METAVAR = " "
"""For flags: typer would show `<bool>` after them in --help."""

DataDir = Annotated[
    Optional[Path],  # noqa: UP045  (typer reads this annotation at run time on Python 3.10)
    typer.Option(
        "--data-dir",
        envvar="POSATTN_DATA_DIR",
        metavar="DIR",
        help="Folder of UD CoNLL-U files (*-ud-train.conllu, ...) (default: the model's or "
        "config's treebank, downloaded on first use).",
    ),
]
ModelDir = Annotated[
    Optional[Path],  # noqa: UP045
    typer.Option(
        "--model",
        metavar="DIR",
        help="Run folder, model file, or a shipped model's name: en_ewt, en_ewt-fast (default: "
        "the latest finished run under runs/, else en_ewt; see posattn models).",
    ),
]


class PrecisionChoice(str, Enum):
    auto = "auto"
    float32 = "float32"
    bfloat16 = "bfloat16"


PrecisionOption = Annotated[
    PrecisionChoice,
    typer.Option(
        help="What the model tags in: auto is bfloat16 where the CPU multiplies it fast (AMX, "
        "AVX-512 BF16; `posattn models` says which), else float32."
    ),
]

# The --format choices are the registry's keys (mypy cannot see members made at run time).
FormatName = Enum("FormatName", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]
TABLE = FormatName("table")


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


def _report(message: str, exit_code: int = 1) -> typer.Exit:
    error_console.print(
        f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True, emoji=False
    )
    return typer.Exit(exit_code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """The one error boundary: a user's mistake or an ordinary failure of the system (a full
    disk, a missing folder, a file where a folder should be) is one line and a non-zero exit."""
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        raise _report("stdout is closed: there is nowhere to write the results")
    try:
        yield
    except BrokenPipeError:
        # Whoever read the output has gone (`| head -1`): end quietly, as `cat` does, and let
        # nothing more be written into the closed pipe when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(141) from None
    except PosattnError as error:
        raise _report(str(error), getattr(error, "exit_code", 1)) from None
    except OSError as error:
        what = error.strerror or str(error)
        raise _report(what if error.filename is None else f"{error.filename}: {what}") from None
    except MemoryError:
        raise _report("out of memory: try a smaller model or smaller batches") from None
    except KeyboardInterrupt:
        error_console.print("[bold red]interrupted[/]")
        raise typer.Exit(130) from None


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
    config: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--config",
            "-c",
            metavar="FILE",
            help="YAML config file, or the name of one shipped with posattn: ewt, quick "
            "(default: the default model, configs/ewt.yaml).",
        ),
    ] = None,
    data_dir: DataDir = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="Run folder; refused if it holds anything (default: runs/<config name>).",
        ),
    ] = None,
    seed: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="Random seed (default: the config's train.seed, 1)."),
    ] = None,
    device: Annotated[
        Optional[DeviceChoice],  # noqa: UP045
        typer.Option(help="Where to train (default: the config's train.device, auto)."),
    ] = None,
    max_minutes: Annotated[
        Optional[float],  # noqa: UP045
        typer.Option(
            help="Stop after this many minutes, keeping the best model so far (default: no limit)."
        ),
    ] = None,
    overrides: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="Override a config key, e.g. --set model.layers=4 (repeatable; default: none).",
        ),
    ] = None,
    resume: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            metavar="DIR",
            help="Continue an interrupted run in this folder, with its own config.",
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            metavar=NO_METAVAR,
            help="Replace an existing run folder, once the new run has produced a model "
            "(default: refuse to touch it).",
        ),
    ] = False,
) -> None:
    """Train a tagger; the best model by dev accuracy is saved in the run folder.

    Ctrl-C or SIGTERM saves the training state; `posattn train --resume RUN` continues it and
    ends with the same metrics as a run that never stopped.
    """
    with reported_errors():
        from posattn import api
        from posattn.config import load_config
        from posattn.presentation.progress import RichReporter

        reporter = RichReporter(error_console)
        if resume is not None:
            if (
                config
                or output
                or seed is not None
                or device
                or max_minutes
                or overrides
                or overwrite
            ):
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
            result = api.train(
                settings, output=run_dir, overwrite=overwrite, reporter=reporter, command=sys.argv
            )
        console.print(
            f"best dev accuracy [bold]{100 * result.best_dev_accuracy:.2f}%[/] at epoch "
            f"{result.best_epoch} ({result.stopped_because}; {result.seconds / 60:.1f} min, "
            f"{result.parameters:,} parameters); model saved in [bold]{run_dir}[/]"
        )


@app.command("eval")
def evaluate(
    model: ModelDir = None,
    precision: PrecisionOption = PrecisionChoice.auto,
    data_dir: DataDir = None,
    split: Annotated[
        Split, typer.Option(help="Which split of the model's treebank (or of --data-dir).")
    ] = Split.dev,
    files: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option(
            "--file",
            metavar="FILE",
            help="Evaluate this CoNLL-U file instead of a split (repeatable).",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", metavar=NO_METAVAR, help="Print one JSON object (default: tables)."),
    ] = False,
    report_dir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--report",
            metavar="DIR",
            help="Write the error analysis here: confusion matrix, per-tag scores, example "
            "confusions, accuracy by sentence length and word frequency (CSV, PNG, Markdown).",
        ),
    ] = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            metavar=NO_METAVAR,
            help="Tag each sentence's raw text (its # text), tokenised by the model, and score "
            "tokens, words and UPOS F1 against the gold words as the CoNLL 2018 shared task "
            "does (default: tag the gold words).",
        ),
    ] = False,
) -> None:
    """Accuracy (overall, unknown words, ambiguous words), per-tag P/R/F1 and top confusions.

    With --raw, the score of tagging raw text: what Stanza and UDPipe publish.
    """
    with reported_errors():
        from posattn import api

        if raw:
            if report_dir is not None:
                raise PosattnError("--report analyses tagging of the gold words: drop --raw")
            scores = api.load(model, precision=precision.value).evaluate_raw(
                files or None, split=split.value, data_dir=data_dir
            )
            if as_json:
                print(json.dumps(scores.to_json()))
                return
            from posattn.presentation.tables import print_raw_text_scores

            print_raw_text_scores(console, scores)
            return
        result = api.load(model, precision=precision.value).evaluate(
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
        typer.Argument(
            metavar="TEXT",
            help="Text to tag (one sentence per line), or - to read it from stdin.",
        ),
    ] = None,
    model: ModelDir = None,
    precision: PrecisionOption = PrecisionChoice.auto,
    input_file: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--input",
            "-i",
            metavar="FILE",
            help="File with one sentence per line (- for stdin).",
        ),
    ] = None,
    pretokenized: Annotated[
        bool,
        typer.Option(
            "--pretokenized",
            metavar=NO_METAVAR,
            help="Tokens are already separated by spaces (default: tokenise like EWT).",
        ),
    ] = False,
    output_format: Annotated[
        Optional[FormatName],  # noqa: UP045
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: table on the terminal, conllu with --output).",
        ),
    ] = None,
    attention: Annotated[
        bool,
        typer.Option(
            "--attention", metavar=NO_METAVAR, help="Show each layer's and head's attention map."
        ),
    ] = False,
    plot: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            metavar="FILE.png",
            help="With --attention: also draw the maps into this PNG (one sentence).",
        ),
    ] = None,
    layer: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="With --attention: only this layer, 1 = first (default: all)."),
    ] = None,
    head: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(help="With --attention: only this head, 1 = first (default: all)."),
    ] = None,
    average_heads: Annotated[
        bool,
        typer.Option(
            "--average-heads",
            metavar=NO_METAVAR,
            help="With --attention: one map per layer, the mean over heads.",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            metavar="N",
            help="Tag in N processes, one thread each (e.g. one per core); same output.",
        ),
    ] = 1,
    no_progress: Annotated[
        bool,
        typer.Option(
            "--no-progress",
            metavar=NO_METAVAR,
            help="No progress display (shown on stderr for --input when it is a terminal).",
        ),
    ] = False,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="Tag the --input files (a glob like 'corpus/*.txt' works) into this folder, "
            "one shard per file (default format there: conllu).",
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            help="With --output: local (--workers processes) or ray (a Ray cluster: "
            "RAY_ADDRESS, else a local one; pip install 'posattn\\[ray]').",
        ),
    ] = Engine.local,
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

        if output is not None or engine is not Engine.local:
            if input_file is None or output is None or text is not None or attention:
                raise PosattnError(
                    "--output and --engine tag files: give --input FILES and --output DIR "
                    "(no TEXT, no --attention)"
                )
            if output_format is TABLE:
                raise PosattnError("--output writes shards as conllu, tsv or json, not table")
            shard_format = output_format.value if output_format else "conllu"
            summary = api.load(model, precision=precision.value).tag_files(
                str(input_file),
                output,
                output_format=shard_format,  # type: ignore[arg-type]
                engine=engine.value,
                workers=workers,
            )
            done = f" ({len(summary.already_done)} already done)" if summary.already_done else ""
            error_console.print(
                f"{summary.sentences:,} sentences, {summary.tokens:,} tokens tagged into "
                f"{len(summary.shards)} file(s) in [bold]{output}[/]{done}",
                soft_wrap=True,
            )
            return
        from posattn.presentation.tagged import show_attention, write_sentence

        with _input_sentences(text, input_file) as (lines, stream):
            first = next(lines, None)
            if first is None:
                raise PosattnError("nothing to tag: the input is empty")
            if plot is not None and next(lines, None) is not None:
                raise PosattnError("--plot draws one sentence; the input has more")
            tagger = api.load(model, precision=precision.value)
            if attention:
                tagger.check_attention_view(layer, head)
            if not pretokenized and tagger.tokenizer == "neutral":
                error_console.print(
                    f"split into words by the language-neutral tokenizer, with what it learned "
                    f"from {tagger.treebank}'s tokens"
                )
            sentences = itertools.chain([first], lines)
            chosen = FORMATS[(output_format or TABLE).value]
            # With a machine format on stdout, what is for people goes to stderr.
            people = error_console if chosen.for_machines else console
            given = (line.split() for line in sentences) if pretokenized else sentences
            show_progress = stream is not None and error_console.is_terminal and not no_progress
            with _tagging_progress(stream if show_progress else None) as advance:
                if chosen.for_machines and not attention:
                    # Written where it is tagged: with --workers, in the workers.
                    for piece in tagger.tag_to_text(given, chosen.name, workers=workers):
                        sys.stdout.write(piece.text)
                        advance(piece.sentences, piece.tokens)
                    return
                tagged = tagger.tag_stream(given, workers=workers)
                for number, sentence in enumerate(tagged, start=1):
                    write_sentence(console, sentence, number, chosen)
                    advance(1, len(sentence))
                    if attention:
                        maps = tagger.attention(sentence.forms, layer, head, average_heads)
                        show_attention(people, sentence, maps, plot)


@contextmanager
def _tagging_progress(stream: BinaryIO | None) -> Iterator[Callable[[int, int], None]]:
    """`advance(sentences, tokens)` after each piece of output: a progress display on stderr
    while `stream` (the input) is read, nothing without one."""
    if stream is None:
        yield lambda sentences, tokens: None
        return
    from posattn.presentation.progress import TaggingProgress

    size = os.fstat(stream.fileno()).st_size if stream.seekable() else None
    with TaggingProgress(error_console, size or None) as progress:
        yield lambda sentences, tokens: progress.advance(
            sentences, tokens, stream.tell() if size else None
        )


@contextmanager
def _input_sentences(
    text: str | None, input_file: Path | None
) -> Iterator[tuple[Iterator[str], BinaryIO | None]]:
    """The input's sentences, read as they are tagged (a file or stdin a line at a time), and
    the stream they are read from (None for TEXT)."""
    from posattn.data.text import sentence_lines, stream_sentences

    if (text is None) == (input_file is None):
        raise PosattnError('give either TEXT or --input FILE (e.g. posattn tag "I saw a saw")')
    if input_file is not None and str(input_file) != "-":
        with input_file.open("rb") as stream:
            yield stream_sentences(stream, str(input_file)), stream
    elif text == "-" or input_file is not None:
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            raise PosattnError("stdin is closed: there is nothing to read")
        yield stream_sentences(sys.stdin.buffer, "stdin"), sys.stdin.buffer
    else:
        yield iter(sentence_lines(text or "")), None


@app.command()
def compare(
    suite: Annotated[
        Path,
        typer.Option(
            metavar="FILE",
            help="Suite file: base config, budgets, variants (default: the shipped "
            "configs/compare.yaml).",
        ),
    ] = Path("configs/compare.yaml"),
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            metavar=NO_METAVAR,
            help="The suite's quick budget: a first look in minutes (default: the full budget).",
        ),
    ] = False,
    budget: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            metavar="NAME",
            help="Another budget the suite names, e.g. one in wall-clock minutes (default: "
            "full, or quick with --quick).",
        ),
    ] = None,
    seeds: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--seeds",
            metavar="N,N,...",
            help="Train every variant with each of these seeds, e.g. --seeds 1,2,3 (default: "
            "the suite's seeds, or seed 1).",
        ),
    ] = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="Report folder (default: runs/SUITE[-BUDGET], SUITE the suite file's name).",
        ),
    ] = None,
    data_dir: DataDir = None,
    only: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            metavar="NAME",
            help="Train only this variant (repeatable; the others are reused if done; default: "
            "all).",
        ),
    ] = None,
) -> None:
    """Train every variant of a suite with the same seeds and budget; report on them side by side.

    Variants already trained with the same config are reused, so an interrupted suite resumes.
    """
    with reported_errors():
        from posattn import api
        from posattn.comparison import summarize
        from posattn.presentation.compare_report import treebank_of
        from posattn.presentation.progress import RichSuiteProgress
        from posattn.presentation.tables import print_comparison, print_summary

        if quick and budget is not None:
            raise PosattnError("--quick is --budget quick: give one of them")
        seed_list = None
        if seeds is not None:
            try:
                seed_list = [int(s) for s in seeds.replace(",", " ").split()]
            except ValueError:
                raise PosattnError(f"--seeds {seeds!r}: expected integers, e.g. 1,2,3") from None
        comparison = api.compare(
            suite,
            quick=quick,
            budget=budget,
            seeds=seed_list,
            output=output,
            data_dir=data_dir,
            only=only,
            progress=RichSuiteProgress(error_console),
        )
        outcomes = comparison.outcomes
        first = comparison.suite.sentences[0].text if comparison.suite.sentences else ""
        print_comparison(console, outcomes, first, treebank_of(outcomes))
        if len(comparison.suite.seeds) > 1:
            print_summary(console, summarize(comparison.suite, outcomes))
        console.print(f"report: [bold]{comparison.report}[/]")
        failed = [o.name for o in outcomes if o.status == "failed"]
        if failed:
            raise PosattnError(
                f"{len(failed)} variant(s) failed: {', '.join(failed)} (see {comparison.report})"
            )


@app.command()
def plot(
    runs: Annotated[
        list[Path], typer.Argument(metavar="RUN...", help="Run folders (with metrics.jsonl).")
    ],
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            "--output",
            "-o",
            metavar="FILE.png",
            help="PNG file (default: RUN/curves.png for one run).",
        ),
    ] = None,
) -> None:
    """Draw training curves (train loss, dev accuracy, learning rate); several runs on one plot."""
    with reported_errors():
        from posattn import api

        if output is None and len(runs) > 1:
            raise PosattnError("several runs: say where to draw them with --output FILE.png")
        target = api.draw_curves(runs, output or runs[0] / "curves.png")
        console.print(f"training curves drawn in [bold]{target}[/]")


@app.command()
def serve(
    model: ModelDir = None,
    precision: PrecisionOption = PrecisionChoice.auto,
    host: Annotated[
        str, typer.Option(help="Address to listen on (the default: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    max_bytes: Annotated[
        int, typer.Option(help="Largest request body in bytes; bigger ones get 413.")
    ] = 100_000,
    max_tokens: Annotated[
        int, typer.Option(help="Most tokens tagged in one request; more get 413.")
    ] = 10_000,
    max_attention_cells: Annotated[
        int,
        typer.Option(help="With attention: most sum of squared sentence lengths; more get 413."),
    ] = 100_000,
) -> None:
    """Serve a tagging page with attention maps at http://HOST:PORT/ and a JSON API
    (POST /api/tag, GET /api/model, docs at /docs); needs pip install 'posattn\\[serve]'."""
    with reported_errors():
        from posattn import api
        from posattn.server import Limits, build_app, listening_socket, run_app

        sock = listening_socket(host, port)  # a port in use is said before the model loads
        server = build_app(
            api.load(model, precision=precision.value),
            Limits(max_bytes, max_tokens, max_attention_cells),
        )
        where = f"[{host}]" if ":" in host else host
        error_console.print(
            f"posattn serves on [bold]http://{where}:{sock.getsockname()[1]}/[/] (Ctrl+C stops it)"
        )
        run_app(server, sock)


@app.command()
def models() -> None:
    """The models posattn can use: the one shipped with it and the finished runs under runs/,
    with their treebank and accuracy."""
    with reported_errors():
        from posattn.catalog import available_models
        from posattn.model.precision import bfloat16_hardware
        from posattn.presentation.tables import print_models

        print_models(console, available_models(), bfloat16_hardware())


@data_app.command("download")
def data_download(
    treebank: Annotated[str, typer.Argument(metavar="NAME", help="Which treebank.")] = "en_ewt",
) -> None:
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
    treebank: Annotated[
        str, typer.Option(metavar="NAME", help="Treebank to download if no folder is given.")
    ] = "en_ewt",
    top: Annotated[int, typer.Option(help="How many ambiguous forms to list.")] = 20,
    plot: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            metavar="FILE.png",
            help="Also draw the tag distribution and sentence lengths into this PNG.",
        ),
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
