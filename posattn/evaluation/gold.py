"""A trained model against gold tags: read the gold sentences (files, or a treebank's split), let
the model tag them, score the result -- on the gold words, or on raw text (the `# text` lines,
tokenised by the model, aligned to the gold words as the CoNLL 2018 shared task does)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posattn.data.conllu import read_conllu
from posattn.data.tokenizer import WrittenToken
from posattn.data.treebank import COLUMNS, EXTRA_TARGETS, load_treebank, surface_tokens
from posattn.errors import PosattnError
from posattn.evaluation.scores import Evaluation, evaluate
from posattn.evaluation.segmentation import RawTextScores, TaggedToken
from posattn.tagging.document import Prediction
from posattn.tagging.inference import LoadedModel


@dataclass
class GoldSentences:
    source: str
    """How reports name it: the files, or the folder and split."""
    words: list[list[str]]
    tags: list[list[str]]
    heads: list[list[int]]
    texts: list[str]
    """Each sentence as it was written (its `# text`)."""
    tokens: list[list[WrittenToken]]
    targets: dict[str, list[list[str]]]
    """The gold labels of the other targets (`xpos`, `feats`)."""


def _gold(source: str, columns: dict[str, Any]) -> GoldSentences:
    return GoldSentences(
        source,
        columns["words"],
        columns["upos"],
        columns["heads"],
        columns["text"],
        surface_tokens(columns),
        {target: list(columns[target]) for target in EXTRA_TARGETS},
    )


def gold_from_files(paths: list[Path]) -> GoldSentences:
    rows = [row for path in paths for row in read_conllu(path)]
    source = ", ".join(map(str, paths))
    if not rows:
        raise PosattnError(f"{source}: no sentences to evaluate")
    return _gold(source, {column: [row[column] for row in rows] for column in COLUMNS})


def gold_from_split(folder: Path, split: str) -> GoldSentences:
    part = load_treebank(folder, (split,))[split]
    return _gold(f"{folder} ({split})", {column: part[column] for column in COLUMNS})


def score_model(loaded: LoadedModel, gold: GoldSentences) -> tuple[Evaluation, list[list[str]]]:
    """The model's scores on `gold` (UPOS, and each other target it predicts), and the UPOS tags
    it predicted."""
    predictions = loaded.predict(gold.words, gold.heads)
    evaluation = evaluate_predictions(
        loaded, gold.words, gold.tags, gold.targets, predictions, gold.source
    )
    return evaluation, [p.tags for p in predictions]


def evaluate_predictions(
    loaded: LoadedModel,
    words: list[list[str]],
    tags: list[list[str]],
    targets: dict[str, list[list[str]]],
    predictions: list[Prediction],
    source: str = "",
) -> Evaluation:
    """Scores of the model's `predictions` against the gold UPOS `tags` and the gold labels of
    each other target it predicts (`targets`: at least those)."""
    pairs: dict[str, tuple[list[list[str]], list[list[str]]]] = {
        name: (targets[name], [p.targets[name] for p in predictions])
        for name in loaded.config.model.targets[1:]
    }
    predicted = [p.tags for p in predictions]
    return evaluate(words, tags, predicted, loaded.vocabs, source, targets=pairs)


def score_raw_text(loaded: LoadedModel, gold: GoldSentences) -> RawTextScores:
    """Tokens, words and UPOS F1 of tagging each sentence's text from scratch."""
    if loaded.needs_trees:
        raise PosattnError("this model attends along gold dependency trees: it cannot tag text")
    scores = RawTextScores(source=gold.source)
    document = loaded.tag(gold.texts)
    for tokens, tags, tagged in zip(gold.tokens, gold.tags, document.sentences, strict=True):
        system = [(t.form, t.words) for t in tagged.surface]
        scores.add(_with_tags(tokens, tags), _with_tags(system, tagged.tags))
    return scores


def _with_tags(
    tokens: Sequence[tuple[str, tuple[str, ...]] | WrittenToken], tags: list[str]
) -> list[TaggedToken]:
    """Hand each token the tags of its words, in order."""
    tagged, position = [], 0
    for form, words, *_ in tokens:
        tagged.append(TaggedToken(form, words, tuple(tags[position : position + len(words)])))
        position += len(words)
    return tagged
