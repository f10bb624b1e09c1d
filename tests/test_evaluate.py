import pytest

from posattn.data.vocab import Vocabularies
from posattn.evaluation.scores import evaluate, feature_scores, per_tag_scores


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


def test_per_tag_precision_and_recall_are_not_swapped() -> None:
    gold = [["DET", "NOUN", "NOUN", "NOUN"]]
    predicted = [["DET", "NOUN", "VERB", "DET"]]
    scores = per_tag_scores(gold, predicted)
    # NOUN: gold 3, predicted 1, right 1 -> P = 1/1, R = 1/3, F1 = 2 * (1/3) / (4/3) = 1/2
    noun = scores["NOUN"]
    assert (noun.precision, noun.recall, noun.support) == (1.0, pytest.approx(1 / 3), 3)
    assert noun.f1 == pytest.approx(1 / 2)
    # DET: gold 1, predicted 2, right 1 -> P = 1/2, R = 1/1, F1 = 2/3
    det = scores["DET"]
    assert (det.precision, det.recall, det.support) == (0.5, 1.0, 1)
    assert det.f1 == pytest.approx(2 / 3)
    # VERB: predicted once, never gold -> P = 0/1, R = 0 (no gold), support 0
    assert (scores["VERB"].precision, scores["VERB"].recall, scores["VERB"].support) == (0, 0, 0)
    words = [["the", "dog", "dogs", "dog"]]
    vocabs = Vocabularies.build(words, gold)
    result = evaluate(words, gold, predicted, vocabs, targets={"xpos": (gold, predicted)})
    assert (result.per_tag["NOUN"].precision, result.per_tag["NOUN"].recall) == (1.0, noun.recall)
    xpos = result.targets["xpos"].per_label["DET"]
    assert (xpos.precision, xpos.recall) == (0.5, 1.0)


FEATS_GOLD = [["Number=Sing|Person=3", "Number=Plur|Person=3", "_"]]
FEATS_PREDICTED = [["Number=Sing", "Number=Sing|Person=3", "Number=Plur"]]


def test_per_feature_precision_and_recall_are_not_swapped() -> None:
    scores = feature_scores(FEATS_GOLD, FEATS_PREDICTED)
    assert set(scores) == {"Number", "Person"}
    # Number: gold pairs Sing, Plur (2); predicted Sing, Sing, Plur (3), of which only the first
    # is the gold word's -> P = 1/3, R = 1/2, F1 = 2 * (1/6) / (5/6) = 2/5
    number = scores["Number"]
    assert number.precision == pytest.approx(1 / 3) and number.recall == pytest.approx(1 / 2)
    assert number.f1 == pytest.approx(2 / 5) and number.support == 2
    # Person: gold on words 1 and 2 (2); predicted on word 2 only (1), right -> P = 1, R = 1/2
    person = scores["Person"]
    assert (person.precision, person.recall, person.support) == (1.0, 0.5, 2)
    assert person.f1 == pytest.approx(2 / 3)


def test_per_feature_scores_reach_the_evaluation() -> None:
    words = [["it", "they", "them"]]
    tags = [["PRON", "PRON", "PRON"]]
    vocabs = Vocabularies.build(words, tags)
    targets = {"feats": (FEATS_GOLD, FEATS_PREDICTED)}
    feats = evaluate(words, tags, tags, vocabs, targets=targets).targets["feats"]
    assert feats.accuracy == 0  # no word has all its features right
    number, person = feats.per_label["Number"], feats.per_label["Person"]
    assert number.precision == pytest.approx(1 / 3) and number.recall == pytest.approx(1 / 2)
    assert (person.precision, person.recall) == (1.0, 0.5)
