"""What a trained model is worth, in numbers: accuracy on dev and test (overall, unknown words,
ambiguous words), tagging speed, size, and its tags for a few telling sentences.

Shared by `posattn compare` and `scripts/benchmark.py`, so both report the same quantities.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from posattn.data.treebank import load_treebank, resolve_data_dir, treebank_name
from posattn.evaluation.gold import evaluate_predictions
from posattn.model.storage import load_model
from posattn.model.tagger import count_parameters


def measure_model(
    model_path: Path, data_dir: str | None = None, sentences: tuple[str, ...] = ("I saw a saw",)
) -> dict[str, Any]:
    """Scores on dev and test (UPOS; XPOS and FEATS too where the model predicts them), test
    tokens/s (model loading excluded), parameters, and
    `tags` = {sentence: "PRON VERB ..."} for each of `sentences` (tokenised like `posattn tag`)."""
    loaded = load_model(model_path)
    data = loaded.config.data
    folder = resolve_data_dir(data_dir or data.data_dir, data.treebank)
    treebank = load_treebank(folder, ("dev", "test"))
    results: dict[str, Any] = {"treebank": treebank_name(folder)}
    for split in ("dev", "test"):
        # Plain lists: indexing a `datasets` column row by row would be timed as tagging.
        words, gold = list(treebank[split]["words"]), list(treebank[split]["upos"])
        # Fetching the trees is not tagging time (and only a tree model reads them).
        heads = list(treebank[split]["heads"]) if loaded.needs_trees else None
        started = time.perf_counter()
        predictions = loaded.predict(words, heads)
        seconds = time.perf_counter() - started
        predicted = [p.tags for p in predictions]
        others: dict[str, list[list[str]]] = {
            name: list(treebank[split][name]) for name in loaded.config.model.targets[1:]
        }
        scores = evaluate_predictions(loaded, words, gold, others, predictions)
        results[f"{split}_accuracy"] = scores.accuracy
        for name, target in scores.targets.items():
            results[f"{split}_{name}_accuracy"] = target.accuracy
        results[f"{split}_oov_accuracy"] = scores.oov_accuracy
        results[f"{split}_ambiguous_accuracy"] = scores.ambiguous_accuracy
        results[f"{split}_tokens"] = scores.tokens
        if split == "test":
            results["tagging_tokens_per_second"] = scores.tokens / seconds
            # Token by token, for paired tests between models ("1": tagged right).
            results["test_correct"] = "".join(
                "1" if p == g else "0"
                for sentence_p, sentence_g in zip(predicted, gold, strict=True)
                for p, g in zip(sentence_p, sentence_g, strict=True)
            )
    results["tags"] = {}
    if not loaded.needs_trees:  # raw text has no trees
        tagged = loaded.tag(list(sentences)).sentences
        results["tags"] = {
            sentence: " ".join(t.tags) for sentence, t in zip(sentences, tagged, strict=True)
        }
    results["parameters"] = count_parameters(loaded.tagger)
    return results
