"""Interactive figures as self-contained HTML files (plotly, imported inside each function)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from textae.figures import by_family, colour
from textae.storage.files import write_text


def bits(row: np.ndarray) -> str:
    """A binary sequence as a string of 0s and 1s."""
    return "".join("1" if b > 0.5 else "0" for b in row)


def toy_scatter(
    panels: dict[str, np.ndarray],
    labels: np.ndarray,
    X: np.ndarray | None = None,
    subtitles: dict[str, str] | None = None,
):
    """Side-by-side plotly scatter of 2-D codes, one panel per model, coloured by cluster."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = list(panels)
    subtitles = subtitles or {}
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[subtitles.get(n, n.upper()) for n in names])
    hover = [bits(r) for r in X] if X is not None else None
    for col, name in enumerate(names, 1):
        Z = panels[name]
        for k in np.unique(labels):
            m = labels == k
            fig.add_trace(
                go.Scatter(
                    x=Z[m, 0],
                    y=Z[m, 1],
                    mode="markers",
                    name=f"cluster {k}",
                    legendgroup=str(k),
                    showlegend=col == 1,
                    marker=dict(size=6, color=colour(int(k)), opacity=0.8),
                    text=[hover[i] for i in np.flatnonzero(m)] if hover else None,
                    hovertemplate="cluster %{fullData.name}<br>%{text}<extra></extra>" if hover else None,
                ),
                row=1,
                col=col,
            )
        fig.update_xaxes(title_text="z₁", row=1, col=col)
        fig.update_yaxes(title_text="z₂", row=1, col=col, scaleanchor=f"x{col if col > 1 else ''}")
    fig.update_layout(height=460, margin=dict(l=20, r=20, t=60, b=20), legend=dict(orientation="h", y=-0.15))
    return fig


def tradeoff_html(rows: list[dict], path: str | Path) -> Path:
    """tradeoff_png's figure, interactive: hover a point for its knob's value."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, (fam, pts) in enumerate(by_family(rows).items()):
        fig.add_trace(
            go.Scatter(
                x=[r["sample_ppl"] for r in pts],
                y=[r["rec_bleu"] for r in pts],
                mode="lines+markers",
                name=fam.upper(),
                text=[f"{r['knob']}={r['value']:g}" for r in pts],
                line={"color": colour(i)},
            )
        )
    fig.update_layout(xaxis_title="sample perplexity", yaxis_title="reconstruction BLEU")
    return save(fig, path)


def svg_page(svg: str, path: str | Path) -> Path:
    """An SVG chart (figures.svg) as a standalone HTML page, where its <title>s show values on hover."""
    return write_text(path, f'<!doctype html><meta charset="utf-8"><div style="max-width:900px">{svg}</div>\n')


def save(fig, path: str | Path) -> Path:
    """A plotly figure as a self-contained HTML page (plotly.js inside), written whole or not at all."""
    return write_text(path, fig.to_html(include_plotlyjs=True))
