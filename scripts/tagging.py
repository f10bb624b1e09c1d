"""Measure tagging: speed on EWT test, and big generated corpora through `posattn tag`.

    python scripts/tagging.py corpus c20.txt --megabytes 20      # EWT train's sentences, shuffled
    python scripts/tagging.py run out.tsv -- posattn tag -f tsv --input c20.txt --workers 2
    OMP_NUM_THREADS=1 python scripts/tagging.py speed [MODEL] --against-crf --rounds 4

`run` prints wall seconds and the peak of the summed resident memory of every process the
command starts (workers included), sampled five times a second. `speed` times tagging EWT test
(gold tokens, one thread, model loading excluded) through the public API, a new tagger each
round: its first pass over the text (every form new to it), the same text again, and the same
through `LoadedModel.predict` (the network and batching, without the result objects); with
`--against-crf`, a CRF (python-crfsuite, the usual word, affix, shape and +-2-word features,
trained once on EWT train and kept in the cache folder) tags the same text in the same round,
features included, and each round prints the ratios. Rounds on a shared machine move together,
so compare within a round.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from posattn.tagging.precision import PRECISIONS, Precision


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


def crf_features(sentence: list[str], i: int) -> dict[str, object]:
    """The usual CRF features of a token: the word, its affixes and shape, and its neighbours
    up to two away (as in sklearn-crfsuite's tutorial and the peers' harness)."""
    word = sentence[i]
    shape = "".join("X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c
                    for c in word[:6])  # fmt: skip
    features: dict[str, object] = {
        "bias": 1.0,
        "lower": word.lower(),
        "prefix2": word[:2],
        "prefix3": word[:3],
        "suffix2": word[-2:],
        "suffix3": word[-3:],
        "shape": shape,
        "title": word.istitle(),
        "upper": word.isupper(),
        "digit": word.isdigit(),
        "hyphen": "-" in word,
    }
    for offset in (-2, -1, 1, 2):
        j = i + offset
        if 0 <= j < len(sentence):
            features[f"{offset}:lower"] = sentence[j].lower()
            features[f"{offset}:title"] = sentence[j].istitle()
            if abs(offset) == 1:
                features[f"{offset}:suffix3"] = sentence[j][-3:]
        else:
            features[f"{offset}:edge"] = True
    return features


def trained_crf(train: list[list[str]], tags: list[list[str]], cache: Path) -> Any:
    """sklearn-crfsuite's CRF on EWT train (L-BFGS, c1 = c2 = 0.1, 100 iterations), trained
    once and kept in `cache` (a file of crfsuite's own format, not a pickle)."""
    import pycrfsuite

    model = cache / "crf-ewt-train.crfsuite"
    if not model.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        trainer = pycrfsuite.Trainer(verbose=False)
        for sentence, sentence_tags in zip(train, tags, strict=True):
            trainer.append([crf_features(sentence, i) for i in range(len(sentence))], sentence_tags)
        trainer.set_params({"c1": 0.1, "c2": 0.1, "max_iterations": 100})
        trainer.train(str(model))
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model))
    return tagger


def crf_tag(crf: Any, sentences: list[list[str]]) -> list[list[str]]:
    """Tags from tokens, features included: what a user of the CRF pays."""
    return [crf.tag([crf_features(s, i) for i in range(len(s))]) for s in sentences]


def posattn_tag(tagger: Any, sentences: list[list[str]]) -> list[list[str]]:
    """Tags from tokens through the public API."""
    return [sentence.tags for sentence in tagger.tag(sentences)]


def network_tag(tagger: Any, sentences: list[list[str]]) -> list[list[str]]:
    """Tags from tokens through `LoadedModel.predict`, under the public API's result objects."""
    return [prediction.tags for prediction in tagger.model.predict(sentences)]


def speed(
    model_path: Path | None,
    data_dir: Path | None,
    rounds: int,
    against_crf: bool,
    precision: Precision,
) -> dict[str, object]:
    import torch

    import posattn
    from posattn.data.download import cache_root
    from posattn.data.treebank import load_treebank, resolve_data_dir

    torch.set_num_threads(1)
    treebank = load_treebank(resolve_data_dir(data_dir, "en_ewt"))
    test = [list(words) for words in treebank["test"]["words"]]
    gold = [tag for sentence in treebank["test"]["upos"] for tag in sentence]
    tokens = len(gold)
    crf = None
    if against_crf:
        train = treebank["train"]
        crf = trained_crf(train["words"], train["upos"], cache_root() / "crf")

    def accuracy(tagged: list[list[str]]) -> float:
        flat = [tag for sentence in tagged for tag in sentence]
        return round(100 * sum(p == g for p, g in zip(flat, gold, strict=True)) / tokens, 2)

    def timed(tag: Any, tagger: Any) -> tuple[float, list[list[str]]]:
        gc.collect()  # the garbage of what ran before is not this side's to pay for
        started = time.perf_counter()
        tagged = tag(tagger, test)
        return tokens / (time.perf_counter() - started), tagged

    report: dict[str, Any] = {"tokens": tokens, "threads": 1, "precision": precision, "rounds": []}
    for number in range(1, rounds + 1):
        row: dict[str, Any] = {"round": number}
        if crf is not None:
            row["crf"], tagged = timed(crf_tag, crf)
            report["crf_accuracy"] = accuracy(tagged)
        tagger = posattn.load(model_path, precision=precision)  # a new one: its cache is empty
        tagger.tag([["Warm", "up", "."]])  # torch's first call, not the text
        row["first_pass"], _ = timed(posattn_tag, tagger)
        row["same_text_again"], tagged = timed(posattn_tag, tagger)
        row["predict_again"], _ = timed(network_tag, tagger)
        report["posattn_accuracy"] = accuracy(tagged)
        if crf is not None:
            row["first_pass_vs_crf"] = round(row["first_pass"] / row["crf"], 2)
            row["again_vs_crf"] = round(row["same_text_again"] / row["crf"], 2)
        rounded = {k: round(v) if isinstance(v, float) and v > 100 else v for k, v in row.items()}
        print(json.dumps(rounded), file=sys.stderr)
        report["rounds"].append(rounded)
    return report


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
    fast.add_argument("model", type=Path, nargs="?", help="default: as posattn.load() chooses")
    fast.add_argument("--data-dir", type=Path, default=os.environ.get("POSATTN_DATA_DIR"))
    fast.add_argument("--rounds", type=int, default=4)
    fast.add_argument("--against-crf", action="store_true", help="a CRF alternately with it")
    fast.add_argument("--precision", default="auto", choices=PRECISIONS)
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
    report = speed(args.model, args.data_dir, args.rounds, args.against_crf, args.precision)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
