"""How long a new user waits for the first tags: `posattn tag "I saw a saw"` and the Python
two-liner, each in a new process, from a folder with no runs/ (so with the shipped model).

    python scripts/first_answer.py [--rounds 5]

Prints one JSON object: the wall time of each (best and median of the rounds, each round a new
interpreter) and, from inside one new interpreter, where the time goes: starting Python,
importing torch, importing posattn's API, loading the model, tagging.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BREAKDOWN = """
import json, time
start = time.perf_counter()
import torch
torch_imported = time.perf_counter()
import posattn.api
api_imported = time.perf_counter()
tagger = posattn.api.load()
loaded = time.perf_counter()
tags = tagger.tag("I saw a saw").sentences[0].tags
tagged = time.perf_counter()
print(json.dumps({"torch import": torch_imported - start,
                  "posattn.api import": api_imported - torch_imported,
                  "model load": loaded - api_imported, "tagging": tagged - loaded,
                  "inside Python": tagged - start, "tags": tags}))
"""


def wall_time(command: list[str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout


def summary(times: list[float]) -> dict[str, float]:
    return {"best": round(min(times), 3), "median": round(statistics.median(times), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    posattn_command = str(Path(sys.executable).with_name("posattn"))
    cli, two_liner, inside = [], [], []
    with tempfile.TemporaryDirectory() as empty:  # no runs/ here: the shipped model answers
        folder = Path(empty)
        for _ in range(args.rounds):  # the two alternate, so both see the same machine
            seconds, shown = wall_time([posattn_command, "tag", "-f", "tsv", "I saw a saw"], folder)
            cli.append(seconds)
            code = "import posattn; print(posattn.load().tag('I saw a saw'))"
            seconds, printed = wall_time([sys.executable, "-c", code], folder)
            two_liner.append(seconds)
            seconds, measured = wall_time([sys.executable, "-c", BREAKDOWN], folder)
            parts = json.loads(measured)
            parts["starting Python"] = seconds - parts["inside Python"]
            inside.append(parts)
    steps = ("starting Python", "torch import", "posattn.api import", "model load", "tagging")
    breakdown = {key: round(statistics.median(part[key] for part in inside), 3) for key in steps}
    print(
        json.dumps(
            {
                "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
                "rounds": args.rounds,
                "posattn tag 'I saw a saw' (seconds)": summary(cli),
                "python -c 'import posattn; print(posattn.load().tag(...))' (seconds)": summary(
                    two_liner
                ),
                "median breakdown (seconds)": breakdown,
                "tags": [line.split("\t")[1] for line in shown.splitlines() if line],
                "printed": printed.strip(),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
