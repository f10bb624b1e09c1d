"""A trained model on disk: `model.safetensors` (weights, no pickle) + `model.json` (the rest).

`model.json` describes the model completely: the config, the vocabularies, the tag set, the
posattn version, the training metrics and the SHA-256 of the weights file, so loading runs no code
and a truncated or swapped weights file is caught. Every write goes to a temporary file in the
same folder, is flushed to disk, then renamed over the target: a crash leaves the old file or the
new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from posattn import __version__
from posattn.config import Config, config_from_dict, config_to_dict
from posattn.errors import PosattnError
from posattn.model import Tagger
from posattn.vocab import Vocabularies

WEIGHTS_FILE = "model.safetensors"
META_FILE = "model.json"
FORMAT_VERSION = 1


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)  # mkstemp's 0600 would hide results from others
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode())


@dataclass
class LoadedModel:
    tagger: Tagger
    vocabs: Vocabularies
    config: Config
    meta: dict[str, Any]


def save_model(
    directory: Path, tagger: Tagger, vocabs: Vocabularies, config: Config, metrics: dict[str, Any]
) -> None:
    from safetensors.torch import save

    tensors = {name: t.detach().cpu().contiguous() for name, t in tagger.state_dict().items()}
    weights = save(tensors)
    atomic_write_bytes(directory / WEIGHTS_FILE, weights)
    meta = {
        "format": FORMAT_VERSION,
        "posattn_version": __version__,
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
        "config": config_to_dict(config),
        "vocabularies": vocabs.to_json(),
        "metrics": metrics,
    }
    # Written last: a model folder whose JSON names these weights is complete.
    atomic_write_json(directory / META_FILE, meta)


def load_model(directory: Path, device: torch.device | str = "cpu") -> LoadedModel:
    from safetensors import SafetensorError
    from safetensors.torch import load

    meta_path, weights_path = directory / META_FILE, directory / WEIGHTS_FILE
    if not meta_path.is_file() or not weights_path.is_file():
        raise PosattnError(
            f"{directory}: no trained model here (expected {META_FILE} and {WEIGHTS_FILE}); "
            "train one with `posattn train` or pass --model DIR"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PosattnError(f"{meta_path}: not valid JSON ({error})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise PosattnError(
            f"{meta_path}: model format {found!r}, this posattn reads format {FORMAT_VERSION}"
        )
    weights = weights_path.read_bytes()
    if hashlib.sha256(weights).hexdigest() != meta.get("weights_sha256"):
        raise PosattnError(f"{weights_path}: checksum does not match {META_FILE} (file changed?)")
    try:
        config = config_from_dict(meta["config"])
        vocabs = Vocabularies.from_json(meta["vocabularies"])
        tagger = Tagger.for_vocabularies(config.model, vocabs)
        tagger.load_state_dict(load(weights))
    except (KeyError, TypeError, ValueError, RuntimeError, SafetensorError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise PosattnError(f"{directory}: model does not load ({first_line})") from None
    tagger.to(device).eval()
    return LoadedModel(tagger, vocabs, config, meta)
