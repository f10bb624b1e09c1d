"""The tagger a Python user holds: `posattn.load()` and `PosTagger`, which tags text, files and
corpora, evaluates on treebank files and shows attention; and `evaluate`, what `posattn eval`
does in one call.

    import posattn
    tagger = posattn.load()                    # the latest finished run under runs/, else en_ewt
    doc = tagger.tag("I saw a saw")            # raw text, tokenised like `posattn tag`
    [(t.form, t.upos, round(t.probability, 3)) for t in doc.sentences[0]]
    tagger.tag([["I", "saw", "a", "saw"]])     # pretokenised
    tagger.evaluate("path/to/file.conllu")     # the numbers `posattn eval --json` prints

One `PosTagger` may be used from several threads at once.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from posattn.catalog import default_model, model_path
from posattn.config import Config
from posattn.data.tokenizer import TextToken
from posattn.data.treebank import resolve_data_dir
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
from posattn.files import read_json_object
from posattn.presentation.error_report import write_error_report
from posattn.run_folder import RunFolder
from posattn.tagging.attention_maps import check_attention_view
from posattn.tagging.document import AttentionMap, Document, TaggedSentence
from posattn.tagging.formats import machine_format
from posattn.tagging.inference import LoadedModel, load_model
from posattn.tagging.parallel import (
    Item,
    RenderedChunk,
    Result,
    input_files,
    map_in_processes,
    numbered_chunks,
    render_by_file,
    render_chunk,
    render_files_locally,
    sentence_chunks,
    tag_chunk,
    tag_files_with_ray,
)
from posattn.tagging.precision import Precision, name_of
from posattn.tagging.sentences import is_bytes, one_sentence_each
from posattn.tagging.shards import ShardSummary, plan_shards, write_shards


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
        """Where the model came from: a shipped model's header says how it was trained and on
        what; a run's `run.json` (the command, package versions, the data's checksums, the git
        commit), if the model sits in the run folder that trained it."""
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
        if is_bytes(text) or not isinstance(text, str | Sequence):
            raise PosattnError(
                f"tag() takes text (str), a list of texts or a list of token lists, not "
                f"{type(text).__name__}" + (" (decode bytes first)" if is_bytes(text) else "")
            )
        sentences = list(one_sentence_each([text] if isinstance(text, str) else text))
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
        for tagged in self._each_chunk(tag_chunk, sentence_chunks(sentences, chunk), workers):
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
        chunks = numbered_chunks(sentence_chunks(sentences, chunk))
        yield from self._each_chunk(render, chunks, workers)

    def _each_chunk(
        self, task: Callable[[LoadedModel, Item], Result], chunks: Iterable[Item], workers: int
    ) -> Iterator[Result]:
        if workers < 1:
            raise PosattnError(f"workers={workers}: must be at least 1")
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
        output_format: str = "conllu",
        engine: Literal["local", "ray"] = "local",
        workers: int = 1,
    ) -> ShardSummary:
        """Tag text files (paths or glob patterns like `corpus/*.txt`, one sentence per line)
        into the folder `output`, one shard per file (`a.txt` -> `a.conllu`; `output_format`
        `conllu`, `tsv` or `json`), each written
        whole as it is finished. The same call again after an interruption continues it: the
        shards already finished (checked against the folder's manifest) are kept, the rest are
        tagged. `engine="local"` tags in `workers` processes on this machine; `"ray"` on a Ray
        cluster (the one at RAY_ADDRESS, else a local one; `pip install posattn[ray]`), with
        `workers` actors if more than 1, else one per CPU."""
        files = input_files([inputs] if isinstance(inputs, str | Path) else inputs)
        render = machine_format(output_format)
        plan = plan_shards(files, Path(output), output_format, self.model.sha256, self.precision)
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
            tokens = list(next(one_sentence_each([sentence])))
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


def evaluate(
    model: str | Path | None = None,
    *,
    precision: Precision = "float32",
    files: str | Path | Sequence[str | Path] | None = None,
    split: Literal["dev", "test"] = "dev",
    data_dir: str | Path | None = None,
    report: str | Path | None = None,
    raw: bool = False,
) -> Evaluation | RawTextScores:
    """What `posattn eval` does: load `model` (see `load`) and score it on `files` or a split,
    on the gold words (with `report`, the error analysis too) or, with `raw`, from each
    sentence's raw text. In float32 unless told otherwise: the precision the recorded figures
    (training's dev accuracy, the shipped models' scores) were measured in."""
    if raw and report is not None:
        raise PosattnError("report= analyses the tagging of the gold words: not with raw=True")
    tagger = load(model, precision=precision)
    if raw:
        return tagger.evaluate_raw(files, split=split, data_dir=data_dir)
    return tagger.evaluate(files, split=split, data_dir=data_dir, report=report)
