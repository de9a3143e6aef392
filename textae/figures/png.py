"""Static figures for reports, as PNG files (matplotlib, its Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from textae.detokenize import detokenize
from textae.figures import BORDER, by_family, colour, territory_rgb
from textae.maps import placement
from textae.maps.landscape import borders
from textae.maps.names import distinct_words
from textae.measure.geometry import GROUPS
from textae.storage.files import write_atomically

DPI = 120  # what the figures are written at


def _save(fig, path: str | Path) -> Path:
    """Lay the figure out, write it as a PNG at 120 dpi (whole or not at all), and free it."""
    fig.tight_layout()
    write_atomically(path, lambda f: fig.savefig(f, dpi=DPI, format="png"))
    fig.clf()
    _pyplot().close(fig)
    return Path(path)


def _pyplot():
    """matplotlib's pyplot on the Agg backend (imported here: matplotlib is the `figures` extra)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def toy_png(
    panels: dict[str, np.ndarray], labels: np.ndarray, path: str | Path, subtitles: dict[str, str] | None = None
) -> Path:
    """The same side-by-side figure as a static PNG (matplotlib, no browser needed)."""
    plt = _pyplot()

    subtitles = subtitles or {}
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 5), squeeze=False)
    for ax, (name, Z) in zip(axes[0], panels.items()):
        for k in np.unique(labels):
            m = labels == k
            ax.scatter(Z[m, 0], Z[m, 1], s=9, alpha=0.8, color=colour(int(k)), label=f"cluster {k}")
        ax.set_title(subtitles.get(name, name.upper()), fontsize=10)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel("z₁")
        ax.set_ylabel("z₂")
    axes[0][0].legend(fontsize=8, loc="best")
    return _save(fig, path)


def recall_curves(curves: dict[str, dict[str, float]], path: str | Path) -> Path:
    """Neighbourhood preservation against k, one line per checkpoint (PNG)."""
    plt = _pyplot()

    fig, ax = plt.subplots(figsize=(6, 4))
    for i, (name, curve) in enumerate(curves.items()):
        ks = sorted(int(k) for k in curve)
        ax.plot(ks, [curve[str(k)] for k in ks], "o-", color=colour(i), label=name)
    ax.set_xscale("log")
    ax.set_xlabel("k nearest codes")
    ax.set_ylabel("recall of the 10 edit-distance neighbours")
    ax.legend()
    return _save(fig, path)


