"""The command line's measuring commands: `eval` and `sweep` (the paper's measurements), `geometry` (do
one-word edits stay near?), `landscape` (the decoder's map of each checkpoint, and its regions), `toy` (the
paper's toy) and `lab record` (the Text lab's recording). Each parser is added by textae/cli/commands.py's
build_parser; each command parses, calls the library and writes its report (textae/cli/reports.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from textae.cli import reports
from textae.cli.flags import (
    MAX_JITTER,
    MAX_SEED,
    MAX_SEEDS,
    MAX_SURVEY,
    MAX_VARIANTS,
    count,
    device_flag,
    err,
    field_flags,
    finite,
    given,
    lines,
    load_all,
    radii,
)
from textae.config import ModelConfig, TrainConfig, replace
from textae.data import read_corpus
from textae.errors import TextaeError
from textae.experiments import lab, recording, toy
from textae.experiments.lab import LabConfig
from textae.experiments.toy import ToyConfig
from textae.experiments.tradeoff import SWEEP_GRIDS, language_model, sweep
from textae.figures.png import landscape_png
from textae.maps.landscape import DEFAULT_N, MAX_N, compare_table, landscape
from textae.maps.projection import Projection
from textae.maps.regions import LEVELS, assign, check_levels, regions, to_csv
from textae.measure import geometry
from textae.measure.evaluation import TRANSFER_KS, DataDir, Suite
from textae.storage.checkpoint import names
from textae.storage.files import csv_text, write_text

# ------------------------------------------------------------------- parsers


def add_geometry(sub) -> None:
    """`textae geometry`."""
    text = "do one-word edits stay near a sentence's code, and what do small latent moves decode to? (two models)"
    p = sub.add_parser("geometry", help=text, description=text)
    p.add_argument("--checkpoints", nargs="+", required=True, help="the models to compare, e.g. an AAE and a DAAE")
    p.add_argument("--data", required=True, help="sentences, one per line: the surveyed ones and the random ones")
    p.add_argument("--n", type=count(1, MAX_SURVEY), default=200, help="sentences surveyed (a seeded sample of --data)")
    p.add_argument("--random", type=count(1, MAX_SURVEY), default=100, help="random sentences each is compared with")
    p.add_argument("--variants", type=count(1, MAX_VARIANTS), default=4, help="edit variants per edit distance (1-3)")
    p.add_argument("--radii", type=radii, default=[1.0, 2.0, 4.0], help="jitter radii, comma-separated (default 1,2,4)")
    p.add_argument("--jitter", type=count(1, MAX_JITTER), default=16, help="codes decoded per radius")
    # fp32: a measurement, whose figures docs/geometry.md quotes
    _report_flags(p, "runs/geometry", "geometry.md/.json/.png and the HTML", cmd_geometry, "fp32")


def _report_flags(p, out: str, files: str, func, precision: str) -> None:
    """What the survey commands share: a seed, an --out directory refused when it holds a report (unless
    --force), the device and the precision, and the command."""
    p.add_argument("--seed", type=count(0, MAX_SEED), default=0)
    p.add_argument("--out", default=out, help=f"directory for {files}")
    p.add_argument("--force", action="store_true", help="replace the results of an earlier run in --out")
    device_flag(p, precision)
    p.set_defaults(func=func)


def add_landscape(sub) -> None:
    """`textae landscape`: decoded landscapes and region labels of one or more checkpoints on one corpus."""
    text = "decode an n x n grid over each checkpoint's PCA map of a corpus: territories, change, figures, regions"
    p = sub.add_parser("landscape", help=text, description=text)
    p.add_argument("--checkpoints", nargs="+", required=True, help="checkpoints to compare (the same sentences)")
    p.add_argument("--data", required=True, help="sentences, one per line")
    p.add_argument("--labels", help="one label per sentence: each region's share of each label")
    p.add_argument(
        "--sentences",
        type=count(10, MAX_SURVEY),
        default=3000,
        help="a seeded sample of --data this large (default 3,000)",
    )
    p.add_argument("--n", type=count(2, MAX_N), default=DEFAULT_N, help=f"nodes per side (default {DEFAULT_N})")
    _report_flags(p, "runs/landscape", "landscape.md/.json, the PNGs and the CSVs", cmd_landscape, "auto")


def _suite_flags(p, precision: str | None) -> None:
    """What `eval` and `sweep` share: the data, the fluency judge, how much is measured, the device (and the
    precision, for `eval`: fp32, since docs/results.md quotes its figures and they must not move)."""
    p.add_argument("--data", required=True, help="a directory laid out like ../shared/data/yelp")
    p.add_argument(
        "--lm",
        help="language-model checkpoint; trained there on train.txt when missing "
        "(default: lm/ beside --out); `none` skips the sample perplexity",
    )
    p.add_argument("--lm-size", default="small", choices=["small", "paper"])
    p.add_argument(
        "--queries", type=count(1, MAX_SURVEY), default=1000, help="test sentences whose neighbours are compared"
    )
    p.add_argument(
        "--n-eval", type=count(1, MAX_SURVEY), default=1000, help="test sentences reconstructed / transferred"
    )
    p.add_argument("--samples", type=count(1, MAX_SURVEY), default=1000, help="prior samples decoded")
    device_flag(p, precision)


def add_eval(sub) -> None:
    """`textae eval`: the paper's measurements of checkpoints."""
    text = "the paper's measurements of checkpoints on a data directory (Markdown + JSON report)"
    p = sub.add_parser("eval", help=text, description=text)
    p.set_defaults(func=cmd_eval)
    _suite_flags(p, "fp32")
    p.add_argument("--checkpoints", nargs="+", required=True, help="checkpoints to measure")
    p.add_argument("--out", default="results.md", help="report (Markdown); JSON and PNG beside it")
    p.add_argument(
        "--k",
        default=",".join(f"{k:g}" for k in TRANSFER_KS),
        help="the scales k of the transfer z + k·v (comma-separated)",
    )
    field_flags(p, TrainConfig, skip=("device",), rename={"vocab_max": "vocab-size"})


