"""Figures for the CLI and the app (plotly for interactive HTML, matplotlib for PNG; Geometry: svg_charts).

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
        height=560,
    )  # fmt: skip
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
LABELS_TRACE = "decoded grid"


def latent_map(
    points: np.ndarray,
    sentences: list[str],
    reconstructions: list[str] | None,
    color: list | np.ndarray | None = None,
    color_title: str = "",
    grid: np.ndarray | None = None,
    marks: dict[str, tuple[np.ndarray, list[str]]] | None = None,
    labels: tuple[np.ndarray, list[str]] | None = None,
    axis_titles: tuple[str, str] = ("", ""),
    height: int = 620,
):
    """Scatter of map points [N, 2] with the sentence (and its reconstruction) on hover.

    `color` is categorical (strings) or numeric; `grid` adds invisible, clickable points
    over empty space (their trace is named GRID_TRACE); `marks` adds named star
    markers, e.g. a typed query: name -> (points [M, 2], hover texts); `labels` writes
    texts at points (a decoded grid: (points [M, 2], sentences), trace LABELS_TRACE).
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
    for name, (P, mark_texts) in (marks or {}).items():
        fig.add_trace(
            go.Scatter(
                x=P[:, 0], y=P[:, 1], mode="markers+text", name=name, text=mark_texts, textposition="top center",
                marker={"size": 16, "symbol": "star", "color": "#d62728", "line": {"width": 1, "color": "black"}},
                hovertemplate="%{text}<extra></extra>",
            )
        )  # fmt: skip
    if labels is not None:
        P, words = labels
        fig.add_trace(
            go.Scatter(
                x=P[:, 0], y=P[:, 1], mode="markers+text", name=LABELS_TRACE, text=[_wrap(w) for w in words],
                hovertext=list(words), textfont={"size": 11, "color": "#222222"}, hoverinfo="text",
                marker={"size": 5, "symbol": "cross", "color": "#444444"},
            )
        )  # fmt: skip
    fig.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},  # above the plot, not over points
        xaxis_title=axis_titles[0], yaxis_title=axis_titles[1],
    )  # fmt: skip
    return fig


def _wrap(text: str, width: int = 4) -> str:
    """A sentence broken into lines of `width` words (<br>), so grid labels stay narrow."""
    w = text.split()
    return "<br>".join(" ".join(w[i : i + width]) for i in range(0, len(w), width)) or "∅"


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


def transfer_tradeoff(transfer: dict[str, list[dict]], path: str | Path) -> None:
    """Style transfer's trade-off, one panel per task: accuracy against self-BLEU as k grows (PNG).

    transfer: checkpoint -> the rows of its report's "transfer" list ({task, k, accuracy,
    self_bleu, ...}). The paper's Figure 4: a model whose curve lies further up and to the
    right changes the attribute more often while keeping more of the sentence.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(t["task"] for rows in transfer.values() for t in rows))
    fig, axes = plt.subplots(1, max(len(tasks), 1), figsize=(4.6 * max(len(tasks), 1), 4.2), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        for i, (name, rows) in enumerate(transfer.items()):
            pts = sorted((t["k"], t["self_bleu"], 100 * t["accuracy"]) for t in rows if t["task"] == task)
            if not pts:
                continue
            ks, bleu, acc = zip(*pts)
            ax.plot(bleu, acc, "o-", color=PALETTE[i % len(PALETTE)], label=name, markersize=4)
            # the smallest k's end is labelled (the largest k's ends crowd together near 100 %)
            ax.annotate(f"k={ks[0]:g}", (bleu[0], acc[0]), textcoords="offset points", xytext=(4, -10), fontsize=7,
                        color=PALETTE[i % len(PALETTE)])  # fmt: skip
        ax.set_title(task)
        ax.set_xlabel("self-BLEU to the input (k grows to the upper left)")
        ax.set_ylabel("transfer accuracy (%)")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ------------------------------------------------------------------ geometry
GROUPS = ("edit 1", "edit 2", "edit 3", "random")


def geometry_figures(groups: dict[str, dict[str, list[float]]], curves: dict[str, dict[float, float]],
                     stem: str | Path) -> list[Path]:  # fmt: skip
    """The survey's two figures as STEM_distances.{png,html} and STEM_jitter.{png,html}; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stem = Path(stem)
    out = []
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    names = list(groups)
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        data = [groups[name].get(k, []) or [np.nan] for k in GROUPS]
        pos = np.arange(len(GROUPS)) + (i - (len(names) - 1) / 2) * width
        bp = ax1.boxplot(data, positions=pos, widths=width * 0.9, patch_artist=True, showfliers=False)
        for box in bp["boxes"]:
            box.set_facecolor(PALETTE[i % len(PALETTE)])
            box.set_alpha(0.6)
        ax1.plot([], [], color=PALETTE[i % len(PALETTE)], lw=6, alpha=0.6, label=name)
    ax1.set_xticks(range(len(GROUPS)), GROUPS)
    ax1.axhline(1.0, color="#888888", lw=0.8, ls="--")
    ax1.set_ylabel("latent distance ÷ mean to random sentences")
    ax1.set_xlabel("word edits from the sentence")
    ax1.legend()
    for i, (name, c) in enumerate(curves.items()):
        ax2.plot(list(c), list(c.values()), "o-", color=PALETTE[i % len(PALETTE)], label=name)
    ax2.set_xlabel("radius r around the code")
    ax2.set_ylabel("mean word edits of the decodes")
    ax2.legend()
    fig.tight_layout()
    out.append(stem.with_name(stem.name + ".png"))
    fig.savefig(out[-1], dpi=120)
    plt.close(fig)
    from . import svg_charts  # the page's SVG charts, so that the HTML matches it (imported here: it imports plots)

    for suffix, svg in (("_distances", svg_charts.distance_boxes(groups)),
                        ("_jitter", svg_charts.jitter_curves(curves))):  # fmt: skip
        out.append(stem.with_name(stem.name + suffix + ".html"))
        out[-1].write_text(f'<!doctype html><meta charset="utf-8"><div style="max-width:900px">{svg}</div>\n')
    return out
