"""A tokenizer that splits raw text the way a UD treebank does: rules for what every treebank
shares, and a lexicon learned from the training split for what is particular to it.

The rules: whitespace separates tokens; URLs, e-mail addresses, numbers (3.5, 1,000, 10:30,
713-853-3989, 20th, 1970s), initialisms (U.S., W.), emoticons and runs of punctuation (!!!, ?!,
...) are one token each; hyphens and other symbols are tokens of their own. A clitic is split off
into a word of its own inside a multiword token (UD's `3-4 don't` = do + n't).

In every script a token ends where what a reader sees as one character (a grapheme cluster) ends:
a letter keeps its combining marks (Devanagari vowel signs and viramas, Arabic harakat, Hebrew
niqqud, Thai and Tamil vowels, Latin accents), a word its joiners (ZWNJ inside Persian words) and
soft hyphens, an emoji its modifiers, joiners and flag halves. Invisible characters (controls and
format characters: zero-width space, bidi marks, byte-order mark, ...) are never tokens of their
own: between tokens they are skipped like spaces, though only real whitespace counts as a space
after a token.

Those rules are English. For any other language the tokenizer uses language-neutral rules
(Unicode-aware: whitespace, punctuation, numbers, URLs, e-mail addresses; an elided word keeps
its apostrophe, `l'` + `homme`) and leans on the lexicon learned from that treebank for the rest
(its multiword tokens, such as French `du` = de + le).

The lexicon (`TokenizerLexicon.learn`, built by training from the train split and stored with the
model) adds what a rule cannot know: the strings the treebank keeps whole although the rules would
split them (`Yahoo!`, `p.m.`, `:-)`), the prefixes it keeps on hyphenated words (`e-mail`,
`non-human`), and its multiword tokens (`dont` = do + nt, `cannot` = can + not).

Tokenizing takes time linear in the length of the text, however hostile. A rule that reads ahead
through a run of characters and may fail at its end (an e-mail address, a domain) starts only
where such a run starts: started again inside the run, it would read the same characters to fail
the same way, and `a-a-a-...` would take time quadratic in its length. A phone number or a date
has ten groups at most, so what it reads ahead is short.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any, Literal

# `regex`, not `re`: its \w holds the combining marks of every script and the joiners ZWNJ and
# ZWJ, and it knows grapheme clusters (\X) and the Unicode properties used below.
import regex

_W = r"\w\p{No}"
"""Word characters (inside a set): letters, marks, digits and joiners, and the other numbers
that `re` counted too (km², ½)."""
_INVISIBLE = r"\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}"
"""Characters nothing shows (inside a set): no token starts with one, no URL holds one."""
_CLUSTER_REST = r"(?:[\p{GCB=Extend}\p{GCB=SpacingMark}]|\u200d\p{Extended_Pictographic}?)*"
"""What continues the grapheme cluster of a token's last character (a mark, an emoji modifier,
a joiner and the emoji it joins), whichever rule matched the token: the digit of a keycap emoji
keeps its enclosing mark, a run of punctuation the accent on its last character."""
_WORD = rf"(?>[{_W}]+(?:[\u00ad\u2060]+[{_W}]+)*)"
"""A word; soft hyphens and word joiners inside it are part of it (EWT writes `basically` with a
soft hyphen as one token). Atomic: nothing after a word could match what it gave back, and
`regex` takes time quadratic in the number of repeats to back out of a long repeated group."""
_ABBREVIATIONS = (
    "Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|v|etc|e\\.g|i\\.e|Inc|Ltd|Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul"
    "|Aug|Sep|Sept|Oct|Nov|Dec|approx|dept|est|Capt|Gen|Gov|Sen|Rep|Lt|Col|Sgt|Ave|Blvd|Rd|Ft"
)
_EXTENSIONS = (
    "com|org|net|edu|gov|info|biz|uk|ca|de|doc|docx|pdf|xls|xlsx|ppt|pptx|txt|htm|html|zip|jpg"
    "|jpeg|gif|png|vcf|url|exe|mp3|wav"
)
"""Web domains and file types: `Space.com`, `Guaranty.doc` and `.doc` are one token each."""
# Rules that read ahead and may fail at the end of what they read (see the module's docstring):
# an e-mail address does not start inside a run of the characters of its local part, a domain or
# file name not inside a dotted name. A phone number may (`nmemdrft8-7-01` in EWT: the word ends
# in a digit), so it has ten groups at most instead, and a domain too: `regex` takes time
# quadratic in the number of repeats to back out of a long repeated group.
_URL = rf"""(?:https?://|www\.)[^\s{_INVISIBLE}<>"]+[^\s{_INVISIBLE}<>".,;:!?)\]']"""
_EMAIL = rf"(?:mailto:)?(?<![{_W}.+%-])[{_W}.+%-]+@[{_W}-]+(?:\.[{_W}-]+)*"
_DOMAIN = (
    rf"(?<![{_W}-])(?<![{_W}-]\.)"
    rf"(?i:[{_W}-]+(?:\.[{_W}-]+){{0,9}}\.(?:{_EXTENSIONS}))(?![{_W}])"
)
_PHONE = rf"\d+(?:-\d+){{1,9}}(?![{_W}-])"
_RULES = rf"""
      {_URL}                                           # URLs, without a final full stop
    | {_EMAIL}                                         # e-mail addresses, Rice@ENRON
    | {_DOMAIN}                                        # Space.com Guaranty.doc
    | (?i:\.(?:{_EXTENSIONS}))(?![{_W}])                # .doc
    | (?:[A-Za-z]\.){{2,}}                             # initialisms: U.S., a.m.
    | [A-Z]\.(?=\s+\S)                                 # an initial: George W. Bush
    | (?:{_ABBREVIATIONS})\.(?=\s+\S)                  # Mr. Dr. (a final full stop is its own)
    | [:;=8][-o']?[)(\][DPpO/\\|*3]+(?=\s|$)           # emoticons :) ;-( :P
    | \^_+\^ | <3
    | {_PHONE}                                         # phone numbers, dates: 713-853-3989
    | \d{{1,2}}-[A-Za-z]{{3}}-\d{{2,4}}(?![{_W}])         # 01-Feb-02
    | \d+(?:[.,:/]\d+)*(?:(?:st|nd|rd|th|s)(?![{_W}]))?  # 3.5 1,000 10:30 20th 1970s
    | ['’]\d\d(?![{_W}])                               # '68
    | (?<![{_W}])[A-Za-z]/[A-Za-z](?![{_W}])            # b/c l/c
    | {_WORD}(?:['’]{_WORD})*                           # words, don't (clitics split later)
    | [.!?]{{2,}}                                      # ... ?! !!!
    | [-=]{{2,}} | ([^{_W}\s])\1+                      # -- ==-- ** <<
    | \X                                               # anything else, one character each
"""
_JOINERS = ("-", "'’")
"""Characters that join two words into one token in some languages and not in others (Dutch
keeps `X-boten` and `Harry's` whole; French splits `l'` + `homme`): learned per treebank, the
two apostrophes as one (a treebank written with one says how the other is used)."""


_INSIDE = regex.compile(rf"(?<=[{_W}])[-'’](?=[{_W}])")
"""A joiner with a word character on both sides."""
_HYPHENATED = regex.compile(rf"[A-Za-z]+-[{_W}]+")


def _neutral_rules(joiners: str) -> str:
    """The language-neutral rules; `joiners` keep the words on both sides of them one token."""
    joined = rf"(?:[{regex.escape(joiners)}]{_WORD})*" if joiners else ""
    elided = "".join(c for c in "'’" if c not in joiners)
    elision = rf"| {_WORD}[{elided}](?=[{_W}])  # an elided word: l' d' qu'" if elided else ""
    return rf"""
      {_URL}                                           # URLs, without a final full stop
    | {_EMAIL}                                         # e-mail addresses
    | {_DOMAIN}                                        # Space.com Guaranty.doc
    | [:;=8][-o']?[)(\][DPpO/\\|*3]+(?=\s|$)           # emoticons :) ;-( :P
    | \d+(?:[.,:/]\d+)*(?![{_W}{regex.escape(joiners)}])  # 3,5 1.000 10:30
    {elision}
    | {_WORD}{joined}                                  # words (joined ones too)
    | [.!?]{{2,}}                                      # ... ?! !!!
    | [-=]{{2,}} | ([^{_W}\s])\1+                      # -- ==-- ** <<
    | \X                                               # anything else, one character each
"""


TokenizerRules = Literal["english", "neutral"]
_CLITIC = regex.compile(r"^(.+?)(n['’]t|['’](?:s|re|ve|ll|d|m))$", regex.IGNORECASE)
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
        hyphenated = {form for form in kept if _HYPHENATED.fullmatch(form)}
        kept_prefix: Counter[str] = Counter()
        split_prefix: Counter[str] = Counter()
        for strings, counter in ((whole, kept_prefix), (pieces, split_prefix)):
            for string, n in strings.items():
                if _HYPHENATED.fullmatch(string):
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
) -> regex.Pattern[str]:
    """The rules, preceded by the learned strings (longest first) and hyphenated prefixes."""
    # A learned string is a whole token, never the start of a longer one (U. in U.S.); one
    # ending in a full stop is not at the end of the text, where the stop is a token of its own.
    by_first: defaultdict[str, list[str]] = defaultdict(list)
    for string in sorted(whole, key=len, reverse=True):
        by_first[string[0]].append(string)
    # Grouped by first character: where a token starts, one test rules out all groups but one
    # (EWT teaches hundreds of strings; an alternative each made tokenizing a third slower).
    alternatives = [
        regex.escape(first)
        + "(?:"
        + "|".join(
            regex.escape(s[1:]) + (r"(?=\s+\S)" if s[-1] == "." else rf"(?![{_W}])")
            for s in strings
        )
        + ")"
        for first, strings in sorted(by_first.items())
    ]
    if prefixes:
        choices = "|".join(map(regex.escape, sorted(prefixes, key=len, reverse=True)))
        alternatives.append(rf"(?i:{choices})-{_WORD}")
    head = "|".join(alternatives)
    rest = _RULES if rules == "english" else _neutral_rules(joiners)
    rules_pattern = f"(?:{head})|{rest}" if head else rest
    # No token starts with a space or an invisible character, none ends inside a grapheme
    # cluster; VERSION0 is `re`'s syntax, whatever a program sets `regex.DEFAULT_VERSION` to.
    return regex.compile(
        rf"(?![\s{_INVISIBLE}])(?:{rules_pattern}){_CLUSTER_REST}", regex.VERBOSE | regex.VERSION0
    )


