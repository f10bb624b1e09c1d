"""Sentences to tensors: length-bucketed batches of word ids, character ids and tag ids."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import torch

from posattn.data.vocab import BOW, EOW, Vocab, Vocabularies, normalize_word

IGNORE_INDEX = -100
"""Tag id of padding positions: cross-entropy skips them."""


@dataclass
class Batch:
    words: torch.Tensor  # (batch, seq) word ids, 0 = padding
    types: torch.Tensor  # (batch, seq) index into `type_chars`
    type_chars: torch.Tensor  # (types, chars) character ids of each distinct form in the batch
    tags: torch.Tensor  # (batch, seq) tag ids, IGNORE_INDEX at padding
    mask: torch.Tensor  # (batch, seq) True at real tokens
    graph: torch.Tensor | None = None
    """(batch, seq, seq) True where token i and token j are linked in the dependency tree (either
    is the other's head) or i == j; given only when the sentences' trees are."""
    targets: dict[str, torch.Tensor] = field(default_factory=dict)
    """(batch, seq) label ids of each target besides UPOS (`xpos`, `feats`), IGNORE_INDEX at
    padding; given only to train the model's classifiers for them."""
    soft_tags: torch.Tensor | None = None
    """(batch, seq, tags) teachers' tag distributions, zeros at padding; only to distill."""
    forms: list[str] = field(default_factory=list)
    """The distinct forms: `types` indexes them, `type_chars` spells them ("" for padding)."""
    spelling: torch.Tensor | None = None
    """(types, dim) the character vectors of the forms, when already known (tagging caches
    them: they depend on the form alone); computed from `type_chars` otherwise."""

    def to(self, device: torch.device) -> Batch:
        return Batch(
            words=self.words.to(device),
            types=self.types.to(device),
            type_chars=self.type_chars.to(device),
            tags=self.tags.to(device),
            mask=self.mask.to(device),
            graph=None if self.graph is None else self.graph.to(device),
            targets={name: ids.to(device) for name, ids in self.targets.items()},
            soft_tags=None if self.soft_tags is None else self.soft_tags.to(device),
            forms=self.forms,
            spelling=None if self.spelling is None else self.spelling.to(device),
        )

    @property
    def num_tokens(self) -> int:
        return int(self.mask.sum())


def make_batch(
    sentences: list[list[str]],
    vocabs: Vocabularies,
    tags: list[list[str]] | None = None,
    max_word_length: int = 24,
    heads: list[list[int]] | None = None,
    targets: dict[str, list[list[str]]] | None = None,
    soft_tags: list[torch.Tensor] | None = None,
) -> Batch:
    """Pad a list of tokenised sentences into one Batch.

    Each distinct form is run through the character encoder once per batch (`type_chars`),
    which is several times cheaper than once per token. `heads` (each word's head, 1-based, 0
    for the root or none) give the batch its dependency `graph`. `targets`: the labels of the
    targets besides UPOS the model learns.
    """
    length = max(len(sentence) for sentence in sentences)
    padding = [0] * length
    type_of_form: dict[str, int] = {"": 0}  # type 0: padding, an empty form
    word_rows, type_rows = [], []
    for sentence in sentences:
        pad = padding[len(sentence) :]
        word_rows.append([vocabs.words.index(normalize_word(form)) for form in sentence] + pad)
        type_rows.append([type_of_form.setdefault(f, len(type_of_form)) for f in sentence] + pad)
    words = torch.tensor(word_rows, dtype=torch.long)
    forms = list(type_of_form)
    return Batch(
        words=words,
        types=torch.tensor(type_rows, dtype=torch.long),
        type_chars=spell(forms, vocabs.chars, max_word_length),
        tags=_tag_ids(tags or [[] for _ in sentences], vocabs.tags, length),
        mask=torch.tensor([[True] * len(s) + [False] * (length - len(s)) for s in sentences]),
        graph=None if heads is None else dependency_graph(heads, length),
        targets={
            name: _tag_ids(labels, vocabs.targets[name], length)
            for name, labels in (targets or {}).items()
        },
        soft_tags=None
        if soft_tags is None
        else torch.nn.utils.rnn.pad_sequence(soft_tags, batch_first=True),
        forms=forms,
    )


def spell(forms: list[str], chars: Vocab, max_word_length: int = 24) -> torch.Tensor:
    """(forms, width + 2) character ids of each form between begin- and end-of-word marks, 0 =
    padding; the empty form (the padding type) has no characters at all."""
    width = min(max_word_length, max(len(form) for form in forms))
    begin, end = chars.index(BOW), chars.index(EOW)
    known, unknown = chars.stoi.get, chars.unk_index  # per character: the tagger's hot loop
    rows = []
    for form in forms:
        # Keep both ends of an over-long word: its prefix and its suffix both carry the tag.
        kept = form if len(form) <= width else form[: width // 2] + form[-(width - width // 2) :]
        ids = [begin, *[known(c, unknown) for c in kept], end] if form else []
        rows.append(ids + [0] * (width + 2 - len(ids)))
    return torch.tensor(rows, dtype=torch.long)


def _tag_ids(tags: list[list[str]], vocab: Vocab, length: int) -> torch.Tensor:
    """(sentences, length) ids of each sentence's tags; IGNORE_INDEX for padding and for a tag
    the vocabulary does not know."""
    rows = [[vocab.stoi.get(t, IGNORE_INDEX) for t in row] for row in tags]
    return torch.tensor(
        [row + [IGNORE_INDEX] * (length - len(row)) for row in rows], dtype=torch.long
    )


def dependency_graph(heads: list[list[int]], length: int) -> torch.Tensor:
    """(batch, length, length): each token is linked to itself, its head and its dependents."""
    graph = torch.eye(length, dtype=torch.bool).repeat(len(heads), 1, 1)
    for row, sentence_heads in enumerate(heads):
        for index, head in enumerate(sentence_heads):
            if 0 < head <= len(sentence_heads):
                graph[row, index, head - 1] = graph[row, head - 1, index] = True
    return graph


def bucket_batches(
    lengths: list[int], batch_tokens: int, shuffle: bool = False, seed: int = 0
) -> list[list[int]]:
    """Group sentence indices into batches of similar length holding about `batch_tokens` tokens.

    Sorting by length keeps padding small; with `shuffle`, lengths are jittered by up to one
    token-bucket before sorting and the batch order is shuffled, so each epoch sees new batches.
    """
    rng = random.Random(seed)
    keys = [
        (length + (rng.random() * 2 if shuffle else 0), index)
        for index, length in enumerate(lengths)
    ]
    order = [index for _, index in sorted(keys)]
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for index in order:
        longest_if_added = max(longest, lengths[index])
        if current and longest_if_added * (len(current) + 1) > batch_tokens:
            batches.append(current)
            current, longest_if_added = [], lengths[index]
        current.append(index)
        longest = longest_if_added
    if current:
        batches.append(current)
    if shuffle:
        rng.shuffle(batches)
    return batches
