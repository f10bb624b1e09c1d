"""What tagging gives back: a `Document` of `TaggedSentence`s, each a list of `Token`s, and the
`AttentionMap`s of a sentence.

A tagged sentence holds the model's `Prediction` for its words as lists (tags, probabilities, the
other targets' labels); its `Token` objects, and the surface of a sentence given as tokens, are
made when first read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from posattn.data.tokenizer import TextToken


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


def _given_tokens(tokens: Sequence[str]) -> list[TextToken]:
    """Tokens given by the caller: each one word, separated by single spaces."""
    surface, offset = [], 0
    for form in tokens:
        surface.append(TextToken(form, (form,), offset, offset + len(form)))
        offset += len(form) + 1
    return surface
