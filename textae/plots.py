"""Figures for the CLI and the app (plotly for interactive HTML, matplotlib for PNG).

The UI layer only: nothing in textae's model or training path imports this module.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]


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
                    marker=dict(size=6, color=PALETTE[int(k) % len(PALETTE)], opacity=0.8),
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


def toy_png(
    panels: dict[str, np.ndarray], labels: np.ndarray, path: str | Path, subtitles: dict[str, str] | None = None
) -> Path:
    """The same side-by-side figure as a static PNG (matplotlib, no browser needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    subtitles = subtitles or {}
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 5), squeeze=False)
    for ax, (name, Z) in zip(axes[0], panels.items()):
        for k in np.unique(labels):
            m = labels == k
            ax.scatter(Z[m, 0], Z[m, 1], s=9, alpha=0.8, color=PALETTE[int(k) % len(PALETTE)], label=f"cluster {k}")
        ax.set_title(subtitles.get(name, name.upper()), fontsize=10)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel("z₁")
        ax.set_ylabel("z₂")
    axes[0][0].legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


GRID_TRACE = "empty space (click to decode)"
QUERY_TRACE = "query"
DECODED_TRACE = "decoded point"


def latent_map(
    points: np.ndarray,
    sentences: list[str],
    reconstructions: list[str] | None,
    color: list | np.ndarray | None = None,
    color_title: str = "",
    grid: np.ndarray | None = None,
    marks: dict[str, tuple[np.ndarray, list[str]]] | None = None,
    height: int = 620,
):
    """Scatter of map points [N, 2] with the sentence (and its reconstruction) on hover.

    `color` is categorical (strings) or numeric; `grid` adds invisible, clickable points
    over empty space (their trace is named GRID_TRACE); `marks` adds named star
    markers, e.g. a typed query: name -> (points [M, 2], hover texts).
    """
    import plotly.graph_objects as go

    def hover(i: int) -> str:
        rec = f"<br><i>→ {reconstructions[i]}</i>" if reconstructions else ""
        return f"{sentences[i]}{rec}"

    fig = go.Figure()
    if grid is not None:  # first, so real points are drawn (and picked) above it
        fig.add_trace(
            go.Scattergl(
                x=grid[:, 0], y=grid[:, 1], mode="markers", name=GRID_TRACE,
                marker={"size": 12, "color": "rgba(0,0,0,0.001)"}, hoverinfo="none", showlegend=False,
            )
        )  # fmt: skip
    texts = [hover(i) for i in range(len(sentences))]
    idx = np.arange(len(sentences))
    if color is not None and not np.issubdtype(np.asarray(color).dtype, np.number):
        color = np.asarray(color).astype(str)
        for j, cat in enumerate(sorted(set(color.tolist()))):
            m = color == cat
            fig.add_trace(
                go.Scattergl(
                    x=points[m, 0], y=points[m, 1], mode="markers", name=f"{color_title} {cat}".strip(),
                    marker={"size": 5, "color": PALETTE[j % len(PALETTE)], "opacity": 0.75},
                    text=[texts[i] for i in idx[m]], customdata=idx[m], hovertemplate="%{text}<extra></extra>",
                )
            )  # fmt: skip
    else:
        marker = {"size": 5, "opacity": 0.75, "color": PALETTE[0]}
        if color is not None:
            marker.update(color=np.asarray(color), colorscale="Viridis", colorbar={"title": color_title})
        fig.add_trace(
            go.Scattergl(
                x=points[:, 0], y=points[:, 1], mode="markers", name="sentences", marker=marker,
                text=texts, customdata=idx, hovertemplate="%{text}<extra></extra>", showlegend=False,
            )
        )  # fmt: skip
    for name, (P, labels) in (marks or {}).items():
        fig.add_trace(
            go.Scatter(
                x=P[:, 0], y=P[:, 1], mode="markers+text", name=name, text=labels, textposition="top center",
                marker={"size": 16, "symbol": "star", "color": "#d62728", "line": {"width": 1, "color": "black"}},
                hovertemplate="%{text}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},  # above the plot, not over points
    )  # fmt: skip
    return fig


def path_on_map(points: np.ndarray, path: np.ndarray, labels: list[str], title: str = ""):
    """The corpus map in grey with a decoded path drawn over it (points [N, 2], path [M, 2])."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_trace(
        go.Scattergl(
            x=points[:, 0], y=points[:, 1], mode="markers", name="corpus",
            marker={"size": 4, "color": "#bbbbbb", "opacity": 0.5}, hoverinfo="skip",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=path[:, 0], y=path[:, 1], mode="lines+markers", name="path", text=labels,
            marker={"size": 9, "color": np.linspace(0, 1, len(path)), "colorscale": "Plasma"},
            line={"color": "#444444"}, hovertemplate="%{text}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10}, title=title, showlegend=False)
    return fig


def tradeoff(rows: list[dict], stem: str | Path) -> None:
    """Reconstruction BLEU against sample perplexity, one curve per model family: STEM.png and STEM.html."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import plotly.graph_objects as go

    fams = sorted({r["preset"] for r in rows}, key=[r["preset"] for r in rows].index)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    pfig = go.Figure()
    for i, fam in enumerate(fams):
        pts = sorted((r for r in rows if r["preset"] == fam), key=lambda r: r["value"])
        x, y = [r["sample_ppl"] for r in pts], [r["rec_bleu"] for r in pts]
        labels = [f"{r['knob']}={r['value']:g}" for r in pts]
        ax.plot(x, y, "o-", color=PALETTE[i % len(PALETTE)], label=fam.upper())
        for xi, yi, lab in zip(x, y, labels):
            ax.annotate(lab, (xi, yi), fontsize=7, xytext=(3, 3), textcoords="offset points")
        pfig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=fam.upper(), text=labels))
    ax.set_xlabel("sample perplexity (lower: more fluent samples)")
    ax.set_ylabel("reconstruction BLEU")
    ax.legend()
    fig.tight_layout()
    fig.savefig(f"{stem}.png", dpi=120)
    plt.close(fig)
    pfig.update_layout(xaxis_title="sample perplexity", yaxis_title="reconstruction BLEU")
    pfig.write_html(f"{stem}.html", include_plotlyjs=True)


def recall_curves(curves: dict[str, dict[str, float]], path: str | Path) -> None:
    """Neighbourhood preservation against k, one line per checkpoint (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for i, (name, curve) in enumerate(curves.items()):
        ks = sorted(int(k) for k in curve)
        ax.plot(ks, [curve[str(k)] for k in ks], "o-", color=PALETTE[i % len(PALETTE)], label=name)
    ax.set_xscale("log")
    ax.set_xlabel("k nearest codes")
    ax.set_ylabel("recall of the 10 edit-distance neighbours")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
