"""Train the default config on EWT, evaluate it, time tagging; print one JSON object.

    python scripts/benchmark.py --config configs/ewt.yaml [--data-dir DIR] [--output DIR]
    python scripts/benchmark.py --model runs/ewt          # measure an already trained model

Reports dev/test accuracy, unknown- and ambiguous-word accuracy, training wall time, tagging
tokens/s over the whole test set (model loading excluded), peak resident memory and the
parameter count. The JSON is also written to `<run>/benchmark.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path
from typing import Any

import torch

from posattn.checkpoint import atomic_write_json, load_model
from posattn.config import load_config
from posattn.data import load_treebank, resolve_data_dir
from posattn.evaluate import evaluate
from posattn.inference import predict
from posattn.tokenizer import tokenize
from posattn.train import count_parameters, train


def measure(run_dir: Path, data_dir: str | None) -> dict[str, Any]:
    loaded = load_model(run_dir)
    folder = resolve_data_dir(data_dir or loaded.config.data.data_dir, loaded.config.data.treebank)
    treebank = load_treebank(folder, ("dev", "test"))
    results: dict[str, Any] = {}
    for split in ("dev", "test"):
        words, gold = treebank[split]["words"], treebank[split]["upos"]
        started = time.perf_counter()
        predictions = predict(loaded.tagger, loaded.vocabs, words)
        seconds = time.perf_counter() - started
        scores = evaluate(words, gold, [p.tags for p in predictions], loaded.vocabs)
        results[f"{split}_accuracy"] = scores.accuracy
        results[f"{split}_oov_accuracy"] = scores.oov_accuracy
        results[f"{split}_ambiguous_accuracy"] = scores.ambiguous_accuracy
        results[f"{split}_tokens"] = scores.tokens
        if split == "test":
            results["tagging_tokens_per_second"] = scores.tokens / seconds
    emblem = predict(loaded.tagger, loaded.vocabs, [tokenize("I saw a saw")])[0]
    results["i_saw_a_saw"] = " ".join(emblem.tags)
    results["parameters"] = count_parameters(loaded.tagger)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=Path("configs/ewt.yaml"))
    parser.add_argument("--data-dir", default=os.environ.get("POSATTN_DATA_DIR"))
    parser.add_argument("--output", type=Path, help="run folder [default: runs/benchmark-<name>]")
    parser.add_argument("--model", type=Path, help="skip training; measure this model folder")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()

    report: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "torch": torch.__version__,
    }
    if args.model:
        run_dir = args.model
    else:
        values = {"data.data_dir": args.data_dir} if args.data_dir else {}
        config = load_config(args.config, args.overrides, values)
        run_dir = args.output or Path("runs") / f"benchmark-{config.name}"
        result = train(config, run_dir)
        report.update(
            config=str(args.config),
            overrides=args.overrides,
            train_minutes=result.seconds / 60,
            epochs_run=result.epochs_run,
            best_epoch=result.best_epoch,
            stopped_because=result.stopped_because,
        )
    report.update(measure(run_dir, args.data_dir))
    report["threads"] = torch.get_num_threads()  # after training, which may have set it
    report["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    atomic_write_json(run_dir / "benchmark.json", report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
