"""Atomic writes: a temporary file in the same folder, flushed to disk, renamed over the target.

A crash or a kill at any moment leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from posattn.errors import PosattnError

TMP = ".tmp"


def leftover_temporaries(path: Path) -> list[Path]:
    """The temporary files that `atomic_writer(path)` left beside `path` when its process was
    killed mid-write (`.NAME.XXXXXXXX.tmp`)."""
    return list(path.parent.glob(f".{glob.escape(path.name)}.*{TMP}"))


@contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A file to write `path` through, streaming: it becomes `path` when the block ends and is
    removed if the block raises, so `path` is whole or untouched. A failure to write (a full
    disk, a folder in the way, no permission) is a PosattnError naming `path`."""
    tmp_name = None
    writing = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)  # mkstemp's 0600 would hide results from others
        with os.fdopen(handle, "wb") as out:
            writing = True
            yield out
            writing = False
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, path)
    except OSError as error:
        if writing and error.filename is not None:
            raise  # another file's error (an input the block was reading): it names itself
        raise PosattnError(f"{path}: cannot write ({error.strerror or error})") from None
    finally:
        if tmp_name is not None and os.path.exists(tmp_name):
            os.unlink(tmp_name)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (see `atomic_writer`)."""
    with atomic_writer(path) as out:
        out.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON file whose top level is an object; anything else is a one-line error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PosattnError(f"{path}: cannot read ({error.strerror})") from None
    except ValueError as error:
        raise PosattnError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise PosattnError(f"{path}: expected a JSON object")
    return data
