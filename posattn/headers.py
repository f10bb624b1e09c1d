"""The header of a posattn model file, readable without torch (to list models) and checked
against the file when the model loads (`model.storage`).

A model file is safetensors: an 8-byte little-endian length, that many bytes of JSON, then the
tensors. posattn's own header is a JSON string under the key `posattn` of that JSON's
`__metadata__`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from posattn.errors import PosattnError

HEADER_KEY = "posattn"
"""The key of the safetensors metadata that holds posattn's header (JSON)."""

LARGEST_HEADER = 100_000_000
"""safetensors' own limit on the JSON part: a larger length field is damage, not a header."""


def parse_header(data: bytes) -> dict[str, Any]:
    """posattn's header from the first bytes of a safetensors file. Raises KeyError, TypeError
    or ValueError on anything else."""
    size = int.from_bytes(data[:8], "little")
    if len(data) < 8 + size:
        raise ValueError("the file is shorter than its header says")
    header = json.loads(json.loads(data[8 : 8 + size])["__metadata__"][HEADER_KEY])
    if not isinstance(header, dict):
        raise TypeError("the header is not a JSON object")
    return header


def read_header(path: Path) -> dict[str, Any]:
    """The header of a model file, unchecked (loading the model checks it against the file)."""
    try:
        with path.open("rb") as stream:
            length = stream.read(8)
            size = int.from_bytes(length, "little")
            if len(length) < 8 or size > min(LARGEST_HEADER, path.stat().st_size - 8):
                raise ValueError("the header's length does not fit the file")
            return parse_header(length + stream.read(size))
    except OSError as error:
        raise PosattnError(f"{path}: cannot read ({error.strerror})") from None
    except (KeyError, TypeError, ValueError):
        raise PosattnError(f"{path}: not a posattn model file, or a damaged one") from None
