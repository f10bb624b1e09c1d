"""The Python API: everything the command line does, as a few functions and one tagger object.

    import posattn
    tagger = posattn.load("runs/ewt")          # a run folder or a model file
    doc = tagger.tag("I saw a saw")            # raw text, tokenised like `posattn tag`
    [(t.form, t.upos, round(t.probability, 3)) for t in doc.sentences[0]]
    tagger.tag([["I", "saw", "a", "saw"]])     # pretokenised
    tagger.evaluate("path/to/file.conllu")     # the numbers `posattn eval --json` prints
    posattn.train("configs/quick.yaml", data_dir=..., output=..., overrides={"train.epochs": 1})

Each command of the CLI is one call here plus printing; errors are `PosattnError`s whose message
is the one line the CLI shows.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from posattn.catalog import default_model, model_path
from posattn.comparison import Outcome, Suite, SuiteProgress, load_suite, run_suite
from posattn.config import Config, config_from_dict, config_to_dict, load_config, saved_config
from posattn.corpus import (
    Item,
    RenderedChunk,
    Result,
    chunked,
    input_files,
    map_in_processes,
    numbered_chunks,
    render_by_file,
    render_chunk,
    render_files_locally,
    tag_chunk,
    tag_files_with_ray,
)
from posattn.data.stats import TreebankStats, reference_split, treebank_stats
from posattn.data.text import sentence_lines
from posattn.data.tokenizer import TextToken
from posattn.data.treebank import find_split_files, load_treebank, resolve_data_dir
from posattn.errors import PosattnError
from posattn.evaluation.gold import (
    GoldSentences,
    gold_from_files,
    gold_from_split,
    score_model,
    score_raw_text,
)
from posattn.evaluation.scores import Evaluation
from posattn.evaluation.segmentation import RawTextScores
from posattn.files import atomic_write_bytes, read_json_object
from posattn.model.inference import (
    AttentionMap,
    Document,
    LoadedModel,
    TaggedSentence,
    check_attention_view,
)
from posattn.model.precision import Precision, name_of
from posattn.model.storage import load_model
from posattn.presentation import plots
from posattn.presentation.compare_report import write_report
from posattn.presentation.error_report import write_error_report
from posattn.presentation.formats import machine_format
from posattn.presentation.shards import ShardSummary, plan_shards, write_shards
from posattn.run_folder import RUNS_ROOT, RunFolder
from posattn.training.loop import Reporter, TrainResult
from posattn.training.loop import train as train_loop

DEFAULT_CONFIG = Path("configs/ewt.yaml")


class PosTagger:
    """A trained part-of-speech tagger: tag text, evaluate on treebank files, look inside."""

    def __init__(self, model: LoadedModel, path: Path) -> None:
        self.model = model
        self.path = path
        """Where the model was loaded from."""

    def __repr__(self) -> str:
        return f"PosTagger({str(self.path)!r})"

    @property
    def config(self) -> Config:
        """The config the model was trained with."""
        return self.model.config

    @property
    def metrics(self) -> dict[str, Any]:
        """What training recorded when it saved the model (epoch, dev accuracy, ...)."""
        return dict(self.model.meta.get("metrics", {}))

    @property
    def treebank(self) -> str:
        """The treebank it was trained on (`en_ewt`), as its files name it."""
        return self.model.vocabs.treebank or self.config.data.treebank

    @property
    def tokenizer(self) -> str:
        """How it splits raw text: `english` rules, or `neutral` ones for other languages (each
        with what it learned from its treebank's tokens)."""
        return self.model.vocabs.tokenizer.rules

    @property
    def provenance(self) -> dict[str, Any] | None:
        """Where the model came from (the command, package versions, the data's checksums, the
        git commit), if it sits in the run folder that trained it."""
        if "training" in self.model.meta:  # a shipped model carries its own
            return {key: self.model.meta[key] for key in ("training", "treebank")}
        folder = RunFolder(self.path if self.path.is_dir() else self.path.parent)
        if not folder.provenance.is_file():
            return None
        return read_json_object(folder.provenance)

    @property
    def precision(self) -> Precision:
        """What it tags in: `float32` or `bfloat16` (see `load`)."""
        return name_of(self.model.dtype)

    @property
    def tags(self) -> list[str]:
        """The tags the model can predict."""
        return list(self.model.vocabs.tags.itos)

    def tag(self, text: str | Sequence[str] | Sequence[Sequence[str]]) -> Document:
        """Tag raw text (a string: one sentence per line; or a list of such sentences), or
        pretokenised sentences (a list of token lists)."""
        if not isinstance(text, str | Sequence) or isinstance(text, bytes | bytearray):
            raise PosattnError(
                f"tag() takes text (str), a list of texts or a list of token lists, not "
                f"{type(text).__name__}" + (" (decode bytes first)" if _is_bytes(text) else "")
            )
        sentences = list(_one_sentence_each([text] if isinstance(text, str) else text))
        if not sentences:
            raise PosattnError("nothing to tag: the input is empty")
        return self.model.tag(sentences)

    def tag_stream(
        self,
        sentences: Iterable[str] | Iterable[Sequence[str]],
        chunk: int = 5000,
        workers: int = 1,
    ) -> Iterator[TaggedSentence]:
        """Tag sentences as they come and yield them in input order: raw text (each string's
        non-empty lines, as `tag` reads them: an open text file works) or token lists. `chunk`
        sentences are tagged at a time, so an input of any size is tagged in memory that does
        not grow with it; with `workers` > 1, that many processes tag chunks side by side (one
        thread and one copy of the model each), and the output is the same."""
        for tagged in self._each_chunk(tag_chunk, _chunks(sentences, chunk), workers):
            yield from tagged

    def tag_to_text(
        self,
        sentences: Iterable[str] | Iterable[Sequence[str]],
        output_format: str = "conllu",
        chunk: int = 5000,
        workers: int = 1,
    ) -> Iterator[RenderedChunk]:
        """`tag_stream`, written out: the text of each chunk of tagged sentences in a machine
        format (`conllu`, `tsv` or `json`; sentences numbered from 1), in input order. With
        `workers` > 1 the workers also write the text, which leaves the calling process little
        to do but pass it on."""
        render = functools.partial(render_chunk, render=machine_format(output_format))
        chunks = numbered_chunks(_chunks(sentences, chunk))
        yield from self._each_chunk(render, chunks, workers)

    def _each_chunk(
        self, task: Callable[[LoadedModel, Item], Result], chunks: Iterable[Item], workers: int
    ) -> Iterator[Result]:
        if workers < 1:
            raise PosattnError(f"workers must be at least 1, not {workers}")
        if workers == 1:
            return (task(self.model, chunk) for chunk in chunks)
        return map_in_processes(
            self.path, task, chunks, workers, str(self.model.device), self.precision
        )

    def tag_files(
        self,
        inputs: str | Path | Sequence[str | Path],
        output: str | Path,
        *,
        output_format: Literal["conllu", "tsv", "json"] = "conllu",
        engine: Literal["local", "ray"] = "local",
        workers: int = 1,
    ) -> ShardSummary:
        """Tag text files (paths or glob patterns like `corpus/*.txt`, one sentence per line)
        into the folder `output`, one shard per file (`a.txt` -> `a.conllu`), each written
        whole as it is finished. The same call again after an interruption continues it: the
        shards already finished (checked against the folder's manifest) are kept, the rest are
        tagged. `engine="local"` tags in `workers` processes on this machine; `"ray"` on a Ray
        cluster (the one at RAY_ADDRESS, else a local one; `pip install posattn[ray]`), with
        `workers` actors if more than 1, else one per CPU."""
        files = input_files([inputs] if isinstance(inputs, str | Path) else inputs)
        render = machine_format(output_format)
        plan = plan_shards(files, Path(output), output_format, self.model.sha256)
        pieces: Iterable[tuple[Path, RenderedChunk]] = ()
        if plan.todo and engine == "ray":
            actors = workers if workers > 1 else None
            tagged = tag_files_with_ray(self.path, plan.todo, actors, self.precision)
            pieces = render_by_file(tagged, render)
        elif plan.todo:
            each_chunk = functools.partial(self._each_chunk, workers=workers)
            pieces = render_files_locally(each_chunk, plan.todo, render)
        return write_shards(pieces, plan)

    def evaluate(
        self,
        files: str | Path | Sequence[str | Path] | None = None,
        *,
        split: Literal["dev", "test"] = "dev",
        data_dir: str | Path | None = None,
        report: str | Path | None = None,
    ) -> Evaluation:
        """Scores on CoNLL-U `files`, or else on a `split` of the model's treebank (or of
        `data_dir`); with `report`, also write the error analysis into that folder."""
        gold = self._gold(files, split, data_dir)
        evaluation, predicted = score_model(self.model, gold)
        if report is not None:
            write_error_report(Path(report), gold.words, gold.tags, predicted, evaluation)
        return evaluation

    def evaluate_raw(
        self,
        files: str | Path | Sequence[str | Path] | None = None,
        *,
        split: Literal["dev", "test"] = "dev",
        data_dir: str | Path | None = None,
    ) -> RawTextScores:
        """Tag the text of each gold sentence from scratch (tokenised by this model) and score
        tokens, words and UPOS against the gold words, as the CoNLL 2018 shared task does: the
        figure published for taggers on raw text."""
        return score_raw_text(self.model, self._gold(files, split, data_dir))

    def _gold(
        self,
        files: str | Path | Sequence[str | Path] | None,
        split: str,
        data_dir: str | Path | None,
    ) -> GoldSentences:
        if files is not None:
            paths = [Path(files)] if isinstance(files, str | Path) else [Path(f) for f in files]
            return gold_from_files(paths)
        data = self.config.data
        return gold_from_split(resolve_data_dir(data_dir or data.data_dir, data.treebank), split)

    def attention(
        self,
        sentence: str | Sequence[str],
        layer: int | None = None,
        head: int | None = None,
        average_heads: bool = False,
    ) -> list[list[AttentionMap]]:
        """The attention maps of one sentence (raw text or tokens): a row per layer (or only
        `layer`), each with every head (or only `head`, or their average)."""
        if isinstance(sentence, str):
            tokens = [word for token in self.tokenize(sentence) for word in token.words]
        elif not sentence:
            tokens = []  # an error there, after the checks of the model's attention
        else:
            tokens = list(next(_one_sentence_each([sentence])))
        return self.model.attention_maps(tokens, layer, head, average_heads)

    def check_attention_view(self, layer: int | None = None, head: int | None = None) -> None:
        """Raise PosattnError if `attention(..., layer, head)` would: a model without
        attention, or a layer or head it does not have (to refuse before tagging anything)."""
        check_attention_view(self.config.model, layer, head)

    def tokenize(self, text: str) -> list[TextToken]:
        """How raw text is split before it is tagged: each token with its syntactic words
        (`don't` = do + n't), where it stands in `text`, and whether a space follows it."""
        if not isinstance(text, str):
            raise PosattnError(f"tokenize() takes text (str), not {type(text).__name__}")
        return self.model.tokenize(text)


def _is_bytes(value: object) -> bool:
    return isinstance(value, bytes | bytearray | memoryview)


def _chunks(
    sentences: Iterable[str] | Iterable[Sequence[str]], size: int
) -> Iterator[list[str | list[str]]]:
    """The sentences (see `_one_sentence_each`) in lists of `size`, read as they are needed."""
    if size < 1:
        raise PosattnError(f"chunk must be at least 1, not {size}")
    return chunked(_one_sentence_each(sentences), size)


def _one_sentence_each(
    items: Iterable[str] | Iterable[Sequence[str]],
) -> Iterator[str | list[str]]:
    """Raw text split into its non-empty lines (one sentence each); token lists as they are.
    An empty token list, a token with nothing to read, or a tab or line break inside a token
    (which would break the CoNLL-U and TSV written from it) is an error naming it."""
    for number, item in enumerate(items, start=1):
        if isinstance(item, str):
            yield from sentence_lines(item)
            continue
        if _is_bytes(item) or not isinstance(item, Iterable):
            raise PosattnError(
                f"sentence {number} is {type(item).__name__}: give text (str) or a list of tokens"
            )
        tokens = list(item)
        if not tokens:
            raise PosattnError(f"sentence {number} has no tokens")
        # One search over the whole sentence finds any suspect token; only then is each token
        # looked at (a per-token loop here cost a tenth of tagging).
        if not all(isinstance(token, str) for token in tokens) or _SUSPECT.search(
            _SEPARATOR.join(tokens)
        ):
            _check_tokens(number, tokens)
        yield tokens


_SEPARATOR = "\x1f"
_SUSPECT = re.compile(r"(?:^|\x1f)\s*(?:\x1f|$)|[\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
"""In tokens joined by _SEPARATOR: an empty or blank token, or a tab or line break."""


def _check_tokens(number: int, tokens: list[Any]) -> None:
    for index, token in enumerate(tokens, start=1):
        if not isinstance(token, str):
            raise PosattnError(
                f"sentence {number}: token {index} is {type(token).__name__}, not text (str)"
            )
        if not token.strip():
            raise PosattnError(f"sentence {number}: token {index} is empty or only spaces")
        if "\t" in token or token.splitlines() != [token]:  # \n, \x85, U+2028, ...
            raise PosattnError(f"sentence {number}: token {index} holds a tab or line break")


def load(
    path: str | Path | None = None, device: str = "cpu", precision: Precision = "auto"
) -> PosTagger:
    """A trained model from a run folder, a model file, or the name of one shipped with posattn
    (`en_ewt`, `en_ewt-fast`; see `posattn models`). With none named: the latest finished
    run under runs/ if there is one, else the English model shipped with posattn; which one is
    said in one line on stderr. `precision`: what it tags in, `float32`, `bfloat16`, or `auto`:
    bfloat16 where the CPU multiplies it fast (AMX, AVX-512 BF16), else float32."""
    if path is None:
        choice = default_model()
        sys.stderr.write(f"posattn: {choice.describe()}\n")
        path = choice.path
    where = model_path(path)
    return PosTagger(load_model(where, device, precision), where)


def make_config(
    config: str | Path | Config | None = None,
    overrides: Sequence[str] | dict[str, Any] | None = None,
    data_dir: str | Path | None = None,
) -> Config:
    """A config from a YAML file (default: configs/ewt.yaml) or as given, with overrides either
    as `["section.key=value", ...]` or as `{"section.key": value}`, and the data folder."""
    folder = {"data.data_dir": str(data_dir)} if data_dir is not None else {}
    if isinstance(config, Config):
        if overrides:
            raise PosattnError("give overrides with a config file, not with a Config object")
        raw = config_to_dict(config)  # a copy: the caller's config stays as it is
        raw["data"].update({"data_dir": str(data_dir)} if data_dir is not None else {})
        return config_from_dict(raw, config.name)
    path = Path(config) if config is not None else DEFAULT_CONFIG
    if isinstance(overrides, dict):
        return load_config(path, (), {**overrides, **folder})
    return load_config(path, list(overrides or ()), folder)


def train(
    config: str | Path | Config | None = None,
    *,
    data_dir: str | Path | None = None,
    output: str | Path | None = None,
    overrides: Sequence[str] | dict[str, Any] | None = None,
    overwrite: bool = False,
    reporter: Reporter | None = None,
    command: list[str] | None = None,
) -> TrainResult:
    """Train a tagger; the best model by dev accuracy ends up in `output` (default:
    runs/<config name>), with its metrics and training curves. An `output` that already holds
    something is refused, or with `overwrite` replaced once the new run has a model. `command`
    is recorded in the run's provenance (the CLI passes its command line)."""
    settings = make_config(config, overrides, data_dir)
    folder = RunFolder(Path(output) if output is not None else RUNS_ROOT / settings.name)
    result = train_loop(settings, folder.path, reporter, command=command, overwrite=overwrite)
    done = RunFolder(Path(result.run_dir))
    draw_curves([done.path], done.curves, names=[settings.name])
    return result


def resume(
    run: str | Path, *, reporter: Reporter | None = None, command: list[str] | None = None
) -> TrainResult:
    """Continue a run stopped by Ctrl-C, SIGTERM or a crash, with its own config."""
    folder = RunFolder(Path(run))
    settings = saved_config(read_json_object(folder.config))
    result = train_loop(settings, folder.path, reporter, resume=True, command=command)
    done = RunFolder(Path(result.run_dir))
    draw_curves([done.path], done.curves, names=[settings.name])
    return result


def draw_curves(
    runs: Sequence[str | Path], output: str | Path, names: list[str] | None = None
) -> Path:
    """Training curves (train loss, dev accuracy, learning rate) of one or more runs as a PNG."""
    folders = [RunFolder(Path(run)) for run in runs]
    labels = names or [str(run) for run in runs]
    if len(set(labels)) != len(labels):
        raise PosattnError("a run folder is named twice")
    curves = {label: f.read_metrics() for label, f in zip(labels, folders, strict=True)}
    atomic_write_bytes(Path(output), plots.training_curves(curves))
    return Path(output)


@dataclass
class Comparison:
    suite: Suite
    outcomes: list[Outcome]
    report: Path
    """REPORT.md; results.json and the pictures lie beside it."""


def compare(
    suite: str | Path = "configs/compare.yaml",
    *,
    quick: bool = False,
    budget: str | None = None,
    seeds: Sequence[int] | None = None,
    output: str | Path | None = None,
    data_dir: str | Path | None = None,
    only: Sequence[str] | None = None,
    progress: SuiteProgress | None = None,
) -> Comparison:
    """Train every variant of a suite under one budget (`full`, `quick` or another the suite
    names), with each of its seeds (or `seeds`), and report on them side by side: means and
    spreads over seeds, and a paired test against the suite's reference variant. Runs already
    trained with the same config are reused."""
    settings = load_suite(Path(suite))
    if seeds:
        settings = dataclasses.replace(settings, seeds=list(seeds))
    budget = budget or ("quick" if quick else "full")
    # Named after the suite, so two suites with a variant of the same name never share a run.
    default = settings.path.stem if budget == "full" else f"{settings.path.stem}-{budget}"
    folder = Path(output) if output is not None else RUNS_ROOT / default
    outcomes = run_suite(
        settings,
        budget,
        folder,
        str(data_dir) if data_dir is not None else None,
        list(only) if only else None,
        progress,
    )
    for outcome in outcomes:
        if outcome.status == "trained":
            run = RunFolder(folder / outcome.run)
            draw_curves([run.path], run.curves, names=[outcome.label])
    return Comparison(settings, outcomes, write_report(settings, budget, outcomes, folder))


@dataclass
class TreebankOverview:
    folder: Path
    stats: dict[str, TreebankStats]
    """Per split."""


def treebank_overview(
    data_dir: str | Path | None = None,
    treebank: str = "en_ewt",
    top: int = 20,
    plot: str | Path | None = None,
) -> TreebankOverview:
    """Sentences, tokens, tag distribution and the most ambiguous forms of each split; with
    `plot`, also draw the tag distribution and sentence lengths into that PNG."""
    folder = resolve_data_dir(data_dir, treebank)
    splits = tuple(find_split_files(folder))
    data = load_treebank(folder, splits)
    stats = {
        split: treebank_stats(data[split]["words"], data[split]["upos"], top) for split in splits
    }
    if plot is not None:
        tag_split = reference_split(stats)
        picture = plots.treebank_overview(
            dict(stats[tag_split].tag_counts),
            tag_split,
            {split: s.lengths for split, s in stats.items()},
            f"Treebank in {folder.name}",
        )
        atomic_write_bytes(Path(plot), picture)
    return TreebankOverview(folder, stats)
