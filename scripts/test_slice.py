"""Cut the EWT slice under tests/data/ that lets the end-to-end tests run without the treebank.

    python scripts/test_slice.py /path/to/en_ewt tests/data/en_ewt_slice

Every 120th sentence of train and every 20th of dev and test (310 sentences, from every
genre of the treebank rather than the first documents only), each file under 100 KB: only what
posattn reads is kept (`# sent_id`, `# text`, the word and token lines with their form, UPOS,
XPOS, FEATS, head, relation and `SpaceAfter=No`); lemmas, enhanced dependencies, other comments
and other MISC entries become `_` or go.
"""

from __future__ import annotations

import argparse
from pathlib import Path

EVERY = {"train": 120, "dev": 20, "test": 20}
LIMIT = 100_000
"""Bytes per file: a slice for the tests, not a copy of the treebank."""


def sentences(path: Path) -> list[str]:
    """The file's sentences, each a block of lines without its closing blank line."""
    return [block for block in path.read_text(encoding="utf-8").split("\n\n") if block.strip()]


def kept(block: str) -> str:
    """A sentence with only what posattn reads, and its closing blank line."""
    lines = []
    for line in block.splitlines():
        if line.startswith("#"):
            if line.startswith(("# sent_id", "# text =")):
                lines.append(line)
            continue
        columns = line.split("\t")
        columns[2] = columns[8] = "_"  # LEMMA, DEPS
        columns[9] = "SpaceAfter=No" if "SpaceAfter=No" in columns[9].split("|") else "_"
        lines.append("\t".join(columns))
    return "\n".join(lines) + "\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("treebank", type=Path, help="the folder of en_ewt-ud-*.conllu")
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    for split, every in EVERY.items():
        name = f"en_ewt-ud-{split}.conllu"
        text = "".join(kept(block) for block in sentences(args.treebank / name)[::every])
        if len(text.encode()) > LIMIT:
            raise SystemExit(f"{name}: {len(text.encode()):,} bytes, over {LIMIT:,}")
        (args.output / name).write_text(text, encoding="utf-8")
        print(f"{name}: {text.count('# text =')} sentences, {len(text.encode()):,} bytes")


if __name__ == "__main__":
    main()
