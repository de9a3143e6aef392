"""Inference at each precision (textae.precision) against fp32: fidelity on Yelp valid, speed on Yelp train,
and each path's rate as a share of this CPU's peak at that precision.

    python benchmarks/precision.py                      # the shipped DAAE (fidelity) and its speed
    python benchmarks/precision.py --checkpoint checkpoints/yelp-aae --encode 20000 --decode 2048

Fidelity (the bars `auto` is held to, issue "Inference at the hardware's speed"), each against fp32:
- 10-NN overlap: for each of Yelp valid's codes, the share of its 10 nearest codes (Euclidean) that fp32's
  10 nearest also hold, averaged; bar >= 0.98;
- identical greedy reconstructions (decode(encode(x)) at that precision against fp32's); bar >= 97 %;
- the 32 x 32 landscape's figures over the PCA map (distinct decodes, mean neighbour edit); bar: within 3 %;
- NP@10 on 1,000 valid queries against their edit-distance neighbours; bar: equal to the third decimal.

Speed: encoding N Yelp train sentences, and greedy decoding M of their codes, each timed after a warm-up
pass, the median of --repeats. The rate is a count of the model's multiply-adds (2 FLOP each): the encoder's
two LSTM directions over every token; the decoder's LSTM, and its vocabulary projection, over every step of
every row still running. The peak is cores x clock x FLOP per cycle of the widest unit that precision runs
on here (`peak`); the clock is /proc/cpuinfo's, which a VM reports as its nominal one, so the share is an
estimate. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
import warnings

import common  # noqa: F401  (puts the repository on sys.path first)
import numpy as np
import torch
from common import ROOT, YELP, cpu_name

import textae
from textae import precision as P
from textae.maps.landscape import landscape
from textae.maps.projection import Projection
from textae.measure.metrics import edit_neighbors, neighborhood_recall


def cpu_flags() -> set[str]:
    """The CPU's feature flags (/proc/cpuinfo)."""
    try:
        text = open("/proc/cpuinfo", encoding="utf-8").read()
    except OSError:
        return set()
    m = re.search(r"^flags\s*:(.*)$", text, re.M)
    return set(m.group(1).split()) if m else set()


def clock_ghz() -> float:
    """The clock /proc/cpuinfo gives (a VM's nominal clock), in GHz."""
    try:
        mhz = re.findall(r"^cpu MHz\s*:\s*([\d.]+)", open("/proc/cpuinfo", encoding="utf-8").read(), re.M)
        return float(mhz[0]) / 1000
    except (OSError, IndexError, ValueError):
        return float("nan")


def flop_per_cycle(precision: str, flags: set[str], name: str) -> float:
    """Peak FLOP per cycle per core of the units `precision` runs on (2 FLOP per multiply-add).

    fp32: two FMA pipes of the vector width (AVX-512 counted at 256 bits on Zen 4, which splits it);
    bf16: AVX512_BF16's dot products double fp32's lanes, AMX's tiles give 1,024 (Intel's figure per core);
    int8: VNNI's dot products give four times fp32's lanes (AMX: 2,048)."""
    zen4 = "Zen 4" in name
    lanes = 16 if "avx512f" in flags and not zen4 else 8 if "avx2" in flags else 4
    fp32 = 2 * 2 * lanes
    if precision == "fp32":
        return fp32
    if precision == "bf16":
        return 1024 if "amx_bf16" in flags else 2 * fp32 if "avx512_bf16" in flags else fp32
    return 2048 if "amx_int8" in flags else 4 * fp32 if ({"avx512_vnni", "avx_vnni"} & flags) else 2 * fp32


def peak(precision: str) -> float:
    """This machine's peak FLOP/s at `precision` (an estimate: see flop_per_cycle and clock_ghz)."""
    return (os.cpu_count() or 1) * clock_ghz() * 1e9 * flop_per_cycle(precision, cpu_flags(), cpu_name())


def encoder_flop(m, sents: list[str]) -> float:
    """The encoder's FLOP for sentences: 2 directions x (<go> + words) steps x 4 gates x (in + h) x h x 2."""
    c = m.cfg
    steps = sum(len(s.split()) + 1 for s in sents)
    return 2 * steps * 4 * (c.dim_emb + c.dim_h) * c.dim_h * 2


def decoder_flop(m, decodes: list[str]) -> float:
    """Greedy decoding's FLOP: per emitted token (words and <eos>) one LSTM step and one projection."""
    c = m.cfg
    steps = sum(len(s.split()) + 1 for s in decodes)
    return steps * (4 * (c.dim_emb + c.dim_h) * c.dim_h + c.dim_h * c.vocab_size) * 2


def timed(f, repeats: int) -> tuple[float, object]:
    """The median seconds of `repeats` calls of f after one warm-up call, and its last result."""
    f()
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def knn(Z: np.ndarray, k: int = 10) -> np.ndarray:
    """Each code's k nearest other codes [N, k]."""
    Z = Z.astype(np.float64)
    sq = (Z * Z).sum(1)
    d = sq[:, None] + sq[None, :] - 2 * Z @ Z.T
    np.fill_diagonal(d, np.inf)
    return np.argpartition(d, k, axis=1)[:, :k]


