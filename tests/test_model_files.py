"""Model files: nothing is unpickled, and a damaged, altered or mismatched file is refused with
one line naming it."""

import dataclasses
import json
import pickle
from pathlib import Path

import pytest
import torch
from safetensors.torch import save, save_file

from posattn.config import Config, ModelConfig
from posattn.data.vocab import Vocab, Vocabularies
from posattn.errors import PosattnError
from posattn.model import TaggingNetwork
from posattn.model.storage import load_tensors, save_model, save_tensors
from posattn.run_folder import RunFolder
from posattn.tagging.inference import load_model

from .conftest import toy_language

VOCABS = Vocabularies.build(*toy_language(50, seed=1))
CONFIG = Config(model=ModelConfig(word_dim=16, char_dim=8, char_channels=16, d_model=16, ff_dim=32))


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    tagger = TaggingNetwork.for_vocabularies(CONFIG.model, VOCABS)
    save_model(RunFolder(tmp_path).model, tagger, VOCABS, CONFIG, {"epoch": 1})
    return tmp_path


def test_a_saved_model_loads_back_identically(model_dir: Path) -> None:
    loaded = load_model(model_dir)
    tensors, header = load_tensors(RunFolder(model_dir).model)
    for name, value in loaded.network.state_dict().items():
        assert torch.equal(value, tensors[name])
    assert header["metrics"] == {"epoch": 1} and loaded.vocabs.tags.itos == VOCABS.tags.itos


class Exploit:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))  # type: ignore[return-value]


