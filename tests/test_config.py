from pathlib import Path

import pytest

from posattn.config import load_config
from posattn.errors import PosattnError

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


@pytest.mark.parametrize("name", ["ewt", "quick"])
def test_shipped_configs_load(name: str) -> None:
    config = load_config(CONFIGS / f"{name}.yaml")
    assert config.name == name
    assert config.model.d_model % config.model.heads == 0


def test_overrides_are_typed() -> None:
    config = load_config(None, ["model.layers=4", "train.lr=1e-3", "train.max_minutes=5"])
    assert config.model.layers == 4
    assert config.train.lr == pytest.approx(1e-3)
    assert config.train.max_minutes == 5.0 and isinstance(config.train.max_minutes, float)


def test_flag_values_win_over_set() -> None:
    config = load_config(None, ["train.seed=3"], {"train.seed": 7})
    assert config.train.seed == 7


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.layerz=4", "unknown key model.layerz"),
        ("modle.layers=4", "unknown section modle"),
        ("model.layers=four", "model.layers must be int"),
        ("model.layers=2.5", "model.layers must be int"),
        ("model.position=rotary", "model.position must be one of"),
        ("model.heads=3", "model.heads must divide model.d_model"),
        ("model.dropout=-0.1", "model.dropout must be in [0, 1)"),
        ("layers=4", "expected section.key=value"),
        (
            "model.encoder=bilstm",
            "model.encoder bilstm has no attention: set model.position=none, model.block_conv=0",
        ),
    ],
)
def test_bad_overrides_name_the_key(override: str, message: str) -> None:
    with pytest.raises(PosattnError, match=message.replace("[", r"\[").replace(")", r"\)")):
        load_config(None, [override])


def test_unknown_key_in_yaml_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("model:\n  width: 3\n")
    with pytest.raises(PosattnError, match=r"unknown key model\.width"):
        load_config(path)


def test_the_code_holds_the_default_model(tmp_path: Path) -> None:
    """A config that only says where the data is trains the default model, not older values."""
    mine = tmp_path / "mine.yaml"
    mine.write_text("data:\n  data_dir: /somewhere\n")
    default = load_config(CONFIGS / "ewt.yaml")
    assert load_config(mine).model == default.model == load_config(None).model
    assert load_config(mine).train == default.train
    assert default.model.position == "relative" and default.train.ema_decay == 0.998


def test_shipped_configs_are_found_by_name_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(Path("quick")).name == "quick"
    assert load_config(Path("configs/quick.yaml")).model.char_encoder == "cnn"
    with pytest.raises(PosattnError, match=r"nothing\.yaml: config file not found .*quick"):
        load_config(Path("nothing.yaml"))
