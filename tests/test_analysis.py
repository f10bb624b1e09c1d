"""Error analysis by hand-checkable examples: confusion counts, bands, example sentences."""

from posattn.data.vocab import Vocabularies
from posattn.evaluation.analysis import (
    accuracy_by_frequency,
    accuracy_by_length,
    confusion_matrix,
    top_confusions,
)

WORDS = [["I", "saw", "a", "saw"], ["the", "saw", "cut", "wood", "and", "a", "saw", "fell"]]
GOLD = [
    ["PRON", "VERB", "DET", "NOUN"],
    ["DET", "NOUN", "VERB", "NOUN", "CCONJ", "DET", "NOUN", "VERB"],
]
PREDICTED = [
    ["PRON", "VERB", "DET", "VERB"],
    ["DET", "VERB", "VERB", "NOUN", "CCONJ", "DET", "VERB", "VERB"],
]


def test_confusion_matrix_counts_every_pair() -> None:
    tags, counts = confusion_matrix(GOLD, PREDICTED)
    assert tags == ["CCONJ", "DET", "NOUN", "PRON", "VERB"]
    noun, verb = tags.index("NOUN"), tags.index("VERB")
    assert counts[noun][verb] == 3 and counts[noun][noun] == 1 and counts[verb][verb] == 3
    assert sum(map(sum, counts)) == 12


def test_accuracy_by_length_puts_each_sentence_in_one_band() -> None:
    bands = {b.label: (b.tokens, b.correct) for b in accuracy_by_length(GOLD, PREDICTED)}
    assert bands["1-5"] == (4, 3) and bands["6-10"] == (8, 6) and bands["51+"] == (0, 0)


def test_accuracy_by_frequency_separates_unknown_rare_and_ranked_words() -> None:
    train = [["saw", "saw", "saw", "a", "a", "I", "wood"]]
    vocabs = Vocabularies.build(train, [["VERB"] * 7], min_word_count=2)
    bands = {b.label: b for b in accuracy_by_frequency(WORDS, GOLD, PREDICTED, vocabs)}
    assert bands["rank 1-100"].tokens == 6  # saw x4, a x2 (each with an embedding)
    assert bands["rare in train"].tokens == 2  # I and wood: seen once, below min_word_count
    assert bands["unknown"].tokens == 4  # the, cut, and, fell
    assert bands["rank 1-100"].correct == 3  # the three saws tagged VERB for NOUN are wrong


def test_top_confusions_come_with_examples_from_distinct_sentences() -> None:
    confusions = top_confusions(WORDS, GOLD, PREDICTED, top=5, examples=3)
    assert [(c.gold, c.predicted, c.count) for c in confusions] == [("NOUN", "VERB", 3)]
    examples = confusions[0].examples
    assert [e.position for e in examples] == [3, 1]  # one per sentence, its first occurrence
    assert examples[1].words[examples[1].position] == "saw"
