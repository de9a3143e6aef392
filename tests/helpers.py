"""What the tests share besides fixtures: paths, tiny model sizes, generated corpora, reference helpers."""

from __future__ import annotations

import base64
import json
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch

from textae.data import DataLayout
from textae.vocab import Vocab

ROOT = Path(__file__).resolve().parents[1]


YELP = DataLayout.shared("yelp")
YAHOO = DataLayout.shared("yahoo")


SVG = {"s": "http://www.w3.org/2000/svg"}  # the namespace prefix of the SVG charts' tests (".//s:circle")


SVG_URL = "data:image/svg+xml;base64,"  # how st.image sends an SVG to the browser


def svg_from_url(url: str) -> ET.Element:
    """An SVG chart shown with st.image, parsed from its data URL as XML (never searched as text)."""
    assert url.startswith(SVG_URL), url[:40]
    return ET.fromstring(base64.b64decode(url.removeprefix(SVG_URL)))


# the app tests' TEXTAE_PRECISION: a page's results are compared with the library's own (fp32, textae.load's
# default); what each precision gives is tested in test_precision.py
PRECISION = "fp32"

# small dims so a CPU trains a model in seconds
TINY = dict(dim_emb=32, dim_h=64, dim_z=16, dim_d=32, dropout=0.0)


def synthetic_corpus(n: int = 200, seed: int = 0) -> list[str]:
    """Templated sentences with a sentiment word, so that a structure exists to be learnt."""
    rng = random.Random(seed)
    subj = ["the food", "the staff", "the service", "our waiter", "the pizza", "this place"]
    verb = ["is", "was"]
    adj = ["great", "terrible", "friendly", "rude", "amazing", "awful", "slow", "fresh"]
    tail = ["", " !", " .", " and the price is right .", " , i will be back ."]
    return [f"{rng.choice(subj)} {rng.choice(verb)} {rng.choice(adj)}{rng.choice(tail)}".strip() for _ in range(n)]


@torch.no_grad()
def reference_greedy(model, z: torch.Tensor, max_len: int = 35) -> torch.Tensor:
    """The reference's generate(z, max_len, 'greedy'), step for step: `<go>` is one of its max_len steps,
    and there is no early stop. Returns ids [B, max_len - 1], `<go>` dropped."""
    from textae.vocab import GO

    sents, inp, hidden = [], torch.full((1, len(z)), GO, dtype=torch.long), None
    for _ in range(max_len):
        sents.append(inp)
        logits, hidden = model.decode(z, inp, hidden)
        inp = logits.argmax(dim=-1)
    return torch.cat(sents)[1:].t()


# the reference implementation's argparse fields, less the sizes and the model type
REF_ARGS = dict(
    vocab_size=10000, nlayers=1, lambda_kl=0.0, lambda_adv=10.0, lambda_p=0.0, noise=[0.3, 0.0, 0.0, 0.0], dropout=0.5,
    lr=5e-4, seed=1111,
)  # fmt: skip


def write_reference(d: Path, model, vocab: Vocab, model_type: str = "aae") -> Path:
    """A reference-implementation checkpoint (model.pt with an argparse.Namespace + state dict, vocab.txt)."""
    import argparse

    c = model.cfg
    sizes = dict(dim_z=c.dim_z, dim_emb=c.dim_emb, dim_h=c.dim_h, dim_d=c.dim_d)
    args = argparse.Namespace(**REF_ARGS, **sizes, model_type=model_type)
    d.mkdir(parents=True, exist_ok=True)
    torch.save({"args": args, "model": {k: v.clone() for k, v in model.state_dict().items()}}, d / "model.pt")
    vocab.save(d / "vocab.txt")
    return d


def need_yelp() -> Path:
    """The shared Yelp data, or a skip that says where it was looked for."""
    if not YELP.split("train").exists():
        pytest.skip(f"shared Yelp data not found at {YELP.root}: place ../shared/data beside the repository")
    return YELP.root


