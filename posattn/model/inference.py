"""Prediction with a trained tagger: batched over many sentences (results in the caller's order),
windowed for very long ones, and the attention maps of one sentence.

`LoadedModel` is a tagger with everything it needs to be used: its vocabularies, its config and
the device it lives on, so callers give it sentences and nothing else.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import torch

from posattn.config import Config, ModelConfig
from posattn.data.batching import IGNORE_INDEX, Batch, bucket_batches, make_batch, spell
from posattn.data.tokenizer import TextToken, tokenize_text
from posattn.data.vocab import Vocabularies, normalize_word
from posattn.errors import PosattnError
from posattn.model.tagger import Tagger


@dataclass
class Prediction:
    tags: list[str]
    probabilities: list[float]
    """The probability the model gives each chosen tag."""
    targets: dict[str, list[str]] = field(default_factory=dict)
    """The labels of each other target the model predicts (`xpos`, `feats`)."""


@dataclass
class Token:
    form: str
    upos: str
    probability: float
    """How sure the model is of `upos` (its probability; with a CRF, the marginal one)."""
    xpos: str | None = None
    """The treebank's own tag, if the model predicts it."""
    feats: str | None = None
    """The morphological features (`Number=Sing|Person=3`, `_` for none), if it predicts them."""


@dataclass
class TaggedSentence:
    """A tagged sentence. Its `Token` objects (and the `surface` of a sentence given as tokens)
    are made when first read: writing a corpus out needs only the forms and the tags, and an
    object per token cost as much as a quarter of the tagging time."""

    text: str
    """The sentence as it was given (tokens joined by spaces if it came tokenised)."""
    forms: list[str]
    """Its syntactic words."""
    prediction: Prediction
    """What the model gave them: a tag each, its probability, the other targets' labels."""
    written: list[TextToken] | None = None
    """How the words were written (see `surface`); None for a sentence given as tokens."""

    @property
    def tags(self) -> list[str]:
        return self.prediction.tags

    @cached_property
    def tokens(self) -> list[Token]:
        """Its syntactic words, tagged."""
        labels = [self.prediction.targets.get(name) for name in ("xpos", "feats")]
        return [
            Token(
                form,
                tag,
                probability,
                *(None if target is None else target[index] for target in labels),
            )
            for index, (form, tag, probability) in enumerate(
                zip(self.forms, self.prediction.tags, self.prediction.probabilities, strict=True)
            )
        ]

    @cached_property
    def surface(self) -> list[TextToken]:
        """How the words were written: the tokens of the text, each with its words (several for
        a multiword token, `don't` = do + n't) and whether a space follows it."""
        return self.written if self.written is not None else _given_tokens(self.forms)

    def __iter__(self) -> Iterator[Token]:
        return iter(self.tokens)

    def __len__(self) -> int:
        return len(self.forms)

    def __getitem__(self, index: int) -> Token:
        return self.tokens[index]

    def __str__(self) -> str:
        return " ".join(f"{form}/{tag}" for form, tag in zip(self.forms, self.tags, strict=True))


