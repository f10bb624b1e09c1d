"""What each encoder can see, checked by construction (random weights, no training): change one
token and look which outputs move."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from posattn.config import ModelConfig
from posattn.data.batching import make_batch
from posattn.data.vocab import Vocabularies
from posattn.model import TaggingNetwork

from .conftest import TINY_MODEL

WORDS = [
    "I",
    "saw",
    "a",
    "the",
    "man",
    "with",
    "time",
    "flies",
    "like",
    "an",
    "arrow",
    "old",
    "boat",
    ".",
]
VOCABS = Vocabularies.build([WORDS], [["X"] * len(WORDS)])
SENTENCE = ["the", "old", "man", "saw", "a", "man", "with", "the", "saw", "."]


def tagger(encoder: str, position: str = "none", **changes: object) -> TaggingNetwork:
    config = ModelConfig(encoder=encoder, position=position, **{**TINY_MODEL, **changes})  # type: ignore[arg-type]
    torch.manual_seed(0)
    model = TaggingNetwork.for_vocabularies(config, VOCABS).eval()
    for block in getattr(model.encoder, "blocks", []):
        if block.relative is not None:  # zero-initialised: give it something to say
            torch.nn.init.normal_(block.relative.bias.weight)
    return model


def outputs(model: TaggingNetwork, sentence: list[str]) -> torch.Tensor:
    return model(make_batch([sentence], VOCABS))[1][0]  # (seq, tags)


def reach(model: TaggingNetwork, changed: int) -> set[int]:
    """Positions whose output moves when the token at `changed` is replaced."""
    before = outputs(model, SENTENCE)
    other = [*SENTENCE]
    other[changed] = "arrow"
    after = outputs(model, other)
    moved = ~torch.isclose(before, after, atol=1e-6, rtol=1e-5).all(dim=-1)
    return {i for i in range(len(SENTENCE)) if moved[i]}


def within(center: int, distance: int) -> set[int]:
    return {i for i in range(len(SENTENCE)) if abs(i - center) <= distance}


def test_fc_sees_no_context() -> None:
    model = tagger("fc")
    for changed in (0, 4, 9):
        assert reach(model, changed) == {changed}


@pytest.mark.parametrize("k", [1, 2])
def test_window_sees_exactly_k_tokens_each_side(k: int) -> None:
    model = tagger("window", window=k)
    for changed in (0, 4, 9):
        assert reach(model, changed) == within(changed, k)


@pytest.mark.parametrize(("k", "layers"), [(1, 1), (1, 2), (2, 2)])
def test_cnn_sees_layers_times_k(k: int, layers: int) -> None:
    model = tagger("cnn", window=k, layers=layers)
    assert reach(model, 4) == within(4, layers * k)


@pytest.mark.parametrize(("w", "layers"), [(1, 1), (1, 2), (2, 1), (0, 3)])
def test_truncated_attention_sees_layers_times_w(w: int, layers: int) -> None:
    model = tagger("attention", position="relative", attention_window=w, layers=layers)
    assert reach(model, 4) == within(4, layers * w)


@pytest.mark.parametrize(("w", "width", "layers"), [(0, 3, 1), (0, 3, 2), (1, 5, 2)])
def test_a_convolution_in_the_block_adds_its_reach(w: int, width: int, layers: int) -> None:
    # Each block's depthwise convolution sees +-width//2 positions, on top of its attention.
    model = tagger("attention", "relative", attention_window=w, block_conv=width, layers=layers)
    assert reach(model, 4) == within(4, layers * (w + width // 2))


@pytest.mark.parametrize("encoder", ["attention", "bilstm"])
def test_attention_and_bilstm_see_the_whole_sentence(encoder: str) -> None:
    model = tagger(encoder, position="relative" if encoder == "attention" else "none")
    assert reach(model, 0) == set(range(len(SENTENCE)))


def test_attention_without_positions_is_permutation_equivariant() -> None:
    model = tagger("attention", position="none")
    order = torch.randperm(len(SENTENCE), generator=torch.Generator().manual_seed(1)).tolist()
    permuted = outputs(model, [SENTENCE[i] for i in order])
    torch.testing.assert_close(permuted, outputs(model, SENTENCE)[order], atol=1e-5, rtol=1e-4)


ENCODERS = [
    ("fc", "none", {}),
    ("window", "none", {"window": 2}),
    ("cnn", "none", {"window": 1}),
    ("bilstm", "none", {}),
    ("attention", "relative", {"attention_window": 1}),
    ("attention", "sinusoidal", {}),
    ("attention", "relative", {"block_conv": 3, "char_encoder": "bilstm"}),
    ("attention", "relative", {"char_encoder": "multicnn"}),
]
sentences = st.lists(st.sampled_from(WORDS), min_size=1, max_size=10)


@settings(max_examples=10, deadline=None)
@given(sentence=sentences, others=st.lists(sentences, min_size=1, max_size=3))
@pytest.mark.parametrize(("encoder", "position", "changes"), ENCODERS)
def test_padding_never_changes_real_tokens_for_any_encoder(
    encoder: str,
    position: str,
    changes: dict[str, object],
    sentence: list[str],
    others: list[list[str]],
) -> None:
    model = tagger(encoder, position, **changes)
    alone = outputs(model, sentence)
    padded = model(make_batch([sentence, *others], VOCABS))[1][0, : len(sentence)]
    torch.testing.assert_close(alone, padded, atol=1e-5, rtol=1e-4)


# "the old man saw a man with the saw ." as a tree: heads (1-based, 0 = root) of each word.
HEADS = [3, 3, 4, 0, 6, 4, 9, 9, 6, 4]


def graph_reach(model: TaggingNetwork, changed: int) -> set[int]:
    def run(sentence: list[str]) -> torch.Tensor:
        return model(make_batch([sentence], VOCABS, heads=[HEADS]))[1][0]

    other = [*SENTENCE]
    other[changed] = "arrow"
    moved = ~torch.isclose(run(SENTENCE), run(other), atol=1e-6, rtol=1e-5).all(dim=-1)
    return {i for i in range(len(SENTENCE)) if moved[i]}


def tree_neighbours(center: int, hops: int) -> set[int]:
    reached = {center}
    for _ in range(hops):
        dependents = {i for i, h in enumerate(HEADS) if h - 1 in reached}
        heads = {HEADS[i] - 1 for i in reached if HEADS[i] > 0}
        reached |= dependents | heads
    return reached


@pytest.mark.parametrize("layers", [1, 2])
def test_graph_attention_sees_the_tree_not_the_line(layers: int) -> None:
    # Attention along the dependency tree is just another mask: with L layers a word's output
    # depends on the words at most L edges away in the tree, however far apart in the sentence.
    model = tagger("attention", "relative", attention_graph=True, layers=layers)
    for changed in range(len(SENTENCE)):
        assert graph_reach(model, changed) == tree_neighbours(changed, layers), changed
    # "saw" (the verb, index 3) and "." (index 9) are six words apart but linked in the tree.
    assert 9 in graph_reach(model, 3)
