"""`python -m textae COMMAND` (and `python train.py`): parse options, call the library, print results."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import warnings
from collections.abc import Callable
from dataclasses import MISSING, fields
from pathlib import Path

import numpy as np

from .api import MAX_SAMPLES
from .config import PRESETS, ModelConfig, NoiseConfig, TrainConfig, preset
from .errors import CheckpointError, TextaeError, TextaeWarning
from .evaluation import TRANSFER_KS
from .generate import STRATEGIES, DecodeConfig

# Upper bounds of the numeric options: each far above what a run here needs, and low enough that a run at
# the bound ends on this project's 2-core, 24 GiB machine instead of hanging or running out of memory.
MAX_STEPS_PATH = 1_000  # interpolate --n: decoded sentences per pair
MAX_NEIGHBOURS = 10_000
MAX_IMPORTANCE = 10_000  # evaluate --m
MAX_BATCH = 65_536
MAX_SEEDS = 100  # toy --seeds
MAX_SURVEY = 100_000  # geometry --n and --random
MAX_VARIANTS = 64  # geometry --variants (per edit distance)
MAX_JITTER = 4_096  # geometry --jitter (codes per radius)
MAX_RADII, MAX_RADIUS = 32, 1_000.0
MAX_SEED = 2**32 - 1

# ------------------------------------------------------------------- parsers


def _field_flags(
    p, cls, skip: tuple[str, ...] = (), rename: dict[str, str] | None = None, choices: dict | None = None
) -> None:
    """One optional `--field-name` per dataclass field (default None = keep the dataclass's default)."""
    for f in fields(cls):
        if f.name not in skip:
            flag = "--" + (rename or {}).get(f.name, f.name.replace("_", "-"))
            kw = {"choices": choices[f.name]} if f.name in (choices or {}) else {}
            p.add_argument(flag, dest=f.name, type=_kind(f), help=f"(default {_shown_default(f)})", **kw)


def _shown_default(f) -> str:
    """A dataclass field's default as a flag would give it: a noise as drop,blank,sub,shuffle_k."""
    value = f.default_factory() if f.default is MISSING and f.default_factory is not MISSING else f.default
    if isinstance(value, NoiseConfig):
        return ",".join(f"{getattr(value, k):g}" for k in ("drop", "blank", "sub", "shuffle_k"))
    return str(value)


def _kind(f) -> Callable[[str], object]:
    """The argparse type of a dataclass field: text for the noise (ModelConfig parses and checks it, so a
    bad one gets the same `error:` as any other setting), true/false, or the default's type."""
    return str if f.name == "noise" else _boolean if isinstance(f.default, bool) else type(f.default)


def _given(a, cls) -> dict:
    """The fields of dataclass `cls` that were set on the command line."""
    return {f.name: getattr(a, f.name) for f in fields(cls) if getattr(a, f.name, None) is not None}


def _add_train(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train an autoencoder preset",
        description="Train a text autoencoder. "
        "Every model and training field can be overridden; the effective config is printed and saved.",
    )
    p.add_argument("--preset", choices=list(PRESETS), help="model family (default daae; with --init, the checkpoint's)")
    p.add_argument("--train", required=True, help="training sentences, one per line")
    p.add_argument("--valid", required=True, help="validation sentences, one per line")
    p.add_argument("--save-dir", required=True, help="run directory: best/, last/, train_log.jsonl")
    p.add_argument("--resume", action="store_true", help="continue from SAVE_DIR/last (optimiser and epoch restored)")
    p.add_argument(
        "--init",
        metavar="CKPT",
        help="start a new run from this checkpoint's weights and vocabulary (a fresh optimiser); "
        "--preset and model flags may change its loss weights and noise, not its sizes",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true", help="start a new run in a SAVE_DIR that holds one (deletes it)")
    for f in fields(ModelConfig):
        if f.name in ("model_type", "vocab_size"):
            continue
        flags = ["--" + f.name.replace("_", "-")] + (["--" + f.name] if "_" in f.name else [])  # + reference spelling
        p.add_argument(
            *flags,
            dest=f.name,
            type=_kind(f),
            help="drop,blank,sub,shuffle_k, e.g. 0.3,0,0,0"
            if f.name == "noise"
            else f"(default {f.default}, or the preset's)",
        )
    _field_flags(p, TrainConfig, rename={"vocab_max": "vocab-size"})
    p.set_defaults(func=cmd_train)


def count(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from low to high (argparse names the flag in its message)."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,}, not {v:,}")
        return v

    parse.__name__ = "number"  # argparse's "invalid number value" for a type error it catches itself
    return parse


def finite(text: str) -> float:
    """An argparse type: a finite number."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(v):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return v


def radii(text: str) -> list[float]:
    """An argparse type: comma-separated radii, each from 0 to MAX_RADIUS."""
    try:
        out = [float(r) for r in text.split(",") if r.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, e.g. 1,2,4; got {text!r}") from None
    if not out or len(out) > MAX_RADII or not all(0 <= r <= MAX_RADIUS for r in out):
        raise argparse.ArgumentTypeError(f"give 1 to {MAX_RADII} radii from 0 to {MAX_RADIUS:g}, not {text!r}")
    return out


def _boolean(text: str) -> bool:
    """true/false, yes/no, 1/0."""
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _decode_opts(p) -> None:
    g = p.add_argument_group("decoding", "how codes become text (textae.generate.DecodeConfig)")
    _field_flags(g, DecodeConfig, choices={"strategy": STRATEGIES})
    g.add_argument("--seed", type=count(0, MAX_SEED), default=1111, help="for the sampling strategies (default 1111)")


def _common(sub, name: str, func, help: str, data: str | None = None):
    """A command that loads one checkpoint: `func(args, model)` runs it."""
    p = sub.add_parser(name, help=help, description=help)
    p.set_defaults(func=func, needs_model=True)
    p.add_argument("--checkpoint", required=True, help="checkpoint or run directory, or reference model.pt dir")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda if available)")
    if data:
        p.add_argument("--data", required=True, help=data)
    return p


class Parser(argparse.ArgumentParser):
    """argparse with the project's one form of user error: `error: …` on one line, exit status 2."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (`{self.prog} --help` lists the options)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full `python -m textae` argument parser."""
    about = "Train, measure and use text autoencoders; `textae COMMAND --help` lists a command's options."
    ap = Parser(prog="textae", description=about)
    sub = ap.add_subparsers(dest="command", required=True)
    _add_train(sub)
    p = _common(
        sub, "reconstruct", cmd_reconstruct, "encode and decode every line of a file", "sentences, one per line"
    )
    p.add_argument("--output", help="write reconstructions here (default: print)")
    p.add_argument("--sample-z", action="store_true", help="encode to z ~ q(z|x) instead of the mean")
    _decode_opts(p)
    p = _common(sub, "sample", cmd_sample, "decode codes drawn from the prior N(0, I)")
    p.add_argument("--n", type=count(1, MAX_SAMPLES), default=10, help="sentences (default 10)")
    p.add_argument("--output")
    _decode_opts(p)
    p = _common(sub, "interpolate", cmd_interpolate, "decode the path between paired lines of two files", "A.txt,B.txt")
    p.add_argument("--n", type=count(2, MAX_STEPS_PATH), default=5, help="steps per path, ends included")
    p.add_argument("--method", default="lerp", choices=["lerp", "slerp"])
    p.add_argument("--output")
    _decode_opts(p)
    p = _common(sub, "arithmetic", cmd_arithmetic, "apply z + k (mean z(B) - mean z(A)) to the lines of C",
                "A,B,C files, or C")  # fmt: skip
    p.add_argument("--k", type=finite, default=1.0)
    p.add_argument("--vector", help="use this vector saved beside the checkpoint; --data is then C alone")
    p.add_argument("--output")
    _decode_opts(p)
    p = _common(sub, "vector", cmd_vector, "save v = mean z(B) - mean z(A) beside the checkpoint (vectors/NAME)",
                "A,B files")  # fmt: skip
    p.add_argument("--name", required=True, help="e.g. sentiment or tense")
    p.add_argument("--force", action="store_true", help="replace a saved vector of that name")
    p = _common(sub, "evaluate", cmd_evaluate, "validation loss terms (and importance-sampled NLL/PPL)",
                "sentences, one per line")  # fmt: skip
    p.add_argument("--nll", action="store_true", help="also estimate NLL and perplexity")
    p.add_argument("--m", type=count(1, MAX_IMPORTANCE), default=100, help="importance samples per sentence for --nll")
    p.add_argument("--batch-size", type=count(1, MAX_BATCH), default=256)
    p.add_argument("--json", help="also write the figures as JSON here")
    p = _common(sub, "neighbors", cmd_neighbors, "latent nearest neighbours of query sentences in a corpus",
                "corpus, one per line")  # fmt: skip
    p.add_argument("--query", required=True, help="query sentences, one per line")
    p.add_argument("--n", type=count(1, MAX_NEIGHBOURS), default=10, help="neighbours per query")
    p = _common(sub, "export", cmd_export, "re-save a checkpoint (ours or reference) in our format")
    p.set_defaults(needs_model=False)
    p.add_argument("--out", required=True, help="new checkpoint directory")
    p.add_argument("--fp16", action="store_true", help="store weights as float16 (half the size)")
    p.add_argument("--force", action="store_true", help="replace OUT when it exists (its vectors/ too)")
    _add_toy(sub)
    _add_lab(sub)
    _add_eval(sub)
    _add_geometry(sub)
    text = "the disk cache of codes and maps (textae.cache): where it is and what it holds, or empty it"
    p = sub.add_parser("cache", help=text, description=text)
    p.add_argument("action", choices=["info", "clear"])
    p.set_defaults(func=cmd_cache)
    return ap


def _add_geometry(sub) -> None:
    text = "do one-word edits stay near a sentence's code, and what do small latent moves decode to? (two models)"
    p = sub.add_parser("geometry", help=text, description=text)
    p.add_argument("--checkpoints", nargs="+", required=True, help="the models to compare, e.g. an AAE and a DAAE")
    p.add_argument("--data", required=True, help="sentences, one per line: the surveyed ones and the random ones")
    p.add_argument("--n", type=count(1, MAX_SURVEY), default=200, help="sentences surveyed (a seeded sample of --data)")
    p.add_argument("--random", type=count(1, MAX_SURVEY), default=100, help="random sentences each is compared with")
    p.add_argument("--variants", type=count(1, MAX_VARIANTS), default=4, help="edit variants per edit distance (1-3)")
    p.add_argument("--radii", type=radii, default=[1.0, 2.0, 4.0], help="jitter radii, comma-separated (default 1,2,4)")
    p.add_argument("--jitter", type=count(1, MAX_JITTER), default=16, help="codes decoded per radius")
    p.add_argument("--seed", type=count(0, MAX_SEED), default=0)
    p.add_argument("--out", default="runs/geometry", help="directory for geometry.md/.json/.png and the HTML")
    p.add_argument("--force", action="store_true", help="replace the results of an earlier survey in --out")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda if available)")
    p.set_defaults(func=cmd_geometry)


def _add_eval(sub) -> None:
    for name, text in (
        ("eval", "the paper's measurements of checkpoints on a data directory (Markdown + JSON report)"),
        ("sweep", "train presets over a grid of their knob and plot reconstruction BLEU against sample perplexity"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.set_defaults(func=cmd_eval if name == "eval" else cmd_sweep)
        p.add_argument("--data", required=True, help="a directory laid out like ../shared/data/yelp")
        p.add_argument("--lm", help="language-model checkpoint; trained there on train.txt when missing "
                                    "(default: lm/ beside --out); `none` skips the sample perplexity")  # fmt: skip
        p.add_argument("--lm-size", default="small", choices=["small", "paper"])
        p.add_argument("--queries", type=count(1, MAX_SURVEY), default=1000,
                       help="test sentences whose neighbours are compared")  # fmt: skip
        p.add_argument("--n-eval", type=count(1, MAX_SURVEY), default=1000,
                       help="test sentences reconstructed / transferred")  # fmt: skip
        p.add_argument("--samples", type=count(1, MAX_SURVEY), default=1000, help="prior samples decoded")
        p.add_argument("--device", default="auto")
        if name == "eval":
            p.add_argument("--checkpoints", nargs="+", required=True, help="checkpoints to measure")
            p.add_argument("--out", default="results.md", help="report (Markdown); JSON and PNG beside it")
            p.add_argument("--k", default=",".join(f"{k:g}" for k in TRANSFER_KS),
                           help="the scales k of the transfer z + k·v (comma-separated)")  # fmt: skip
        else:
            p.add_argument("--presets", default="vae,aae,laae,daae", help="families to sweep")
            p.add_argument("--grid", action="append", default=[], metavar="PRESET=V1,V2",
                           help="values of a family's knob (lambda_kl, lambda_adv, lambda_p, word drop)")  # fmt: skip
            p.add_argument("--out", default="sweep", help="directory for the runs, sweep.json/.png/.html")
            _field_flags(p, ModelConfig, skip=("model_type", "vocab_size", "noise", "lambda_kl", "lambda_adv",
                                               "lambda_p", "learned_prior", "code_noise", "lambda_gp"))  # fmt: skip
        _field_flags(p, TrainConfig, skip=("device",), rename={"vocab_max": "vocab-size"})


def _add_toy(sub) -> None:
    from .toy import ToyConfig

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
    _field_flags(p, ToyConfig, skip=("seed",))


def _add_lab(sub) -> None:
    from .lab import LabConfig

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
    _field_flags(r, LabConfig)


# ------------------------------------------------------------------ commands


def _decode_kw(a) -> dict:
    """The decoding keywords of TextAE.decode from the decoding flags."""
    return dict(config=DecodeConfig(**_given(a, DecodeConfig)), seed=a.seed)


def _emit(lines: list[str], output: str | None) -> None:
    text = "\n".join(lines) + "\n"
    if output:
        try:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            Path(output).write_text(text, encoding="utf-8")
        except OSError as e:
            raise TextaeError(f"--output {output}: cannot write it ({e.strerror or e})") from None
        print(f"wrote {len(lines)} lines to {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _lines(path: str) -> list[str]:
    from .data import read_sentences

    return [" ".join(s) for s in read_sentences(path, keep_empty=True)]


def cmd_train(a) -> None:
    from .data import read_sentences
    from .parallel import teardown
    from .train import INIT_OVERRIDES, Trainer, file_info

    overrides = _given(a, ModelConfig)
    model_cfg = preset(a.preset or "daae", **overrides)
    if a.resume and a.init:
        raise TextaeError("give --resume (continue this run) or --init CKPT (a new run from its weights), not both")
    if a.resume and overrides:
        print("note: --resume keeps the saved model config; ignoring " + ", ".join(sorted(overrides)), file=sys.stderr)
    init_overrides = None
    if a.init:  # the checkpoint's config, changed only where asked: by --preset and by model flags
        init_overrides = {**({k: getattr(model_cfg, k) for k in INIT_OVERRIDES} if a.preset else {}), **overrides}
    saved = {}
    if a.resume:  # the run's own settings (from last/, which a resume needs), changed only by the flags given now
        from .checkpoint import read_meta, recover

        saved = read_meta(recover(Path(a.save_dir) / "last")).get("train") or {}
    saved = {f.name: saved[f.name] for f in fields(TrainConfig) if f.name in saved}
    tc = TrainConfig(**{**saved, **_given(a, TrainConfig)})
    train, valid = read_sentences(a.train, max_tokens=tc.max_tokens), read_sentences(a.valid, max_tokens=tc.max_tokens)
    meta = {"train": file_info(a.train, len(train)), "valid": file_info(a.valid, len(valid))}
    meta["preset"] = model_cfg.model_type
    trainer = None
    try:
        trainer = Trainer(
            model_cfg,
            tc,
            train,
            valid,
            a.save_dir,
            a.resume,
            meta,
            init=a.init,
            init_overrides=init_overrides,
            force=a.force,
        )
        trainer.fit(progress=not a.no_progress)
    except KeyboardInterrupt:  # fit() turns SIGTERM into a stop like Ctrl-C's: exit 143 after it, 130 after Ctrl-C
        sys.exit(128 + ((trainer and trainer.stopped_by) or signal.SIGINT))
    finally:
        teardown()  # leave torchrun's process group, if there is one


def cmd_reconstruct(a, m) -> None:
    _emit(m.decode(m.encode(_lines(a.data), sample=a.sample_z), **_decode_kw(a)), a.output)


def cmd_sample(a, m) -> None:
    _emit(m.sample(a.n, **_decode_kw(a)), a.output)


def cmd_interpolate(a, m) -> None:
    files = a.data.split(",")
    if len(files) != 2:
        raise TextaeError("--data takes two files, A.txt,B.txt, whose lines are paired")
    s1, s2 = _lines(files[0]), _lines(files[1])
    if len(s1) != len(s2):
        raise TextaeError(
            f"{files[0]} has {len(s1)} lines and {files[1]} {len(s2)}: lines are paired, so they must match"
        )
    out = []
    for x, y in zip(s1, s2):
        out += m.interpolate(x, y, a.n, a.method, **_decode_kw(a)) + [""]
    _emit(out[:-1], a.output)


def cmd_arithmetic(a, m) -> None:
    files = a.data.split(",")
    if a.vector:
        if len(files) != 1:
            raise TextaeError("with --vector, --data is one file: the sentences to change")
        v, _ = m.load_vector(a.vector)
        sc = _lines(files[0])
    elif len(files) != 3:
        raise TextaeError("--data takes three files, A,B,C: v = mean z(B) - mean z(A) is applied to C")
    else:
        sa, sb, sc = (_lines(f) for f in files)
        v = m.style_vector(sa, sb)
    print(f"|v| = {np.linalg.norm(v):.3f}, k = {a.k}", file=sys.stderr)
    _emit(m.apply_vector(sc, v, a.k, **_decode_kw(a)), a.output)


def cmd_vector(a, m) -> None:
    files = a.data.split(",")
    if len(files) != 2:
        raise TextaeError("--data takes two files, A,B: v = mean z(B) - mean z(A)")
    v = m.style_vector(_lines(files[0]), _lines(files[1]))
    info = {"about": f"{Path(files[0]).name} → {Path(files[1]).name}", "A": files[0], "B": files[1]}
    out = m.save_vector(a.name, v, info, overwrite=a.force)
    print(f"|v| = {np.linalg.norm(v):.3f}; wrote {out}")


def cmd_evaluate(a, m) -> None:
    from .data import Batches, read_sentences
    from .metrics import evaluate_losses

    sents = read_sentences(a.data)
    figures = evaluate_losses(m.model, Batches(sents, m.vocab, a.batch_size, m.device))
    if a.nll:
        r = m.nll([" ".join(s) for s in sents], m=a.m)
        figures.update(nll=r["nll"], ppl=r["ppl"])
    for k, v in figures.items():
        print(f"{k:>8} {v:.4f}")
    if a.json:
        from .reports import write_json

        write_json(a.json, figures)


def cmd_neighbors(a, m) -> None:
    corpus, queries = _lines(a.data), _lines(a.query)
    for q, nbs in zip(queries, m.neighbors(queries, corpus, a.n)):
        print(f"query: {q}")
        for nb in nbs:
            print(f"  {nb.distance:8.4f}  {nb.sentence}")


def cmd_toy(a) -> None:
    from tqdm.auto import tqdm

    from . import reports, toy
    from .config import replace

    base = replace(toy.ToyConfig(), **_given(a, toy.ToyConfig))
    print(f"toy config: {json.dumps(base.__dict__)}", file=sys.stderr)
    with tqdm(total=a.seeds * base.steps, desc="toy", file=sys.stderr, disable=None) as bar:
        results, first = toy.run_seeds(base, a.seeds, lambda seed, step: bar.update(seed * base.steps + step - bar.n))
    print(toy.seeds_report(results))
    titles = toy.panel_titles(first, {n: rs[0] for n, rs in results.items()})
    files = reports.toy(first.codes(), first.labels, first.X, titles, a.figure)
    if a.json:
        files.append(reports.write_json(a.json, results))
    _err("wrote " + " and ".join(map(str, files)))


def cmd_lab_record(a) -> None:
    from tqdm.auto import tqdm

    from . import lab, reports
    from .data import read_label_names, read_lines

    cfg = lab.LabConfig(**_given(a, lab.LabConfig))
    out = reports.check_file_free(a.out, a.force)  # before the training, not after it
    sents = read_lines(a.data)
    labels = None
    if a.labels:
        names = read_label_names(a.labels)
        labels = [names.get(x.strip(), x.strip()) for x in read_lines(a.labels)]
    print(f"lab config: {json.dumps(cfg.to_dict())}", file=sys.stderr)
    with tqdm(total=cfg.steps, desc="lab", file=sys.stderr, disable=None) as bar:
        rec = lab.record(cfg, sents, labels, a.threads, lambda f: bar.update(f.step - bar.n))
    rec.save(out)
    last = {n: {k: round(float(v[i, -1]), 3) for k, v in rec.figures.items()} for i, n in enumerate(rec.names)}
    print(json.dumps({"step": int(rec.steps[-1]), "seconds": round(float(rec.seconds[-1]), 1), **last,
                      "np10_lead_seconds": lab.lead_times(rec)}))  # fmt: skip
    _err(f"wrote {out} ({out.stat().st_size / 2**20:.2f} MiB, {len(rec.steps)} frames)")


def _suite(a, out_dir: Path, ks=TRANSFER_KS):
    from .evaluation import DataDir, Suite
    from .experiments import language_model

    tc = TrainConfig(**{**_given(a, TrainConfig), "device": a.device})
    data = DataDir.load(a.data)
    lm_path = Path(a.lm) if a.lm else out_dir / "lm"
    lm = None if a.lm == "none" else language_model(lm_path, data, a.lm_size, tc, log=_err)
    suite = Suite(data, lm, a.queries, a.n_eval, a.samples, ks, log=_err)
    return data, suite, tc


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _load_all(paths: list[str], device: str | None) -> dict:
    """Every checkpoint loaded before any work, so that a bad path fails first: short name -> TextAE."""
    from .api import load
    from .checkpoint import names

    return {name: load(p, device) for name, p in names(paths).items()}


def cmd_eval(a) -> None:
    from tqdm.auto import tqdm

    from . import reports

    try:
        ks = tuple(finite(x) for x in a.k.split(","))
    except argparse.ArgumentTypeError as e:
        raise TextaeError(f"--k {a.k!r}: {e}") from None
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    models = _load_all(a.checkpoints, a.device)
    _, suite, _ = _suite(a, out.parent, ks)
    results = {name: suite.run(m) for name, m in tqdm(models.items(), desc="checkpoints", file=sys.stderr,
                                                       disable=None)}  # fmt: skip
    files = reports.evaluation(results, suite, str(a.data), out)
    print(out.read_text(encoding="utf-8"))
    _err("wrote " + ", ".join(map(str, files)))


def cmd_sweep(a) -> None:
    from . import reports
    from .experiments import SWEEP_GRIDS, sweep

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
    rows = sweep(presets, grids, _given(a, ModelConfig), tc, data, suite, out, log=_err)
    files = reports.sweep(rows, out)
    print(f"{'preset':>6} {'knob':>10} {'value':>6} {'rec BLEU':>9} {'sample PPL':>11}")
    for r in rows:
        print(f"{r['preset']:>6} {r['knob']:>10} {r['value']:>6g} {r['rec_bleu']:9.1f} {r['sample_ppl']:11.1f}")
    _err("wrote " + ", ".join(map(str, files)))


def cmd_geometry(a) -> None:
    from tqdm.auto import tqdm

    from . import geometry, reports

    out = reports.check_free(a.out, reports.GEOMETRY_FILES, a.force)  # before the work, not after it
    models = _load_all(a.checkpoints, a.device)
    corpus = [s for s in _lines(a.data) if s]
    if len(corpus) < 2:
        raise TextaeError(f"{a.data} needs at least 2 non-empty sentences")
    pick = np.random.default_rng(a.seed).permutation(len(corpus))[: a.n]
    sentences = [corpus[i] for i in sorted(pick)]
    with tqdm(total=len(sentences), desc="sentences", file=sys.stderr, disable=None) as bar:
        results = geometry.survey(
            models, sentences, corpus, a.random, a.variants, a.radii, a.jitter, a.seed,
            progress=lambda i, n: bar.update(i - bar.n),
        )  # fmt: skip
    surveyed = results[next(iter(results))]["sentences"]
    if not surveyed:
        raise TextaeError(f"none of the {len(sentences)} sentences could be surveyed: every one holds only words "
                          "that a model reads as <unk>. Give sentences in the models' vocabulary")  # fmt: skip
    files = reports.geometry(results, str(a.data), out)
    print(geometry.summary_table(results))
    _err(f"{surveyed} of {len(sentences)} sentences surveyed; wrote " + ", ".join(map(str, files)))


def cmd_cache(a) -> None:
    from . import cache

    if a.action == "clear":
        print(f"removed {cache.clear()} entries from {cache.root()}")
        return
    i = cache.info()
    print(f"{i['root']}: {i['entries']} entries, {i['bytes'] / 2**20:,.1f} MiB of {i['limit_bytes'] / 2**20:,.0f} MiB"
          + (f"; the oldest used {i['oldest']}" if i["oldest"] else ""))  # fmt: skip


def cmd_export(a) -> None:
    from .checkpoint import export

    try:
        print(f"wrote {export(a.checkpoint, a.out, fp16=a.fp16, force=a.force)}")
    except CheckpointError as e:
        raise TextaeError(str(e).replace("force=True", "--force")) from None


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for a user error, printed without a traceback).

    Only textae's own errors (TextaeError and its kinds) become `error:` lines: anything else is a bug,
    and its traceback is shown.
    """
    a = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    warnings.simplefilter("always", TextaeWarning)
    try:
        if getattr(a, "needs_model", False):
            from .api import load

            a.func(a, load(a.checkpoint, a.device))
        else:
            a.func(a)
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stderr.close()
    except TextaeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0
