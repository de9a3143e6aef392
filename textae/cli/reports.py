"""The files a command leaves behind: Markdown and strict JSON reports, with their figures.

The CLI's `eval`, `sweep`, `geometry` and `toy` parse options, compute, then call one function here, so
that what a run writes, and where, has one home. Every writer checks what it would replace first
(`check_free`), so a refusal comes before minutes of work, never after; and every file is written whole or not
at all (textae.storage.files.write_atomically), so a run killed mid-write leaves the report it replaces.
"""

from __future__ import annotations

import glob
import json
import math
from pathlib import Path

from textae.errors import TextaeError
from textae.figures import html, png, svg
from textae.measure import geometry as geo
from textae.measure.evaluation import markdown
from textae.storage.files import write_text

GEOMETRY_FILES = ("geometry.md", "geometry.json", "geometry.png", "geometry_distances.html", "geometry_jitter.html")


def strict(obj):
    """obj with every NaN or infinite float replaced by None, so that JSON holds null, which any reader takes."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict(v) for v in obj]
    return obj


def write_json(path: str | Path, obj) -> Path:
    """obj as strict JSON (NaN and infinities as null; never the bare NaN that strict readers reject)."""
    return write_text(path, json.dumps(strict(obj), indent=2, allow_nan=False))


def check_file_free(path: str | Path, force: bool) -> Path:
    """An output file's path, once it is known that it is not a directory, would not replace a file (unless
    `force`), and that its folder can be written. Raises TextaeError saying why, before any work is done. The
    temporary files an earlier run of the same output left when it was killed mid-write (`.NAME.*.tmp`,
    storage.files.write_atomically) are removed: a command writes one output at a time."""
    out = Path(path)
    if out.is_dir():
        raise TextaeError(f"--out {out}: it is a directory; give a file name")
    if out.exists() and not force:
        raise TextaeError(f"{out} exists; give another --out, or --force to replace it")
    check_free(out.parent, (), force)  # makes the folder and tries a write there
    for left in out.parent.glob(f".{glob.escape(out.name)}.*.tmp"):
        if left.is_file() and not left.is_symlink():
            left.unlink(missing_ok=True)
    return out


# the folders `check_free` made for this command: one that fails leaves none of them behind empty
MADE: list[Path] = []


def remove_made_empty() -> None:
    """Remove the folders `check_free` made that are still empty: the command failed before it wrote there."""
    while MADE:
        try:
            MADE.pop().rmdir()  # refused unless empty
        except OSError:
            pass


def check_free(out_dir: str | Path, files: tuple[str, ...], force: bool) -> Path:
    """The output directory, made if needed (and noted in MADE), once it is known that none of `files` in it
    would be replaced (unless `force`). Raises TextaeError naming the first file that exists, or why the
    directory can't be used."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise TextaeError(f"--out {out}: it is a file; give a directory")
    taken = [f for f in files if (out / f).exists()]
    if taken and not force:
        raise TextaeError(f"{out / taken[0]} exists; give another --out, or --force to replace the results there")
    try:
        if not out.exists():
            out.mkdir(parents=True, exist_ok=True)
            MADE.append(out)
        probe = out / ".textae-write-check"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise TextaeError(f"--out {out}: cannot write there ({e.strerror or e})") from None
    return out


def geometry(results: dict[str, dict], data: str, out_dir: Path) -> list[Path]:
    """The survey's Markdown table, JSON and figures (PNG; the app's two SVG charts as HTML) in out_dir."""
    table = geo.summary_table(results)
    write_text(out_dir / "geometry.md", table + "\n")
    summary = {n: {k: v for k, v in r.items() if k != "pooled"} for n, r in results.items()}
    files = [out_dir / "geometry.md", write_json(out_dir / "geometry.json", {"data": data, "results": summary})]
    groups = {n: r["pooled"] for n, r in results.items()}
    curves = {n: r["jitter"] for n, r in results.items()}
    files.append(png.geometry_png(groups, curves, out_dir / "geometry.png"))
    files.append(html.svg_page(svg.distance_boxes(groups), out_dir / "geometry_distances.html"))
    files.append(html.svg_page(svg.jitter_curves(curves), out_dir / "geometry_jitter.html"))
    return files


def evaluation(results: dict[str, dict], suite, data: str, out: Path) -> list[Path]:
    """The eval suite's report: OUT (Markdown), OUT.json, OUT.np.png and, with transfer results, OUT.transfer.png."""
    write_text(out, markdown(results, suite))
    payload = {"data": data, "classifiers": suite.classifier_accuracy(), "notes": suite.notes, "results": results}
    files = [out, write_json(out.with_suffix(".json"), payload)]
    files.append(png.recall_curves({n: r["np_curve"] for n, r in results.items()}, out.with_suffix(".np.png")))
    transfer = {n: r["transfer"] for n, r in results.items() if r.get("transfer")}
    if transfer:
        files.append(png.transfer_tradeoff(transfer, out.with_suffix(".transfer.png")))
    return files


def sweep(rows: list[dict], out_dir: Path) -> list[Path]:
    """sweep.json and the trade-off figure (sweep.png, sweep.html)."""
    return [
        write_json(out_dir / "sweep.json", rows),
        png.tradeoff_png(rows, out_dir / "sweep.png"),
        html.tradeoff_html(rows, out_dir / "sweep.html"),
    ]


def toy(codes, labels, X, titles: dict[str, str], stem: str | Path) -> list[Path]:
    """The toy experiment's side-by-side latent spaces: STEM.png and STEM.html (hover shows the bit strings)."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    page = html.save(html.toy_scatter(codes, labels, X, titles), f"{stem}.html")
    return [png.toy_png(codes, labels, f"{stem}.png", titles), page]
