"""Training from Python: what `posattn train` and `posattn plot` do.

posattn.train("configs/quick.yaml", data_dir=..., output=..., overrides={"train.epochs": 1})
posattn.train(resume="runs/ewt")           # continue an interrupted run
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from posattn.config import Config, config_from_dict, config_to_dict, load_config, saved_config
from posattn.errors import PosattnError
from posattn.files import atomic_write_bytes, read_json_object
from posattn.presentation import plots
from posattn.run_folder import RUNS_ROOT, RunFolder
from posattn.training.loop import Reporter, TrainResult
from posattn.training.loop import train as train_loop

DEFAULT_CONFIG = Path("configs/ewt.yaml")


def make_config(
    config: str | Path | Config | None = None,
    overrides: Sequence[str] | dict[str, Any] | None = None,
    data_dir: str | Path | None = None,
    values: dict[str, Any] | None = None,
) -> Config:
    """A config from a YAML file (default: configs/ewt.yaml) or as given, with overrides either
    as `["section.key=value", ...]` or as `{"section.key": value}`, the data folder, and
    `values` (`{"train.seed": 3}`) that win over both."""
    chosen = {
        **({"data.data_dir": str(data_dir)} if data_dir is not None else {}),
        **(values or {}),
    }
    if isinstance(config, Config):
        if overrides:
            raise PosattnError("give overrides with a config file, not with a Config object")
        raw = config_to_dict(config)  # a copy: the caller's config stays as it is
        for dotted, value in chosen.items():
            section, _, key = dotted.partition(".")
            raw[section][key] = value
        return config_from_dict(raw, config.name)
    path = Path(config) if config is not None else DEFAULT_CONFIG
    if isinstance(overrides, dict):
        return load_config(path, (), {**overrides, **chosen})
    return load_config(path, list(overrides or ()), chosen)


def train(
    config: str | Path | Config | None = None,
    *,
    data_dir: str | Path | None = None,
    output: str | Path | None = None,
    overrides: Sequence[str] | dict[str, Any] | None = None,
    overwrite: bool = False,
    seed: int | None = None,
    device: str | None = None,
    max_minutes: float | None = None,
    resume: str | Path | None = None,
    reporter: Reporter | None = None,
    command: list[str] | None = None,
) -> TrainResult:
    """Train a tagger; the best model by dev accuracy ends up in `output` (default:
    runs/<config name>; `TrainResult.run_dir` says where), with its metrics and training curves.
    `seed`, `device` and `max_minutes` override the config's train settings. An `output` that
    already holds something is refused, or with `overwrite` replaced once the new run has a
    model. `resume` continues the interrupted run in that folder with its own config, so it
    takes none of the rest. `command` is recorded in the run's provenance (the CLI passes its
    command line)."""
    if resume is not None:
        given = [config, output, overrides or None, seed, device, max_minutes, overwrite or None]
        if any(value is not None for value in given):
            raise PosattnError(
                f"resume={resume} continues a run with its own config: give it alone"
            )
        folder = RunFolder(Path(resume))
        settings = saved_config(read_json_object(folder.config))
        result = train_loop(settings, folder.path, reporter, resume=True, command=command)
    else:
        flags = {"train.seed": seed, "train.device": device, "train.max_minutes": max_minutes}
        chosen = {key: value for key, value in flags.items() if value is not None}
        settings = make_config(config, overrides, data_dir, chosen)
        folder = RunFolder(Path(output) if output is not None else RUNS_ROOT / settings.name)
        result = train_loop(settings, folder.path, reporter, command=command, overwrite=overwrite)
    done = RunFolder(Path(result.run_dir))
    draw_curves([done.path], done.curves, names=[settings.name])
    return result


def resume(
    run: str | Path, *, reporter: Reporter | None = None, command: list[str] | None = None
) -> TrainResult:
    """Continue a run stopped by Ctrl-C, SIGTERM or a crash, with its own config."""
    return train(resume=run, reporter=reporter, command=command)


def draw_curves(
    runs: Sequence[str | Path], output: str | Path | None = None, names: list[str] | None = None
) -> Path:
    """Training curves (train loss, dev accuracy, learning rate) of one or more runs as a PNG:
    into `output`, or for a single run into its own curves.png."""
    if output is None:
        if len(runs) != 1:
            raise PosattnError("several runs: say where to draw them with output=FILE.png")
        output = RunFolder(Path(runs[0])).curves
    folders = [RunFolder(Path(run)) for run in runs]
    labels = names or [str(run) for run in runs]
    if len(set(labels)) != len(labels):
        raise PosattnError("a run folder is named twice")
    curves = {label: f.read_metrics() for label, f in zip(labels, folders, strict=True)}
    atomic_write_bytes(Path(output), plots.training_curves(curves))
    return Path(output)