def need_yahoo() -> Path:
    """The shared Yahoo data, or a skip that says where it was looked for."""
    if not YAHOO.split("train").exists():
        pytest.skip(f"shared Yahoo data not found at {YAHOO.root}: place ../shared/data beside the repository")
    return YAHOO.root


# ------------------------------------------------------- hostile text
# what a file, a link or a text box may hold, against each place text goes: Markdown and HTML for the page,
# Streamlit's own syntax (colours, icons, emoji), formulas for a spreadsheet, control characters for a
# terminal, marks that reorder text, and lone surrogates (what bad bytes may become)
HOSTILE = [
    "![p](http://evil.example/p.png)",
    "[click](http://evil.example/)",
    "<http://evil.example/autolink>",
    "http://evil.example/bare www.evil.example",
    "mail me@evil.example",
    "**bold** __bold__ *it* _it_ ~~gone~~",
    ":red[red] :blue-background[blue]",
    ":material/warning: :smile: :+1:",
    "$x^2$ and $$\\int$$",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    "`code` ```fence```",
    "| a | b |\n|---|---|",
    "<img src=x onerror=alert(1)>",
    '<a href="https://evil.example/">x</a>',
    "<script>alert(1)</script>",
    "&lt;b&gt; &amp; &#x3C;",
    "\\*not bold\\* \\",
    "=1+1",
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "= _num_ + _num_ % + the food",
    "-0.5",
    "1e-3",
    "\x1b[31mred\x1b[0m",
    "bell\x07 back\x08space",
    "carriage\rreturn",
    "\x1b]0;title\x07",
    "\x9b31m C1 CSI",
    "\u202eevil\u202c right-to-left override",
    "\u200f rtl mark \u200e ltr mark \u2067isolate\u2069",
    "lone \ud800 surrogate \udfff",
    "nul \x00 inside",
    "the food was great .",
    "",
]


def plain(shown: str) -> str:
    """Markdown from feedback.md as a renderer shows it: each backslash escape read, the word joiners that keep
    shortcodes from being recognised (invisible) taken out."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", shown).replace("\u2060", "")


# ------------------------------------------------------- reading an AppTest's page
def texts(at, kind: str) -> str:
    """The text of every element of a kind (error, warning, info, caption, ...), as a reader sees it: the app
    shows file-derived text as itself in Markdown, escaping its punctuation (feedback.md), undone here."""
    return " ".join(plain(e.value) for e in getattr(at, kind))


def figure(at, i: int = 0) -> dict:
    """The i-th Plotly chart's figure, parsed from its JSON spec (never searched as text)."""
    return json.loads(at.get("plotly_chart")[i].proto.spec)


def svg_figures(at) -> list:
    """The page's SVG charts (st.image of an <svg>), parsed."""
    return [svg_from_url(url) for el in at.get("image") for url in el.value if url.startswith(SVG_URL)]


def array(value):
    """A trace's data array from the parsed figure (Plotly sends numpy arrays as base64 "bdata")."""
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value:
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return out.reshape(value["shape"]) if "shape" in value else out
    return np.asarray(value)


def trace_texts(fig: dict) -> list[str]:
    """Every hover text of every trace of a parsed figure."""
    out = []
    for trace in fig["data"]:
        text = trace.get("text", [])
        out += [text] if isinstance(text, str) else list(text)
    return out


def table(at, column: str):
    """The first table on the page (st.dataframe or st.table) with this column, as a reader sees it."""
    return next(t for t in [*(d.value for d in at.dataframe), *markdown_tables(at)] if column in t.columns)


def markdown_tables(at) -> list:
    """The page's st.tables as a reader sees them: st.table reads its cells and headers as Markdown, and the app
    escapes the text in them (feedback.md_table), undone here."""
    out = []
    for d in at.table:
        df = d.value.rename(columns=lambda c: plain(c) if isinstance(c, str) else c)
        for col in df.columns:
            df[col] = [plain(v) if isinstance(v, str) else v for v in df[col]]
        out.append(df)
    return out