def _rule_tokens(text: str, lexicon: TokenizerLexicon) -> list[regex.Match[str]]:
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
    spans = [match.span() for match in _rule_tokens(text, lexicon)]
    if _LINKER.search(text):
        spans = _whole_clusters(text, spans)
    tokens = []
    for index, (start, end) in enumerate(spans):
        following = spans[index + 1][0] if index + 1 < len(spans) else len(text)
        form = text[start:end]
        # What lies between two tokens is whitespace or invisible characters; these alone (a
        # zero-width space between Thai words) are no space.
        space_after = following == len(text) or any(map(str.isspace, text[end:following]))
        tokens.append(TextToken(form, _words(form, lexicon), start, end, space_after))
    return tokens


_LINKER = regex.compile(r"\p{InCB=Linker}")
"""A virama (Devanagari ्, ...): it joins the consonant after it into its grapheme cluster,
across anything the rules would split there (an emoji modifier, say)."""


def _whole_clusters(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans, a token that ends inside a grapheme cluster joined with the next."""
    ends = {match.end() for match in regex.finditer(r"\X", text)}
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        if joined and joined[-1][1] == start and start not in ends:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def tokenize(text: str, lexicon: TokenizerLexicon | None = None) -> list[str]:
    """The syntactic words of one sentence of raw text: what the tagger tags."""
    return [word for token in tokenize_text(text, lexicon) for word in token.words]
