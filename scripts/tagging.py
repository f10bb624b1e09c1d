"""Measure tagging: speed on EWT test, and big generated corpora through `posattn tag`.

    python scripts/tagging.py corpus c20.txt --megabytes 20      # EWT train's sentences, shuffled
    python scripts/tagging.py run out.tsv -- posattn tag -f tsv --input c20.txt --workers 2
    OMP_NUM_THREADS=1 python scripts/tagging.py speed runs/ewt [--int8]

`run` prints wall seconds and the peak of the summed resident memory of every process the
command starts (workers included), sampled five times a second. `speed` tags EWT dev (to warm
the caches, as scripts/benchmark.py does), then times EWT test, model loading excluded; run it
with PYTHONPATH pointing at another checkout to time that code on the same terms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path


def make_corpus(output: Path, megabytes: float, data_dir: Path, seed: int = 0) -> None:
    train = next(data_dir.glob("*-ud-train.conllu"))
    with train.open(encoding="utf-8") as lines:
        sentences = [line[len("# text = ") :] for line in lines if line.startswith("# text = ")]
    rng = random.Random(seed)
    size, limit = 0, int(megabytes * 1_000_000)
    with output.open("w", encoding="utf-8") as out:
        while size < limit:
            rng.shuffle(sentences)
            for sentence in sentences:
                out.write(sentence)
                size += len(sentence.encode("utf-8"))
                if size >= limit:
                    break


def _session_memory(session: int) -> tuple[int, int]:
    """(sum, largest) resident bytes of the processes of `session`."""
    total = largest = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.getsid(int(name)) != session:
                continue
            with open(f"/proc/{name}/statm") as statm:
                resident = int(statm.read().split()[1]) * page
        except (OSError, ValueError):
            continue  # the process ended while we looked
        total += resident
        largest = max(largest, resident)
    return total, largest


def run(output: Path, command: list[str]) -> dict[str, object]:
    started = time.perf_counter()
    with output.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, start_new_session=True)
        peak = largest = 0
        while process.poll() is None:
            total, biggest = _session_memory(process.pid)
            peak, largest = max(peak, total), max(largest, biggest)
            time.sleep(0.2)
    return {
        "command": " ".join(command),
        "exit_code": process.returncode,
        "seconds": round(time.perf_counter() - started, 1),
        "peak_memory_mib": round(peak / 2**20),
        "largest_process_mib": round(largest / 2**20),
    }


def speed(model_path: Path, int8: bool, data_dir: Path | None) -> dict[str, object]:
    import torch

    from posattn.data.treebank import load_treebank, resolve_data_dir
    from posattn.model.storage import load_model

    torch.set_num_threads(1)
    model = load_model(model_path)
    data = model.config.data
    treebank = load_treebank(resolve_data_dir(data_dir or data.data_dir, data.treebank))
    dev, test = list(treebank["dev"]["words"]), list(treebank["test"]["words"])
    gold = [tag for sentence in treebank["test"]["upos"] for tag in sentence]
    if int8:
        model.tagger = torch.ao.quantization.quantize_dynamic(
            model.tagger, {torch.nn.Linear}, dtype=torch.qint8
        )
    model.predict(dev)
    started = time.perf_counter()
    predicted = [tag for p in model.predict(test) for tag in p.tags]
    seconds = time.perf_counter() - started
    right = sum(p == g for p, g in zip(predicted, gold, strict=True))
    return {
        "int8": int8,
        "tokens_per_second": round(len(gold) / seconds),
        "test_accuracy": round(100 * right / len(gold), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="what", required=True)
    corpus = commands.add_parser("corpus", help="write a generated corpus")
    corpus.add_argument("output", type=Path)
    corpus.add_argument("--megabytes", type=float, default=100)
    corpus.add_argument("--data-dir", type=Path, default=os.environ.get("POSATTN_DATA_DIR"))
    timed = commands.add_parser("run", help="time a command and its memory")
    timed.add_argument("output", type=Path, help="where its stdout goes")
    timed.add_argument("command", nargs=argparse.REMAINDER)
    fast = commands.add_parser("speed", help="tokens/s on EWT test, one thread")
    fast.add_argument("model", type=Path)
    fast.add_argument("--int8", action="store_true", help="dynamic int8 linear layers")
    fast.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    if args.what == "corpus":
        if args.data_dir is None:
            sys.exit("give --data-dir or set POSATTN_DATA_DIR (a UD folder with a train file)")
        make_corpus(args.output, args.megabytes, Path(args.data_dir))
        return
    if args.what == "run":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        print(json.dumps(run(args.output, command)))
        return
    print(json.dumps(speed(args.model, args.int8, args.data_dir)))


if __name__ == "__main__":
    main()
