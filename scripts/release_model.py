"""Make the models shipped inside the package: train each (seed 1, one thread) on UD English EWT
r2.16, evaluate it, and write `posattn/shipped/NAME/model.safetensors`.

    make model                                        # both, the same as:
    python scripts/release_model.py en_ewt en_ewt-fast [--data-dir DIR]

`en_ewt` is the default config; `en_ewt-fast` the thinner `configs/ewt-fast.yaml`, trained with
`en_ewt`'s run as its teacher. A finished run with a model's release config in `runs/release-NAME`
is reused (not retrained). On one thread of the same CPU, training reproduces the weights bit
for bit, so the written file has the same tensors checksum as the shipped one (the script says
whether it does) and, with the same posattn version, the same bytes. The weights are stored as
float16; the script reports how many EWT dev and test tags that changes, and scores each model
in float32 and in bfloat16 (what `--precision auto` picks on a CPU with AMX or AVX-512 BF16).
Nothing in a file depends on this machine's paths or clock.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

import posattn
from posattn.catalog import SHIPPED_NAMES, shipped_model
from posattn.config import config_to_dict, load_config, saved_config
from posattn.data.download import RELEASES, UD_RELEASE, sha256_of
from posattn.data.treebank import find_split_files, resolve_data_dir
from posattn.evaluation.gold import gold_from_split
from posattn.evaluation.scores import Evaluation
from posattn.headers import read_header
from posattn.model.storage import FORMAT_VERSION, load_tensors, save_tensors, tensors_sha256
from posattn.run_folder import RunFolder

TREEBANK = "en_ewt"
SEED = 1
STORAGE = torch.float16
"""Half the bytes of float32; it changed no EWT test tag of either model."""


@dataclass(frozen=True)
class Release:
    config: str
    teacher: str | None = None
    """The shipped model whose run this one learns from (distillation)."""

    def run(self, name: str) -> RunFolder:
        return RunFolder(Path("runs") / f"release-{name}")


SHIPPED = {"en_ewt": Release("ewt"), "en_ewt-fast": Release("ewt-fast", teacher="en_ewt")}


def release_config(release: Release, data_dir: Path) -> posattn.Config:
    values: dict[str, Any] = {"data.data_dir": str(data_dir), "train.seed": SEED}
    values["train.threads"] = 1
    if release.teacher:
        values["train.teachers"] = [str(SHIPPED[release.teacher].run(release.teacher).path)]
    return load_config(Path(release.config), [], values)


def same_config(run: RunFolder, config: posattn.Config) -> bool:
    """Whether `run` trained with `config`, wherever its data lay."""
    ran = config_to_dict(saved_config(json.loads(run.config.read_text(encoding="utf-8"))))
    wanted = config_to_dict(config)
    ran["data"]["data_dir"] = wanted["data"]["data_dir"] = None
    return ran == wanted


def treebank_files(data_dir: Path) -> dict[str, str]:
    """Each split file's SHA-256; files that are not the pinned release are refused."""
    pinned = RELEASES[TREEBANK].sha256
    sums = {path.name: sha256_of(path) for path in find_split_files(data_dir).values()}
    if sums != pinned:
        sys.exit(f"{data_dir}: not UD English EWT {UD_RELEASE} (checksums differ from the pinned)")
    return sums


def trained_run(name: str, data_dir: Path) -> RunFolder:
    """The finished run of the release of `name` (and of its teacher), trained if need be."""
    release = SHIPPED[name]
    if release.teacher:
        trained_run(release.teacher, data_dir)
    config = release_config(release, data_dir)
    run = release.run(name)
    if run.finished() and same_config(run, config):
        print(f"{name}: reusing the finished run in {run.path}", file=sys.stderr)
    else:
        posattn.train(config, output=run.path, overwrite=True, command=sys.argv)
    return run


def scores(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "accuracy": evaluation.accuracy,
        "tokens": evaluation.tokens,
        "oov_accuracy": evaluation.oov_accuracy,
        "oov_tokens": evaluation.oov_tokens,
    }


