"""A trained model against gold tags: read the gold sentences (files, or a treebank's split), let
the model tag them, score the result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from posattn.data.conllu import read_conllu
from posattn.data.treebank import load_treebank
from posattn.errors import PosattnError
from posattn.evaluation.scores import Evaluation, evaluate
from posattn.model.inference import LoadedModel


@dataclass
class GoldSentences:
    source: str
    """How reports name it: the files, or the folder and split."""
    words: list[list[str]]
    tags: list[list[str]]
    heads: list[list[int]]


def gold_from_files(paths: list[Path]) -> GoldSentences:
    rows = [row for path in paths for row in read_conllu(path)]
    source = ", ".join(map(str, paths))
    if not rows:
        raise PosattnError(f"{source}: no sentences to evaluate")
    return GoldSentences(
        source,
        [r["words"] for r in rows],
        [r["upos"] for r in rows],
        [r["heads"] for r in rows],
    )


def gold_from_split(folder: Path, split: str) -> GoldSentences:
    part = load_treebank(folder, (split,))[split]
    return GoldSentences(
        f"{folder} ({split})",
        part["words"],
        part["upos"],
        part["heads"],
    )


def score_model(loaded: LoadedModel, gold: GoldSentences) -> tuple[Evaluation, list[list[str]]]:
    """The model's scores on `gold`, and the tags it predicted."""
    predicted = [p.tags for p in loaded.predict(gold.words, gold.heads)]
    return evaluate(gold.words, gold.tags, predicted, loaded.vocabs, gold.source), predicted
