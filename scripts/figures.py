"""Draw the README's pictures from a trained model: the attention maps of "I saw a saw" and the
confusion matrix on the test split of its treebank.

    python scripts/figures.py --model runs/benchmark-ewt --output docs [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import posattn
from posattn.data.treebank import resolve_data_dir, treebank_name
from posattn.evaluation.analysis import confusion_matrix
from posattn.evaluation.gold import gold_from_split, score_model
from posattn.files import atomic_write_bytes
from posattn.presentation.plots import attention_grid, confusion_heatmap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=Path("runs/benchmark-ewt"))
    parser.add_argument("--output", type=Path, default=Path("docs"))
    parser.add_argument("--data-dir", default=os.environ.get("POSATTN_DATA_DIR"))
    args = parser.parse_args()

    tagger = posattn.load(args.model)
    sentence = tagger.tag("I saw a saw").sentences[0]
    maps = tagger.attention(sentence.forms)
    atomic_write_bytes(
        args.output / "attention-i-saw-a-saw.png",
        attention_grid(sentence.forms, sentence.tags, maps),
    )

    data = tagger.config.data
    folder = resolve_data_dir(args.data_dir or data.data_dir, data.treebank)
    gold = gold_from_split(folder, "test")
    _, predicted = score_model(tagger.model, gold)
    tag_names, counts = confusion_matrix(gold.tags, predicted)
    title = f"{treebank_name(folder)} test: where each gold tag's tokens go (% of the row)"
    atomic_write_bytes(
        args.output / "confusion-test.png", confusion_heatmap(tag_names, counts, title)
    )
    print(f"drawn in {args.output}/")


if __name__ == "__main__":
    main()
