"""The app's own Plotly figures, one home for all pages (the library's report figures live in textae.figures).

The latent map is not here: it has its own WebGL renderer (explorer/scatter). Every text from a corpus or
a file is HTML-escaped before Plotly sees it: Plotly renders a subset of HTML in hover labels and text, so
a sentence like `<a href=…>` would otherwise become a live link.
"""

from __future__ import annotations

from html import escape as _escape
from typing import TYPE_CHECKING

import numpy as np

from textae.figures.html import toy_scatter
from textae.figures.palette import COPIES, colour, model_colours

if TYPE_CHECKING:
    import pandas as pd


def escape(text: str) -> str:
    """Text as itself in a Plotly label: <, > and & as entities (quotes stay, since Plotly does not decode &quot;)."""
    return _escape(text, quote=False)


def toy_replay(
    frames: list[tuple[int, dict[str, np.ndarray]]],
    labels: np.ndarray,
    X: np.ndarray | None = None,
    subtitles: dict[str, str] | None = None,
):
    """The side-by-side scatter with a Plotly slider over recorded frames [(step, {model: codes [N, 2]})]:
    every frame is in the figure, so moving the slider replays training in the browser, no server round trip."""
    import plotly.graph_objects as go

    last = frames[-1][1]
    fig = toy_scatter(last, labels, X, subtitles)
    ks = np.unique(labels)
    order = [(name, k) for name in last for k in ks]  # the order toy_scatter adds its traces in

    def traces(codes: dict[str, np.ndarray]) -> list:
        return [go.Scatter(x=codes[n][labels == k, 0], y=codes[n][labels == k, 1]) for n, k in order]

    fig.frames = [go.Frame(data=traces(codes), name=str(s), traces=list(range(len(order)))) for s, codes in frames]
    for col, name in enumerate(last, 1):  # one fixed view for all frames, so the replay does not jump
        allc = np.concatenate([codes[name] for _, codes in frames])
        lo, hi = allc.min(0), allc.max(0)
        pad = 0.05 * (hi - lo)
        fig.update_xaxes(range=[lo[0] - pad[0], hi[0] + pad[0]], row=1, col=col, autorange=False)
        fig.update_yaxes(range=[lo[1] - pad[1], hi[1] + pad[1]], row=1, col=col, autorange=False)
    now = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    fig.update_layout(
        sliders=[
            {
                "active": len(frames) - 1,
                "currentvalue": {"prefix": "step "},
                "pad": {"t": 40},
                "steps": [{"method": "animate", "label": str(s), "args": [[str(s)], now]} for s, _ in frames],
            }
        ],
        height=580,
        # the legend above the panels: toy_scatter puts it below them, where the slider's labels now are
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.08, "x": 0},
        margin={"t": 90},
    )
    return fig


def metric_curves(history: list[dict], x: str = "step", shares: bool = True):
    """Metrics against `x`, one panel per metric, one line per model (the Toy and Text labs); `shares`: every
    metric lies in [0, 1], on one fixed axis, else each panel has its own."""
    import pandas as pd
    import plotly.express as px

    df = pd.DataFrame(history).melt([x, "model"], var_name="metric")
    names = list(dict.fromkeys(df["model"]))
    fig = px.line(
        df,
        x=x,
        y="value",
        color="model",
        facet_col="metric",
        height=260,
        color_discrete_map=dict(zip(names, model_colours(names))),
    )  # as on every page
    # "nn recall", not "metric=nn_recall": as the panels' titles say it
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1].replace("_", " ")))
    if shares:
        fig.update_yaxes(range=[0, 1.02])
    else:
        fig.update_yaxes(matches=None, showticklabels=True)
    return fig


