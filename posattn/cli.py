"""The `posattn` command: thin wrappers that wire the library modules together.

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
    typer.Option("--model", help="Model folder [default: the most recently trained under runs/]."),
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
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        error_console.print("[bold red]interrupted[/]")
        raise typer.Exit(130) from None


def find_model_dir(model: Path | None) -> Path:
    if model is not None:
        return model
    trained = sorted(Path("runs").glob("*/model.json"), key=lambda p: p.stat().st_mtime)
    if not trained:
        raise PosattnError(
            "no trained model under runs/: train one with `posattn train`, or pass --model DIR"
        )
    return trained[-1].parent


@app.command()
def train(
    config: Annotated[Path, typer.Option("--config", "-c", help="YAML config file.")] = Path(
        "configs/ewt.yaml"
    ),
    data_dir: DataDir = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="Run folder [default: runs/<config name>]."),
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
) -> None:
    """Train a tagger; the best model by dev accuracy is saved in the run folder."""
    with reported_errors():
        from posattn.config import load_config

        flags = {
            "data.data_dir": str(data_dir) if data_dir else None,
            "train.seed": seed,
            "train.device": device.value if device else None,
            "train.max_minutes": max_minutes,
        }
        settings = load_config(
            config, overrides or [], {k: v for k, v in flags.items() if v is not None}
        )
        run_dir = output or Path("runs") / settings.name

        from posattn.progress import RichReporter
        from posattn.train import train as run_training

        result = run_training(settings, run_dir, RichReporter(console))
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
) -> None:
    """Accuracy (overall, unknown words, ambiguous words), per-tag P/R/F1 and top confusions."""
    with reported_errors():
        from posattn.checkpoint import load_model
        from posattn.data import load_treebank, read_conllu, resolve_data_dir
        from posattn.evaluate import evaluate as score
        from posattn.inference import predict

        loaded = load_model(find_model_dir(model))
        if files:
            rows = [row for path in files for row in read_conllu(path)]
            words, gold = [r["words"] for r in rows], [r["upos"] for r in rows]
            source = ", ".join(map(str, files))
        else:
            data = loaded.config.data
            folder = resolve_data_dir(data_dir or data.data_dir, data.treebank)
            part = load_treebank(folder, (split.value,))[split.value]
            words, gold = part["words"], part["upos"]
            source = f"{folder} ({split.value})"
        predictions = predict(
            loaded.tagger, loaded.vocabs, words, max_word_length=loaded.config.data.max_word_length
        )
        result = score(words, gold, [p.tags for p in predictions], loaded.vocabs)
        if as_json:
            print(json.dumps({"source": source, **result.to_json()}))
            return
        from posattn.report import print_evaluation

        print_evaluation(console, result, source)


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
) -> None:
    """Tag raw text: `posattn tag "I saw a saw"`."""
    with reported_errors():
        lines = _read_sentences(text, input_file)
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


def _read_sentences(text: str | None, input_file: Path | None) -> list[str]:
    if (text is None) == (input_file is None):
        raise PosattnError('give either TEXT or --input FILE (e.g. posattn tag "I saw a saw")')
    if input_file is not None and str(input_file) != "-":
        try:
            raw = input_file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise PosattnError(f"{input_file}: not UTF-8 text") from None
        except OSError as error:
            raise PosattnError(f"{input_file}: cannot read ({error.strerror})") from None
    elif text == "-" or input_file is not None:
        raw = sys.stdin.read()
    else:
        raw = text or ""
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if not lines:
        raise PosattnError("nothing to tag: the input is empty")
    return lines


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
) -> None:
    """Sentences and tokens per split, the tag distribution, the most ambiguous word forms."""
    with reported_errors():
        from posattn.data import (
            find_split_files,
            load_treebank,
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
