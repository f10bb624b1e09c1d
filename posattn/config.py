"""One typed configuration, loaded from YAML, with dotted command-line overrides.

The defaults below are the default model (the one `configs/ewt.yaml` names and README "How the
default was chosen" explains): this file is the one place they live, so a YAML file that sets
only `data.data_dir` trains exactly the default model. `--set model.layers=4` changes one key.
An unknown key, a wrong type or an out-of-range value is an error that names the key, raised
before any work starts. Configs shipped with posattn (`ewt`, `quick`, the `compare` suite) are
found by name from any folder.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from posattn.errors import PosattnError

SHIPPED_CONFIGS = Path(__file__).resolve().parent / "configs"
"""The configs that come with posattn (ewt, quick, the compare suite), installed with it."""

Position = Literal["none", "sinusoidal", "learned", "relative"]
EncoderKind = Literal["attention", "fc", "window", "cnn", "bilstm"]
CharEncoderKind = Literal["cnn", "multicnn", "bilstm"]
Device = Literal["auto", "cpu", "cuda"]
Target = Literal["upos", "xpos", "feats"]


@dataclass
class DataConfig:
    treebank: str = "en_ewt"
    """Which treebank to download when no folder is given (only `en_ewt` is known)."""
    data_dir: str | None = None
    """A folder of UD CoNLL-U files (`*-ud-train.conllu`, ...); overrides the download."""
    max_train_sentences: int | None = None
    """Use only the first N training sentences (quick runs and tests)."""
    min_word_count: int = 2
    """Forms seen fewer times in train share the unknown-word embedding."""
    max_word_length: int = 24
    """Characters kept per word for the character encoder (long URLs are cut)."""
    tokenizer: Literal["auto", "english", "neutral"] = "auto"
    """How the model will split raw text: English rules, language-neutral ones, or (auto) by
    the treebank's language code, the start of its file names (`en` in `en_ewt-ud-*`)."""


@dataclass
class ModelConfig:
    encoder: EncoderKind = "attention"
    """attention: stacked self-attention; fc: each token alone; window: an MLP over +-window
    tokens; cnn: stacked convolutions of width 2*window+1; bilstm: a bidirectional LSTM."""
    window: int = 2
    """The +-k of the window and cnn encoders."""
    attention_window: int | None = None
    """Truncate attention to keys at most this many positions away (None: the whole sentence)."""
    attention_graph: bool = False
    """An oracle experiment: attend only along the gold dependency tree (to a word's head and
    dependents). Such a model needs trees, so it evaluates treebank files but cannot tag text."""
    word_dim: int = 128
    char_dim: int = 32
    char_channels: int = 128
    char_kernel: int = 5
    d_model: int = 128
    heads: int = 4
    layers: int = 2
    ff_dim: int = 256
    dropout: float = 0.2
    attention_dropout: float = 0.1
    word_dropout: float = 0.1
    """Probability of replacing a training word by the unknown word, so that vector gets learned."""
    position: Position = "relative"
    """none: a bag of words; sinusoidal: absolute positions added to the input; learned: a trained
    vector per absolute position added to the input; relative: a learned bias per head and offset
    in every attention layer."""
    relative_distance: int = 16
    """With position=relative, offsets beyond +-this share one bias."""
    max_positions: int = 256
    """With position=learned, the longest sentence the model can take (EWT's longest has 159)."""
    char_encoder: CharEncoderKind = "bilstm"
    """How a word's spelling becomes a vector: cnn (one convolution, max-pooled), multicnn
    (widths 1, 3, 5 and 7 side by side, then a highway layer), bilstm (a BiLSTM read both ways)."""
    block_conv: int = 3
    """Kernel width of a depthwise convolution inside each attention block, after the attention
    (Conformer's convolution module), so every layer also mixes its +-width//2 neighbours with
    weights by offset (0: none)."""
    output: Literal["softmax", "crf"] = "softmax"
    """softmax: each token's tag on its own; crf: a linear-chain CRF that also learns which tag
    follows which, trained on whole tag sequences (tagging takes each token's marginal; its
    loss has no label smoothing, and it cannot learn from teachers)."""
    targets: list[Target] = field(default_factory=lambda: ["upos"])
    """What the model predicts: UPOS always; also `xpos` (the treebank's own tags) and `feats`
    (each word's morphological features, its whole FEATS string as one label), each by its
    own classifier on the same encoder."""
    target_weight: float = 0.5
    """The weight of each loss besides UPOS's (XPOS, FEATS)."""


