"""Vocabularies: words, characters and tags, and the tokenizer's lexicon, all built from the
training split only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from posattn.data.tokenizer import TokenizerLexicon, TokenizerRules, WrittenToken

PAD, UNK = "<pad>", "<unk>"
BOW, EOW = "<w>", "</w>"
"""Begin and end of a word, so the character encoder can tell a suffix from any substring."""


class Vocab:
    """A list of symbols and its inverse. Index 0 is padding; index 1 the unknown symbol."""

    def __init__(self, symbols: Iterable[str], specials: tuple[str, ...] = (PAD, UNK)) -> None:
        self.itos: list[str] = list(specials)
        for symbol in symbols:
            if symbol not in specials:
                self.itos.append(symbol)
        self.stoi = {symbol: index for index, symbol in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("vocabulary symbols must be unique")
        self.unk_index = self.stoi.get(UNK, -1)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, symbol: str) -> bool:
        return symbol in self.stoi

    def index(self, symbol: str) -> int:
        return self.stoi.get(symbol, self.unk_index)

    @classmethod
    def from_counts(
        cls, counts: Counter[str], min_count: int = 1, specials: tuple[str, ...] = (PAD, UNK)
    ) -> Vocab:
        # Most frequent first, ties alphabetically, so the same data gives the same ids.
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return cls((symbol for symbol, count in ranked if count >= min_count), specials)


def normalize_word(form: str) -> str:
    """The key of the word embedding: case lives in the character encoder."""
    return form.lower()


@dataclass
class Vocabularies:
    words: Vocab
    chars: Vocab
    tags: Vocab
    ambiguous_words: frozenset[str]
    """Normalised forms seen in train with two or more tags."""
    rare_words: frozenset[str]
    """Forms seen in train fewer than min_word_count times: they share the <unk> embedding, yet
    for evaluation they are not unknown words."""
    tokenizer: TokenizerLexicon = field(default_factory=TokenizerLexicon)
    """How the treebank tokenises raw text, beyond the tokenizer's rules."""
    targets: dict[str, Vocab] = field(default_factory=dict)
    """The labels of each target besides UPOS the model predicts (`xpos`, `feats`)."""
    treebank: str | None = None
    """The name of the treebank they were learned from (`en_ewt`), where it has one."""

    @classmethod
    def build(
        cls,
        sentences: list[list[str]],
        tags: list[list[str]],
        min_word_count: int = 1,
        tokens: Iterable[Sequence[WrittenToken]] | None = None,
        targets: dict[str, list[list[str]]] | None = None,
        tokenizer_rules: TokenizerRules = "english",
        treebank: str | None = None,
    ) -> Vocabularies:
        """`tokens`: how the sentences were written (form, words, space after), for the
        tokenizer to learn from; without them it has its rules only. `targets`: their labels
        for each target besides UPOS the model learns (`xpos`, `feats`). `tokenizer_rules`:
        English, or language-neutral for a treebank of another language."""
        word_counts: Counter[str] = Counter()
        char_counts: Counter[str] = Counter()
        tag_counts: Counter[str] = Counter()
        tags_of_word: dict[str, set[str]] = {}
        for words, sentence_tags in zip(sentences, tags, strict=True):
            for word, tag in zip(words, sentence_tags, strict=True):
                key = normalize_word(word)
                word_counts[key] += 1
                char_counts.update(word)
                tag_counts[tag] += 1
                tags_of_word.setdefault(key, set()).add(tag)
        word_vocab = Vocab.from_counts(word_counts, min_word_count)
        return cls(
            words=word_vocab,
            chars=Vocab.from_counts(char_counts, specials=(PAD, UNK, BOW, EOW)),
            tags=Vocab(sorted(tag_counts), specials=()),
            ambiguous_words=frozenset(w for w, seen in tags_of_word.items() if len(seen) > 1),
            rare_words=frozenset(w for w in word_counts if w not in word_vocab),
            tokenizer=TokenizerLexicon.learn(tokens, tokenizer_rules)
            if tokens is not None
            else TokenizerLexicon(rules=tokenizer_rules),
            targets={
                name: Vocab(sorted({label for row in rows for label in row}), specials=())
                for name, rows in (targets or {}).items()
            },
            treebank=treebank,
        )

    def is_known(self, form: str) -> bool:
        """Seen in train (whether or not it has an embedding of its own)."""
        key = normalize_word(form)
        return key in self.words or key in self.rare_words

    def is_ambiguous(self, form: str) -> bool:
        return normalize_word(form) in self.ambiguous_words

    def to_json(self) -> dict[str, Any]:
        return {
            "words": self.words.itos,
            "chars": self.chars.itos,
            "tags": self.tags.itos,
            "ambiguous_words": sorted(self.ambiguous_words),
            "rare_words": sorted(self.rare_words),
            "tokenizer": self.tokenizer.to_json(),
            "targets": {name: vocab.itos for name, vocab in self.targets.items()},
            "treebank": self.treebank,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Vocabularies:
        return cls(
            # The stored lists already start with their special symbols.
            words=Vocab(data["words"], specials=()),
            chars=Vocab(data["chars"], specials=()),
            tags=Vocab(data["tags"], specials=()),
            ambiguous_words=frozenset(data["ambiguous_words"]),
            rare_words=frozenset(data["rare_words"]),
            # Models saved before the tokenizer learned from its treebank use the rules alone.
            tokenizer=TokenizerLexicon.from_json(data["tokenizer"])
            if "tokenizer" in data
            else TokenizerLexicon(),
            targets={
                name: Vocab(itos, specials=())
                # Models saved before there were targets had at most an XPOS classifier.
                for name, itos in data.get("targets", {"xpos": data.get("xpos")}).items()
                if itos is not None
            },
            treebank=data.get("treebank"),
        )
