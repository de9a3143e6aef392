"""textae.detokenize: the corpora's Treebank tokens as prose, for every place a person reads text."""

from hypothesis import given
from hypothesis import strategies as st

from textae.detokenize import PLACEHOLDERS, detokenize, detokenize_all, tokenize


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


def test_typed_prose_becomes_the_corpus_tokens():
    cases = {
        "I don't like it.": "i do n't like it .",
        "We paid $20 for 2 pizzas, at 5:30!": "we paid $ 20 for 2 pizzas , at 5:30 !",
        'It\'s the "best" place... really?': "it 's the `` best '' place ... really ?",
        "Can't, won't, gonna, cannot": "ca n't , wo n't , gon na , can not",
        "(at _UNK meters) about # of them": "( at _UNK meters ) about _num_ of them",
        "the <blank> was ___": "the <blank> was <blank>",
        "   ": "",
    }
    assert {s: tokenize(s) for s in cases} == cases
    assert tokenize("I LOVE it", lower=False) == "I LOVE it"  # a model with upper-case words reads them so


def test_the_corpus_own_lines_pass_unchanged():
    lines = [
        "i do n't love the pizza 's crust , wo n't go .",
        "the worst soup i have seen for $ _num_ .",
        "`` the prices listed were wrong '' .",
        "what is the _UNK line in baseball ?",
        "it 's 20,000 hz .",
    ]
    assert [tokenize(s) for s in lines] == lines


PROSE = st.sampled_from(["the", "food", "was", "great", "i", "do", "n't", "'s", "'ve", "ca", "wo", ",", "!",
                         "?", "$", "%", "_num_", "(", ")", "it", "is", "staff", "rude"])  # fmt: skip


@given(st.lists(PROSE, min_size=1, max_size=20), st.booleans())
def test_tokens_read_as_prose_and_typed_back_are_the_same_tokens(tokens, full_stop):
    """What the page shows, pasted back into a box, is what the model wrote: tokenize(detokenize(s)) == s,
    for sentences of words, contractions after words and punctuation, a full stop at the end (a full stop
    inside a line may be an abbreviation's, so it stays, as the Treebank's rules leave it); and tokenising
    is idempotent."""
    tokens = [t for i, t in enumerate(tokens) if t not in {"ca", "wo"} or tokens[i + 1 : i + 2] == ["n't"]]
    clitic = {"n't", "'s", "'ve"}  # after a word only
    tokens = [t for i, t in enumerate(tokens) if t not in clitic or (i > 0 and tokens[i - 1].isalpha())]
    s = " ".join(tokens + ["."] * full_stop)
    assert tokenize(detokenize(s)) == s
    assert tokenize(tokenize(s)) == tokenize(s)
