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
