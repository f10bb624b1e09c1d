"""What a trained model is worth, in numbers: accuracy on dev and test (overall, unknown words,
ambiguous words), tagging speed, size, and its tags for a few telling sentences.

Shared by `posattn compare` and `scripts/benchmark.py`, so both report the same quantities.
`Measurement.to_json` is the one place its JSON is written (a run's outcome.json, results.json,
benchmark.json) and `Measurement.from_json` reads it back.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posattn.data.treebank import load_treebank, resolve_data_dir, treebank_name
from posattn.evaluation.gold import evaluate_predictions
from posattn.model.network import count_parameters
from posattn.tagging.inference import load_model

if TYPE_CHECKING:
    from datasets import Dataset

    from posattn.tagging.inference import LoadedModel


@dataclass(frozen=True)
class SplitScores:
    """How well a model tags one split of its treebank, on the gold tokens."""

    accuracy: float
    """UPOS accuracy over every token."""
    target_accuracies: dict[str, float]
    """Accuracy of each other target the model predicts (`xpos`, `feats`), in the order of its
    config's `model.targets`; empty for a UPOS-only model."""
    oov_accuracy: float | None
    """UPOS accuracy on words not in train; None where the split has none."""
    ambiguous_accuracy: float | None
    """UPOS accuracy on words seen with 2+ tags in train; None where the split has none."""
    tokens: int

    def json_fields(self, split: str) -> dict[str, Any]:
        """Flat, named after the split: `dev_accuracy`, `dev_xpos_accuracy`, ..., `dev_tokens`."""
        return {
            f"{split}_accuracy": self.accuracy,
            **{f"{split}_{name}_accuracy": a for name, a in self.target_accuracies.items()},
            f"{split}_oov_accuracy": self.oov_accuracy,
            f"{split}_ambiguous_accuracy": self.ambiguous_accuracy,
            f"{split}_tokens": self.tokens,
        }

    @classmethod
    def from_json_fields(cls, data: dict[str, Any], split: str) -> SplitScores:
        # The other targets are whichever `<split>_<target>_accuracy` keys the file has, in its
        # order, which is the model's order of targets.
        named = (re.fullmatch(rf"{split}_(\w+)_accuracy", key) for key in data)
        targets = [m[1] for m in named if m and m[1] not in ("oov", "ambiguous")]
        return cls(
            accuracy=_number(data[f"{split}_accuracy"]),
            target_accuracies={t: _number(data[f"{split}_{t}_accuracy"]) for t in targets},
            oov_accuracy=_number_or_none(data[f"{split}_oov_accuracy"]),
            ambiguous_accuracy=_number_or_none(data[f"{split}_ambiguous_accuracy"]),
            tokens=_integer(data[f"{split}_tokens"]),
        )


@dataclass(frozen=True)
class Measurement:
    """What `measure_model` finds out about a trained model."""

    treebank: str
    """The treebank it was measured on, as its files name it (`en_ewt`)."""
    dev: SplitScores
    test: SplitScores
    tagging_tokens_per_second: float
    """Tagging the whole test set, model loading excluded; differs from run to run."""
    test_correct: tuple[bool, ...] | None
    """Whether it tagged each test token right, token by token in file order, for paired tests
    between models. None when read back from JSON that leaves it out (results.json)."""
    tags: dict[str, str]
    """The tags it gives each sentence it was asked to tag, space-separated:
    {"I saw a saw": "PRON VERB DET NOUN"}. Empty for a model that needs gold dependency trees,
    which cannot tag raw text."""
    parameters: int
    """Trainable parameters."""

    def to_json(self, *, with_test_correct: bool = True, with_tags: bool = True) -> dict[str, Any]:
        """The flat object outcome.json, results.json and benchmark.json have always held; its
        keys and their order are part of those files' format. `test_correct` is the string of
        `1` (right) and `0` (wrong). results.json leaves `test_correct` out (it stays in each
        run's outcome.json); benchmark.json shows one sentence's tags under its own key."""
        data: dict[str, Any] = {"treebank": self.treebank}
        data.update(self.dev.json_fields("dev"))
        data.update(self.test.json_fields("test"))
        data["tagging_tokens_per_second"] = self.tagging_tokens_per_second
        if with_test_correct and self.test_correct is not None:
            data["test_correct"] = "".join("1" if right else "0" for right in self.test_correct)
        if with_tags:
            data["tags"] = dict(self.tags)
        data["parameters"] = self.parameters
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Measurement:
        """Read back what `to_json` wrote, by this version or an earlier one, with its tags (so
        not benchmark.json). A key missing or of the wrong type is a KeyError, TypeError or
        ValueError."""
        correct = data.get("test_correct")
        if correct is not None and (not isinstance(correct, str) or set(correct) - {"0", "1"}):
            raise ValueError("test_correct must be a string of 0s and 1s")
        tags = data["tags"]
        if not isinstance(tags, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
        ):
            raise TypeError("tags must map each sentence to its tags")
        treebank = data["treebank"]
        if not isinstance(treebank, str):
            raise TypeError("treebank must be a name")
        return cls(
            treebank=treebank,
            dev=SplitScores.from_json_fields(data, "dev"),
            test=SplitScores.from_json_fields(data, "test"),
            tagging_tokens_per_second=_number(data["tagging_tokens_per_second"]),
            test_correct=None if correct is None else tuple(c == "1" for c in correct),
            tags=tags,
            parameters=_integer(data["parameters"]),
        )


