import re
from pathlib import Path

import pytest

from posattn.data.conllu import read_conllu
from posattn.data.stats import treebank_stats
from posattn.data.treebank import find_split_files, load_treebank
from posattn.errors import PosattnError

from .conftest import write_treebank

MULTIWORD = """# text = I can't go.
1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_
2-3\tcan't\t_\t_\t_\t_\t_\t_\t_\t_
2\tca\tcan\tAUX\tMD\t_\t4\taux\t_\t_
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_
3.1\tgone\tgo\tVERB\tVBN\t_\t_\t_\t_\t_
4\tgo\tgo\tVERB\tVB\t_\t0\troot\t_\t_
5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_

"""


def test_multiword_ranges_and_empty_nodes_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "x-ud-train.conllu"
    path.write_text(MULTIWORD + MULTIWORD.replace("I\tI", "We\twe"), encoding="utf-8")
    rows = list(read_conllu(path))
    assert len(rows) == 2
    assert rows[0]["words"] == ["I", "ca", "n't", "go", "."]
    assert rows[0]["upos"] == ["PRON", "AUX", "PART", "VERB", "PUNCT"]
    assert rows[0]["xpos"] == ["PRP", "MD", "RB", "VB", "."]
    assert rows[1]["words"][0] == "We"


def test_windows_line_endings_and_bom_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "x-ud-train.conllu"
    path.write_bytes(b"\xef\xbb\xbf" + MULTIWORD.replace("\n", "\r\n").encode())
    assert next(read_conllu(path))["words"] == ["I", "ca", "n't", "go", "."]


def test_wrong_column_count_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad-ud-train.conllu"
    lines = MULTIWORD.splitlines()
    lines[5] = "4\tgo\tgo\tVERB"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        PosattnError, match=rf"{path}:6: expected 10 tab-separated columns, found 4"
    ):
        list(read_conllu(path))


def test_non_integer_id_is_an_error_naming_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad-ud-train.conllu"
    path.write_text(MULTIWORD.replace("4\tgo\tgo", "four\tgo\tgo"))
    with pytest.raises(PosattnError, match=re.escape(f"{path}:7: ID 'four' is not a word number")):
        list(read_conllu(path))


def test_a_token_line_outside_its_sentence_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad-ud-train.conllu"
    stray = "1\tThen\tthen\tADV\tRB\t_\t0\troot\t_\t_\n"
    path.write_text(MULTIWORD.rstrip("\n") + "\n" + stray + "\n")  # no blank line before it
    expected = f"{path}:9: word ID 1 where 6 was expected (a blank line must end each sentence)"
    with pytest.raises(PosattnError, match=re.escape(expected)):
        list(read_conllu(path))


def test_an_empty_form_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad-ud-train.conllu"
    path.write_text(MULTIWORD.replace("4\tgo\tgo", "4\t\tgo"))
    with pytest.raises(PosattnError, match=re.escape(f"{path}:7: empty FORM")):
        list(read_conllu(path))
    path.write_text(MULTIWORD.replace("2-3\tcan't", "2-3\t"))  # a multiword token's form
    with pytest.raises(PosattnError, match=re.escape(f"{path}:3: empty FORM")):
        list(read_conllu(path))


def test_an_underscore_form_is_a_word(tmp_path: Path) -> None:
    path = tmp_path / "x-ud-train.conllu"
    path.write_text(MULTIWORD.replace("5\t.\t.\tPUNCT", "5\t_\t_\tPUNCT"))
    [row] = read_conllu(path)
    assert row["words"] == ["I", "ca", "n't", "go", "_"]
    assert row["token_forms"] == ["I", "can't", "go", "_"]


def test_a_multiword_range_beyond_the_sentence_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad-ud-train.conllu"
    path.write_text(MULTIWORD.replace("2-3\tcan't", "2-9\tcan't"))
    expected = (
        f"{path}:3: multiword token 2-9 must be followed by words 2 to 9, "
        "but the sentence ends at word 5"
    )
    with pytest.raises(PosattnError, match=re.escape(expected)):
        list(read_conllu(path))


def block(*lines: str) -> str:
    """A sentence of words `ID FORM`, all tagged X."""
    words = [line.split(" ") for line in lines]
    return "".join(f"{i}\t{form}\t_\tX\t_\t_\t_\t_\t_\t_\n" for i, form in words) + "\n"


