"""Draw the README's pictures from a trained model: the attention maps of "I saw a saw" and the
confusion matrix on EWT test.

    python scripts/figures.py --model runs/benchmark-ewt --output docs [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from posattn.analysis import confusion_matrix
from posattn.checkpoint import atomic_write_bytes, load_model
from posattn.data import load_treebank, resolve_data_dir
from posattn.inference import attention_maps, predict
from posattn.plots import attention_grid, confusion_heatmap
from posattn.tokenizer import tokenize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=Path("runs/benchmark-ewt"))
    parser.add_argument("--output", type=Path, default=Path("docs"))
    parser.add_argument("--data-dir", default=os.environ.get("POSATTN_DATA_DIR"))
    args = parser.parse_args()

    loaded = load_model(args.model)
    max_length = loaded.config.data.max_word_length
    tokens = tokenize("I saw a saw")
    tags = predict(loaded.tagger, loaded.vocabs, [tokens], max_word_length=max_length)[0].tags
    rows = attention_maps(loaded.tagger, loaded.vocabs, tokens, max_word_length=max_length)
    atomic_write_bytes(
        args.output / "attention-i-saw-a-saw.png", attention_grid(tokens, tags, rows)
    )

    data = loaded.config.data
    test = load_treebank(resolve_data_dir(args.data_dir or data.data_dir, data.treebank), ("test",))
    words, gold = test["test"]["words"], test["test"]["upos"]
    predicted = [
        p.tags for p in predict(loaded.tagger, loaded.vocabs, words, max_word_length=max_length)
    ]
    tag_names, counts = confusion_matrix(gold, predicted)
    title = "EWT test: where each gold tag's tokens go (% of the row)"
    atomic_write_bytes(
        args.output / "confusion-test.png", confusion_heatmap(tag_names, counts, title)
    )
    print(f"drawn in {args.output}/")


if __name__ == "__main__":
    main()
