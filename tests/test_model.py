"""The model by construction: shapes, masking, the fused and explicit attention paths agree."""

import time

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from posattn.config import ModelConfig
from posattn.data.batching import make_batch
from posattn.data.vocab import Vocabularies
from posattn.errors import PosattnError
from posattn.model import TaggingNetwork
from posattn.model.attention import MultiHeadSelfAttention
from posattn.model.position import RelativePositionBias
from posattn.tagging.attention_maps import attention_maps
from posattn.tagging.inference import most_central, predict, windows
from posattn.tagging.precision import bfloat16_hardware, resolve

from .conftest import TINY_MODEL

WORDS = ["I", "saw", "a", "the", "man", "with", "time", "flies", "like", "an", "arrow", "."]
VOCABS = Vocabularies.build([WORDS], [["X"] * 6 + ["NOUN"] * 6])


def tiny_tagger(**changes: object) -> TaggingNetwork:
    config = ModelConfig(**{**TINY_MODEL, **changes})  # type: ignore[arg-type]
    torch.manual_seed(0)
    return TaggingNetwork.for_vocabularies(config, VOCABS).eval()


sentences = st.lists(st.sampled_from([*WORDS, "unseen", "Zebra"]), min_size=1, max_size=12)


@settings(max_examples=30, deadline=None)
@given(
    sentence=sentences,
    others=st.lists(sentences, min_size=1, max_size=4),
    position=st.sampled_from(["none", "sinusoidal", "learned", "relative"]),
)
def test_padding_never_changes_real_tokens(
    sentence: list[str], others: list[list[str]], position: str
) -> None:
    tagger = tiny_tagger(position=position)
    alone = tagger(make_batch([sentence], VOCABS))[1][0]  # (seq, tags)
    padded = tagger(make_batch([sentence, *others], VOCABS))[1][0, : len(sentence)]
    torch.testing.assert_close(alone, padded, atol=1e-5, rtol=1e-4)


def test_output_has_one_distribution_per_token() -> None:
    batch = make_batch([["I", "saw", "a", "saw"], ["time", "flies"]], VOCABS)
    probabilities = tiny_tagger().predict_targets(batch)[0]
    assert probabilities.shape == (2, 4, len(VOCABS.tags))
    torch.testing.assert_close(probabilities.sum(-1), torch.ones(2, 4))


@pytest.mark.parametrize("relative", [False, True])
def test_fused_kernel_matches_the_explicit_math(relative: bool) -> None:
    torch.manual_seed(0)
    attention = MultiHeadSelfAttention(d_model=16, heads=4).eval()
    x = torch.randn(3, 7, 16)
    mask = torch.tensor([[True] * 7, [True] * 4 + [False] * 3, [True] + [False] * 6])
    bias = None
    if relative:
        relative_bias = RelativePositionBias(heads=4, max_distance=3)
        torch.nn.init.normal_(relative_bias.bias.weight)
        bias = relative_bias(7)
        assert bias.shape == (4, 7, 7)
        assert torch.equal(bias[:, 0, 1], bias[:, 5, 6])  # the same offset, the same bias
    fused, no_weights = attention(x, mask, bias=bias)
    explicit, weights = attention(x, mask, return_weights=True, bias=bias)
    assert no_weights is None and weights is not None
    torch.testing.assert_close(fused, explicit, atol=1e-5, rtol=1e-4)
    assert weights.shape == (3, 4, 7, 7)  # (batch, heads, queries, keys)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4, 7))
    assert (weights[1, :, :, 4:] == 0).all()  # nobody attends to padding


def test_attention_weights_per_layer() -> None:
    batch = make_batch([["I", "saw", "a", "saw"]], VOCABS)
    weights = tiny_tagger().attention_weights(batch)
    assert [w.shape for w in weights] == [(1, 2, 4, 4)] * 2


def test_without_positions_the_two_saws_are_indistinguishable() -> None:
    """No positional encoding: attention sees a bag of words, so equal words get equal outputs."""
    batch = make_batch([["I", "saw", "a", "saw"]], VOCABS)
    bag = tiny_tagger(position="none")(batch)[1][0]
    torch.testing.assert_close(bag[1], bag[3])
    for position in ("sinusoidal", "learned", "relative"):
        tagger = tiny_tagger(position=position)
        if position == "relative":  # its bias starts at zero: give it something to say
            for block in tagger.encoder.blocks:
                torch.nn.init.normal_(block.relative.bias.weight)
        ordered = tagger(batch)[1][0]
        assert not torch.allclose(ordered[1], ordered[3], atol=1e-4), position


def test_long_sentences_are_tagged_in_overlapping_windows() -> None:
    learned = tiny_tagger(position="learned", max_positions=8)
    assert learned.max_length == 8
    assert len(predict(learned, VOCABS, [["saw"] * 30])[0].tags) == 30  # beyond its table
    # A +-2 window encoder needs 2 tokens of context each side; windows of 24 give every token
    # at least 6: tagging in windows must then equal tagging the whole sentence at once.
    window = tiny_tagger(encoder="window", position="none", window=2)
    long = [WORDS[i * 7 % len(WORDS)] for i in range(100)]
    whole = predict(window, VOCABS, [long], max_tokens=1000)[0]
    pieces = predict(window, VOCABS, [long], max_tokens=24)[0]
    assert pieces.tags == whole.tags
    torch.testing.assert_close(pieces.probabilities, whole.probabilities)


@given(st.integers(1, 3000), st.integers(1, 300))
@settings(max_examples=200, deadline=None)
def test_each_token_is_taken_from_its_most_central_window(length: int, size: int) -> None:
    spans = windows(length, size)
    for position, chosen in enumerate(most_central(length, spans)):
        room = [min(position - a, b - 1 - position) for a, b in spans]
        assert chosen == room.index(max(room))  # the first of the best, as by brute force


def test_tagging_one_long_sentence_takes_time_linear_in_its_length() -> None:
    tagger = tiny_tagger(position="relative")

    def seconds(length: int) -> float:
        sentence = ["saw", "a"] * (length // 2)
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            predict(tagger, VOCABS, [sentence])
            best = min(best, time.perf_counter() - started)
        return best

    seconds(512)  # warm up
    assert seconds(40_000) <= 15 * seconds(4_000)


def test_a_ten_thousand_token_sentence_is_tagged_whole() -> None:
    tags = predict(tiny_tagger(position="relative"), VOCABS, [["saw", "a"] * 5000])[0].tags
    assert len(tags) == 10_000


def test_attention_maps_are_the_models_weights_row_by_row() -> None:
    tagger = tiny_tagger(position="relative")
    rows = attention_maps(tagger, VOCABS, ["I", "saw", "a", "saw"])
    assert [[m.title for m in row] for row in rows] == [
        ["layer 1, head 1", "layer 1, head 2"],
        ["layer 2, head 1", "layer 2, head 2"],
    ]
    weights = tagger.attention_weights(make_batch([["I", "saw", "a", "saw"]], VOCABS))
    torch.testing.assert_close(torch.tensor(rows[1][0].weights), weights[1][0, 0])
    for row in rows:
        for attention in row:
            torch.testing.assert_close(torch.tensor(attention.weights).sum(-1), torch.ones(4))
    averaged = attention_maps(tagger, VOCABS, ["I", "saw"], layer=1, average_heads=True)
    assert len(averaged) == 1 and averaged[0][0].head is None


def test_a_model_without_attention_or_a_too_long_sentence_says_so() -> None:
    with pytest.raises(PosattnError, match="encoder is fc: it has no attention to show"):
        attention_maps(tiny_tagger(encoder="fc", position="none"), VOCABS, ["I", "saw"])
    with pytest.raises(PosattnError, match="up to 256 tokens; this one has 300"):
        attention_maps(tiny_tagger(), VOCABS, ["saw"] * 300)


def test_relative_positions_tell_left_from_right() -> None:
    """The bias is looked up by the signed offset j - i: the word before and the word after are
    different positions (|j - i| would make "a saw" and "saw a" the same to attention)."""
    relative = RelativePositionBias(heads=1, max_distance=2)
    with torch.no_grad():
        relative.bias.weight.copy_(torch.arange(5.0).unsqueeze(1))  # offsets -2..2 -> 0..4
    bias = relative(4)[0]  # (queries, keys)
    assert bias[1, 0].item() == 1.0 and bias[1, 2].item() == 3.0  # one left, one right
    assert bias[0, 3].item() == 4.0 and bias[3, 0].item() == 0.0  # clipped at +-2
    assert torch.equal(bias.diagonal(), torch.full((4,), 2.0))


@pytest.mark.parametrize("encoder", ["attention", "fc", "window", "cnn", "bilstm"])
@pytest.mark.parametrize("output", ["softmax", "crf"])
def test_bfloat16_tags_as_float32_does(encoder: str, output: str) -> None:
    """Every encoder runs in bfloat16 for tagging; the probabilities stay within about 0.01 of
    float32's (8 bits of mantissa), here on random weights, so barely any tag moves."""
    sentences = [WORDS[:n] for n in range(1, len(WORDS) + 1)]
    exact = predict(tiny_tagger(encoder=encoder, output=output), VOCABS, sentences)
    half = predict(tiny_tagger(encoder=encoder, output=output).run_in(torch.bfloat16), VOCABS,
                   sentences)  # fmt: skip
    for a, b in zip(exact, half, strict=True):
        torch.testing.assert_close(torch.tensor(b.probabilities), torch.tensor(a.probabilities),
                                   atol=0.03, rtol=0)  # fmt: skip
    pairs = zip(exact, half, strict=True)
    assert sum(x != y for a, b in pairs for x, y in zip(a.tags, b.tags, strict=True)) <= 2


def test_auto_precision_is_bfloat16_only_where_the_cpu_has_it() -> None:
    cpu = torch.device("cpu")
    expected = torch.bfloat16 if bfloat16_hardware() else torch.float32
    assert resolve("auto", cpu) == expected and resolve("float32", cpu) == torch.float32
    with pytest.raises(PosattnError, match="precision='float16': choose one of auto"):
        resolve("float16", cpu)