def lab_maps(points: dict[str, np.ndarray], labels: list[str] | None, hover: list[str] | None, titles: dict[str, str]):
    """The Text lab's probe maps side by side, one panel per model, coloured by label; hover: each point's
    sentence (escaped here)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = list(points)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[titles.get(n, n.upper()) for n in names])
    labs = np.array(labels if labels is not None else ["sentence"] * len(next(iter(points.values()))))
    text = np.array([escape(t) for t in hover], dtype=object) if hover else None
    for col, name in enumerate(names, 1):
        for k, c in enumerate(sorted(set(labs.tolist()))):
            m = labs == c
            fig.add_trace(
                go.Scattergl(
                    x=points[name][m, 0],
                    y=points[name][m, 1],
                    mode="markers",
                    name=escape(c),
                    legendgroup=c,
                    showlegend=col == 1,
                    text=text[m] if text is not None else None,
                    hovertemplate="%{text}<extra>%{fullData.name}</extra>" if hover else None,
                    marker=dict(size=4, color=colour(k), opacity=0.7),
                ),
                row=1,
                col=col,
            )
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=1.12))
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    return fig


def parameter_bars(counts: pd.DataFrame):
    """Parameters per top-level module (columns module, parameters), the inspector's config tab."""
    import plotly.express as px

    return px.bar(counts, x="module", y="parameters", height=320, text_auto=".3s")


def training_curves(log: pd.DataFrame, terms: list[str]):
    """Loss terms of a train_log.jsonl against the step: train solid, valid dashed, one trace per split and term."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for split, dash in (("train", None), ("valid", "dash")):
        part = log[log["split"] == split] if "split" in log else log
        for t in terms:
            if t in part and part[t].notna().any():
                fig.add_trace(go.Scatter(x=part["step"], y=part[t], name=f"{split} {t}", line={"dash": dash}))
    fig.update_layout(xaxis_title="step", yaxis_title="nats per sentence", height=380)
    return fig


def latent_moments(mean: np.ndarray, var: np.ndarray):
    """Per-dimension mean and variance of codes [dim_z] as bars, against the prior's 0 and 1."""
    import plotly.graph_objects as go

    dims = np.arange(len(mean))
    fig = go.Figure([go.Bar(x=dims, y=mean, name="mean of codes"), go.Bar(x=dims, y=var, name="variance of codes")])
    fig.add_hline(y=1.0, line_dash="dash", annotation_text="prior variance 1")
    fig.add_hline(y=0.0, line_dash="dot", annotation_text="prior mean 0")
    fig.update_layout(barmode="group", xaxis_title="dimension", height=360)
    return fig


def figure_bars(table: pd.DataFrame):
    """Compare models' figures (one panel per figure, one bar per checkpoint), each panel on its own scale."""
    import plotly.express as px

    long = table.melt(["checkpoint", "type"], var_name="figure")
    long["checkpoint"] = long["checkpoint"].map(escape)  # a folder's name: Plotly reads HTML in tick labels
    fig = px.bar(long, x="checkpoint", y="value", facet_col="figure", color="type", height=300)
    fig.update_yaxes(matches=None, showticklabels=True)
    return fig


def cloud_distances(corpus: np.ndarray, copies: np.ndarray, title: str, colour_: str = COPIES):
    """A noise cloud measured where its figure is (textae.maps.clouds.Cloud): the corpus's codes' distances
    from the sentence's code as a grey histogram, each copy's distance as a tick below it, and the median
    copy's as a line, on the codes' own scale."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_histogram(
        x=corpus,
        nbinsx=40,
        marker_color="#b0b0b0",
        name="the corpus's sentences",
        histnorm="percent",
        hovertemplate="%{y:.1f} %% of the corpus at distance %{x}<extra></extra>",
    )
    fig.add_scatter(
        x=copies,
        y=np.full(len(copies), -1.5),
        mode="markers",
        name="noisy copies",
        marker={"symbol": "line-ns-open", "size": 12, "color": colour_},
        hovertemplate="a copy at distance %{x:.2f}<extra></extra>",
    )
    median = float(np.median(copies))
    fig.add_vline(
        x=median,
        line_color=colour_,
        line_dash="dash",
        annotation_text=f"median copy {median:.2f}",
        annotation_position="top right",
    )
    fig.update_layout(
        title=escape(title),
        height=300,
        margin={"l": 50, "r": 10, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.3},
        bargap=0.05,
    )
    fig.update_xaxes(title="distance from the sentence's code (in the codes' space)", rangemode="tozero")
    fig.update_yaxes(title="% of the corpus")
    return fig
