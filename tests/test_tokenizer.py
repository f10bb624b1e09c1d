"""The tokenizer: its rules, what it learns from a treebank, and how far it reproduces EWT's own
words (on EWT test with the CoNLL 2018 alignment, where the treebank is present)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import regex
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import posattn
from posattn.cli import app
from posattn.data.conllu import read_conllu
from posattn.data.tokenizer import (
    TokenizerLexicon,
    TokenizerRules,
    WrittenToken,
    tokenize,
    tokenize_text,
)
from posattn.data.treebank import COLUMNS, surface_tokens
from posattn.evaluation.segmentation import RawTextScores, TaggedToken

from .conftest import TINY_MODEL, write_treebank

runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("I saw a saw.", ["I", "saw", "a", "saw", "."]),
        ("I can't go, don't ask!", ["I", "ca", "n't", "go", ",", "do", "n't", "ask", "!"]),
        ("John's dog's bone", ["John", "'s", "dog", "'s", "bone"]),
        ("I cannot", ["I", "can", "not"]),
        (
            "Mr. Smith went to the U.S. in 2019.",
            ["Mr.", "Smith", "went", "to", "the", "U.S.", "in", "2019", "."],
        ),
        ("It costs $3.50 (50% off)", ["It", "costs", "$", "3.50", "(", "50", "%", "off", ")"]),
        ("mail a.b@c.org or www.x.com.", ["mail", "a.b@c.org", "or", "www.x.com", "."]),
        ("a well-known 26-year-old", ["a", "well", "-", "known", "26", "-", "year", "-", "old"]),
        ("call 853-7906 or 713-853-3989", ["call", "853-7906", "or", "713-853-3989"]),
        ("Wow!!! really?! :) ok", ["Wow", "!!!", "really", "?!", ":)", "ok"]),
        ("see Space.com and Guaranty.doc", ["see", "Space.com", "and", "Guaranty.doc"]),
        ("the 20th in the 1970s, '68", ["the", "20th", "in", "the", "1970s", ",", "'68"]),
        ("George W. Bush", ["George", "W.", "Bush"]),
        ("wait... what", ["wait", "...", "what"]),
        ("I’m here", ["I", "’m", "here"]),
        ("", []),
    ],
)
def test_rules(text: str, words: list[str]) -> None:
    assert tokenize(text) == words


@pytest.mark.parametrize("rules", ["english", "neutral"])
@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("cafe\u0301 ok", ["cafe\u0301", "ok"]),  # a combining accent stays on its letter
        ("hi 👍🏽 ok", ["hi", "👍🏽", "ok"]),  # an emoji and its skin tone
        ("a 👩\u200d💻 b", ["a", "👩\u200d💻", "b"]),  # joined by a zero-width joiner
        ("go 🇫🇷 now", ["go", "🇫🇷", "now"]),  # two regional indicators: one flag
        ("😀 ok", ["😀", "ok"]),
        ("press 1\ufe0f\u20e3 now", ["press", "1\ufe0f\u20e3", "now"]),  # a keycap
        ("so?\u0301 ok", ["so", "?\u0301", "ok"]),  # a mark on punctuation
    ],
)
def test_a_character_is_what_a_reader_sees_as_one(
    text: str, tokens: list[str], rules: TokenizerRules
) -> None:
    assert tokenize(text, TokenizerLexicon(rules=rules)) == tokens


@pytest.mark.parametrize("rules", ["english", "neutral"])
@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("नमस्ते दुनिया!", ["नमस्ते", "दुनिया", "!"]),  # Devanagari: virama, vowel signs
        ("مَرْحَبًا بِالْعَالَمِ.", ["مَرْحَبًا", "بِالْعَالَمِ", "."]),  # Arabic with harakat
        ("שָׁלוֹם עוֹלָם,", ["שָׁלוֹם", "עוֹלָם", ","]),  # Hebrew with niqqud
        ("สวัสดี ชาวโลก", ["สวัสดี", "ชาวโลก"]),  # Thai vowels and tone marks
        ("வணக்கம் உலகம்", ["வணக்கம்", "உலகம்"]),  # Tamil: pulli, vowel signs
        ("می\u200cخواهم بروم", ["می\u200cخواهم", "بروم"]),  # Persian: ZWNJ inside a word
        ("Ελληνικά και ἀρχαῖα", ["Ελληνικά", "και", "ἀρχαῖα"]),
        ("ก\u0e49\u0e33 x\u0301\u0327\u0308", ["ก\u0e49\u0e33", "x\u0301\u0327\u0308"]),
    ],
)
def test_every_script_keeps_its_combining_marks(
    text: str, tokens: list[str], rules: TokenizerRules
) -> None:
    assert tokenize(text, TokenizerLexicon(rules=rules)) == tokens


@pytest.mark.parametrize("rules", ["english", "neutral"])
@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("a \u200b b", [("a", True), ("b", True)]),  # zero-width space between words
        ("คน\u200bไทย", [("คน", False), ("ไทย", True)]),  # ... between Thai words: no space
        ("\ufeffHello\u200e \u202eworld\u202c", [("Hello", True), ("world", True)]),
        ("a \u200d \u200c \u2060 \ufe0f \u3164 b", [("a", True), ("b", True)]),
        ("basic\u00adally", [("basic\u00adally", True)]),  # a soft hyphen inside a word
        ("a\x00b \x1bc\x1f", [("a", False), ("b", True), ("c", True)]),  # controls
    ],
)
def test_invisible_characters_are_never_tokens(
    text: str, tokens: list[tuple[str, bool]], rules: TokenizerRules
) -> None:
    """Format and control characters between tokens are skipped; only whitespace is a space."""
    found = tokenize_text(text, TokenizerLexicon(rules=rules))
    assert [(t.form, t.space_after) for t in found] == tokens


PIECES = st.sampled_from(
    ["a", "Z", "é", "1", "-", "'", ".", "@", "!", ":", ")", " ", "\n", "\u2028", "\x1c", "\t",
     "\u0301", "\u093f", "\u094d", "क", "\u0e33", "\u200b", "\u200c", "\u200d", "\u00ad",
     "\u202e", "\ufeff", "\ufe0f", "\u20e3", "👩", "🏽", "🇫", "\x00", "www.", "com", "\u3164"]
)  # fmt: skip
INVISIBLE_OR_SPACE = regex.compile(r"[\s\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]")


# The same examples on every run, so CI meets the ones tried here (a random search once found
# `्🏽क`, a virama joining a consonant into its cluster across an emoji modifier).
@settings(max_examples=300, deadline=None, derandomize=True)
@example(["\u094d", "🏽", "क"], "english")
@given(st.lists(PIECES, max_size=25), st.sampled_from(["english", "neutral"]))
def test_tokens_are_whole_visible_characters_and_nothing_visible_is_lost(
    pieces: list[str], rules: TokenizerRules
) -> None:
    """Every token ends where a grapheme cluster does, starts with a visible character and holds
    no whitespace; what lies between tokens is only whitespace and invisible characters."""
    text = "".join(pieces)
    clusters = {0} | {m.end() for m in regex.finditer(r"\X", text)}
    tokens = tokenize_text(text, TokenizerLexicon(rules=rules))
    at = 0
    for token in tokens:
        assert text[token.start : token.end] == token.form and token.end in clusters
        assert not INVISIBLE_OR_SPACE.match(token.form)
        assert not any(c.isspace() for c in token.form)
        gap = text[at : token.start]
        assert all(INVISIBLE_OR_SPACE.match(c) for c in gap), (gap, tokens)
        at = token.end
    assert all(INVISIBLE_OR_SPACE.match(c) for c in text[at:])


# Runs that a rule reading ahead (an e-mail address, a domain, a phone number) would read to their
# end from every position inside them, to fail there: quadratic time if nothing stopped it.
HOSTILE = [
    ("", "a-"), ("", "a'"), ("", "'a"), ("", "a."), ("", "1"), ("", "1-"), ("", "a.+%"),
    ("http://", "a/"), ("", "www."), ("", "e-"), ("", "p.m."), ("", "a@"), ("", "1.a"),
    ("", "a\u00ad"), ("", "1.1-"),
]  # fmt: skip


@pytest.mark.parametrize(("prefix", "unit"), HOSTILE)
@pytest.mark.parametrize("rules", ["english", "neutral"])
def test_tokenizing_takes_time_linear_in_the_length_of_the_text(
    rules: TokenizerRules, prefix: str, unit: str
) -> None:
    """Ten times the text takes at most 15 times as long (quadratic time would take 100), with
    the rules alone and with learned strings, prefixes and joiners."""
    lexicon = TokenizerLexicon(
        whole=frozenset({"p.m.", "Yahoo!", "+/-"}),
        prefixes=frozenset({"e", "non"}),
        rules=rules,
        joiners="-'’" if rules == "neutral" else "",
    )
    plain = TokenizerLexicon(rules=rules)
    repeats = 400 // len(unit)

    def seconds(text: str) -> float:
        best = float("inf")
        for _ in range(3):  # the best of three: the least disturbed by other work
            start = time.perf_counter()
            tokenize_text(text, lexicon)
            tokenize_text(text, plain)
            best = min(best, time.perf_counter() - start)
        return best

    short = seconds(prefix + unit * repeats)
    long = seconds(prefix + unit * repeats * 10)
    assert long <= 15 * short, f"{short * 1000:.1f} ms, 10 times longer: {long * 1000:.1f} ms"


def test_tokens_know_their_words_and_the_spaces_between_them() -> None:
    tokens = tokenize_text("I don't know, Bob's.")
    assert [(t.form, t.words, t.space_after) for t in tokens] == [
        ("I", ("I",), True),
        ("don't", ("do", "n't"), True),
        ("know", ("know",), False),
        (",", (",",), True),
        ("Bob's", ("Bob", "'s"), False),
        (".", (".",), True),
    ]
    text = "I don't know, Bob's."
    rebuilt = "".join(t.form + (" " if t.space_after else "") for t in tokens).strip()
    assert rebuilt == text


def test_the_lexicon_learns_what_the_treebank_keeps_whole_and_splits() -> None:
    sentences = [
        [("Yahoo!", ("Yahoo!",), True), ("is", ("is",), True), ("big", ("big",), False),
         (".", (".",), True)],
        [("Yahoo!", ("Yahoo!",), True), ("dont", ("do", "nt"), True), ("e-mail", ("e-mail",),
         True), ("non-stop", ("non-stop",), True), ("well", ("well",), False), ("-", ("-",),
         False), ("known", ("known",), True)],
    ]  # fmt: skip
    lexicon = TokenizerLexicon.learn(sentences)
    assert "Yahoo!" in lexicon.whole and {"e", "non"} <= lexicon.prefixes
    assert "well" not in lexicon.prefixes and lexicon.multiword["dont"] == ("do", "nt")
    assert tokenize("Yahoo! Dont e-mail, well-known", lexicon) == [
        "Yahoo!", "Do", "nt", "e-mail", ",", "well", "-", "known",
    ]  # fmt: skip
    assert tokenize("Yahoo! Dont e-mail") == ["Yahoo", "!", "Dont", "e", "-", "mail"]
    assert TokenizerLexicon.from_json(lexicon.to_json()) == lexicon


def test_ewt_words_are_reproduced(ewt_dir: Path, full_ewt: bool) -> None:
    """Word F1 >= 99.0 on EWT test, learning from EWT train only (README: Tokenization); on the
    test slice, with a lexicon learned from its 105 training sentences, >= 98.5."""

    def columns(split: str) -> dict[str, list[object]]:
        rows = list(read_conllu(ewt_dir / f"en_ewt-ud-{split}.conllu"))
        return {column: [row[column] for row in rows] for column in COLUMNS}

    lexicon = TokenizerLexicon.learn(surface_tokens(columns("train")))
    test = columns("test")
    scores = RawTextScores()
    for text, tokens in zip(test["text"], surface_tokens(test), strict=True):
        system = [TaggedToken(t.form, t.words) for t in tokenize_text(str(text), lexicon)]
        scores.add([TaggedToken(form, words) for form, words, _ in tokens], system)
    assert scores.words.f1 >= (0.99 if full_ewt else 0.985), scores.to_json()
    assert scores.exact_sentences / scores.sentences > (0.95 if full_ewt else 0.9)


def test_other_languages_get_neutral_rules_and_learn_the_rest() -> None:
    """No English clitics or abbreviations; an elided word keeps its apostrophe; what the
    treebank shows (a multiword token, a word kept whole) is learned as for English."""
    sentence: list[WrittenToken] = [
        ("L'", ("L'",), False), ("homme", ("homme",), True), ("du", ("de", "le"), True),
        ("village", ("village",), True), ("vient", ("vient",), True),
        ("aujourd'hui", ("aujourd'hui",), False), (".", (".",), False),
    ]  # fmt: skip
    lexicon = TokenizerLexicon.learn([sentence] * 3, rules="neutral")
    assert lexicon.rules == "neutral" and "aujourd'hui" in lexicon.whole
    tokens = tokenize_text("L'homme du village vient aujourd'hui.", lexicon)
    assert [(t.form, t.words) for t in tokens] == [(form, words) for form, words, _ in sentence]
    assert tokenize("Qu'il don't Mr. X", lexicon) == ["Qu'", "il", "don'", "t", "Mr", ".", "X"]
    assert TokenizerLexicon.from_json(lexicon.to_json()) == lexicon


def test_a_treebank_that_keeps_hyphenated_words_whole_teaches_the_neutral_rules_so() -> None:
    """Dutch writes `X-boten` and `Harry's` as one token: the hyphen and the apostrophe join
    there, so unseen words like them stay whole too; an English-like treebank splits them."""
    sentence: list[WrittenToken] = [
        ("De", ("De",), True), ("X-boten", ("X-boten",), True), ("van", ("van",), True),
        ("Harry's", ("Harry's",), True), ("vader", ("vader",), False), (".", (".",), False),
    ]  # fmt: skip
    dutch = TokenizerLexicon.learn([sentence] * 2, rules="neutral")
    assert set(dutch.joiners) == {"-", "'", "’"}  # the two apostrophes go together
    assert tokenize("Oranje-bruine U-boten van Bernini's 1952-1995.", dutch) == [
        "Oranje-bruine", "U-boten", "van", "Bernini's", "1952-1995", ".",
    ]  # fmt: skip
    split: list[WrittenToken] = [
        ("X", ("X",), False), ("-", ("-",), False), ("boten", ("boten",), True),
        ("l'", ("l'",), False), ("homme", ("homme",), False), (".", (".",), False),
    ]  # fmt: skip
    other = TokenizerLexicon.learn([split] * 2, rules="neutral")
    assert other.joiners == "" and tokenize("U-boten l'eau", other) == [
        "U", "-", "boten", "l'", "eau",
    ]  # fmt: skip
    assert TokenizerLexicon.from_json(dutch.to_json()) == dutch


def test_a_model_of_another_language_tags_raw_text_with_the_neutral_rules_and_says_so(
    tmp_path: Path,
) -> None:
    sentences = [[("Ik", "PRON"), ("zie", "VERB"), ("Harry's", "PROPN"), ("boek", "NOUN")]] * 20
    data = write_treebank(
        tmp_path / "data", dict.fromkeys(("train", "dev", "test"), sentences), "nl_toy"
    )
    tiny = [f"--set=model.{key}={value}" for key, value in TINY_MODEL.items()]
    run = tmp_path / "run"
    trained = runner.invoke(
        app, ["train", "--data-dir", str(data), "-o", str(run), "--set=train.epochs=1", *tiny]
    )
    assert trained.exit_code == 0, trained.output
    tagged = runner.invoke(app, ["tag", "--model", str(run), "-f", "tsv", "Zie je Harry's boek?"])
    assert tagged.exit_code == 0, tagged.output
    assert "language-neutral tokenizer" in tagged.stderr and "nl_toy" in tagged.stderr
    forms = [line.split("\t")[0] for line in tagged.stdout.split("\n") if line]
    assert forms == ["Zie", "je", "Harry's", "boek", "?"]  # no English clitic split of 's
    # Told otherwise, it keeps the English rules (and says nothing).
    english = tmp_path / "english"
    trained = runner.invoke(
        app,
        ["train", "--data-dir", str(data), "-o", str(english), "--set=train.epochs=1", *tiny,
         "--set=data.tokenizer=english"],
    )  # fmt: skip
    assert trained.exit_code == 0, trained.output
    assert posattn.load(english).tokenizer == "english" and posattn.load(run).tokenizer == "neutral"