@dataclass
class TrainConfig:
    seed: int = 1
    epochs: int = 20
    batch_tokens: int = 800
    """Tokens per batch (sentences of similar length are batched together)."""
    lr: float = 3e-3
    weight_decay: float = 0.01
    warmup_steps: int = 300
    """Steps of linear warm-up of the learning rate; with budget `epochs`, at most a tenth of
    all steps (EWT's 20 epochs are about 5,400 steps; a treebank of 1,500 sentences has 600)."""
    clip_norm: float = 1.0
    ema_decay: float | None = 0.998
    """Evaluate and save an exponential moving average of the weights (null: the last weights);
    an average of recent weights generalises better than the last noisy step's."""
    label_smoothing: float = 0.1
    """For softmax outputs (UPOS with model.output=softmax, and the other targets)."""
    patience: int = 5
    """Stop after this many epochs without a better dev accuracy."""
    max_minutes: float | None = None
    """Stop after this wall time; the best model so far is kept."""
    budget: Literal["epochs", "minutes"] = "epochs"
    """What the learning rate decays over: train.epochs, or train.max_minutes of wall time (to
    compare encoders at equal cost on one machine; such a run depends on the machine's speed,
    so it is not bit-reproducible)."""
    device: Device = "auto"
    threads: int | None = 1
    """CPU threads for torch (null: torch's own choice). One by default: only then is a run
    bit-identical on the same CPU (with two, identical runs differ in the ninth digit of the
    loss from the first epoch on, and end a few hundredths of a point apart)."""
    teachers: list[str] = field(default_factory=list)
    """Trained models (run folders) whose averaged tag distributions on the training sentences
    the model also learns from: knowledge distillation, e.g. of an ensemble into one model."""
    distill: float = 0.5
    """With teachers: the weight of their distributions in the loss (the gold tags get the
    rest)."""


@dataclass
class Config:
    name: str = "ewt"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        validate(self)


def _attention_settings(m: ModelConfig) -> list[str]:
    """The attention encoder's own settings that are not at their neutral value."""
    neutral = {"position": "none", "attention_window": None, "attention_graph": False}
    changed = [
        f"model.{key}={'null' if value is None else str(value).lower()}"
        for key, value in neutral.items()
        if getattr(m, key) != value
    ]
    return changed + (["model.block_conv=0"] if m.block_conv else [])