def fidelity(m32, precisions: list[str], valid: list[str]) -> list[dict]:
    """Each precision's figures on Yelp valid, fp32's first."""
    rng = np.random.default_rng(0)
    queries = np.sort(rng.choice(len(valid), 1000, replace=False))
    true_nn = edit_neighbors(valid, queries, 10)
    rows, base = [], {}
    for p in ["fp32", *precisions]:
        m = m32.at_precision(p)
        Z = m.encode(valid)
        rec = m.decode(Z)
        proj = Projection("pca")
        pts = proj.fit(Z)
        fig = landscape(m, proj, pts, 32).figures()
        row = {
            "precision": p,
            "nn": knn(Z),
            "rec": rec,
            "fig": fig,
            "np10": neighborhood_recall(Z, queries, true_nn, (10,))[10],
        }
        if p == "fp32":
            base = row
        row["overlap"] = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(row["nn"], base["nn"])]))
        row["same"] = float(np.mean([a == b for a, b in zip(rec, base["rec"])]))
        row["fig_dev"] = max(abs(fig[k] / base["fig"][k] - 1) for k in ("distinct", "mean_neighbour_edit"))
        row["passes"] = (
            row["overlap"] >= 0.98
            and row["same"] >= 0.97
            and row["fig_dev"] <= 0.03
            and round(row["np10"], 3) == round(base["np10"], 3)
        )
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", default=str(ROOT / "checkpoints" / "yelp-daae"))
    ap.add_argument("--encode", type=int, default=20_000, help="Yelp train sentences encoded")
    ap.add_argument("--decode", type=int, default=2_048, help="codes decoded greedily")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-fidelity", action="store_true")
    a = ap.parse_args()
    warnings.simplefilter("ignore")  # unknown words in the data are expected
    m32 = textae.load(a.checkpoint, "cpu")
    usable = [p for p in ("bf16", "int8") if _usable(p)]
    print(f"{cpu_name()}; torch {torch.__version__}, {torch.get_num_threads()} threads; {a.checkpoint}")
    print(
        f"auto picks here: {P.resolve('auto')} (native bf16: {P.cpu_bf16_supported()}, int8 engine: "
        f"{P.int8_engine()})\n"
    )
    if not a.skip_fidelity:
        valid = [s for s in YELP.split("valid").read_text(encoding="utf-8").splitlines() if s.strip()]
        print(f"Fidelity against fp32 on Yelp valid ({len(valid):,} sentences)\n")
        print(
            "| precision | 10-NN overlap | identical reconstructions | landscape 32×32: distinct / edit | "
            "NP@10 | meets every bar |"
        )
        print("|---|---|---|---|---|---|")
        for r in fidelity(m32, usable, valid):
            f = r["fig"]
            print(
                f"| {r['precision']} | {r['overlap']:.4f} | {r['same']:.2%} | {f['distinct']} / "
                f"{f['mean_neighbour_edit']:.3f} ({r['fig_dev']:.1%} off) | {r['np10']:.4f} | "
                f"{'yes' if r['passes'] else 'no'} |"
            )
        print()
    train = [s for s in YELP.split("train").read_text(encoding="utf-8").splitlines() if s.strip()][: a.encode]
    print(
        f"Speed: encode {len(train):,} Yelp train sentences, greedy-decode {a.decode:,} of their codes "
        f"(median of {a.repeats})\n"
    )
    print(
        "| precision | encode s | encode GFLOP/s | share of peak | decode s | decode GFLOP/s | share of peak | "
        "peak GFLOP/s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    Z32 = m32.encode(train)[: a.decode]
    for p in ["fp32", *usable]:
        m = m32.at_precision(p)
        te, _ = timed(lambda m=m: m.encode(train), a.repeats)
        td, dec = timed(lambda m=m: m.decode(Z32), a.repeats)
        ge, gd, pk = encoder_flop(m, train) / te / 1e9, decoder_flop(m, dec) / td / 1e9, peak(p) / 1e9
        pe = peak("fp32" if p == "int8" else p) / 1e9  # int8 encodes in fp32 (textae.precision)
        print(f"| {p} | {te:.2f} | {ge:.0f} | {ge / pe:.0%} | {td:.2f} | {gd:.0f} | {gd / pk:.0%} | {pk:,.0f} |")
    print(
        "\nThe decode's rate counts its projection at the precision named, though fp32 rescores "
        f"{P.RESCORE} candidates per step (textae.precision); int8's encoding is fp32's, and so is its peak."
    )


def _usable(p: str) -> bool:
    try:
        P.resolve(p)
        return True
    except textae.TextaeError as e:
        print(f"note: {e}")
        return False


if __name__ == "__main__":
    main()
