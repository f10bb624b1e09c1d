"""A trained model on disk: one safetensors file, and a JSON copy of its header for people.

The safetensors file holds the weights (no pickle, so loading runs no code) and, in its header,
everything else: the config, the vocabularies, the posattn version, the training metrics, the
SHA-256 of the tensors and a SHA-256 of the header itself (which includes the tensors' one), so
a truncated file, or one altered anywhere — a weight, a tag name, the order of the tags — is
refused. One file, written atomically, so a crash at any moment leaves the old model or the new
one, never half of one or a mismatched pair. Training checkpoints are saved with the same
`save_tensors` / `load_tensors`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from posattn.config import Config, config_to_dict, saved_config
from posattn.data.vocab import Vocabularies
from posattn.errors import PosattnError
from posattn.files import atomic_write_bytes, atomic_write_json
from posattn.headers import HEADER_KEY, parse_header
from posattn.model.network import TaggingNetwork
from posattn.run_folder import RunFolder
from posattn.version import __version__

FORMAT_VERSION = 3
"""3: the header carries a digest of itself (`sha256`); 2 (read too): of the tensors only."""
READABLE_FORMATS = (2, FORMAT_VERSION)


def tensors_sha256(tensors: dict[str, torch.Tensor]) -> str:
    """A digest of names, dtypes, shapes and bytes, independent of the file's layout."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        tensor = tensors[name].detach().cpu().contiguous()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}\n".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def header_sha256(header: dict[str, Any]) -> str:
    """A digest of everything in the header but itself, independent of key order and spacing."""
    rest = {key: value for key, value in header.items() if key != "sha256"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def save_tensors(path: Path, tensors: dict[str, torch.Tensor], header: dict[str, Any]) -> None:
    """Tensors plus a JSON header in one atomically written file; the header gets the tensors'
    checksum and then its own."""
    from safetensors.torch import save

    tensors = {name: t.detach().cpu().contiguous() for name, t in tensors.items()}
    header = {**header, "tensors_sha256": tensors_sha256(tensors)}
    header["sha256"] = header_sha256(header)
    atomic_write_bytes(path, save(tensors, metadata={HEADER_KEY: json.dumps(header)}))


def load_tensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """What `save_tensors` wrote, checked: a file that is not safetensors (a pickle, say), is
    truncated, or whose tensors or header do not match their recorded checksums is refused (a
    file written before headers had a checksum of their own is checked by its tensors')."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    try:
        data = path.read_bytes()
        tensors = load(data)
        header = parse_header(data)
    except (SafetensorError, KeyError, TypeError, ValueError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PosattnError(
            f"{path}: not a posattn safetensors file, or a damaged one ({reason})"
        ) from None
    except OSError as error:
        raise PosattnError(f"{path}: cannot read ({error.strerror})") from None
    if tensors_sha256(tensors) != header.get("tensors_sha256"):
        raise PosattnError(f"{path}: the tensors do not match their recorded checksum (altered?)")
    if "sha256" in header and header_sha256(header) != header["sha256"]:
        raise PosattnError(f"{path}: the header does not match its recorded checksum (altered?)")
    return tensors, header


def save_model(
    path: Path,
    tagger: TaggingNetwork,
    vocabs: Vocabularies,
    config: Config,
    metrics: dict[str, Any],
) -> None:
    """Write the model to `path` (.safetensors) and its header to the same name with .json."""
    meta = {
        "format": FORMAT_VERSION,
        "posattn_version": __version__,
        "config": config_to_dict(config),
        "vocabularies": vocabs.to_json(),
        "metrics": metrics,
    }
    save_tensors(path, tagger.state_dict(), meta)
    # For people and other tools; loading reads the weights file's own header.
    atomic_write_json(path.with_suffix(".json"), meta)


def _current_names(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Weights under today's names: an XPOS classifier saved before there were targets
    (`xpos_classifier.weight`, also inside a checkpoint's `model.` / `averaged.module.`)."""
    return {
        re.sub(r"(^|\.)xpos_classifier\.", r"\1target_classifiers.xpos.", name): tensor
        for name, tensor in tensors.items()
    }


@dataclass
class StoredModel:
    """What a model file holds: the trained network (on the CPU, in float32), its
    vocabularies, the config it was trained with, and the whole header."""

    network: TaggingNetwork
    vocabs: Vocabularies
    config: Config
    meta: dict[str, Any]


def read_model(path: Path) -> StoredModel:
    """A model from its file, or from a run folder holding one, checked."""
    if not path.exists():
        raise PosattnError(f"{path}: no such model file or run folder")
    weights_path = RunFolder(path).model if path.is_dir() else path
    if not weights_path.is_file():
        raise PosattnError(
            f"{path}: no trained model here (expected {weights_path.name}); train one with "
            "`posattn train`, or name another model"
        )
    tensors, meta = load_tensors(weights_path)
    if meta.get("format") not in READABLE_FORMATS:
        raise PosattnError(
            f"{weights_path}: model format {meta.get('format')!r}, this posattn "
            f"({__version__}) reads formats {', '.join(map(str, READABLE_FORMATS))}; retrain "
            "it with this version"
        )
    if meta["format"] >= 3 and "sha256" not in meta:
        raise PosattnError(f"{weights_path}: the header has lost its checksum (altered?)")
    try:
        config = saved_config(meta["config"])
        vocabs = Vocabularies.from_json(meta["vocabularies"])
        network = TaggingNetwork.for_vocabularies(config.model, vocabs)
        network.load_state_dict(_current_names(tensors))
    except (KeyError, TypeError, ValueError, RuntimeError, PosattnError) as error:
        text = str(error).strip()
        reason = text.replace("\n", " ")[:300] if text else repr(error)
        raise PosattnError(f"{weights_path}: model does not load ({reason})") from None
    return StoredModel(network.eval(), vocabs, config, meta)
