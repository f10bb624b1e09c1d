"""The CoNLL-U writer, checked against output written out by hand: multiword tokens as range
lines carrying `SpaceAfter=No`, and `# text` rebuilt from the token lines."""

from pathlib import Path

import pytest

from posattn.data.conllu import read_conllu
from posattn.data.tokenizer import tokenize_text
from posattn.tagging.document import Prediction, TaggedSentence
from posattn.tagging.formats import to_conllu

TAGS = {"I": "PRON", "do": "AUX", "n't": "PART", ".": "PUNCT"}


def tagged(text: str) -> TaggedSentence:
    """`text` as the tagger would give it back: its surface tokens, each word with a tag."""
    surface = tokenize_text(text)
    words = [word for token in surface for word in token.words]
    tags = [TAGS.get(w, "X") for w in words]
    return TaggedSentence(text, words, Prediction(tags, [1.0] * len(words)), surface)


def test_a_contraction_before_punctuation_has_space_after_no_on_its_range_line() -> None:
    expected = [
        "# sent_id = 7",
        "# text = I don't.",
        "1\tI\t_\tPRON\t_\t_\t_\t_\t_\t_",
        "2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No",
        "2\tdo\t_\tAUX\t_\t_\t_\t_\t_\t_",
        "3\tn't\t_\tPART\t_\t_\t_\t_\t_\t_",
        "4\t.\t_\tPUNCT\t_\t_\t_\t_\t_\t_",
    ]
    assert to_conllu(tagged("I don't."), 7) == "\n".join(expected) + "\n\n"


SENTENCES = [
    "I don't.",  # a contraction before punctuation
    "Don't!",  # ... at the start of the sentence
    "You can't, can you?",
    "It's John's book.",  # two in a row, each before a space
    'I said "don\'t" twice.',  # between quotes, no space on either side
    "We'll see (won't we)?",
    "They won't",  # at the end of the sentence
    "I cannot go",  # a multiword token without an apostrophe
]


def token_lines(conllu: str) -> tuple[str, list[list[str]]]:
    """The `# text` of one written sentence and its token lines: a range line for each
    multiword token, and each word outside a range (their columns)."""
    lines = conllu.rstrip("\n").split("\n")
    text = next(line.removeprefix("# text = ") for line in lines if line.startswith("# text"))
    tokens, covered = [], 0
    for line in lines:
        if line.startswith("#"):
            continue
        columns = line.split("\t")
        assert len(columns) == 10, line
        if "-" in columns[0]:
            tokens.append(columns)
            covered = int(columns[0].split("-")[1])
        elif int(columns[0]) > covered:
            tokens.append(columns)
    return text, tokens


@pytest.mark.parametrize("text", SENTENCES)
def test_text_is_rebuilt_from_the_token_lines(text: str) -> None:
    written = to_conllu(tagged(text), 1)
    text_line, tokens = token_lines(written)
    assert text_line == text
    rebuilt = "".join(
        columns[1] + ("" if columns[9] == "SpaceAfter=No" else " ") for columns in tokens
    )
    assert rebuilt.rstrip(" ") == text
    surface = tokenize_text(text)
    assert [columns[1] for columns in tokens] == [token.form for token in surface]
    misc = [columns[9] for columns in tokens]
    assert misc == ["_" if t.space_after else "SpaceAfter=No" for t in surface]


@pytest.mark.parametrize("text", SENTENCES)
def test_the_words_of_a_multiword_token_have_no_misc(text: str) -> None:
    lines = to_conllu(tagged(text), 1).rstrip("\n").split("\n")
    ranges = [line.split("\t")[0].split("-") for line in lines if line.split("\t")[0].count("-")]
    assert ranges, "every sentence here has a multiword token"
    inside = {str(n) for first, last in ranges for n in range(int(first), int(last) + 1)}
    for line in lines:
        columns = line.split("\t")
        if columns[0] in inside:
            assert columns[9] == "_", line


@pytest.mark.parametrize("text", SENTENCES)
def test_the_reader_reads_back_what_the_writer_wrote(text: str, tmp_path: Path) -> None:
    path = tmp_path / "tagged.conllu"
    path.write_text(to_conllu(tagged(text), 1), encoding="utf-8")
    [row] = read_conllu(path)
    surface = tokenize_text(text)
    assert row["text"] == text
    assert row["token_forms"] == [token.form for token in surface]
    assert row["token_words"] == [list(token.words) for token in surface]
    assert row["token_space"] == [token.space_after for token in surface]
