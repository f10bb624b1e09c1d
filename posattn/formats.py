"""Tagged sentences as text: tab-separated, CoNLL-U, JSON lines, or a rich table for people."""

from __future__ import annotations

import json

from rich.table import Table

from posattn.inference import Prediction

FORMATS = ("table", "tsv", "conllu", "json")


def to_tsv(tokens: list[str], prediction: Prediction) -> str:
    return "".join(f"{t}\t{tag}\n" for t, tag in zip(tokens, prediction.tags, strict=True))


def to_conllu(tokens: list[str], prediction: Prediction, sent_id: int, text: str) -> str:
    lines = [f"# sent_id = {sent_id}", f"# text = {' '.join(text.split())}"]
    for index, (token, tag) in enumerate(zip(tokens, prediction.tags, strict=True), start=1):
        lines.append(f"{index}\t{token}\t_\t{tag}\t_\t_\t_\t_\t_\t_")
    return "\n".join(lines) + "\n"


def to_json(tokens: list[str], prediction: Prediction) -> str:
    return json.dumps(
        {
            "tokens": tokens,
            "tags": prediction.tags,
            "probabilities": [round(p, 4) for p in prediction.probabilities],
        },
        ensure_ascii=False,
    )


def to_table(tokens: list[str], prediction: Prediction, title: str | None = None) -> Table:
    table = Table(title=title)
    table.add_column("#", justify="right", style="dim")
    table.add_column("token")
    table.add_column("tag", style="bold")
    table.add_column("probability", justify="right")
    rows = zip(tokens, prediction.tags, prediction.probabilities, strict=True)
    for index, (token, tag, probability) in enumerate(rows, start=1):
        table.add_row(str(index), token, tag, f"{probability:.3f}")
    return table
