"""A tokenizer that splits raw text the way a UD treebank does: rules for what every treebank
shares, and a lexicon learned from the training split for what is particular to it.

The rules: whitespace separates tokens; URLs, e-mail addresses, numbers (3.5, 1,000, 10:30,
713-853-3989, 20th, 1970s), initialisms (U.S., W.), emoticons and runs of punctuation (!!!, ?!,
...) are one token each; hyphens and other symbols are tokens of their own; a letter keeps its
combining accents, an emoji its modifiers, joiners and flag halves. A clitic is split off into
a word of its own inside a multiword token (UD's `3-4 don't` = do + n't).

Those rules are English. For any other language the tokenizer uses language-neutral rules
(Unicode-aware: whitespace, punctuation, numbers, URLs, e-mail addresses; an elided word keeps
its apostrophe, `l'` + `homme`) and leans on the lexicon learned from that treebank for the rest
(its multiword tokens, such as French `du` = de + le).

The lexicon (`TokenizerLexicon.learn`, built by training from the train split and stored with the
model) adds what a rule cannot know: the strings the treebank keeps whole although the rules would
split them (`Yahoo!`, `p.m.`, `:-)`), the prefixes it keeps on hyphenated words (`e-mail`,
`non-human`), and its multiword tokens (`dont` = do + nt, `cannot` = can + not).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any, Literal

_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
"""Combining marks: part of the letter before them (e + \u0301 is one letter)."""
_CLUSTER = (
    r"(?:[\U0001F1E6-\U0001F1FF]{2}"  # a flag: two regional indicators
    rf"|\S(?:[{_MARKS}\ufe0e\ufe0f\U0001F3FB-\U0001F3FF]|\u200d\S)*)"  # modifiers, joiners
)
_WORD = rf"(?:\w[{_MARKS}]*)+"
_ABBREVIATIONS = (
    "Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|v|etc|e\\.g|i\\.e|Inc|Ltd|Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul"
    "|Aug|Sep|Sept|Oct|Nov|Dec|approx|dept|est|Capt|Gen|Gov|Sen|Rep|Lt|Col|Sgt|Ave|Blvd|Rd|Ft"
)
_EXTENSIONS = (
    "com|org|net|edu|gov|info|biz|uk|ca|de|doc|docx|pdf|xls|xlsx|ppt|pptx|txt|htm|html|zip|jpg"
    "|jpeg|gif|png|vcf|url|exe|mp3|wav"
)
"""Web domains and file types: `Space.com`, `Guaranty.doc` and `.doc` are one token each."""
_RULES = rf"""
      (?:https?://|www\.)[^\s<>"]+[^\s<>".,;:!?)\]'] # URLs, without a final full stop
    | (?:mailto:)?[\w.+%-]+@[\w-]+(?:\.[\w-]+)*          # e-mail addresses, Rice@ENRON
    | (?i:[\w-]+(?:\.[\w-]+)*\.(?:{_EXTENSIONS}))(?!\w)  # Space.com Guaranty.doc
    | (?i:\.(?:{_EXTENSIONS}))(?!\w)                     # .doc
    | (?:[A-Za-z]\.){{2,}}                             # initialisms: U.S., a.m.
    | [A-Z]\.(?=\s+\S)                                 # an initial: George W. Bush
    | (?:{_ABBREVIATIONS})\.(?=\s+\S)                  # Mr. Dr. (a final full stop is its own)
    | [:;=8][-o']?[)(\][DPpO/\\|*3]+(?=\s|$)           # emoticons :) ;-( :P
    | \^_+\^ | <3
    | \d+(?:-\d+)+(?![\w-])                            # phone numbers, dates: 713-853-3989
    | \d{{1,2}}-[A-Za-z]{{3}}-\d{{2,4}}(?!\w)             # 01-Feb-02
    | \d+(?:[.,:/]\d+)*(?:(?:st|nd|rd|th|s)(?!\w))?     # 3.5 1,000 10:30 20th 1970s
    | ['’]\d\d(?!\w)                                   # '68
    | (?<!\w)[A-Za-z]/[A-Za-z](?!\w)                    # b/c l/c
    | {_WORD}(?:['’]{_WORD})*                           # words, don't (clitics split later)
    | [.!?]{{2,}}                                      # ... ?! !!!
    | [-=]{{2,}} | ([^\w\s])\1+                        # -- ==-- ** <<
    | {_CLUSTER}                                       # anything else, one character each
"""
_JOINERS = ("-", "'’")
"""Characters that join two words into one token in some languages and not in others (Dutch
keeps `X-boten` and `Harry's` whole; French splits `l'` + `homme`): learned per treebank, the
two apostrophes as one (a treebank written with one says how the other is used)."""


_INSIDE = re.compile(r"(?<=\w)[-'’](?=\w)")
"""A joiner with a word character on both sides."""


def _neutral_rules(joiners: str) -> str:
    """The language-neutral rules; `joiners` keep the words on both sides of them one token."""
    joined = rf"(?:[{re.escape(joiners)}]{_WORD})*" if joiners else ""
    elided = "".join(c for c in "'’" if c not in joiners)
    elision = rf"| {_WORD}[{elided}](?=\w)  # an elided word: l' d' qu'" if elided else ""
    return rf"""
      (?:https?://|www\.)[^\s<>"]+[^\s<>".,;:!?)\]'] # URLs, without a final full stop
    | (?:mailto:)?[\w.+%-]+@[\w-]+(?:\.[\w-]+)*          # e-mail addresses
    | (?i:[\w-]+(?:\.[\w-]+)*\.(?:{_EXTENSIONS}))(?!\w)  # Space.com Guaranty.doc
    | [:;=8][-o']?[)(\][DPpO/\\|*3]+(?=\s|$)           # emoticons :) ;-( :P
    | \d+(?:[.,:/]\d+)*(?![\w{re.escape(joiners)}])      # 3,5 1.000 10:30
    {elision}
    | {_WORD}{joined}                                  # words (joined ones too)
    | [.!?]{{2,}}                                      # ... ?! !!!
    | [-=]{{2,}} | ([^\w\s])\1+                        # -- ==-- ** <<
    | {_CLUSTER}                                       # anything else, one character each
"""


TokenizerRules = Literal["english", "neutral"]
_CLITIC = re.compile(r"^(.+?)(n['’]t|['’](?:s|re|ve|ll|d|m))$", re.IGNORECASE)
_DEFAULT_MULTIWORD = {"cannot": ("can", "not"), "gonna": ("gon", "na"), "wanna": ("wan", "na")}


WrittenToken = tuple[str, tuple[str, ...], bool]
"""A gold token as the treebank writes it: its form, its syntactic words, a space after it?"""


@dataclass(frozen=True)
class TextToken:
    """One token of the text: its form, where it is, and the syntactic words it stands for."""

    form: str
    words: tuple[str, ...]
    start: int
    end: int
    space_after: bool = True


@dataclass(frozen=True)
class TokenizerLexicon:
    """What a treebank's training split teaches the tokenizer beyond its rules."""

    whole: frozenset[str] = frozenset()
    """Strings kept as one token although the rules would split them."""
    prefixes: frozenset[str] = frozenset()
    """Lower-cased prefixes kept on a hyphenated word (e-mail, non-human)."""
    multiword: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Lower-cased surface token -> its lower-cased words, for multiword tokens the treebank
    splits more often than not."""
    rules: TokenizerRules = "english"
    """The rules it adds to: English ones, or language-neutral ones for any other language."""
    joiners: str = ""
    """With the neutral rules: the characters (of `-`, `'`, `’`) that the treebank writes
    inside one token more often than it splits at them."""

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": self.rules,
            "joiners": self.joiners,
            "whole": sorted(self.whole),
            "prefixes": sorted(self.prefixes),
            "multiword": {form: list(words) for form, words in sorted(self.multiword.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenizerLexicon:
        return cls(
            frozenset(data["whole"]),
            frozenset(data["prefixes"]),
            {form: tuple(words) for form, words in data["multiword"].items()},
            # Models saved before there were neutral rules were all English.
            data.get("rules", "english"),
            data.get("joiners", ""),
        )

    @classmethod
    def learn(
        cls, sentences: Iterable[Sequence[WrittenToken]], rules: TokenizerRules = "english"
    ) -> TokenizerLexicon:
        """What the gold tokens of a treebank's sentences show: a string is kept whole if the
        treebank keeps it whole more often than the rules would split it, a prefix kept on
        hyphenated words likewise, a multiword token split if it is more often split than not."""
        rules_alone = cls(rules=rules)
        whole: Counter[str] = Counter()
        pieces: Counter[str] = Counter()
        joins: Counter[str] = Counter()  # a joiner between two words inside one token
        splits: Counter[str] = Counter()  # ... written as a token of its own between them
        as_multiword: defaultdict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
        as_one_word: Counter[str] = Counter()
        for tokens in sentences:
            for form, words, _ in tokens:
                joins.update(_INSIDE.findall(form))
                if len(words) > 1:
                    as_multiword[form.lower()][tuple(w.lower() for w in words)] += 1
                else:
                    as_one_word[form.lower()] += 1
                    if len(_rule_tokens(form, rules_alone)) > 1:
                        whole[form] += 1
            # How often each candidate string occurs split into several tokens instead.
            for chunk in _chunks(tokens):
                splits.update(_split_joiners(chunk))
                for i in range(len(chunk)):
                    for j in range(i + 2, min(len(chunk), i + 6) + 1):
                        pieces["".join(chunk[i:j])] += 1
        kept = {form for form, n in whole.items() if n > pieces[form]}
        joiners = "".join(
            joiner
            for joiner in _JOINERS
            if rules == "neutral" and sum(joins[c] for c in joiner) > sum(splits[c] for c in joiner)
        )
        if joiners:  # the rules keep these now
            joined = cls(rules=rules, joiners=joiners)
            kept = {form for form in kept if len(_rule_tokens(form, joined)) > 1}
        hyphenated = {form for form in kept if re.fullmatch(r"[A-Za-z]+-\w+", form)}
        kept_prefix: Counter[str] = Counter()
        split_prefix: Counter[str] = Counter()
        for strings, counter in ((whole, kept_prefix), (pieces, split_prefix)):
            for string, n in strings.items():
                if re.fullmatch(r"[A-Za-z]+-\w+", string):
                    counter[string.split("-")[0].lower()] += n
        return cls(
            whole=frozenset(kept - hyphenated),
            prefixes=frozenset(p for p, n in kept_prefix.items() if n > split_prefix[p]),
            multiword={
                form: counts.most_common(1)[0][0]
                for form, counts in as_multiword.items()
                if counts.total() > as_one_word[form]
            },
            rules=rules,
            joiners=joiners,
        )


def _split_joiners(chunk: list[str]) -> list[str]:
    """The joiners a run of tokens written without spaces was split at, between two words:
    `X` `-` `boten`, `l'` `homme`, `Harry` `'s`."""
    text = "".join(chunk)
    cuts = {sum(map(len, chunk[:i])) for i in range(1, len(chunk))}
    # A joiner just before or just after a cut between tokens, with word characters around it.
    near_cuts = {at for cut in cuts for at in (cut - 1, cut)}
    return [text[at] for at in sorted(near_cuts) if _INSIDE.match(text, at)]


def _chunks(tokens: Sequence[WrittenToken]) -> list[list[str]]:
    """The runs of token forms written without a space between them."""
    chunks: list[list[str]] = [[]]
    for form, _, space_after in tokens:
        chunks[-1].append(form)
        if space_after:
            chunks.append([])
    return [chunk for chunk in chunks if len(chunk) > 1]


@lru_cache(maxsize=8)
def _pattern(
    whole: frozenset[str], prefixes: frozenset[str], rules: TokenizerRules, joiners: str
) -> re.Pattern[str]:
    """The rules, preceded by the learned strings (longest first) and hyphenated prefixes."""
    # A learned string is a whole token, never the start of a longer one (U. in U.S.); one
    # ending in a full stop is not at the end of the text, where the stop is a token of its own.
    learned = sorted(whole, key=len, reverse=True)
    alternatives = [re.escape(s) + (r"(?=\s+\S)" if s[-1] == "." else r"(?!\w)") for s in learned]
    if prefixes:
        choices = "|".join(map(re.escape, sorted(prefixes, key=len, reverse=True)))
        alternatives.append(rf"(?i:{choices})-{_WORD}")
    head = "|".join(alternatives)
    rest = _RULES if rules == "english" else _neutral_rules(joiners)
    return re.compile(f"(?:{head})|{rest}" if head else rest, re.VERBOSE)


def _rule_tokens(text: str, lexicon: TokenizerLexicon) -> list[re.Match[str]]:
    pattern = _pattern(lexicon.whole, lexicon.prefixes, lexicon.rules, lexicon.joiners)
    return list(pattern.finditer(text))


def _words(form: str, lexicon: TokenizerLexicon) -> tuple[str, ...]:
    """The syntactic words of one token: itself, or the parts of a multiword token."""
    defaults = _DEFAULT_MULTIWORD if lexicon.rules == "english" else {}
    known = lexicon.multiword.get(form.lower()) or defaults.get(form.lower())
    if known is not None:
        if "".join(known) == form.lower():  # keep the text's own letters (and capitals)
            cuts = [sum(map(len, known[:i])) for i in range(len(known) + 1)]
            return tuple(form[a:b] for a, b in pairwise(cuts))
        return known
    clitic = _CLITIC.match(form) if lexicon.rules == "english" else None
    if clitic and not form[0].isdigit():
        return (clitic.group(1), clitic.group(2))
    return (form,)


def tokenize_text(text: str, lexicon: TokenizerLexicon | None = None) -> list[TextToken]:
    """Split one sentence of raw text into tokens (with their words and offsets)."""
    lexicon = lexicon or TokenizerLexicon()
    matches = _rule_tokens(text, lexicon)
    tokens = []
    for index, match in enumerate(matches):
        end = match.end()
        following = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        form = match.group()
        space_after = following > end or following == len(text)
        tokens.append(TextToken(form, _words(form, lexicon), match.start(), end, space_after))
    return tokens


def tokenize(text: str, lexicon: TokenizerLexicon | None = None) -> list[str]:
    """The syntactic words of one sentence of raw text: what the tagger tags."""
    return [word for token in tokenize_text(text, lexicon) for word in token.words]