def validate(config: Config) -> None:
    """Reject values that would fail later, naming the key."""
    m, t, d = config.model, config.train, config.data
    checks: list[tuple[bool, str, str]] = [
        (
            re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", config.name) is not None,
            "name",
            f"{config.name!r} must be a plain file name (letters, digits, . _ -): it names the "
            "run folder under runs/",
        ),
        (m.d_model > 0, "model.d_model", "must be positive"),
        (m.heads > 0, "model.heads", "must be positive"),
        (m.d_model % max(m.heads, 1) == 0, "model.heads", f"must divide model.d_model={m.d_model}"),
        (m.layers >= 0, "model.layers", "must be 0 or more"),
        (m.word_dim > 0, "model.word_dim", "must be positive"),
        (m.char_dim >= 0, "model.char_dim", "must be 0 (no character encoder) or more"),
        (m.char_channels > 0, "model.char_channels", "must be positive"),
        (m.char_kernel > 0 and m.char_kernel % 2 == 1, "model.char_kernel", "must be odd"),
        (m.ff_dim > 0, "model.ff_dim", "must be positive"),
        (m.relative_distance > 0, "model.relative_distance", "must be positive"),
        (
            m.block_conv == 0 or (m.block_conv > 0 and m.block_conv % 2 == 1),
            "model.block_conv",
            "must be 0 (none) or an odd width",
        ),
        (
            m.targets[:1] == ["upos"] and len(set(m.targets)) == len(m.targets),
            "model.targets",
            f"{m.targets}: must start with upos and name each target once (upos, xpos, feats)",
        ),
        (m.target_weight > 0, "model.target_weight", "must be positive"),
        (
            m.output != "crf" or not t.teachers,
            "model.output",
            "crf cannot learn from train.teachers (distillation needs a softmax output)",
        ),
        (
            m.char_encoder != "bilstm" or m.char_channels % 2 == 0,
            "model.char_channels",
            "must be even for char_encoder bilstm",
        ),
        (m.max_positions > 0, "model.max_positions", "must be positive"),
        (m.window > 0, "model.window", "must be positive"),
        (
            m.attention_window is None or m.attention_window >= 0,
            "model.attention_window",
            "must be 0 or more",
        ),
        (
            m.encoder == "attention" or not _attention_settings(m),
            "model.encoder",
            f"{m.encoder} has no attention: set {', '.join(_attention_settings(m))}",
        ),
        (m.encoder != "bilstm" or m.d_model % 2 == 0, "model.d_model", "must be even for bilstm"),
        (0 <= m.dropout < 1, "model.dropout", "must be in [0, 1)"),
        (0 <= m.attention_dropout < 1, "model.attention_dropout", "must be in [0, 1)"),
        (0 <= m.word_dropout < 1, "model.word_dropout", "must be in [0, 1)"),
        (t.epochs > 0, "train.epochs", "must be positive"),
        (t.batch_tokens > 0, "train.batch_tokens", "must be positive"),
        (t.lr > 0, "train.lr", "must be positive"),
        (t.weight_decay >= 0, "train.weight_decay", "must be 0 or more"),
        (t.warmup_steps >= 0, "train.warmup_steps", "must be 0 or more"),
        (t.clip_norm > 0, "train.clip_norm", "must be positive"),
        (t.ema_decay is None or 0 < t.ema_decay < 1, "train.ema_decay", "must be in (0, 1)"),
        (0 <= t.label_smoothing < 1, "train.label_smoothing", "must be in [0, 1)"),
        (0 <= t.distill <= 1, "train.distill", "must be in [0, 1]"),
        (t.patience > 0, "train.patience", "must be positive"),
        (t.max_minutes is None or t.max_minutes > 0, "train.max_minutes", "must be positive"),
        (
            t.budget == "epochs" or t.max_minutes is not None,
            "train.budget",
            "minutes needs train.max_minutes",
        ),
        (t.threads is None or t.threads > 0, "train.threads", "must be positive"),
        (d.min_word_count >= 1, "data.min_word_count", "must be 1 or more"),
        (d.max_word_length >= 1, "data.max_word_length", "must be 1 or more"),
        (
            d.max_train_sentences is None or d.max_train_sentences > 0,
            "data.max_train_sentences",
            "must be positive",
        ),
    ]
    for ok, key, problem in checks:
        if not ok:
            raise PosattnError(f"config: {key} {problem}")


SECTIONS = {"data": DataConfig, "model": ModelConfig, "train": TrainConfig}


def _coerce(key: str, value: Any, hint: Any) -> Any:
    """Check `value` against the annotation `hint`; convert only int and "1e-3" to float."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _coerce(key, value, option)
            except PosattnError as error:
                errors.append(str(error))
        raise PosattnError(errors[0])
    if origin is list:
        if not isinstance(value, list):
            raise PosattnError(f"config: {key} must be a list, got {value!r}")
        (item,) = typing.get_args(hint)
        return [_coerce(key, v, item) for v in value]
    if origin is Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            raise PosattnError(f"config: {key} must be one of {', '.join(map(str, choices))}")
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str):
        # YAML 1.1 reads 1e-3 (no dot) as a string; it is plainly meant as a number.
        try:
            return float(value)
        except ValueError:
            pass
    if hint in (int, float, str, bool) and (
        type(value) is not hint or (hint is int and isinstance(value, bool))
    ):
        raise PosattnError(f"config: {key} must be {hint.__name__}, got {value!r}")
    return value


def _build_section(section: str, values: dict[str, Any]) -> Any:
    cls = SECTIONS[section]
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in values.items():
        if key not in known:
            hint = " (now model.targets: [upos, xpos])" if key == "xpos_weight" else ""
            raise PosattnError(
                f"config: unknown key {section}.{key}{hint} (known: {', '.join(sorted(known))})"
            )
        kwargs[key] = _coerce(f"{section}.{key}", value, hints[key])
    return cls(**kwargs)


ADDED_LATER: dict[tuple[str, str], Any] = {
    ("model", "char_encoder"): "cnn",
    ("model", "block_conv"): 0,
    ("model", "targets"): ["upos"],
    ("model", "output"): "softmax",
}
"""Keys added after models and runs were first saved, with the value that means what those
models did: a saved config without them is read with these, not with today's defaults."""