@pytest.mark.parametrize(
    ("sentence", "message"),
    [
        (  # the range does not start at the next word
            block("1 I", "3-4 can't", "2 ca", "3 n't"),
            "5: multiword token 3-4 where word 2 was expected",
        ),
        (  # the range after its first word
            block("1 I", "2 ca", "2-3 can't", "3 n't"),
            "6: multiword token 2-3 where word 3 was expected",
        ),
        (  # another range starts inside this one
            block("1-3 abc", "1 a", "2 b", "3-4 cd", "3 c", "4 d"),
            "4: multiword token 1-3 must be followed by words 1 to 3, "
            "but line 7 starts another after word 2",
        ),
        (  # the range is the sentence's last line
            block("1 I", "2 go", "3-4 don't"),
            "6: multiword token 3-4 must be followed by words 3 to 4, "
            "but the sentence ends at word 2",
        ),
        (block("1 I", "2-2 go", "2 go"), "5: multiword token 2-2 covers fewer than 2 words"),
        (block("1 I", "3-2 go", "2 go"), "5: multiword token 3-2 covers fewer than 2 words"),
    ],
    ids=["late", "after-its-word", "overlapping", "at-the-end", "one-word", "backwards"],
)
def test_a_multiword_range_must_be_followed_by_its_words(
    tmp_path: Path, sentence: str, message: str
) -> None:
    path = tmp_path / "bad-ud-train.conllu"
    path.write_text(block("1 Fine", "2 words") + sentence)  # the bad sentence from line 4
    expected = f"{path}:{message}"
    with pytest.raises(PosattnError, match=f"^{re.escape(expected)}$"):
        list(read_conllu(path))


@pytest.mark.parametrize(("upos", "shown"), [("_", "`_`"), ("", "empty")])
def test_an_unannotated_upos_names_file_and_line(tmp_path: Path, upos: str, shown: str) -> None:
    path = tmp_path / "bad-ud-train.conllu"
    path.write_text(MULTIWORD.replace("go\tgo\tVERB\tVB", f"go\tgo\t{upos}\tVB"))
    expected = f"{path}:7: UPOS {shown}: word 4 is not annotated"
    with pytest.raises(PosattnError, match=f"^{re.escape(expected)}$"):
        list(read_conllu(path))


def test_an_empty_file_and_a_missing_split_are_named(tmp_path: Path) -> None:
    (tmp_path / "x-ud-train.conllu").write_text("")
    (tmp_path / "x-ud-dev.conllu").write_text(MULTIWORD)
    with pytest.raises(PosattnError, match=re.escape(f"{tmp_path / 'x-ud-train.conllu'}: no sent")):
        load_treebank(tmp_path, ("train",))
    with pytest.raises(PosattnError, match=re.escape(f"{tmp_path}: no *-ud-test.conllu file")):
        load_treebank(tmp_path, ("dev", "test"))


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad-ud-train.conllu"
    path.write_bytes(MULTIWORD.encode().replace(b"go\tgo\tVERB\tVB", b"g\xff\tgo\tVERB\tVB"))
    with pytest.raises(PosattnError, match=rf"{path}:7: not valid UTF-8"):
        list(read_conllu(path))


def test_split_files_found_by_ud_convention(tmp_path: Path) -> None:
    folder = write_treebank(tmp_path / "tb", {"train": [[("a", "DET")]], "test": [[("b", "X")]]})
    assert set(find_split_files(folder)) == {"train", "test"}
    with pytest.raises(PosattnError, match=re.escape("no *-ud-dev.conllu file")):
        load_treebank(folder, ("train", "dev"))


def test_load_treebank_builds_a_cached_dataset_dict(tmp_path: Path) -> None:
    sentences = [[("I", "PRON"), ("saw", "VERB")], [("a", "DET"), ("saw", "NOUN")]]
    folder = write_treebank(tmp_path / "tb", {"train": sentences, "dev": sentences[:1]})
    first = load_treebank(folder, ("train", "dev"))
    again = load_treebank(folder, ("train", "dev"))  # from the cache
    assert first["train"]["words"] == again["train"]["words"] == [["I", "saw"], ["a", "saw"]]
    assert again["dev"]["upos"] == [["PRON", "VERB"]]


def test_stats_rank_ambiguous_forms() -> None:
    words = [["I", "saw", "a", "saw"], ["Saw", "it"]]
    tags = [["PRON", "VERB", "DET", "NOUN"], ["VERB", "PRON"]]
    stats = treebank_stats(words, tags)
    assert (stats.sentences, stats.tokens) == (2, 6)
    assert stats.ambiguous[0][0] == "saw"
    assert stats.ambiguous[0][1] == {"VERB": 2, "NOUN": 1}
