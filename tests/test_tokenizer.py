import pytest

from posattn.data.tokenizer import tokenize


@pytest.mark.parametrize(
    ("text", "tokens"),
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
        ("well-known e-mail", ["well-known", "e-mail"]),
        ("wait... what", ["wait", "...", "what"]),
        ("I’m here", ["I", "’m", "here"]),
        ("😀 ok", ["😀", "ok"]),
        ("", []),
    ],
)
def test_tokenize_like_ewt(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens
