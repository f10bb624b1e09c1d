"""What a trained network makes of each form on its own (its word id and character vector),
computed once per distinct form and kept, and the batches built from it for tagging."""

from __future__ import annotations

import threading

import torch

from posattn.data.batching import IGNORE_INDEX, Batch, spell
from posattn.data.vocab import Vocabularies, normalize_word
from posattn.model.network import TaggingNetwork


class FormCache:
    """What a trained network makes of each form on its own: its word id and its character
    vector. Both depend on the form alone, so tagging computes them once per distinct form
    instead of once per token (after training: while it trains, the vectors change with every
    step). Building a batch is then a dictionary lookup per token and one gather per batch."""

    def __init__(self, limit: int = 200_000) -> None:
        self.lock = threading.Lock()
        """Held while the cache is read or grown: threads tagging with one model share it."""
        self.limit = limit
        """Forgotten all at once beyond this many forms, so memory stays bounded."""
        self.rows: dict[str, int] = {}
        """Form -> its row in `word_ids` and `vectors`."""
        self.word_ids = torch.zeros(0, dtype=torch.long)  # (capacity,)
        self.vectors = torch.zeros(0)  # (capacity, dim)

    def __len__(self) -> int:
        return len(self.rows)

    @torch.inference_mode()
    def lookup(
        self, network: TaggingNetwork, vocabs: Vocabularies, forms: list[str], max_word_length: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The word ids (types,) and character vectors (types, dim) of `forms`, computing only
        those of forms not seen before."""
        with self.lock:
            self._add_new(forms, network, vocabs, max_word_length)
            rows = torch.tensor([self.rows[form] for form in forms], dtype=torch.long)
            return self.word_ids[rows], self.vectors[rows]

    @torch.inference_mode()
    def add(
        self, network: TaggingNetwork, vocabs: Vocabularies, forms: list[str], max_word_length: int
    ) -> None:
        """Compute the forms not seen before now, all together (before a text's batches are
        tagged, so that its first pass is not one small computation per batch)."""
        with self.lock:
            self._add_new(forms, network, vocabs, max_word_length)

    def _add_new(
        self, forms: list[str], network: TaggingNetwork, vocabs: Vocabularies, max_word_length: int
    ) -> None:
        new = list(dict.fromkeys(form for form in forms if form not in self.rows))
        if new and len(self.rows) + len(new) > self.limit:
            self.rows.clear()
            new = list(dict.fromkeys(forms))
        if new:
            self._add(new, network, vocabs, max_word_length)

    def _add(
        self, forms: list[str], network: TaggingNetwork, vocabs: Vocabularies, max_word_length: int
    ) -> None:
        # Forms of one length at a time, at most 1,024: the character encoder then reads no
        # padding, which made the BiLSTM a third faster (same vectors to 1e-6).
        by_length: dict[int, list[str]] = {}
        for form in forms:
            by_length.setdefault(min(len(form), max_word_length), []).append(form)
        groups = [
            group[i : i + 1024] for group in by_length.values() for i in range(0, len(group), 1024)
        ]
        device = next(network.parameters()).device
        vectors = torch.cat(
            [
                network.embedding.chars(spell(group, vocabs.chars, max_word_length).to(device))
                for group in groups
            ]
        )  # (forms, dim)
        forms = [form for group in groups for form in group]
        ids = [vocabs.words.index(normalize_word(form)) for form in forms]
        first = len(self.rows)
        needed = first + len(forms)
        if needed > len(self.word_ids):  # grow by doubling: adding stays linear overall
            capacity = max(needed, 2 * len(self.word_ids))
            self.word_ids = _grown(self.word_ids, capacity)
            self.vectors = _grown(self.vectors.reshape(-1, vectors.size(1)), capacity)
        self.word_ids[first:needed] = torch.tensor(ids, dtype=torch.long)
        self.vectors[first:needed] = vectors
        self.rows.update(zip(forms, range(first, needed), strict=True))


def _grown(table: torch.Tensor, capacity: int) -> torch.Tensor:
    """`table` with room for `capacity` rows, the existing ones copied over."""
    grown = table.new_zeros(capacity, *table.shape[1:])
    grown[: len(table)] = table
    return grown


def tagging_batch(
    sentences: list[list[str]],
    vocabs: Vocabularies,
    network: TaggingNetwork,
    cache: FormCache,
    max_word_length: int,
) -> Batch:
    """A batch for tagging, with the word ids and character vectors of its forms from `cache`
    (`make_batch` spells every form again; training needs that, tagging does not)."""
    length = max(len(sentence) for sentence in sentences)
    type_of_form: dict[str, int] = {"": 0}  # type 0: padding, an empty form
    rows = [
        [type_of_form.setdefault(form, len(type_of_form)) for form in sentence]
        + [0] * (length - len(sentence))
        for sentence in sentences
    ]
    types = torch.tensor(rows, dtype=torch.long)  # (batch, seq)
    lengths = torch.tensor([len(sentence) for sentence in sentences])
    mask = torch.arange(length)[None, :] < lengths[:, None]  # (batch, seq)
    word_ids, spelling = cache.lookup(network, vocabs, list(type_of_form), max_word_length)
    return Batch(
        words=torch.where(mask, word_ids[types], 0),  # padding: word 0, as make_batch pads
        types=types,
        type_chars=torch.zeros(0, 0, dtype=torch.long),  # not needed: `spelling` is known
        tags=torch.full_like(types, IGNORE_INDEX),
        mask=mask,
        spelling=spelling,
    )
