"""Raw-text scores by hand-checkable examples: words aligned by character spans, words inside a
multiword token by their forms, as the CoNLL 2018 evaluation script aligns them."""

from __future__ import annotations

from posattn.evaluation.segmentation import RawTextScores, TaggedToken


def tokens(*items: tuple[str, tuple[str, ...], tuple[str, ...]]) -> list[TaggedToken]:
    return [TaggedToken(form, words, tags) for form, words, tags in items]


def test_the_same_words_score_everything_right() -> None:
    gold = tokens(("I", ("I",), ("PRON",)), ("don't", ("do", "n't"), ("AUX", "PART")))
    scores = RawTextScores()
    scores.add(gold, gold)
    assert (scores.words.f1, scores.tokens.f1, scores.upos.f1) == (1.0, 1.0, 1.0)
    assert scores.exact_sentences == 1


def test_a_split_the_treebank_does_not_make_costs_words_and_their_tags() -> None:
    gold = tokens(("well-known", ("well-known",), ("ADJ",)), ("fact", ("fact",), ("NOUN",)))
    system = tokens(
        ("well", ("well",), ("ADV",)),
        ("-", ("-",), ("PUNCT",)),
        ("known", ("known",), ("VERB",)),
        ("fact", ("fact",), ("NOUN",)),
    )
    scores = RawTextScores()
    scores.add(gold, system)
    assert (scores.words.gold, scores.words.system, scores.words.correct) == (2, 4, 1)
    assert scores.words.precision == 0.25 and scores.words.recall == 0.5
    assert scores.upos.correct == 1 and scores.exact_sentences == 0


def test_words_inside_a_multiword_token_align_by_form() -> None:
    gold = tokens(("don't", ("do", "n't"), ("AUX", "PART")), ("go", ("go",), ("VERB",)))
    # Split into two tokens instead of one multiword token: same words, other tokens.
    system = tokens(
        ("do", ("do",), ("AUX",)), ("n't", ("n't",), ("ADV",)), ("go", ("go",), ("VERB",))
    )
    scores = RawTextScores()
    scores.add(gold, system)
    assert scores.words.correct == 3 and scores.words.f1 == 1.0
    assert scores.tokens.correct == 1 and scores.tokens.gold == 2 and scores.tokens.system == 3
    assert scores.upos.correct == 2  # n't: PART in gold, ADV here


def test_a_multiword_token_the_treebank_does_not_have() -> None:
    gold = tokens(("its", ("its",), ("PRON",)), ("fine", ("fine",), ("ADJ",)))
    system = tokens(("its", ("it", "s"), ("PRON", "AUX")), ("fine", ("fine",), ("ADJ",)))
    scores = RawTextScores()
    scores.add(gold, system)
    assert scores.words.correct == 1  # only "fine": "its" != "it" / "s" by form
    assert scores.tokens.correct == 2
