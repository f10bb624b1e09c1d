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
import sys
from pathlib import Path
from typing import Any

import torch

from posattn.config import load_config
from posattn.evaluation.measure import measure_model
from posattn.files import atomic_write_json
from posattn.run_folder import RunFolder
from posattn.training.loop import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=Path("configs/ewt.yaml"))
    parser.add_argument("--data-dir", default=os.environ.get("POSATTN_DATA_DIR"))
    parser.add_argument("--output", type=Path, help="run folder [default: runs/benchmark-<name>]")
    parser.add_argument("--model", type=Path, help="skip training; measure this model folder")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the run folder if it holds a run"
    )
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
        result = train(config, run_dir, command=sys.argv, overwrite=args.overwrite)
        report.update(
            config=str(args.config),
            overrides=args.overrides,
            train_minutes=result.seconds / 60,
            epochs_run=result.epochs_run,
            best_epoch=result.best_epoch,
            stopped_because=result.stopped_because,
        )
    measured = measure_model(run_dir, args.data_dir)
    report["i_saw_a_saw"] = measured.tags["I saw a saw"]
    report.update(measured.to_json(with_tags=False))
    report["threads"] = torch.get_num_threads()  # after training, which may have set it
    report["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    atomic_write_json(RunFolder(run_dir).benchmark, report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
