"""Prediction with a trained network: batched over many sentences (results in the caller's
order), windowed for very long ones; and `LoadedModel`, a network with everything it needs to
be used, loaded from its file.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from posattn.config import Config
from posattn.data.batching import bucket_batches, make_batch
from posattn.data.tokenizer import TextToken, tokenize_text
from posattn.data.vocab import Vocabularies
from posattn.errors import PosattnError
from posattn.model.network import TaggingNetwork
from posattn.model.storage import read_model
from posattn.tagging.attention_maps import attention_maps
from posattn.tagging.document import AttentionMap, Document, Prediction, TaggedSentence
from posattn.tagging.forms import FormCache, tagging_batch
from posattn.tagging.precision import Precision, resolve


def windows(length: int, size: int) -> list[tuple[int, int]]:
    """Overlapping (start, end) spans of at most `size` tokens covering 0..length; consecutive
    spans share half a window, so every token is well inside at least one of them."""
    if length <= size:
        return [(0, length)]
    step = max(1, size // 2)
    starts = [*range(0, length - size, step), length - size]
    return [(start, start + size) for start in starts]


def most_central(length: int, spans: list[tuple[int, int]]) -> list[int]:
    """For each position, the span (of `windows`) in which it has the most context on its
    shorter side, the first such span on a tie. The spans are sorted and the best one only ever
    moves forward with the position, so one pass finds them all: time linear in `length`."""

    def room(position: int, span: tuple[int, int]) -> int:
        return min(position - span[0], span[1] - 1 - position)

    best, chosen = 0, []
    for position in range(length):
        while best + 1 < len(spans) and room(position, spans[best + 1]) > room(
            position, spans[best]
        ):
            best += 1
        chosen.append(best)
    return chosen


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Tagging makes many small lists (a row per sentence, a list per prediction), and each few
    hundred of them set off Python's cycle collector, which walks every object of the process,
    torch's included: a third of the time of tagging a text seen for the first time. Nothing
    tagging makes is a reference cycle, so the collector may wait until it is done. The switch
    is the process's: two threads tagging at once could turn it back on under each other,
    which costs speed, never results (`posattn serve` tags one request at a time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def predict(
    network: TaggingNetwork,
    vocabs: Vocabularies,
    sentences: list[list[str]],
    batch_tokens: int = 4000,
    max_word_length: int = 24,
    device: torch.device | str = "cpu",
    max_tokens: int = 256,
    heads: list[list[int]] | None = None,
    cache: FormCache | None = None,
) -> list[Prediction]:
    """Tag tokenised sentences; batches group similar lengths, results keep the input order.

    A sentence longer than `max_tokens` (or than a learned position table) is tagged in
    overlapping windows, each token by the window where it sits most centrally: attention costs
    memory quadratic in length, and a 10,000-token "sentence" is a pasted document anyway.
    `heads` (the sentences' dependency trees) are needed by, and only used by, a model trained
    with model.attention_graph. `cache` keeps the word ids and character vectors of the forms
    seen (the same tags, several times faster).
    """
    if not network.config.attention_graph:
        heads = None
    elif heads is None:
        raise PosattnError(
            "this model attends along gold dependency trees (model.attention_graph): it can "
            "evaluate treebank files, not tag raw text"
        )
    if cache is not None and heads is None:
        cache.add(
            network, vocabs, [form for sentence in sentences for form in sentence], max_word_length
        )
    size = min(max_tokens, network.max_length or max_tokens)
    spans_of = [windows(len(sentence), size) for sentence in sentences]
    pieces = [(i, a, b) for i, spans in enumerate(spans_of) for a, b in spans]
    texts = [sentences[i][a:b] for i, a, b in pieces]
    names = list(network.target_classifiers)
    tagged = [Prediction([], [], {name: [] for name in names}) for _ in pieces]
    for indices, probabilities, chosen_targets in _probabilities(
        network,
        vocabs,
        texts,
        None if heads is None else [_rebased(heads[i][a:b], a) for i, a, b in pieces],
        batch_tokens,
        max_word_length,
        device,
        cache,
    ):
        # One max and one conversion per batch: per sentence, they cost more than the model.
        top, chosen = probabilities.max(dim=-1)  # (batch, seq)
        labels = {name: ids.tolist() for name, ids in chosen_targets.items()}
        for row, (index, tag_ids, chances) in enumerate(
            zip(indices, chosen.tolist(), top.tolist(), strict=True)
        ):
            words = len(texts[index])
            tagged[index] = Prediction(
                [vocabs.tags.itos[t] for t in tag_ids[:words]],
                chances[:words],
                {
                    name: [vocabs.targets[name].itos[i] for i in ids[row][:words]]
                    for name, ids in labels.items()
                },
            )
    results, cursor = [], 0
    for sentence, spans in zip(sentences, spans_of, strict=True):
        outputs = tagged[cursor : cursor + len(spans)]
        cursor += len(spans)
        if len(spans) == 1:
            results.append(outputs[0])
            continue
        merged = Prediction([], [], {name: [] for name in outputs[0].targets})
        for position, best in enumerate(most_central(len(sentence), spans)):
            at = position - spans[best][0]
            merged.tags.append(outputs[best].tags[at])
            merged.probabilities.append(outputs[best].probabilities[at])
            for name, labels_of_window in outputs[best].targets.items():
                merged.targets[name].append(labels_of_window[at])
        results.append(merged)
    return results


def _rebased(heads: list[int], start: int) -> list[int]:
    """Heads of a window starting at `start`, counted from the window; heads outside it: 0."""
    return [h - start if 0 < h - start <= len(heads) else 0 for h in heads]


def _probabilities(
    network: TaggingNetwork,
    vocabs: Vocabularies,
    sentences: list[list[str]],
    heads: list[list[int]] | None,
    batch_tokens: int,
    max_word_length: int,
    device: torch.device | str,
    cache: FormCache | None,
) -> Iterator[tuple[list[int], torch.Tensor, dict[str, torch.Tensor]]]:
    """(indices into `sentences`, their tag probabilities (batch, seq, tags) and the label ids
    (batch, seq) of each other target, on the CPU), one batch of similar lengths at a time;
    empty sentences are left out."""
    network.eval()
    nonempty = [i for i, sentence in enumerate(sentences) if sentence]
    lengths = [len(sentences[i]) for i in nonempty]
    for group in bucket_batches(lengths, batch_tokens):
        indices = [nonempty[g] for g in group]
        chosen = [sentences[i] for i in indices]
        if cache is not None and heads is None:
            batch = tagging_batch(chosen, vocabs, network, cache, max_word_length)
        else:
            trees = None if heads is None else [heads[i] for i in indices]
            batch = make_batch(chosen, vocabs, None, max_word_length, trees)
        with torch.inference_mode():
            probabilities, targets = network.predict_targets(batch.to(torch.device(device)))
        yield indices, probabilities.cpu(), {name: ids.cpu() for name, ids in targets.items()}


def distributions(
    network: TaggingNetwork,
    vocabs: Vocabularies,
    sentences: list[list[str]],
    heads: list[list[int]] | None = None,
    batch_tokens: int = 4000,
    max_word_length: int = 24,
    device: torch.device | str = "cpu",
    cache: FormCache | None = None,
) -> list[torch.Tensor]:
    """The whole tag distribution of every word: one (words, tags) tensor per sentence, on the
    CPU, in the caller's order (sentences no longer than the model can take at once)."""
    results = [torch.zeros(0, len(vocabs.tags)) for _ in sentences]
    for indices, probabilities, _ in _probabilities(
        network, vocabs, sentences, heads, batch_tokens, max_word_length, device, cache
    ):
        for row, index in enumerate(indices):
            results[index] = probabilities[row, : len(sentences[index])]
    return results


@dataclass
class LoadedModel:
    """A trained network with everything it needs to tag: its vocabularies, its config, the
    device and number format it runs in, and its cache of forms (see `load_model`)."""

    network: TaggingNetwork
    vocabs: Vocabularies
    config: Config
    meta: dict[str, Any]
    """The model file's header: format, version, metrics, ..."""
    device: torch.device
    dtype: torch.dtype = torch.float32
    """What the network tags in (see `tagging.precision`)."""
    cache: FormCache = field(default_factory=FormCache)
    """What the model makes of each form seen so far (see `FormCache`)."""

    @property
    def sha256(self) -> str:
        """What identifies the model: its file's header checksum (which covers the tensors),
        or the tensors' checksum for a file saved before headers had one."""
        return str(self.meta.get("sha256") or self.meta["tensors_sha256"])

    @property
    def needs_trees(self) -> bool:
        """Whether the model attends along gold dependency trees, so it cannot tag raw text."""
        return self.config.model.attention_graph

    def predict(
        self,
        sentences: list[list[str]],
        heads: list[list[int]] | None = None,
        batch_tokens: int = 4000,
    ) -> list[Prediction]:
        """Tag tokenised sentences. `heads` (their dependency trees) are read only by a model
        that `needs_trees`, and it cannot do without them."""
        with cycle_collector_paused():
            return predict(
                self.network,
                self.vocabs,
                sentences,
                batch_tokens=batch_tokens,
                max_word_length=self.config.data.max_word_length,
                device=self.device,
                heads=heads,
                cache=self.cache,
            )

    def distributions(self, sentences: list[list[str]]) -> list[torch.Tensor]:
        """Each word's whole tag distribution: a (words, tags) tensor per sentence, the tags in
        the order of `vocabs.tags`."""
        return distributions(
            self.network,
            self.vocabs,
            sentences,
            max_word_length=self.config.data.max_word_length,
            device=self.device,
            cache=self.cache,
        )

    def tokenize(self, text: str) -> list[TextToken]:
        """Raw text split the way the model's treebank splits it."""
        return tokenize_text(text, self.vocabs.tokenizer)

    def tag(self, sentences: Sequence[str | Sequence[str]]) -> Document:
        """Tag sentences given as raw text (one string each, tokenised like the model's
        treebank) or as lists of tokens."""
        written = [self.tokenize(s) if isinstance(s, str) else None for s in sentences]
        words = [
            list(s) if surface is None else [w for token in surface for w in token.words]
            for s, surface in zip(sentences, written, strict=True)
        ]
        return Document(
            [
                TaggedSentence(s if isinstance(s, str) else " ".join(s), forms, tags, surface)
                for s, forms, tags, surface in zip(
                    sentences, words, self.predict(words), written, strict=True
                )
            ]
        )

    def attention_maps(
        self,
        tokens: list[str],
        layer: int | None = None,
        head: int | None = None,
        average_heads: bool = False,
    ) -> list[list[AttentionMap]]:
        return attention_maps(
            self.network,
            self.vocabs,
            tokens,
            layer,
            head,
            average_heads,
            self.config.data.max_word_length,
        )


def load_model(
    path: Path, device: torch.device | str = "cpu", precision: Precision = "float32"
) -> LoadedModel:
    """A model from its file, or from a run folder holding one, ready to tag on `device` in
    `precision` (see `tagging.precision`)."""
    stored = read_model(path)
    dtype = resolve(precision, torch.device(device))
    network = stored.network.to(device).run_in(dtype)
    return LoadedModel(
        network, stored.vocabs, stored.config, stored.meta, torch.device(device), dtype
    )