def _renamed_keys(model: dict[str, Any]) -> None:
    """`model.xpos_weight: W` (an XPOS classifier as a second task, before there were targets)
    is `model.targets: [upos, xpos]` with `model.target_weight: W`."""
    weight = model.pop("xpos_weight", 0.0)
    if weight:
        model.setdefault("targets", ["upos", "xpos"])
        model.setdefault("target_weight", weight)


def saved_config(raw: dict[str, Any]) -> Config:
    """A config saved by a model file, a run folder or a suite (by this version or an older
    one): the keys it lacks take the value it was trained with."""
    if not isinstance(raw, dict):
        raise PosattnError("config: the top level must be a mapping of sections")
    completed = {
        key: dict(value) if isinstance(value, dict) else value for key, value in raw.items()
    }
    if isinstance(completed.get("model"), dict):
        _renamed_keys(completed["model"])
    for (section, key), value in ADDED_LATER.items():
        if isinstance(completed.get(section), dict):
            completed[section].setdefault(key, value)
    return config_from_dict(completed, str(raw.get("name", "ewt")))


def config_from_dict(raw: dict[str, Any], name: str = "ewt") -> Config:
    """Build a validated Config from nested dicts (a YAML file or a checkpoint's JSON)."""
    if not isinstance(raw, dict):
        raise PosattnError("config: the top level must be a mapping of sections")
    unknown = set(raw) - set(SECTIONS) - {"name"}
    if unknown:
        raise PosattnError(
            f"config: unknown section {sorted(unknown)[0]} (known: data, model, train)"
        )
    sections = {}
    for section in SECTIONS:
        values = raw.get(section) or {}
        if not isinstance(values, dict):
            raise PosattnError(f"config: section {section} must be a mapping")
        sections[section] = _build_section(section, values)
    return Config(name=str(raw.get("name", name)), **sections)


def parse_override(text: str) -> tuple[str, str, Any]:
    """`model.layers=4` -> ("model", "layers", 4); the value is read as YAML."""
    key, sep, value = text.partition("=")
    section, dot, name = key.strip().partition(".")
    if not sep or not dot or not name:
        raise PosattnError(f"override {text!r}: expected section.key=value, e.g. model.layers=4")
    if section not in SECTIONS:
        raise PosattnError(
            f"override {text!r}: unknown section {section} (known: data, model, train)"
        )
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "cannot be read"
        raise PosattnError(f"override {text!r}: the value is not valid YAML ({problem})") from None
    return section, name, parsed


def read_yaml(path: Path) -> Any:
    """A YAML file's content; a file that cannot be read, is not UTF-8 or not YAML is a
    one-line error naming it (and the line, where there is one)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PosattnError(f"{path}: cannot read ({error.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PosattnError(f"{path}:{line}: not UTF-8 text") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise PosattnError(f"{where}: not valid YAML ({problem})") from None


def find_config_file(path: Path) -> Path:
    """`path` itself if it exists, else the shipped config of that name (`quick`, `quick.yaml`,
    or `configs/quick.yaml` run from another folder)."""
    if path.exists():
        return path
    for name in (path.name, f"{path.name}.yaml"):
        if (SHIPPED_CONFIGS / name).is_file():
            return SHIPPED_CONFIGS / name
    shipped = ", ".join(sorted(p.stem for p in SHIPPED_CONFIGS.glob("*.yaml")))
    raise PosattnError(f"{path}: config file not found (shipped with posattn: {shipped})")


def load_config(
    path: Path | None,
    overrides: list[str] | tuple[str, ...] = (),
    values: dict[str, Any] | None = None,
) -> Config:
    """Read a YAML config (None: the defaults), then apply `section.key=value` overrides, then
    `values` ({"train.seed": 3, ...}: the command line's own flags, which win)."""
    raw: dict[str, Any] = {}
    name = "ewt"
    if path is not None:
        path = find_config_file(path)
        raw = read_yaml(path) or {}
        if not isinstance(raw, dict):
            raise PosattnError(f"{path}: the top level must be a mapping of sections")
        name = path.stem
    updates = [parse_override(text) for text in overrides]
    for dotted, value in (values or {}).items():
        section, _, key = dotted.partition(".")
        updates.append((section, key, value))
    for section, key, value in updates:
        raw.setdefault(section, {})
        if not isinstance(raw[section], dict):
            raise PosattnError(f"config: section {section} must be a mapping")
        raw[section][key] = value
    return config_from_dict(raw, name=str(raw.get("name", name)))


def config_to_dict(config: Config) -> dict[str, Any]:
    return dataclasses.asdict(config)
