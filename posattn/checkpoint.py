"""A trained model on disk: one `model.safetensors` file, and `model.json`, a copy for people.

The safetensors file holds the weights (no pickle, so loading runs no code) and, in its header,
everything else: the config, the vocabularies, the posattn version, the training metrics and the
SHA-256 of the tensors, so a truncated or altered file is refused. One file, written atomically
(a temporary file in the same folder, flushed to disk, renamed over the target), so a crash at
any moment leaves the old model or the new one, never half of one or a mismatched pair.

Interrupted training is saved the same way (`checkpoint.safetensors`): tensors for the model, its
weight average, the optimizer and the random generator; JSON in the header for the rest.
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
FORMAT_VERSION = 2
HEADER_KEY = "posattn"


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


def tensors_sha256(tensors: dict[str, torch.Tensor]) -> str:
    """A digest of names, dtypes, shapes and bytes, independent of the file's layout."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        tensor = tensors[name].detach().cpu().contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}\n".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def save_tensors(path: Path, tensors: dict[str, torch.Tensor], header: dict[str, Any]) -> None:
    """Tensors plus a JSON header (with the tensors' checksum) in one atomically written file."""
    from safetensors.torch import save

    tensors = {name: t.detach().cpu().contiguous() for name, t in tensors.items()}
    header = {**header, "tensors_sha256": tensors_sha256(tensors)}
    atomic_write_bytes(path, save(tensors, metadata={HEADER_KEY: json.dumps(header)}))


def load_tensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """What `save_tensors` wrote, checked: a file that is not safetensors (a pickle, say), is
    truncated, or whose tensors do not match the recorded checksum is refused."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        data = path.read_bytes()
        tensors = load(data)
        # The format: an 8-byte little-endian length, then that many bytes of JSON header.
        size = int.from_bytes(data[:8], "little")
        header = json.loads(json.loads(data[8 : 8 + size])["__metadata__"][HEADER_KEY])
    except (SafetensorError, KeyError, TypeError, ValueError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PosattnError(
            f"{path}: not a posattn safetensors file, or a damaged one ({reason})"
        ) from None
    except OSError as error:
        raise PosattnError(f"{path}: cannot read ({error.strerror})") from None
    if not isinstance(header, dict) or tensors_sha256(tensors) != header.get("tensors_sha256"):
        raise PosattnError(f"{path}: the tensors do not match their recorded checksum (altered?)")
    return tensors, header


def save_model(
    directory: Path, tagger: Tagger, vocabs: Vocabularies, config: Config, metrics: dict[str, Any]
) -> None:
    meta = {
        "format": FORMAT_VERSION,
        "posattn_version": __version__,
        "config": config_to_dict(config),
        "vocabularies": vocabs.to_json(),
        "metrics": metrics,
    }
    save_tensors(directory / WEIGHTS_FILE, tagger.state_dict(), meta)
    # For people and other tools; loading reads the weights file's own header.
    atomic_write_json(directory / META_FILE, meta)


def load_model(directory: Path, device: torch.device | str = "cpu") -> LoadedModel:
    weights_path = directory / WEIGHTS_FILE
    if not weights_path.is_file():
        raise PosattnError(
            f"{directory}: no trained model here (expected {WEIGHTS_FILE}); "
            "train one with `posattn train` or pass --model DIR"
        )
    tensors, meta = load_tensors(weights_path)
    if meta.get("format") != FORMAT_VERSION:
        raise PosattnError(
            f"{weights_path}: model format {meta.get('format')!r}, this posattn "
            f"({__version__}) reads format {FORMAT_VERSION}; retrain it with this version"
        )
    try:
        config = config_from_dict(meta["config"])
        vocabs = Vocabularies.from_json(meta["vocabularies"])
        tagger = Tagger.for_vocabularies(config.model, vocabs)
        tagger.load_state_dict(tensors)
    except (KeyError, TypeError, ValueError, RuntimeError, PosattnError) as error:
        text = str(error).strip()
        reason = text.replace("\n", " ")[:300] if text else repr(error)
        raise PosattnError(f"{weights_path}: model does not load ({reason})") from None
    tagger.to(device).eval()
    return LoadedModel(tagger, vocabs, config, meta)
