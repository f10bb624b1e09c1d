"""The `posattn` command: thin wrappers that wire the library modules together.

Heavy modules (torch, datasets) are imported inside the commands, so `posattn --help` is instant.
Library code raises PosattnError for a user's mistake; `reported_errors` turns it into one red
line on stderr and exit status 1.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Optional

import typer
from rich.console import Console

from posattn.errors import PosattnError

if TYPE_CHECKING:
    from posattn.checkpoint import LoadedModel

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


class Split(str, Enum):
    dev = "dev"
    test = "test"


class OutputFormat(str, Enum):
    table = "table"
    tsv = "tsv"
    conllu = "conllu"
    json = "json"


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


def find_model_dir(model: Path | None) -> Path:
    if model is not None:
        return model
    trained = sorted(Path("runs").glob("*/model.safetensors"), key=lambda p: p.stat().st_mtime)
    if not trained:
        raise PosattnError(
            "no trained model under runs/: train one with `posattn train`, or pass --model DIR"
        )
    return trained[-1].parent


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
        from posattn.config import config_from_dict, load_config

        if resume is not None:
            if config or output or seed is not None or device or max_minutes or overrides:
                raise PosattnError("--resume continues a run with its own config: give it alone")
            settings = config_from_dict(_read_json(resume / "config.json"))
            run_dir = resume
        else:
            flags = {
                "data.data_dir": str(data_dir) if data_dir else None,
                "train.seed": seed,
                "train.device": device.value if device else None,
                "train.max_minutes": max_minutes,
            }
            settings = load_config(
                config or Path("configs/ewt.yaml"),
                overrides or [],
                {k: v for k, v in flags.items() if v is not None},
            )
            run_dir = output or Path("runs") / settings.name

        from posattn.progress import RichReporter
        from posattn.train import train as run_training

        result = run_training(settings, run_dir, RichReporter(console), resume=resume is not None)
        console.print(
            f"best dev accuracy [bold]{100 * result.best_dev_accuracy:.2f}%[/] at epoch "
            f"{result.best_epoch} ({result.stopped_because}; {result.seconds / 60:.1f} min, "
            f"{result.parameters:,} parameters); model saved in [bold]{run_dir}[/]"
        )


def _read_json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PosattnError(f"{path}: cannot read ({error.strerror})") from None
    except ValueError as error:
        raise PosattnError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise PosattnError(f"{path}: expected a JSON object")
    return data


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
        from posattn.checkpoint import load_model
        from posattn.data import find_split_files, load_treebank, read_conllu, resolve_data_dir
        from posattn.evaluate import check_gold_tags
        from posattn.evaluate import evaluate as score
        from posattn.inference import predict

        loaded = load_model(find_model_dir(model))
        if files:
            rows = [row for path in files for row in read_conllu(path)]
            words, gold = [r["words"] for r in rows], [r["upos"] for r in rows]
            heads = [r["heads"] for r in rows]
            source = ", ".join(map(str, files))
            if not rows:
                raise PosattnError(f"{source}: no sentences to evaluate")
        else:
            data = loaded.config.data
            folder = resolve_data_dir(data_dir or data.data_dir, data.treebank)
            part = load_treebank(folder, (split.value,))[split.value]
            words, gold, heads = part["words"], part["upos"], part["heads"]
            source = f"{folder} ({split.value})"
            files = [find_split_files(folder)[split.value]]
        check_gold_tags(gold, set(loaded.vocabs.tags.itos), files)
        predictions = predict(
            loaded.tagger,
            loaded.vocabs,
            words,
            max_word_length=loaded.config.data.max_word_length,
            heads=heads,
        )
        predicted = [p.tags for p in predictions]
        result = score(words, gold, predicted, loaded.vocabs)
        bands = None
        if report_dir is not None:
            from posattn.error_report import write_error_report

            bands = write_error_report(
                report_dir, words, gold, predicted, loaded.vocabs, result, source
            )
        if as_json:
            print(json.dumps({"source": source, **result.to_json()}))
            return
        from posattn.report import print_bands, print_evaluation

        print_evaluation(console, result, source)
        if bands is not None:
            print_bands(console, "Accuracy by sentence length (tokens)", bands[0])
            print_bands(console, "Accuracy by word frequency in train", bands[1])
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
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
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
        lines = _read_sentences(text, input_file)
        if plot is not None and len(lines) > 1:
            raise PosattnError(f"--plot draws one sentence; the input has {len(lines)}")
        from posattn import formats
        from posattn.checkpoint import load_model
        from posattn.inference import predict
        from posattn.tokenizer import tokenize

        loaded = load_model(find_model_dir(model))
        sentences = [line.split() if pretokenized else tokenize(line) for line in lines]
        predictions = predict(
            loaded.tagger,
            loaded.vocabs,
            sentences,
            max_word_length=loaded.config.data.max_word_length,
        )
        out = sys.stdout
        for number, (line, tokens, prediction) in enumerate(
            zip(lines, sentences, predictions, strict=True), start=1
        ):
            if output_format is OutputFormat.table:
                console.print(formats.to_table(tokens, prediction))
            elif output_format is OutputFormat.tsv:
                out.write(formats.to_tsv(tokens, prediction) + "\n")
            elif output_format is OutputFormat.conllu:
                out.write(formats.to_conllu(tokens, prediction, number, line) + "\n")
            else:
                out.write(formats.to_json(tokens, prediction) + "\n")
            if attention:
                _show_attention(loaded, tokens, prediction.tags, plot, layer, head, average_heads)


def _show_attention(
    loaded: LoadedModel,
    tokens: list[str],
    tags: list[str],
    plot: Path | None,
    layer: int | None,
    head: int | None,
    average_heads: bool,
) -> None:
    from posattn.checkpoint import atomic_write_bytes
    from posattn.inference import attention_maps
    from posattn.report import print_attention

    rows = attention_maps(
        loaded.tagger,
        loaded.vocabs,
        tokens,
        layer,
        head,
        average_heads,
        loaded.config.data.max_word_length,
    )
    for row in rows:
        for attention_map in row:
            print_attention(console, tokens, tags, attention_map)
    if plot is not None:
        from posattn.plots import attention_grid

        atomic_write_bytes(plot, attention_grid(tokens, tags, rows))
        console.print(f"attention maps drawn in [bold]{plot}[/]")


def _read_sentences(text: str | None, input_file: Path | None) -> list[str]:
    if (text is None) == (input_file is None):
        raise PosattnError('give either TEXT or --input FILE (e.g. posattn tag "I saw a saw")')
    if input_file is not None and str(input_file) != "-":
        try:
            raw = input_file.read_bytes()
        except OSError as error:
            raise PosattnError(f"{input_file}: cannot read ({error.strerror})") from None
        content = _decode(raw, str(input_file))
    elif text == "-" or input_file is not None:
        content = _decode(sys.stdin.buffer.read(), "stdin")
    else:
        content = text or ""
    # Control characters (NUL, escape sequences, ...) are not words: they separate them.
    content = "".join(
        " " if unicodedata.category(c) == "Cc" and c not in "\n\r" else c for c in content
    )
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    if not lines:
        raise PosattnError("nothing to tag: the input is empty")
    return lines


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PosattnError(f"{name}:{line}: not UTF-8 text (a binary file?)") from None


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
        from posattn.compare import load_suite, run_suite, write_report

        settings = load_suite(suite)
        budget: Literal["full", "quick"] = "quick" if quick else "full"
        folder = output or Path("runs") / ("compare-quick" if quick else "compare")

        from posattn.progress import RichSuiteProgress
        from posattn.report import print_comparison

        outcomes = run_suite(
            settings,
            budget,
            folder,
            str(data_dir) if data_dir else None,
            only,
            RichSuiteProgress(console),
        )
        report = write_report(settings, budget, outcomes, folder)
        first = settings.sentences[0].text if settings.sentences else ""
        print_comparison(console, outcomes, first)
        console.print(f"report: [bold]{report}[/]")
        failed = [o.name for o in outcomes if o.status == "failed"]
        if failed:
            raise PosattnError(
                f"{len(failed)} variant(s) failed: {', '.join(failed)} (see {report})"
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
        from posattn.train import draw_curves, read_metrics

        if output is None and len(runs) > 1:
            raise PosattnError("several runs: say where to draw them with --output FILE.png")
        target = output or runs[0] / "curves.png"
        names = [str(run) for run in runs]
        if len(set(names)) != len(names):
            raise PosattnError("a run folder is named twice")
        draw_curves(
            {name: read_metrics(run) for name, run in zip(names, runs, strict=True)}, target
        )
        console.print(f"training curves drawn in [bold]{target}[/]")


@data_app.command("download")
def data_download(
    treebank: Annotated[str, typer.Argument(help="Which treebank.")] = "en_ewt",
) -> None:
    """Download a treebank release into the cache and verify its checksums."""
    with reported_errors():
        from posattn.data import download

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
        from posattn.data import (
            find_split_files,
            load_treebank,
            reference_split,
            resolve_data_dir,
            treebank_stats,
        )
        from posattn.report import print_stats

        folder = resolve_data_dir(data_dir, treebank)
        splits = tuple(find_split_files(folder))
        treebank_data = load_treebank(folder, splits)
        stats = {
            split: treebank_stats(treebank_data[split]["words"], treebank_data[split]["upos"], top)
            for split in splits
        }
        print_stats(console, folder, stats)
        if plot is not None:
            from posattn.checkpoint import atomic_write_bytes
            from posattn.plots import treebank_overview

            tag_split = reference_split(stats)
            picture = treebank_overview(
                dict(stats[tag_split].tag_counts),
                tag_split,
                {split: s.lengths for split, s in stats.items()},
                f"Treebank in {folder.name}",
            )
            atomic_write_bytes(plot, picture)
            console.print(f"drawn in [bold]{plot}[/]")