def test_a_pickle_is_refused_without_being_run(model_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "code-ran"
    RunFolder(model_dir).model.write_bytes(pickle.dumps({"weights": Exploit(marker)}))
    with pytest.raises(PosattnError, match="not a posattn safetensors file"):
        load_model(model_dir)
    assert not marker.exists()
    torch.save({"w": torch.zeros(2)}, RunFolder(model_dir).model)  # torch's own pickle format
    with pytest.raises(PosattnError, match="not a posattn safetensors file"):
        load_model(model_dir)


def test_safetensors_without_our_header_is_refused(model_dir: Path) -> None:
    save_file({"w": torch.zeros(2)}, str(RunFolder(model_dir).model))
    with pytest.raises(PosattnError, match="not a posattn safetensors file"):
        load_model(model_dir)


def test_a_truncated_file_is_refused(model_dir: Path) -> None:
    path = RunFolder(model_dir).model
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(PosattnError, match=f"{path}: not a posattn safetensors file"):
        load_model(model_dir)


def test_one_altered_byte_is_caught_by_the_checksum(model_dir: Path) -> None:
    path = RunFolder(model_dir).model
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x40  # inside the last tensor's bytes
    path.write_bytes(bytes(data))
    with pytest.raises(PosattnError, match="do not match their recorded checksum"):
        load_model(model_dir)


def test_another_format_version_is_refused(model_dir: Path) -> None:
    tensors, header = load_tensors(RunFolder(model_dir).model)
    save_tensors(RunFolder(model_dir).model, tensors, {**header, "format": 99})
    with pytest.raises(PosattnError, match=r"model format 99, this posattn .* reads formats 2, 3"):
        load_model(model_dir)


def test_a_vocabulary_that_does_not_fit_the_weights_is_refused(model_dir: Path) -> None:
    tensors, header = load_tensors(RunFolder(model_dir).model)
    header["vocabularies"]["words"] = header["vocabularies"]["words"][:5]
    save_tensors(RunFolder(model_dir).model, tensors, header)
    with pytest.raises(PosattnError, match=r"model does not load .*size mismatch"):
        load_model(model_dir)


def test_a_model_with_an_unsafe_run_name_is_refused(model_dir: Path) -> None:
    tensors, header = load_tensors(RunFolder(model_dir).model)
    header["config"]["name"] = "../../elsewhere"
    save_tensors(RunFolder(model_dir).model, tensors, header)
    with pytest.raises(PosattnError, match="must be a plain file name"):
        load_model(model_dir)


def test_a_model_saved_before_newer_keys_existed_loads_as_it_was_trained(model_dir: Path) -> None:
    # Written before model.block_conv and model.char_encoder existed: without them, it must not
    # get today's defaults (a convolution, a character BiLSTM) and so other weights.
    old = Config(model=ModelConfig(word_dim=16, char_dim=8, char_channels=16, d_model=16,
                                   ff_dim=32, block_conv=0, char_encoder="cnn"))  # fmt: skip
    tagger = TaggingNetwork.for_vocabularies(old.model, VOCABS)
    path = RunFolder(model_dir).model
    save_model(path, tagger, VOCABS, old, {"epoch": 1})
    tensors, header = load_tensors(path)
    for key in ("block_conv", "char_encoder", "targets", "target_weight", "output"):
        del header["config"]["model"][key]
    save_tensors(path, tensors, header)
    loaded = load_model(model_dir)
    assert loaded.config.model.block_conv == 0 and loaded.config.model.char_encoder == "cnn"
    assert loaded.config.model.output == "softmax" and loaded.network.crf is None


def test_an_xpos_classifier_saved_before_there_were_targets_loads(model_dir: Path) -> None:
    """Then `model.xpos_weight: W` with weights `xpos_classifier.*` and a vocabulary `xpos`;
    now `model.targets: [upos, xpos]`, `model.target_weight: W`, `target_classifiers.xpos.*`."""
    vocabs = dataclasses.replace(VOCABS, targets={"xpos": Vocab(["NN", "VBD"], specials=())})
    config = dataclasses.replace(
        CONFIG, model=dataclasses.replace(CONFIG.model, targets=["upos", "xpos"])
    )
    tagger = TaggingNetwork.for_vocabularies(config.model, vocabs)
    path = RunFolder(model_dir).model
    save_model(path, tagger, vocabs, config, {"epoch": 1})
    tensors, header = load_tensors(path)
    model = header["config"]["model"]
    del model["targets"], model["target_weight"]
    model["xpos_weight"] = 0.3
    header["vocabularies"]["xpos"] = header["vocabularies"].pop("targets")["xpos"]
    new = "target_classifiers.xpos."
    old = {name.replace(new, "xpos_classifier."): value for name, value in tensors.items()}
    save_tensors(path, old, header)
    loaded = load_model(model_dir)
    assert loaded.config.model.targets == ["upos", "xpos"]
    assert loaded.config.model.target_weight == 0.3
    assert loaded.vocabs.targets["xpos"].itos == ["NN", "VBD"]
    assert torch.equal(loaded.network.state_dict()[new + "weight"], tensors[new + "weight"])


def test_a_change_anywhere_in_the_header_is_refused(model_dir: Path) -> None:
    path = RunFolder(model_dir).model
    original = path.read_bytes()
    tensors, header = load_tensors(path)
    assert b'\\"VERB\\"' in original  # the header is JSON inside a JSON string
    path.write_bytes(original.replace(b'\\"VERB\\"', b'\\"VERX\\"', 1))  # one byte
    with pytest.raises(PosattnError, match="the header does not match its recorded checksum"):
        load_model(model_dir)
    # The tags reordered (NOUN and VERB swapped) by a tool that rewrites the header but keeps
    # its checksums: loading it would swap the output silently.
    tags = header["vocabularies"]["tags"]
    noun, verb = tags.index("NOUN"), tags.index("VERB")
    tags[noun], tags[verb] = tags[verb], tags[noun]
    path.write_bytes(save(tensors, metadata={"posattn": json.dumps(header)}))
    with pytest.raises(PosattnError, match="the header does not match its recorded checksum"):
        load_model(model_dir)
    del header["sha256"]  # and without its checksum, it is not a model of this format
    path.write_bytes(save(tensors, metadata={"posattn": json.dumps(header)}))
    with pytest.raises(PosattnError, match="the header has lost its checksum"):
        load_model(model_dir)


def test_a_header_length_that_does_not_fit_is_one_line(model_dir: Path, tmp_path: Path) -> None:
    from posattn.catalog import available_models
    from posattn.headers import read_header

    runs = tmp_path / "runs"
    run = runs / "damaged"
    run.mkdir(parents=True)
    for name in ("train_result.json", "config.json"):
        (run / name).write_text("{}")
    for length in (2**63, 10**12, 10):
        RunFolder(run).model.write_bytes(length.to_bytes(8, "little") + b"{}")
        with pytest.raises(PosattnError, match="not a posattn model file, or a damaged one"):
            read_header(RunFolder(run).model)
        with pytest.raises(PosattnError, match="damaged"):
            available_models(runs)