@dataclass
class Document:
    """Tagged sentences, in the order they were given."""

    sentences: list[TaggedSentence]

    def __iter__(self) -> Iterator[TaggedSentence]:
        return iter(self.sentences)

    def __len__(self) -> int:
        return len(self.sentences)

    def __getitem__(self, index: int) -> TaggedSentence:
        return self.sentences[index]

    def __str__(self) -> str:
        return "\n".join(str(sentence) for sentence in self.sentences)


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
    tagger: Tagger,
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
    if not tagger.config.attention_graph:
        heads = None
    elif heads is None:
        raise PosattnError(
            "this model attends along gold dependency trees (model.attention_graph): it can "
            "evaluate treebank files, not tag raw text"
        )
    if cache is not None and heads is None:
        cache.add(
            tagger, vocabs, [form for sentence in sentences for form in sentence], max_word_length
        )
    size = min(max_tokens, tagger.max_length or max_tokens)
    spans_of = [windows(len(sentence), size) for sentence in sentences]
    pieces = [(i, a, b) for i, spans in enumerate(spans_of) for a, b in spans]
    texts = [sentences[i][a:b] for i, a, b in pieces]
    names = list(tagger.target_classifiers)
    tagged = [Prediction([], [], {name: [] for name in names}) for _ in pieces]
    for indices, probabilities, chosen_targets in _probabilities(
        tagger,
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


class FormCache:
    """What a trained tagger makes of each form on its own: its word id and its character
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
        self, tagger: Tagger, vocabs: Vocabularies, forms: list[str], max_word_length: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The word ids (types,) and character vectors (types, dim) of `forms`, computing only
        those of forms not seen before."""
        with self.lock:
            self._add_new(forms, tagger, vocabs, max_word_length)
            rows = torch.tensor([self.rows[form] for form in forms], dtype=torch.long)
            return self.word_ids[rows], self.vectors[rows]

    @torch.inference_mode()
    def add(
        self, tagger: Tagger, vocabs: Vocabularies, forms: list[str], max_word_length: int
    ) -> None:
        """Compute the forms not seen before now, all together (before a text's batches are
        tagged, so that its first pass is not one small computation per batch)."""
        with self.lock:
            self._add_new(forms, tagger, vocabs, max_word_length)

    def _add_new(
        self, forms: list[str], tagger: Tagger, vocabs: Vocabularies, max_word_length: int
    ) -> None:
        new = list(dict.fromkeys(form for form in forms if form not in self.rows))
        if len(self.rows) + len(new) > self.limit:
            self.rows.clear()
            new = list(dict.fromkeys(forms))
        if new:
            self._add(new, tagger, vocabs, max_word_length)

    def _add(
        self, forms: list[str], tagger: Tagger, vocabs: Vocabularies, max_word_length: int
    ) -> None:
        # Forms of one length at a time, at most 1,024: the character encoder then reads no
        # padding, which made the BiLSTM a third faster (same vectors to 1e-6).
        by_length: dict[int, list[str]] = {}
        for form in forms:
            by_length.setdefault(min(len(form), max_word_length), []).append(form)
        groups = [
            group[i : i + 1024] for group in by_length.values() for i in range(0, len(group), 1024)
        ]
        device = next(tagger.parameters()).device
        vectors = torch.cat(
            [
                tagger.embedding.chars(spell(group, vocabs.chars, max_word_length).to(device))
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
    tagger: Tagger,
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
    word_ids, spelling = cache.lookup(tagger, vocabs, list(type_of_form), max_word_length)
    return Batch(
        words=torch.where(mask, word_ids[types], 0),  # padding: word 0, as make_batch pads
        types=types,
        type_chars=torch.zeros(0, 0, dtype=torch.long),  # not needed: `spelling` is known
        tags=torch.full_like(types, IGNORE_INDEX),
        mask=mask,
        spelling=spelling,
    )


def _probabilities(
    tagger: Tagger,
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
    tagger.eval()
    nonempty = [i for i, sentence in enumerate(sentences) if sentence]
    lengths = [len(sentences[i]) for i in nonempty]
    for group in bucket_batches(lengths, batch_tokens):
        indices = [nonempty[g] for g in group]
        chosen = [sentences[i] for i in indices]
        if cache is not None and heads is None:
            batch = tagging_batch(chosen, vocabs, tagger, cache, max_word_length)
        else:
            trees = None if heads is None else [heads[i] for i in indices]
            batch = make_batch(chosen, vocabs, None, max_word_length, trees)
        with torch.inference_mode():
            probabilities, targets = tagger.predict_targets(batch.to(torch.device(device)))
        yield indices, probabilities.cpu(), {name: ids.cpu() for name, ids in targets.items()}


def distributions(
    tagger: Tagger,
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
        tagger, vocabs, sentences, heads, batch_tokens, max_word_length, device, cache
    ):
        for row, index in enumerate(indices):
            results[index] = probabilities[row, : len(sentences[index])]
    return results


MAX_SHOWN_TOKENS = 256
"""Longer sentences are tagged in windows, so they have no single attention map to show."""


@dataclass
class AttentionMap:
    layer: int
    """1-based, as shown to people."""
    head: int | None
    """1-based; None for the average over heads."""
    weights: list[list[float]]
    """(seq, seq): row i is how token i spreads its attention over the sentence."""

    @property
    def title(self) -> str:
        return f"layer {self.layer}, " + (
            "heads averaged" if self.head is None else f"head {self.head}"
        )


def check_attention_view(config: ModelConfig, layer: int | None, head: int | None) -> None:
    """Refuse, before any work, to show the attention of a model that has none, or a layer or
    head it does not have."""
    if config.encoder != "attention":
        raise PosattnError(f"this model's encoder is {config.encoder}: it has no attention to show")
    if config.attention_graph:
        raise PosattnError("this model attends along gold dependency trees: it cannot tag text")
    if layer is not None and not 1 <= layer <= config.layers:
        raise PosattnError(f"layer={layer}: this model has layers 1 to {config.layers}")
    if head is not None and not 1 <= head <= config.heads:
        raise PosattnError(f"head={head}: this model has heads 1 to {config.heads}")


def attention_maps(
    tagger: Tagger,
    vocabs: Vocabularies,
    tokens: list[str],
    layer: int | None = None,
    head: int | None = None,
    average_heads: bool = False,
    max_word_length: int = 24,
) -> list[list[AttentionMap]]:
    """The attention weights of one sentence, one row of maps per layer (or only `layer`), each
    row all heads (or only `head`, or their average)."""
    check_attention_view(tagger.config, layer, head)
    if not tokens:
        raise PosattnError("attention of an empty sentence: there is nothing to show")
    if len(tokens) > MAX_SHOWN_TOKENS:
        raise PosattnError(
            f"attention is shown for sentences of up to {MAX_SHOWN_TOKENS} tokens; this one "
            f"has {len(tokens)}"
        )
    layers, heads = tagger.config.layers, tagger.config.heads
    tagger.eval()
    device = next(tagger.parameters()).device
    batch = make_batch([tokens], vocabs, None, max_word_length).to(device)
    weights = torch.stack(tagger.attention_weights(batch))[:, 0]  # (layers, heads, seq, seq)
    rows = []
    for layer_index in [layer - 1] if layer else range(layers):
        per_head = weights[layer_index]
        if average_heads:
            rows.append([AttentionMap(layer_index + 1, None, per_head.mean(0).tolist())])
        else:
            chosen = [head - 1] if head else range(heads)
            rows.append(
                [AttentionMap(layer_index + 1, h + 1, per_head[h].tolist()) for h in chosen]
            )
    return rows


def _given_tokens(tokens: Sequence[str]) -> list[TextToken]:
    """Tokens given by the caller: each one word, separated by single spaces."""
    surface, offset = [], 0
    for form in tokens:
        surface.append(TextToken(form, (form,), offset, offset + len(form)))
        offset += len(form) + 1
    return surface


@dataclass
class LoadedModel:
    """A trained tagger ready to use (see `storage.load_model`)."""

    tagger: Tagger
    vocabs: Vocabularies
    config: Config
    meta: dict[str, Any]
    """The model file's header: format, version, metrics, ..."""
    device: torch.device
    dtype: torch.dtype = torch.float32
    """What the network tags in (see `model.precision`)."""
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
                self.tagger,
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
            self.tagger,
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
            self.tagger,
            self.vocabs,
            tokens,
            layer,
            head,
            average_heads,
            self.config.data.max_word_length,
        )
