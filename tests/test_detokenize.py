"""textae.detokenize: the corpora's Treebank tokens as prose, for every place a person reads text."""

from hypothesis import given
from hypothesis import strategies as st

from textae.detokenize import PLACEHOLDERS, detokenize, detokenize_all


def test_treebank_tokens_read_as_prose():
    cases = {
        "i ca n't believe it wo n't work .": "i can't believe it won't work.",
        "the best i 've found so far in vegas !": "the best i've found so far in vegas!",
        "rocco 's is the best , really .": "rocco's is the best, really.",
        "`` the prices listed were wrong '' .": '"the prices listed were wrong".',
        "you run the freakin ' show .": "you run the freakin' show.",
        "i am gon na go ( later ) ?": "i am gonna go (later)?",
        "for $ _num_ , about _num_ % off": "for $#, about #% off",
        "what is the _UNK line ?": "what is the <unk> line?",
        "the <blank> was <unk>": "the ___ was <unk>",
        "": "",
        "   ": "",
    }
    assert {s: detokenize(s) for s in cases} == cases
    assert detokenize_all(list(cases)) == list(cases.values())


def test_html_in_the_text_stays_as_written():
    """No entity is unescaped: "&lt;b&gt;" stays as typed, and the pages escape what they show."""
    assert detokenize("a &lt;b&gt; tag & co .") == "a &lt;b&gt; tag & co."


WORDS = st.sampled_from(
    ["the", "food", "was", "great", "i", "do", "n't", "'s", "'ve", ".", ",", "!", "?", "(", ")", "$", "%", "``",
     "''", "_num_", "_UNK", "<unk>", "-", "...", "&", "'", "gon", "na", ":", ";", "it", "is"]
)  # fmt: skip


@given(st.lists(WORDS, max_size=20))
def test_only_spaces_and_placeholders_change(tokens):
    """Detokenising joins tokens: apart from the placeholders' readable forms, every other character is kept,
    in order, and the result has no leading, trailing or double space."""
    out = detokenize(" ".join(tokens))
    want = "".join(PLACEHOLDERS.get(t, t) for t in tokens)
    assert out.replace(" ", "") == want.replace(" ", "")
    assert out == out.strip() and "  " not in out
