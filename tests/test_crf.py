"""The CRF layer against brute force: log Z and marginals by enumerating every tag sequence."""

import itertools

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from posattn.model.crf import LinearChainCRF


def random_crf(tags: int, seed: int) -> LinearChainCRF:
    crf = LinearChainCRF(tags)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in crf.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator))
    return crf


@torch.no_grad()
def brute_force(crf: LinearChainCRF, emissions: torch.Tensor) -> tuple[float, torch.Tensor]:
    """log Z and the marginals of one unpadded sentence, (seq, tags), by enumeration."""
    length, tags = emissions.shape
    scores = {}
    for path in itertools.product(range(tags), repeat=length):
        score = crf.start[path[0]] + crf.end[path[-1]]
        score = score + sum(emissions[t, k] for t, k in enumerate(path))
        score = score + sum(crf.transitions[a, b] for a, b in itertools.pairwise(path))
        scores[path] = score
    log_z = torch.logsumexp(torch.stack(list(scores.values())), dim=0)
    marginals = torch.zeros(length, tags)
    for path, score in scores.items():
        for t, k in enumerate(path):
            marginals[t, k] += (score - log_z).exp()
    return float(log_z), marginals


@settings(max_examples=25, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    tags=st.integers(1, 3),
    seed=st.integers(0, 1000),
)
def test_log_partition_and_marginals_match_enumeration(
    lengths: list[int], tags: int, seed: int
) -> None:
    crf = random_crf(tags, seed)
    emissions = torch.randn(
        len(lengths), max(lengths), tags, generator=torch.Generator().manual_seed(seed)
    )
    mask = torch.tensor([[t < n for t in range(max(lengths))] for n in lengths])
    with torch.no_grad():
        log_z = crf.log_partition(emissions, mask)
        marginals = crf.marginals(emissions, mask)
    for row, n in enumerate(lengths):
        expected_z, expected_marginals = brute_force(crf, emissions[row, :n])
        assert abs(float(log_z[row]) - expected_z) < 1e-4
        assert torch.allclose(marginals[row, :n], expected_marginals, atol=1e-5)


def test_gold_score_is_the_sum_along_the_path() -> None:
    crf = random_crf(3, seed=7)
    emissions = torch.randn(1, 4, 3, generator=torch.Generator().manual_seed(7))
    tags = torch.tensor([[2, 0, 1, -100]])  # the last position is padding
    mask = torch.tensor([[True, True, True, False]])
    expected = (
        crf.start[2]
        + emissions[0, 0, 2]
        + crf.transitions[2, 0]
        + emissions[0, 1, 0]
        + crf.transitions[0, 1]
        + emissions[0, 2, 1]
        + crf.end[1]
    )
    assert torch.allclose(crf.gold_score(emissions, tags, mask)[0], expected)


def test_it_learns_which_tag_follows_which() -> None:
    # Only the first token's scores say anything; after it, tags follow the cycle 0 -> 1 -> 2 -> 0,
    # which only the transitions can learn.
    crf = LinearChainCRF(3)
    optimizer = torch.optim.Adam(crf.parameters(), lr=0.1)
    length = 6
    first = torch.tensor([0, 1, 2])
    gold = (first[:, None] + torch.arange(length)) % 3  # (3 sentences, length)
    emissions = torch.zeros(3, length, 3)
    emissions[torch.arange(3), 0, first] = 5.0
    mask = torch.ones(3, length, dtype=torch.bool)
    for _ in range(100):
        optimizer.zero_grad()
        crf.negative_log_likelihood(emissions, gold, mask).backward()
        optimizer.step()
    with torch.no_grad():
        guessed = crf.marginals(emissions, mask).argmax(dim=-1)
    assert torch.equal(guessed, gold)