def add_sweep(sub) -> None:
    """`textae sweep`: presets trained over a grid of their knob."""
    text = "train presets over a grid of their knob and plot reconstruction BLEU against sample perplexity"
    p = sub.add_parser("sweep", help=text, description=text)
    p.set_defaults(func=cmd_sweep)
    _suite_flags(p, None)  # it trains its models, in fp32
    p.add_argument("--presets", default="vae,aae,laae,daae", help="families to sweep")
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="PRESET=V1,V2",
        help="values of a family's knob (lambda_kl, lambda_adv, lambda_p, word drop)",
    )
    p.add_argument("--out", default="sweep", help="directory for the runs, sweep.json/.png/.html")
    field_flags(
        p,
        ModelConfig,
        skip=(
            "model_type",
            "vocab_size",
            "noise",
            "lambda_kl",
            "lambda_adv",
            "lambda_p",
            "learned_prior",
            "code_noise",
            "lambda_gp",
        ),
    )
    field_flags(p, TrainConfig, skip=("device",), rename={"vocab_max": "vocab-size"})


def add_toy(sub) -> None:
    """`textae toy`."""
    p = sub.add_parser(
        "toy",
        help="AAE vs DAAE on clusters of binary sequences (the paper's Figure 1)",
        description="Train the AAE and the DAAE of the toy experiment for several seeds, print "
        "their latent-geometry metrics and draw both latent spaces side by side.",
    )
    p.set_defaults(func=cmd_toy)
    p.add_argument("--seeds", type=count(1, MAX_SEEDS), default=5, help="seeds 0..N-1 (default 5)")
    p.add_argument("--figure", default="runs/toy/toy_geometry", help="writes FIGURE.png and FIGURE.html (seed 0)")
    p.add_argument("--json", help="write the per-seed metrics here")
    field_flags(p, ToyConfig, skip=("seed",))


def add_lab(sub) -> None:
    """`textae lab record`."""
    text = "the Text lab: an AAE and a DAAE learning real sentences side by side"
    p = sub.add_parser("lab", help=text, description=text)
    actions = p.add_subparsers(dest="lab_action", required=True, metavar="record")
    text = "train the pair and record frames (maps, curves, decodes) for the app's replay"
    r = actions.add_parser("record", help=text, description=text)
    r.set_defaults(func=cmd_lab_record)
    r.add_argument("--data", required=True, help="sentences, one per line (e.g. ../shared/data/yelp/train.txt)")
    r.add_argument("--labels", help="one label per sentence (colours the maps, and gives the transfer its vector)")
    r.add_argument("--out", required=True, help="the recording (.npz)")
    r.add_argument("--force", action="store_true", help="replace OUT when it exists")
    r.add_argument("--threads", type=count(1, 256), default=1, help="torch threads (default 1)")
    field_flags(r, LabConfig)


