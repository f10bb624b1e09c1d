"""A linear-chain CRF over the classifier's scores: tag-to-tag transitions learned with the
tagger (Lafferty et al. 2001; Huang et al. 2015 put one on a BiLSTM tagger).

A sentence's tag sequence y scores  sum_t emission[t, y_t] + sum_t transition[y_t-1, y_t]
(plus a start and an end score), and p(y) = exp(score(y)) / Z, where Z sums over every sequence:
the forward algorithm computes log Z in O(seq * tags^2). Tagging returns each token's marginal
probability p(y_t = k) from the forward and backward passes, so a CRF tagger's output keeps the
shape and meaning of a softmax tagger's (its argmax is posterior decoding, not Viterbi).
"""

from __future__ import annotations

import torch
from torch import nn


class LinearChainCRF(nn.Module):
    def __init__(self, num_tags: int) -> None:
        super().__init__()
        self.transitions = nn.Parameter(torch.zeros(num_tags, num_tags))  # [from, to]
        self.start = nn.Parameter(torch.zeros(num_tags))
        self.end = nn.Parameter(torch.zeros(num_tags))

    def _step(self, previous: torch.Tensor) -> torch.Tensor:
        # previous: (batch, tags) log scores of each tag at t-1 -> (batch, tags) at t, before
        # adding the emissions at t
        return torch.logsumexp(previous.unsqueeze(2) + self.transitions, dim=1)

    def forward_scores(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """alpha: (batch, seq, tags), log of the summed scores of every prefix ending in each tag.
        Past a sentence's end alpha stays at its last value, so alpha[:, -1] ends every sentence."""
        alpha = [self.start + emissions[:, 0]]  # (batch, tags)
        for t in range(1, emissions.size(1)):
            step = self._step(alpha[-1]) + emissions[:, t]
            alpha.append(torch.where(mask[:, t, None], step, alpha[-1]))
        return torch.stack(alpha, dim=1)

    def backward_scores(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """beta: (batch, seq, tags), log of the summed scores of every suffix after each tag."""
        beta = [self.end.expand(emissions.size(0), -1)]  # (batch, tags) at the last position
        for t in range(emissions.size(1) - 2, -1, -1):
            after = emissions[:, t + 1] + beta[-1]  # (batch, tags) at t+1
            step = torch.logsumexp(self.transitions + after.unsqueeze(1), dim=2)
            beta.append(torch.where(mask[:, t + 1, None], step, self.end))
        return torch.stack(beta[::-1], dim=1)

    def log_partition(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """log Z per sentence, (batch,)."""
        return torch.logsumexp(self.forward_scores(emissions, mask)[:, -1] + self.end, dim=1)

    def gold_score(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """score(y) per sentence, (batch,); tags may hold anything at padding."""
        tags = torch.where(mask, tags, 0).clamp(min=0)
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)  # (batch, seq)
        moved = self.transitions[tags[:, :-1], tags[:, 1:]]  # (batch, seq - 1)
        last = tags.gather(1, (mask.sum(dim=1, keepdim=True) - 1).clamp(min=0)).squeeze(1)
        return (
            self.start[tags[:, 0]]
            + (emitted * mask).sum(dim=1)
            + (moved * mask[:, 1:]).sum(dim=1)
            + self.end[last]
        )

    def negative_log_likelihood(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Summed over the batch's sentences. emissions: (batch, seq, tags); tags, mask:
        (batch, seq); sentences start at position 0 and are padded at the end."""
        return (self.log_partition(emissions, mask) - self.gold_score(emissions, tags, mask)).sum()

    def marginals(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """p(y_t = k | sentence), (batch, seq, tags); rows at padding are meaningless."""
        alpha = self.forward_scores(emissions, mask)
        beta = self.backward_scores(emissions, mask)
        log_z = torch.logsumexp(alpha[:, -1] + self.end, dim=1)  # (batch,)
        return (alpha + beta - log_z[:, None, None]).exp()
