import pytest

from posattn.data.vocab import Vocabularies
from posattn.evaluation.scores import evaluate, per_tag_scores


def test_per_tag_rows_are_named_by_upos_and_count_tokens() -> None:
    gold = [["PRON", "VERB", "DET", "NOUN"], ["NOUN", "NOUN"]]
    predicted = [["PRON", "NOUN", "DET", "NOUN"], ["NOUN", "VERB"]]
    scores = per_tag_scores(gold, predicted)
    assert set(scores) == {"PRON", "VERB", "DET", "NOUN"}  # not "ERB", "OUN" (BIO misreading)
    # NOUN: gold 3 tokens, predicted 3, correct 2 -> P = R = 2/3, even for adjacent NOUNs
    assert scores["NOUN"].precision == pytest.approx(2 / 3)
    assert scores["NOUN"].recall == pytest.approx(2 / 3)
    assert scores["NOUN"].support == 3
    assert scores["VERB"].precision == 0 and scores["VERB"].recall == 0


def test_accuracy_on_unknown_and_ambiguous_words() -> None:
    vocabs = Vocabularies.build([["I", "saw", "a", "saw"]], [["PRON", "VERB", "DET", "NOUN"]])
    words = [["I", "saw", "a", "zebra"]]
    gold = [["PRON", "VERB", "DET", "NOUN"]]
    result = evaluate(words, gold, [["PRON", "NOUN", "DET", "NOUN"]], vocabs)
    assert (result.tokens, result.accuracy) == (4, 0.75)
    assert (result.oov_tokens, result.oov_accuracy) == (1, 1.0)
    assert (result.ambiguous_tokens, result.ambiguous_accuracy) == (1, 0.0)
    assert result.confusions == [("VERB", "NOUN", 1)]
    assert result.to_json()["confusions"] == [{"gold": "VERB", "predicted": "NOUN", "count": 1}]
