"""What a trained model is worth, in numbers: accuracy on dev and test (overall, unknown words,
ambiguous words), tagging speed, size, and its tags for a few telling sentences.

Shared by `posattn compare` and `scripts/benchmark.py`, so both report the same quantities.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from posattn.checkpoint import load_model
from posattn.data import load_treebank, resolve_data_dir
from posattn.evaluate import evaluate
from posattn.inference import predict
from posattn.tokenizer import tokenize
from posattn.train import count_parameters


def measure_model(
    run_dir: Path, data_dir: str | None = None, sentences: tuple[str, ...] = ("I saw a saw",)
) -> dict[str, Any]:
    """Scores on dev and test, test tokens/s (model loading excluded), parameters, and
    `tags` = {sentence: "PRON VERB ..."} for each of `sentences` (tokenised like `posattn tag`)."""
    loaded = load_model(run_dir)
    data = loaded.config.data
    folder = resolve_data_dir(data_dir or data.data_dir, data.treebank)
    treebank = load_treebank(folder, ("dev", "test"))
    results: dict[str, Any] = {}
    for split in ("dev", "test"):
        words, gold = treebank[split]["words"], treebank[split]["upos"]
        # Only a dependency-tree model reads the trees; fetching them is not tagging time.
        heads = treebank[split]["heads"] if loaded.config.model.attention_graph else None
        started = time.perf_counter()
        predictions = predict(
            loaded.tagger, loaded.vocabs, words, max_word_length=data.max_word_length, heads=heads
        )
        seconds = time.perf_counter() - started
        scores = evaluate(words, gold, [p.tags for p in predictions], loaded.vocabs)
        results[f"{split}_accuracy"] = scores.accuracy
        results[f"{split}_oov_accuracy"] = scores.oov_accuracy
        results[f"{split}_ambiguous_accuracy"] = scores.ambiguous_accuracy
        results[f"{split}_tokens"] = scores.tokens
        if split == "test":
            results["tagging_tokens_per_second"] = scores.tokens / seconds
    results["tags"] = {}
    if not loaded.config.model.attention_graph:  # such a model needs trees, raw text has none
        tokenised = [tokenize(sentence) for sentence in sentences]
        tagged = predict(
            loaded.tagger, loaded.vocabs, tokenised, max_word_length=data.max_word_length
        )
        results["tags"] = {
            sentence: " ".join(p.tags) for sentence, p in zip(sentences, tagged, strict=True)
        }
    results["parameters"] = count_parameters(loaded.tagger)
    return results