# The values are kept as read (an int stays an int), so that what is written back is the same.
def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, found {value!r}")
    return value


def _number_or_none(value: Any) -> float | None:
    return None if value is None else _number(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, found {value!r}")
    return value


def measure_model(
    model_path: Path, data_dir: str | None = None, sentences: tuple[str, ...] = ("I saw a saw",)
) -> Measurement:
    """Scores on dev and test (UPOS; XPOS and FEATS too where the model predicts them), test
    tokens/s (model loading excluded), parameters, which test tokens it tags right, and its tags
    for each of `sentences` (tokenised like `posattn tag`)."""
    loaded = load_model(model_path)
    data = loaded.config.data
    folder = resolve_data_dir(data_dir or data.data_dir, data.treebank)
    treebank = load_treebank(folder, ("dev", "test"))
    dev, _, _ = _tag_split(loaded, treebank["dev"])
    test, tokens_per_second, test_correct = _tag_split(loaded, treebank["test"])
    tags: dict[str, str] = {}
    if not loaded.needs_trees:  # raw text has no trees
        tagged = loaded.tag(list(sentences)).sentences
        tags = {sentence: " ".join(t.tags) for sentence, t in zip(sentences, tagged, strict=True)}
    return Measurement(
        treebank=treebank_name(folder),
        dev=dev,
        test=test,
        tagging_tokens_per_second=tokens_per_second,
        test_correct=test_correct,
        tags=tags,
        parameters=count_parameters(loaded.network),
    )


def _tag_split(loaded: LoadedModel, split: Dataset) -> tuple[SplitScores, float, tuple[bool, ...]]:
    """The model's scores on one split, how many tokens/s it tagged, and whether it tagged each
    token right."""
    # Plain lists: indexing a `datasets` column row by row would be timed as tagging.
    words, gold = list(split["words"]), list(split["upos"])
    # Fetching the trees is not tagging time (and only a tree model reads them).
    heads = list(split["heads"]) if loaded.needs_trees else None
    started = time.perf_counter()
    predictions = loaded.predict(words, heads)
    seconds = time.perf_counter() - started
    others: dict[str, list[list[str]]] = {
        name: list(split[name]) for name in loaded.config.model.targets[1:]
    }
    scores = evaluate_predictions(loaded, words, gold, others, predictions)
    right = tuple(
        p == g
        for prediction, sentence_gold in zip(predictions, gold, strict=True)
        for p, g in zip(prediction.tags, sentence_gold, strict=True)
    )
    split_scores = SplitScores(
        accuracy=scores.accuracy,
        target_accuracies={name: t.accuracy for name, t in scores.targets.items()},
        oov_accuracy=scores.oov_accuracy,
        ambiguous_accuracy=scores.ambiguous_accuracy,
        tokens=scores.tokens,
    )
    return split_scores, scores.tokens / seconds, right
