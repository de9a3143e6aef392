"""The app's own Plotly figures, one home for all pages (the library's report figures live in textae.figures).

Each trace is named for its role; pages find a trace by its role (`trace_index`), never by its position.
Every text from a corpus or a file is HTML-escaped before Plotly sees it: Plotly renders a subset of HTML
in hover labels and text, so a sentence like `<a href=…>` would otherwise become a live link.
"""

from __future__ import annotations

from html import escape as _escape

import numpy as np
import pandas as pd

from textae.figures import PALETTE, colour
from textae.figures.html import toy_scatter

GRID_TRACE = "empty space (click to decode)"
QUERY_TRACE = "query"
LABELS_TRACE = "decoded grid"


def escape(text: str) -> str:
    """Text as itself in a Plotly label: <, > and & as entities (quotes stay, since Plotly does not decode &quot;)."""
    return _escape(text, quote=False)


def trace_index(fig, name: str) -> int | None:
    """The position of the trace named `name` in fig.data (what a selection event calls curve_number)."""
    return next((i for i, t in enumerate(fig.data) if t.name == name), None)


POINTS_TRACE = "sentences"


def density_style(n: int) -> tuple[float, float]:
    """Marker size and opacity for n points: smaller and fainter as they crowd (5 px, 0.8 up to 2,000 points;
    2 px, 0.25 from about a million), so dense regions read as density rather than as one solid colour."""
    t = float(np.clip((np.log10(max(n, 1)) - 3.3) / 2.7, 0, 1))  # 0 at 2k points, 1 at 1M
    return 5 - 3 * t, 0.8 - 0.55 * t