def component_data(at, name: str, key: str) -> dict:
    """What a custom component (st.components.v2) mounted with `key` was sent (as a one-item list:
    explorer/component.py)."""
    for e in at.main:
        proto = getattr(e, "proto", None)
        if type(e).__name__ == "UnknownElement" and getattr(proto, "component_name", "") == name:
            if proto.id.endswith(f"-{key}"):
                return json.loads(proto.json)[0]
    raise KeyError(key)


def trigger(at, name: str, key: str, event: str, value) -> None:
    """Rerun `at` as if the browser's component `key` had fired trigger `event` with `value` (a one-shot
    value: Streamlit hands it to this run only). AppTest has no public way to fire a component's trigger,
    so the run gets the page's widget states plus the component's trigger aggregator, as a browser sends
    (explorer.streamlit_private, the one user of Streamlit's internals)."""
    from explorer.streamlit_private import run_with_trigger

    proto_id = next(
        e.proto.id
        for e in at.main
        if type(e).__name__ == "UnknownElement"
        and getattr(e.proto, "component_name", "") == name
        and e.proto.id.endswith(f"-{key}")
    )
    run_with_trigger(at, proto_id, event, value)


def maps(at) -> list:
    """The latent maps (explorer/scatter) on the page."""
    return [e for e in at.main if getattr(getattr(e, "proto", None), "component_name", "") == "textae.scatter"]


def scrubber_data(at, key: str) -> dict:
    """What a client-side slider (explorer/scrubber) was sent: positions, texts, bands, maps, index."""
    return component_data(at, "textae.scrubber", key)


def map_view(at, key: str = "map_chart") -> dict:
    """The latent map as the browser gets it (explorer/scatter), its points decoded: xy [N, 2] and rgb [N, 3]
    in drawing order, order [N] (corpus index of each), text [N]. The page is run again with its record of
    what the browser holds cleared, so the points are sent."""

    at.session_state["_scatter_views"] = []
    at.session_state["_scatter_colourings"] = {}
    at.run()
    data = component_data(at, "textae.scatter", key)
    data.update(points_of(data["payload"], data["colours"]))
    data["legend"] = data["colours"]["legend"]
    return data


def points_of(payload: dict, colours: dict) -> dict:
    """A view's first message (explorer/scatter) decoded: xy [N, 2], rgb [N, 3] (each point's palette colour)
    and order [N] in drawing order, and text [N] where it came with the points (None: asked on hover)."""
    import base64

    import numpy as np

    raw = {k: base64.b64decode(payload[k]) for k in ("xy", "order")}
    palette = np.frombuffer(base64.b64decode(colours["palette"]), np.uint8).reshape(-1, 3)
    index = np.frombuffer(base64.b64decode(colours["index"]), np.uint8)
    return {
        "xy": np.frombuffer(raw["xy"], np.float32).reshape(-1, 2),
        "rgb": palette[index],
        "order": np.frombuffer(raw["order"], np.int32),
        "text": payload["text"].split("\n") if "text" in payload else None,
    }


def textae_imports(path: Path, module: str) -> list[tuple[int, str, list[str]]]:
    """(line, imported textae module, the names `from` it imports) for every import of textae in `path`, the
    library's module `module`, at its top or inside a function alike; relative imports resolved."""
    import ast

    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            if base.startswith("textae"):
                out.append((node.lineno, base, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names if a.name.startswith("textae")]
    return out


def rewrite_thirty(at) -> None:
    """On the Latent map, select its first 30 points and rewrite them with a preset vector (else a saved one),
    as a reader does; skips the test when the checkpoint has neither."""
    from explorer import widgets

    view = map_view(at)
    at.session_state["map_chart"] = {"event": {"kind": "select", "view": view["id"], "indices": list(range(30))}}
    at.run()
    at.radio(key="map_rw_source").set_value(widgets.PRESETS if widgets.attribute_presets() else widgets.SAVED)
    at.run()
    if at.radio(key="map_rw_source").value == widgets.SAVED:
        pytest.skip("no preset or saved vector for the test checkpoint")
    at.button(key="map_rw_run").click().run()
