from hypothesis import given, settings
from hypothesis import strategies as st

from posattn.data.batching import IGNORE_INDEX, bucket_batches, make_batch
from posattn.data.vocab import Vocabularies

SENTENCES = [["I", "saw", "a", "saw"], ["Time", "flies"]]
TAGS = [["PRON", "VERB", "DET", "NOUN"], ["NOUN", "VERB"]]


def test_vocabularies_come_from_train_and_know_ambiguity() -> None:
    vocabs = Vocabularies.build(SENTENCES, TAGS)
    assert vocabs.tags.itos == ["DET", "NOUN", "PRON", "VERB"]
    assert vocabs.words.index("saw") != vocabs.words.unk_index
    assert vocabs.words.index("unseen") == vocabs.words.unk_index
    assert vocabs.is_known("TIME")  # the word key is lower-cased
    assert vocabs.is_ambiguous("saw") and not vocabs.is_ambiguous("flies")
    assert Vocabularies.from_json(vocabs.to_json()).to_json() == vocabs.to_json()


def test_rare_words_share_unk_but_are_not_unknown() -> None:
    vocabs = Vocabularies.build(SENTENCES, TAGS, min_word_count=2)
    assert vocabs.words.index("time") == vocabs.words.unk_index  # seen once: no embedding
    assert vocabs.words.index("saw") != vocabs.words.unk_index  # seen twice
    assert vocabs.is_known("time") and not vocabs.is_known("zebra")


def test_batch_shapes_padding_and_shared_forms() -> None:
    vocabs = Vocabularies.build(SENTENCES, TAGS)
    batch = make_batch(SENTENCES, vocabs, TAGS)
    assert batch.words.shape == batch.tags.shape == batch.mask.shape == (2, 4)
    assert batch.mask.sum() == 6
    assert (batch.tags[~batch.mask] == IGNORE_INDEX).all()
    assert batch.types[0, 1] == batch.types[0, 3]  # both "saw" share one character encoding
    assert batch.type_chars.shape[0] == 6  # padding + I, saw, a, Time, flies


@settings(max_examples=50, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 60), min_size=1, max_size=200),
    budget=st.integers(60, 500),
    shuffle=st.booleans(),
)
def test_buckets_cover_every_sentence_once_within_budget(
    lengths: list[int], budget: int, shuffle: bool
) -> None:
    batches = bucket_batches(lengths, budget, shuffle=shuffle, seed=3)
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        # a batch may exceed the budget only when one sentence alone does
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= budget