# ------------------------------------------------------------------ commands


def cmd_toy(a) -> None:
    from tqdm.auto import tqdm

    base = replace(toy.ToyConfig(), **given(a, toy.ToyConfig))
    err(f"toy config: {json.dumps(base.__dict__)}")
    with tqdm(total=a.seeds * base.steps, desc="toy", file=sys.stderr, disable=None) as bar:
        results, first = toy.run_seeds(base, a.seeds, lambda seed, step: bar.update(seed * base.steps + step - bar.n))
    print(toy.seeds_report(results))
    titles = toy.panel_titles(first, {n: rs[0] for n, rs in results.items()})
    files = reports.toy(first.codes(), first.labels, first.X, titles, a.figure)
    if a.json:
        files.append(reports.write_json(a.json, results))
    err("wrote " + " and ".join(map(str, files)))


def cmd_lab_record(a) -> None:
    from tqdm.auto import tqdm

    cfg = lab.LabConfig(**given(a, lab.LabConfig))
    out = reports.check_file_free(a.out, a.force)  # before the training, not after it
    corpus = read_corpus(a.data, a.labels)
    sents, labels = corpus.sentences, corpus.labels
    err(f"lab config: {json.dumps(cfg.to_dict())}")
    with tqdm(total=cfg.steps, desc="lab", file=sys.stderr, disable=None) as bar:
        rec = lab.record(cfg, sents, labels, a.threads, lambda f: bar.update(f.step - bar.n))
    rec.save(out)
    last = {n: {k: round(float(v[i, -1]), 3) for k, v in rec.figures.items()} for i, n in enumerate(rec.names)}
    print(
        json.dumps(
            {
                "step": int(rec.steps[-1]),
                "seconds": round(float(rec.seconds[-1]), 1),
                **last,
                "np10_lead_seconds": recording.lead_times(rec),
            }
        )
    )
    err(f"wrote {out} ({out.stat().st_size / 2**20:.2f} MiB, {len(rec.steps)} frames)")


def _suite(a, out_dir: Path, ks=TRANSFER_KS):
    tc = TrainConfig(**{**given(a, TrainConfig), "device": a.device})
    data = DataDir.load(a.data)
    lm_path = Path(a.lm) if a.lm else out_dir / "lm"
    lm = None if a.lm == "none" else language_model(lm_path, data, a.lm_size, tc, log=err)
    suite = Suite(data, lm, a.queries, a.n_eval, a.samples, ks, log=err)
    return data, suite, tc


def cmd_eval(a) -> None:
    from tqdm.auto import tqdm

    try:
        ks = tuple(finite(x) for x in a.k.split(","))
    except argparse.ArgumentTypeError as e:
        raise TextaeError(f"--k {a.k!r}: {e}") from None
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    models = load_all(a.checkpoints, a.device, a.precision)
    _, suite, _ = _suite(a, out.parent, ks)
    results = {
        name: suite.run(m) for name, m in tqdm(models.items(), desc="checkpoints", file=sys.stderr, disable=None)
    }
    files = reports.evaluation(results, suite, str(a.data), out)
    print(out.read_text(encoding="utf-8"))
    err("wrote " + ", ".join(map(str, files)))