def latent_map(
    points: np.ndarray,
    sentences: list[str],
    color: list | np.ndarray | None = None,
    color_title: str = "",
    grid: np.ndarray | None = None,
    labels: tuple[np.ndarray, list[str]] | None = None,
    axis_titles: tuple[str, str] = ("", ""),
    height: int = 620,
    seed: int = 0,
):
    """Scatter of map points [N, 2], the sentence on hover, in one WebGL trace (POINTS_TRACE) whose
    customdata is each point's index in `sentences`.

    The points are drawn in a seeded shuffled order, so no class is painted last over the others; a
    categorical `color` (strings) gets a legend of its classes (a key: the classes share the one trace),
    a numeric one a colour bar. Size and opacity shrink with the number of points (density_style).
    `grid` adds invisible, clickable points over empty space (GRID_TRACE); `labels` writes texts at
    points (a decoded grid: (points [M, 2], sentences), LABELS_TRACE). `add_marks` adds stars.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    if grid is not None:  # first, so real points are drawn (and picked) above it
        fig.add_trace(
            go.Scattergl(
                x=grid[:, 0], y=grid[:, 1], mode="markers", name=GRID_TRACE,
                marker={"size": 12, "color": "rgba(0,0,0,0.001)"}, hoverinfo="none", showlegend=False,
            )
        )  # fmt: skip
    order = np.random.default_rng(seed).permutation(len(sentences))  # [N] the drawing order
    size, opacity = density_style(len(sentences))
    marker = {"size": size, "opacity": opacity, "color": colour(0)}
    if color is not None and not np.issubdtype(np.asarray(color).dtype, np.number):
        color = np.asarray(color).astype(str)
        cats, which = np.unique(color, return_inverse=True)  # [C] classes, [N] each point's class
        # each point's class number on a stepped colour scale: Plotly checks 155k colour strings one by one
        # (2.7 s on this CPU), numbers not at all
        steps = [[edge, colour(j)] for j in range(len(cats)) for edge in (j / len(cats), (j + 1) / len(cats))]
        marker.update(color=which[order].astype(np.float32), colorscale=steps, cmin=-0.5, cmax=len(cats) - 0.5)
        for j, cat in enumerate(cats):  # the legend: one empty trace per class, in the class's colour
            fig.add_trace(go.Scattergl(x=[None], y=[None], mode="markers", name=escape(f"{color_title} {cat}".strip()),
                                       marker={"size": 8, "color": colour(j)}, hoverinfo="skip"))  # fmt: skip
    elif color is not None:
        marker.update(color=np.asarray(color)[order], colorscale="Viridis", colorbar={"title": color_title})
    fig.add_trace(
        go.Scattergl(
            x=points[order, 0], y=points[order, 1], mode="markers", name=POINTS_TRACE, marker=marker,
            text=np.array([escape(sentences[i]) for i in order], dtype=object),  # an array: checked at once, not
            customdata=order, hovertemplate="%{text}<extra></extra>",  # string by string as a list would be
            showlegend=False,
        )
    )  # fmt: skip
    if labels is not None:
        P, words = labels
        fig.add_trace(
            go.Scatter(
                x=P[:, 0], y=P[:, 1], mode="markers+text", name=LABELS_TRACE, text=[_wrap(w) for w in words],
                hovertext=[escape(w) for w in words], textfont={"size": 11, "color": "#222222"}, hoverinfo="text",
                marker={"size": 5, "symbol": "cross", "color": "#444444"},
            )
        )  # fmt: skip
    fig.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "itemclick": False,
                "itemdoubleclick": False},  # above the plot, not over points; a key, since classes share a trace
        xaxis_title=axis_titles[0], yaxis_title=axis_titles[1],
    )  # fmt: skip
    return fig


def _wrap(text: str, width: int = 4) -> str:
    """A sentence broken into lines of `width` words (<br>), so grid labels stay narrow."""
    w = text.split()
    return "<br>".join(escape(" ".join(w[i : i + width])) for i in range(0, len(w), width)) or "∅"


def toy_replay(frames: list[tuple[int, dict[str, np.ndarray]]], labels: np.ndarray, X: np.ndarray | None = None,
               subtitles: dict[str, str] | None = None):  # fmt: skip
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
        sliders=[{
            "active": len(frames) - 1, "currentvalue": {"prefix": "step "}, "pad": {"t": 40},
            "steps": [{"method": "animate", "label": str(s), "args": [[str(s)], now]} for s, _ in frames],
        }],
        height=580,
        # the legend above the panels: toy_scatter puts it below them, where the slider's labels now are
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.08, "x": 0}, margin={"t": 90},
    )  # fmt: skip
    return fig


def metric_curves(history: list[dict], x: str = "step", shares: bool = True):
    """Metrics against `x`, one panel per metric, one line per model (the Toy and Text labs); `shares`: every
    metric lies in [0, 1], on one fixed axis, else each panel has its own."""
    import plotly.express as px

    df = pd.DataFrame(history).melt([x, "model"], var_name="metric")
    fig = px.line(df, x=x, y="value", color="model", facet_col="metric", height=260,
                  color_discrete_map={"AAE": PALETTE[3], "DAAE": PALETTE[0]})  # fmt: skip
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))  # "purity", not "metric=purity"
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
            fig.add_trace(go.Scattergl(x=points[name][m, 0], y=points[name][m, 1], mode="markers", name=c,
                                       legendgroup=c, showlegend=col == 1, text=text[m] if text is not None else None,
                                       hovertemplate="%{text}<extra>%{fullData.name}</extra>" if hover else None,
                                       marker=dict(size=4, color=colour(k), opacity=0.7)),
                          row=1, col=col)  # fmt: skip
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=1.12))
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    return fig


def add_marks(fig, marks: dict[str, tuple[np.ndarray, list[str]]]) -> None:
    """Named star markers on a map, e.g. a typed query: name -> (points [M, 2], their texts)."""
    import plotly.graph_objects as go

    for name, (P, mark_texts) in (marks or {}).items():
        fig.add_trace(
            go.Scatter(
                x=P[:, 0], y=P[:, 1], mode="markers+text", name=name, text=[escape(t) for t in mark_texts],
                textposition="top center",
                marker={"size": 16, "symbol": "star", "color": "#d62728", "line": {"width": 1, "color": "black"}},
                hovertemplate="%{text}<extra></extra>",
            )
        )  # fmt: skip


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
    fig = px.bar(long, x="checkpoint", y="value", facet_col="figure", color="type", height=300)
    fig.update_yaxes(matches=None, showticklabels=True)
    return fig