def transfer_tradeoff(transfer: dict[str, list[dict]], path: str | Path) -> Path:
    """Style transfer's trade-off, one panel per task: accuracy against self-BLEU as k grows (PNG).

    transfer: checkpoint -> the rows of its report's "transfer" list ({task, k, accuracy,
    self_bleu, ...}). The paper's Figure 4: a model whose curve lies further up and to the
    right changes the attribute more often while keeping more of the sentence.
    """
    plt = _pyplot()

    tasks = list(dict.fromkeys(t["task"] for rows in transfer.values() for t in rows))
    fig, axes = plt.subplots(1, max(len(tasks), 1), figsize=(4.6 * max(len(tasks), 1), 4.2), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        for i, (name, rows) in enumerate(transfer.items()):
            pts = sorted((t["k"], t["self_bleu"], 100 * t["accuracy"]) for t in rows if t["task"] == task)
            if not pts:
                continue
            ks, bleu, acc = zip(*pts)
            ax.plot(bleu, acc, "o-", color=colour(i), label=name, markersize=4)
            # the smallest k's end is labelled (the largest k's ends crowd together near 100 %)
            ax.annotate(
                f"k={ks[0]:g}",
                (bleu[0], acc[0]),
                textcoords="offset points",
                xytext=(4, -10),
                fontsize=7,
                color=colour(i),
            )
        ax.set_title(task)
        ax.set_xlabel("self-BLEU to the input (k grows to the upper left)")
        ax.set_ylabel("transfer accuracy (%)")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    return _save(fig, path)


def geometry_png(
    groups: dict[str, dict[str, list[float]]], curves: dict[str, dict[float, float]], path: str | Path
) -> Path:
    """The survey's two panels in one PNG: latent distance by edit distance (boxes), and mean word edits of
    the decodes against the jitter radius (lines). groups: model -> {group: values}; curves: model -> {r: edits}."""
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    names = list(groups)
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        data = [groups[name].get(k, []) or [np.nan] for k in GROUPS]
        pos = np.arange(len(GROUPS)) + (i - (len(names) - 1) / 2) * width
        bp = ax1.boxplot(data, positions=pos, widths=width * 0.9, patch_artist=True, showfliers=False)
        for box in bp["boxes"]:
            box.set_facecolor(colour(i))
            box.set_alpha(0.6)
        ax1.plot([], [], color=colour(i), lw=6, alpha=0.6, label=name)
    ax1.set_xticks(range(len(GROUPS)), GROUPS)
    ax1.axhline(1.0, color="#888888", lw=0.8, ls="--")
    ax1.set_ylabel("latent distance ÷ mean to random sentences")
    ax1.set_xlabel("word edits from the sentence")
    ax1.legend()
    for i, (name, c) in enumerate(curves.items()):
        ax2.plot(list(c), list(c.values()), "o-", color=colour(i), label=name)
    ax2.set_xlabel("radius r around the code")
    ax2.set_ylabel("mean word edits of the decodes")
    ax2.legend()
    return _save(fig, path)


KNOB_NAMES = {"lambda_adv": "λ_adv", "lambda_kl": "β", "lambda_p": "λ_p", "noise": "word drop"}  # as the paper


def tradeoff_png(rows: list[dict], path: str | Path) -> Path:
    """Reconstruction BLEU against sample perplexity, one curve per model family (the paper's Figure 3)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    xs, ys = [r["sample_ppl"] for r in rows], [r["rec_bleu"] for r in rows]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    placed: list[tuple[float, float]] = []
    for i, (fam, pts) in enumerate(by_family(rows).items()):
        x, y = [r["sample_ppl"] for r in pts], [r["rec_bleu"] for r in pts]
        ax.plot(x, y, "o-", color=colour(i), label=fam.upper())
        for xi, yi, r in zip(x, y, pts):
            # a point near one already named is named below it; one at the right edge, to its left
            near = any(abs(xi - a) < 0.12 * span_x and abs(yi - b) < 0.08 * span_y for a, b in placed)
            right = xi > min(xs) + 0.85 * span_x
            ax.annotate(
                f"{KNOB_NAMES.get(r['knob'], r['knob'])} {r['value']:g}",
                (xi, yi),
                fontsize=8,
                xytext=(-4 if right else 4, -11 if near else 4),
                textcoords="offset points",
                ha="right" if right else "left",
            )
            placed.append((xi, yi))
    ax.margins(x=0.08, y=0.1)
    ax.set_xlabel("sample perplexity (lower: more fluent samples)")
    ax.set_ylabel("reconstruction BLEU")
    ax.legend()
    return _save(fig, path)


def landscape_png(land, title: str, path: str | Path, points: np.ndarray | None = None) -> Path:
    """A decoded landscape (textae.maps.landscape.Landscape) in its two views side by side: territories (each
    distinct decode one colour, borders dark) and change (each cell's mean neighbour edit distance), with
    the corpus's map points over both when given."""
    plt = _pyplot()
    from matplotlib.collections import LineCollection

    x0, x1, y0, y1 = land.extent  # of the grid's nodes; each cell is centred on its node, as on the map
    cx, cy = (x1 - x0) / (land.n - 1), (y1 - y0) / (land.n - 1)  # a cell's size
    box = [x0 - cx / 2, x1 + cx / 2, y0 - cy / 2, y1 + cy / 2]
    f = land.figures()
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    axes[0].imshow(territory_rgb(land), origin="lower", extent=box, aspect="auto", interpolation="nearest")
    # the lines between territories as vectors: drawn into the image's pixels, resampling to the figure's size
    # dropped whole rows of them
    seg = borders(land.territory) * ([cx, cy] * 2) + [box[0], box[2]] * 2  # [E, 4] in the map's coordinates
    axes[0].add_collection(LineCollection(seg.reshape(-1, 2, 2), colors=[BORDER], linewidths=0.6))
    axes[0].set_title(f"territories: {f['distinct']:,} distinct decodes", fontsize=10)
    im = axes[1].imshow(
        land.change, origin="lower", extent=box, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest"
    )
    axes[1].set_title(
        f"change: mean neighbour edit {f['mean_neighbour_edit']:.3f}, {f['share_differ']:.0%} of pairs differ",
        fontsize=10,
    )
    fig.colorbar(im, ax=axes[1], fraction=0.046, label="normalised word edit distance to neighbours")
    for ax in axes:
        if points is not None:
            ax.scatter(points[:, 0], points[:, 1], s=1, c="k", alpha=0.15, linewidths=0)
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
    fig.suptitle(f"{title}: the decoded landscape, {land.n} × {land.n}", fontsize=11)
    _name_territories(axes[0], land)  # once laid out: at the scale the figure is drawn at
    return _save(fig, path)


def territory_names(land) -> tuple[placement.Territories, list[str], list[int]]:
    """A landscape's territories (textae.maps.placement.territories, by decode), each one's name as a reader
    reads it (detokenised), and how many of its words tell it from the others'."""
    terr = placement.territories(land.decodes, land.n)
    first = np.unique(terr.ids, return_index=True)[1]  # [T] each territory's first cell
    names = [" ".join(detokenize(land.named[int(c)]).split()) for c in first]
    return terr, names, distinct_words(names)


def _name_territories(ax, land) -> list[placement.Name]:
    """Write the territories' names inside them, as the map does at this figure's scale (the axes' size in px
    over the landscape's box): textae.maps.placement.place_names, the one rule of where names go and which
    fit. Returns the names written."""
    fig = ax.figure
    fig.tight_layout()
    pos = ax.get_position()
    x0, x1, y0, y1 = land.extent
    cx, cy = (x1 - x0) / (land.n - 1), (y1 - y0) / (land.n - 1)
    w_px, h_px = pos.width * fig.get_figwidth() * DPI, pos.height * fig.get_figheight() * DPI
    scale = placement.Scale(w_px / (x1 - x0 + cx), h_px / (y1 - y0 + cy))
    terr, names, need = territory_names(land)
    placed = placement.place_names(terr, names, need, land.extent, scale, placement.Boxes())
    for m in placed:
        k = int(terr.anchor[m.t])
        ax.text(
            x0 + (k % land.n) * cx,
            y0 + (k // land.n) * cy,
            "\n".join(m.text(names[m.t])),
            ha="center",
            va="center",
            fontsize=m.size * 72 / DPI,  # px at the figure's dpi
            linespacing=1 + placement.LINE_GAP / m.size,
            color="#222",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )
    return placed