def cmd_sweep(a) -> None:
    presets = [p.strip() for p in a.presets.split(",") if p.strip()]
    unknown = [p for p in presets if p not in SWEEP_GRIDS]
    if unknown:
        raise TextaeError(f"cannot sweep {', '.join(unknown)}; choose among {', '.join(SWEEP_GRIDS)}")
    grids = {p: SWEEP_GRIDS[p][1] for p in presets}
    for g in a.grid:
        name, _, values = g.partition("=")
        if name not in grids:
            raise TextaeError(f"--grid {g!r}: {name!r} is not among the swept presets ({', '.join(presets)})")
        try:
            grids[name] = [finite(v) for v in values.split(",")]
        except argparse.ArgumentTypeError as e:
            raise TextaeError(f"--grid {g!r}: {e}") from None
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    data, suite, tc = _suite(a, out)
    rows = sweep(presets, grids, given(a, ModelConfig), tc, data, suite, out, log=err)
    files = reports.sweep(rows, out)
    print(f"{'preset':>6} {'knob':>10} {'value':>6} {'rec BLEU':>9} {'sample PPL':>11}")
    for r in rows:
        print(f"{r['preset']:>6} {r['knob']:>10} {r['value']:>6g} {r['rec_bleu']:9.1f} {r['sample_ppl']:11.1f}")
    err("wrote " + ", ".join(map(str, files)))


def cmd_landscape(a) -> None:
    from tqdm.auto import tqdm

    named = names(a.checkpoints)
    files = (
        "landscape.md",
        "landscape.json",
        *(f for n in named for f in (f"landscape-{n}.png", f"regions-{n}.csv", f"assignments-{n}.csv")),
    )
    out = reports.check_free(a.out, files, a.force)  # before the work, not after it
    corpus = read_corpus(a.data, a.labels, a.sentences, a.seed)
    check_levels(LEVELS, len(corpus.sentences))
    models = load_all(a.checkpoints, a.device, a.precision)
    figures, written = {}, []
    for name, m in models.items():
        Z = m.encode(corpus.sentences)
        proj = Projection("pca")
        P = proj.fit(Z)
        with tqdm(total=a.n * a.n, desc=f"{name}: decoding", file=sys.stderr, disable=None) as bar:
            land = landscape(m, proj, P, a.n, lambda f: bar.update(round(f * a.n * a.n) - bar.n))
        figures[name] = land.figures()
        written.append(landscape_png(land, name, out / f"landscape-{name}.png", P))
        parts = assign(Z, LEVELS, a.seed)
        found = regions(m, Z, P, corpus.sentences, corpus.labels, seed=a.seed, assignments=parts)
        write_text(out / f"regions-{name}.csv", to_csv(found))
        # each sentence's region at every level, by its line in --data: the assignments, to export and check
        rows = [[line, *(int(p[i]) for p in parts)] for i, line in enumerate(corpus.line_numbers)]
        assigned = csv_text(rows, ["line", *map(str, range(len(parts)))])
        write_text(out / f"assignments-{name}.csv", assigned)
        written += [out / f"regions-{name}.csv", out / f"assignments-{name}.csv"]
    table = compare_table(figures)
    write_text(out / "landscape.md", f"{len(corpus.sentences):,} sentences of {a.data}\n\n{table}\n")
    written.append(
        reports.write_json(
            out / "landscape.json", {"data": str(a.data), "sentences": len(corpus.sentences), "checkpoints": figures}
        )
    )
    print(table)
    err("wrote " + ", ".join(map(str, [out / "landscape.md", *written])))


def cmd_geometry(a) -> None:
    from tqdm.auto import tqdm

    out = reports.check_free(a.out, reports.GEOMETRY_FILES, a.force)  # before the work, not after it
    models = load_all(a.checkpoints, a.device, a.precision)
    corpus = [s for s in lines(a.data) if s]
    if len(corpus) < 2:
        raise TextaeError(f"{a.data} needs at least 2 non-empty sentences")
    pick = np.random.default_rng(a.seed).permutation(len(corpus))[: a.n]
    sentences = [corpus[i] for i in sorted(pick)]
    with tqdm(total=len(sentences), desc="sentences", file=sys.stderr, disable=None) as bar:
        results = geometry.survey(
            models,
            sentences,
            corpus,
            a.random,
            a.variants,
            a.radii,
            a.jitter,
            a.seed,
            progress=lambda i, n: bar.update(i - bar.n),
        )
    surveyed = results[next(iter(results))]["sentences"]
    if not surveyed:
        raise TextaeError(
            f"none of the {len(sentences)} sentences could be surveyed: every one holds only words "
            "that a model reads as <unk>. Give sentences in the models' vocabulary"
        )
    files = reports.geometry(results, str(a.data), out)
    print(geometry.summary_table(results))
    err(f"{surveyed} of {len(sentences)} sentences surveyed; wrote " + ", ".join(map(str, files)))
