"""Treebanks from Python: what `posattn data stats` shows (downloading is
`posattn.download`, the list `posattn.known_treebanks`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from posattn.data.stats import TreebankStats, reference_split, treebank_stats
from posattn.data.treebank import find_split_files, load_treebank, resolve_data_dir
from posattn.files import atomic_write_bytes
from posattn.presentation import plots


@dataclass
class TreebankOverview:
    folder: Path
    stats: dict[str, TreebankStats]
    """Per split."""


def treebank_overview(
    data_dir: str | Path | None = None,
    treebank: str = "en_ewt",
    top: int = 20,
    plot: str | Path | None = None,
) -> TreebankOverview:
    """Sentences, tokens, tag distribution and the most ambiguous forms of each split; with
    `plot`, also draw the tag distribution and sentence lengths into that PNG."""
    folder = resolve_data_dir(data_dir, treebank)
    splits = tuple(find_split_files(folder))
    data = load_treebank(folder, splits)
    stats = {
        split: treebank_stats(data[split]["words"], data[split]["upos"], top) for split in splits
    }
    if plot is not None:
        tag_split = reference_split(stats)
        picture = plots.treebank_overview(
            dict(stats[tag_split].tag_counts),
            tag_split,
            {split: s.lengths for split, s in stats.items()},
            f"Treebank in {folder.name}",
        )
        atomic_write_bytes(Path(plot), picture)
    return TreebankOverview(folder, stats)