def tags_changed(
    one: posattn.PosTagger, other: posattn.PosTagger, data_dir: Path, split: str
) -> int:
    """How many tags of a split the two give differently."""
    words = gold_from_split(data_dir, split).words
    pairs = zip(one.model.predict(words), other.model.predict(words), strict=True)
    return sum(a != b for x, y in pairs for a, b in zip(x.tags, y.tags, strict=True))


def header_for(name: str, trained: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """The header of the trained model file as shipped: the release's config without this
    machine's paths, no clock readings, and what the release adds (treebank checksums, how it
    was trained)."""
    release = SHIPPED[name]
    config = config_to_dict(release_config(release, data_dir))
    config["data"]["data_dir"] = None  # users get the treebank by `data download`
    if release.teacher:
        config["train"]["teachers"] = [f"the shipped {release.teacher}"]
    metrics = {
        k: v for k, v in trained["metrics"].items() if k not in ("seconds", "tokens_per_second")
    }
    return {
        "vocabularies": trained["vocabularies"],
        "format": FORMAT_VERSION,
        "posattn_version": posattn.__version__,
        "config": config,
        "metrics": metrics,
        "storage_dtype": str(STORAGE).removeprefix("torch."),
        "treebank": {"name": TREEBANK, "release": UD_RELEASE, "files": treebank_files(data_dir)},
        "training": {
            "command": f"make model (python scripts/release_model.py {name})",
            "same_as": f"posattn train --config {release.config} --seed {SEED}"
            + (
                f" --set 'train.teachers=[{release.run(release.teacher).path}]'"
                if release.teacher
                else ""
            ),
            "threads": 1,
            "torch": torch.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
        },
    }


def release(name: str, data_dir: Path) -> dict[str, Any]:
    run = trained_run(name, data_dir)
    trained, trained_header = load_tensors(run.model)
    stored = {k: t.to(STORAGE) if t.is_floating_point() else t for k, t in trained.items()}
    header = header_for(name, trained_header, data_dir)
    header["trained_tensors_sha256"] = tensors_sha256(trained)
    output = shipped_model(name)
    with tempfile.TemporaryDirectory() as scratch:
        unscored = Path(scratch) / "model.safetensors"
        save_tensors(unscored, stored, header)
        exact = posattn.load(unscored, precision="float32")
        half = posattn.load(unscored, precision="bfloat16")
        as_trained = posattn.load(run.path, precision="float32")
        raw = exact.evaluate_raw(split="test", data_dir=data_dir)
        header["evaluation"] = {
            split: scores(exact.evaluate(split=split, data_dir=data_dir))
            for split in ("dev", "test")
        } | {"test_raw_text": {"words_f1": raw.words.f1, "upos_f1": raw.upos.f1}}
        header["evaluation_bfloat16"] = {
            split: scores(half.evaluate(split=split, data_dir=data_dir))
            for split in ("dev", "test")
        }
        changed = {
            f"{what} {split}": tags_changed(one, other, data_dir, split)
            for what, one, other in (
                ("float16 storage", exact, as_trained),
                ("bfloat16", half, exact),
            )
            for split in ("dev", "test")
        }
    previous = read_header(output) if output.is_file() else None
    save_tensors(output, stored, header)
    written = read_header(output)
    return {
        "file": os.path.relpath(output),
        "bytes": output.stat().st_size,
        "evaluation": header["evaluation"],
        "evaluation_bfloat16": header["evaluation_bfloat16"],
        "tags_changed": changed,
        "trained_tensors_sha256": header["trained_tensors_sha256"],
        "tensors_sha256": written["tensors_sha256"],
        "same_tensors_as_before": None
        if previous is None
        else previous["tensors_sha256"] == written["tensors_sha256"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help=f"of {', '.join(SHIPPED_NAMES)} (default: all)")
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("POSATTN_DATA_DIR"))
    args = parser.parse_args()
    data_dir = resolve_data_dir(args.data_dir, TREEBANK)
    names = args.names or SHIPPED_NAMES
    if set(names) - set(SHIPPED_NAMES):
        parser.error(f"choose names from {', '.join(SHIPPED_NAMES)}")
    print(json.dumps({name: release(name, data_dir) for name in names}, indent=1))


if __name__ == "__main__":
    main()
