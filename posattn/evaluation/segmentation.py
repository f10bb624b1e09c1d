"""Scores for tagging raw text, as the CoNLL 2018 shared task scores them: the system's words are
aligned to the gold words by their character spans (over the text with its whitespace removed),
words inside multiword tokens by the longest common subsequence of their forms; then tokens,
words and UPOS tags are scored by precision, recall and F1 over the aligned pairs.

This is the figure Stanza and UDPipe publish for raw text: a tagger is only as good as the words
it is given, so a tokenisation error costs the tags of the words it breaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SpannedWord:
    form: str
    upos: str | None
    start: int
    """Character offset of its token in the sentence without whitespace."""
    end: int
    multiword: bool
    """Part of a multiword token (`don't` = do + n't): such words share their token's span."""


@dataclass(frozen=True)
class TaggedToken:
    """A token as written, its syntactic words and (where tagging is scored) their tags."""

    form: str
    words: tuple[str, ...]
    tags: tuple[str | None, ...] | None = None
    """One tag per word, or None where only the segmentation is scored."""


def spanned_words(tokens: Sequence[TaggedToken]) -> tuple[list[SpannedWord], list[tuple[int, int]]]:
    """The words of `tokens` with their spans, and the spans of the tokens themselves."""
    words, spans, offset = [], [], 0
    for token in tokens:
        start, offset = offset, offset + len("".join(token.form.split()))
        spans.append((start, offset))
        tags = token.tags or (None,) * len(token.words)
        for form, tag in zip(token.words, tags, strict=True):
            words.append(SpannedWord(form, tag, start, offset, len(token.words) > 1))
    return words, spans


def align_words(
    gold: Sequence[SpannedWord], system: Sequence[SpannedWord]
) -> list[tuple[SpannedWord, SpannedWord]]:
    """Pairs of aligned (gold, system) words, as in the CoNLL 2018 evaluation script."""
    aligned = []
    gi = si = 0
    while gi < len(gold) and si < len(system):
        if gold[gi].multiword or system[si].multiword:
            gs, ss, gi, si = _multiword_region(gold, system, gi, si)
            aligned += _align_by_forms(gold[gs:gi], system[ss:si])
        elif (gold[gi].start, gold[gi].end) == (system[si].start, system[si].end):
            aligned.append((gold[gi], system[si]))
            gi, si = gi + 1, si + 1
        elif gold[gi].start <= system[si].start:
            gi += 1
        else:
            si += 1
    return aligned


def _beyond(words: Sequence[SpannedWord], i: int, end: int) -> bool:
    if i >= len(words):
        return True
    return words[i].start >= end if words[i].multiword else words[i].end > end


def _extend(word: SpannedWord, end: int) -> int:
    return word.end if word.multiword and word.end > end else end


def _multiword_region(
    gold: Sequence[SpannedWord], system: Sequence[SpannedWord], gi: int, si: int
) -> tuple[int, int, int, int]:
    """The stretch of words, on both sides, that a multiword token overlaps."""
    if gold[gi].multiword:
        end = gold[gi].end
        if not system[si].multiword and system[si].start < gold[gi].start:
            si += 1
    else:
        end = system[si].end
        if not gold[gi].multiword and gold[gi].start < system[si].start:
            gi += 1
    gs, ss = gi, si
    while not _beyond(gold, gi, end) or not _beyond(system, si, end):
        if gi < len(gold) and (si >= len(system) or gold[gi].start <= system[si].start):
            end = _extend(gold[gi], end)
            gi += 1
        else:
            end = _extend(system[si], end)
            si += 1
    return gs, ss, gi, si


def _align_by_forms(
    gold: Sequence[SpannedWord], system: Sequence[SpannedWord]
) -> list[tuple[SpannedWord, SpannedWord]]:
    """Inside a multiword region: the longest common subsequence of lower-cased forms."""
    g_len, s_len = len(gold), len(system)
    lcs = [[0] * (s_len + 1) for _ in range(g_len + 1)]
    for g in reversed(range(g_len)):
        for s in reversed(range(s_len)):
            same = gold[g].form.lower() == system[s].form.lower()
            lcs[g][s] = max(lcs[g + 1][s + 1] + 1 if same else 0, lcs[g + 1][s], lcs[g][s + 1])
    pairs, g, s = [], 0, 0
    while g < g_len and s < s_len:
        if gold[g].form.lower() == system[s].form.lower():
            pairs.append((gold[g], system[s]))
            g, s = g + 1, s + 1
        elif lcs[g][s] == lcs[g + 1][s]:
            g += 1
        else:
            s += 1
    return pairs


@dataclass
class Score:
    gold: int = 0
    system: int = 0
    correct: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.system if self.system else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        total = self.gold + self.system
        return 2 * self.correct / total if total else 0.0


@dataclass
class RawTextScores:
    source: str = ""
    """What was evaluated: a file, or a treebank's split."""
    tokens: Score = field(default_factory=Score)
    words: Score = field(default_factory=Score)
    upos: Score = field(default_factory=Score)
    sentences: int = 0
    exact_sentences: int = 0
    """Sentences whose words (forms) the system reproduced exactly."""

    def add(self, gold: Sequence[TaggedToken], system: Sequence[TaggedToken]) -> None:
        """Score one sentence: the gold tokens against the system's, over the same text."""
        gold_words, gold_spans = spanned_words(gold)
        system_words, system_spans = spanned_words(system)
        self.sentences += 1
        self.exact_sentences += [w.form for w in gold_words] == [w.form for w in system_words]
        self.tokens.gold += len(gold_spans)
        self.tokens.system += len(system_spans)
        self.tokens.correct += len(set(gold_spans) & set(system_spans))
        aligned = align_words(gold_words, system_words)
        for score in (self.words, self.upos):
            score.gold += len(gold_words)
            score.system += len(system_words)
        self.words.correct += len(aligned)
        self.upos.correct += sum(g.upos == s.upos for g, s in aligned if g.upos is not None)

    def to_json(self) -> dict[str, object]:
        scores = {
            name: {
                "precision": score.precision,
                "recall": score.recall,
                "f1": score.f1,
                "gold": score.gold,
                "system": score.system,
            }
            for name, score in (("tokens", self.tokens), ("words", self.words), ("upos", self.upos))
        }
        return {
            "source": self.source,
            **scores,
            "sentences": self.sentences,
            "exact_sentences": self.exact_sentences,
        }
