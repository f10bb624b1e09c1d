"""Where a result came from: package versions, the data files' checksums, the git commit.

Written into every run folder as `run.json`, so a number in a report can be traced back.
"""

from __future__ import annotations

import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from posattn.data.download import sha256_of
from posattn.data.treebank import find_split_files
from posattn.version import __version__

PACKAGES = (
    "torch",
    "typer",
    "datasets",
    "seqeval",
    "rich",
    "conllu",
    "safetensors",
    "matplotlib",
    "numpy",
    "pyyaml",
)


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit() -> dict[str, Any] | None:
    """The commit of the posattn source, if it runs from a git checkout (None otherwise)."""
    source = Path(__file__).resolve().parent

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(source), *args], capture_output=True, text=True, timeout=5
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return None
    return {"commit": commit, "uncommitted_changes": bool(git("status", "--porcelain", "."))}


def data_files(folder: Path | None) -> dict[str, dict[str, str]]:
    if folder is None:
        return {}
    return {
        split: {"path": str(path.resolve()), "sha256": sha256_of(path)}
        for split, path in find_split_files(folder).items()
    }


def describe_run(data_folder: Path | None, command: list[str] | None) -> dict[str, Any]:
    """`command`: the command line that started the run (None when called from Python)."""
    return {
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "posattn": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "git": git_commit(),
        "data_files": data_files(data_folder),
    }
