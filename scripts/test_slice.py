"""Cut the EWT slice under tests/data/ that lets the end-to-end tests run without the treebank.

    python scripts/test_slice.py /path/to/en_ewt tests/data/en_ewt_slice

Every 30th sentence of train and every 20th of dev and test (about 620 sentences, from every
genre of the treebank rather than the first documents only), copied line for line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

EVERY = {"train": 30, "dev": 20, "test": 20}


def sentences(path: Path) -> list[str]:
    """The file's sentences, each with its comment lines and its closing blank line."""
    return [block + "\n\n" for block in path.read_text(encoding="utf-8").split("\n\n") if block]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("treebank", type=Path, help="the folder of en_ewt-ud-*.conllu")
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    for split, every in EVERY.items():
        name = f"en_ewt-ud-{split}.conllu"
        kept = sentences(args.treebank / name)[::every]
        (args.output / name).write_text("".join(kept), encoding="utf-8")
        print(f"{name}: {len(kept)} sentences")


if __name__ == "__main__":
    main()
