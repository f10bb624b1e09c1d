"""The models posattn can see, and which one is used when none is named.

posattn ships two trained English models inside the package (`posattn/shipped/`, each folder
with a README saying how it was made): `en_ewt`, the default model, and `en_ewt-fast`, a thinner
one that tags about 1.5 times as fast for a few tenths of a point. `posattn train` writes run
folders under `runs/`. With no model named, the latest finished run under `runs/` is used if
there is one, else `en_ewt`; a shipped model can also be named (`--model en_ewt-fast`). Listing
reads only the files' JSON headers, not their weights, so this module needs no torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from posattn.errors import PosattnError
from posattn.headers import read_header
from posattn.run_folder import RUNS_ROOT, RunFolder

SHIPPED_FOLDER = Path(__file__).resolve().parent / "shipped"
SHIPPED_NAMES = ("en_ewt", "en_ewt-fast")
"""The models installed with the package, the default first."""


def shipped_model(name: str) -> Path:
    """The file of the shipped model `name`."""
    return SHIPPED_FOLDER / name / "model.safetensors"


SHIPPED_MODEL = shipped_model(SHIPPED_NAMES[0])
"""The default model for English."""


@dataclass(frozen=True)
class ModelChoice:
    """The model used when none is named, and why."""

    path: Path
    shipped: bool

    def describe(self) -> str:
        """One line for people (the CLI prints it on stderr)."""
        if self.shipped:
            return f"using the model shipped with posattn (UD English EWT): {self.path}"
        return f"using the latest trained run under {RUNS_ROOT}/: {self.path}"


def finished_runs(root: Path = RUNS_ROOT) -> list[RunFolder]:
    """The run folders under `root` whose training finished, oldest model first."""
    runs = [RunFolder(folder) for folder in root.glob("*") if RunFolder(folder).finished()]
    return sorted(runs, key=lambda run: run.model.stat().st_mtime)


def default_model(root: Path = RUNS_ROOT) -> ModelChoice:
    """The latest finished run under `root`, else the shipped default model."""
    runs = finished_runs(root)
    if runs:
        return ModelChoice(runs[-1].path, shipped=False)
    if not SHIPPED_MODEL.is_file():
        raise PosattnError(
            f"no trained model under {root}/ and no shipped model in this installation "
            f"({SHIPPED_MODEL} is missing): train one with `posattn train`"
        )
    return ModelChoice(SHIPPED_MODEL, shipped=True)


def model_path(given: str | Path) -> Path:
    """A model file or run folder as given, or the file of the shipped model of that name (a
    file or folder of the name, if there is one, comes first)."""
    path = Path(given)
    if not path.exists() and str(given) in SHIPPED_NAMES:
        return shipped_model(str(given))
    return path


@dataclass(frozen=True)
class ModelEntry:
    """One model posattn can see, as `posattn models` lists it."""

    name: str
    """The run folder's name, or the shipped model's (what `--model` takes)."""
    path: Path
    """The run folder, or the shipped model's file."""
    shipped: bool
    treebank: str
    targets: list[str]
    dev_accuracy: float | None
    """UPOS accuracy on the treebank's dev split (the best epoch's, for a run)."""
    test_accuracy: float | None
    """UPOS accuracy on test, where it was measured (the shipped models)."""
    default: bool
    """Whether this is the model used when none is named."""


def _entry(name: str, path: Path, shipped: bool, default: bool) -> ModelEntry:
    header = read_header(RunFolder(path).model if path.is_dir() else path)
    config = header.get("config", {})
    evaluation = header.get("evaluation", {})
    dev = evaluation.get("dev", {}).get("accuracy", header.get("metrics", {}).get("dev_accuracy"))
    return ModelEntry(
        name=name,
        path=path,
        shipped=shipped,
        treebank=header.get("vocabularies", {}).get("treebank")
        or config.get("data", {}).get("treebank", "?"),
        targets=list(config.get("model", {}).get("targets", ["upos"])),
        dev_accuracy=dev,
        test_accuracy=evaluation.get("test", {}).get("accuracy"),
        default=default,
    )


def available_models(root: Path = RUNS_ROOT) -> list[ModelEntry]:
    """The finished runs under `root` (newest first), then the shipped models; a model file
    that cannot be read is an error naming it."""
    runs = finished_runs(root)
    entries = [
        _entry(str(run.path), run.path, shipped=False, default=index == len(runs) - 1)
        for index, run in enumerate(runs)
    ][::-1]
    for index, name in enumerate(SHIPPED_NAMES):
        if shipped_model(name).is_file():
            default = index == 0 and not runs
            entries.append(_entry(name, shipped_model(name), shipped=True, default=default))
    return entries
