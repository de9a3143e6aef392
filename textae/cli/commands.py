"""`python -m textae COMMAND` (and `python train.py`): parse options, call the library, print results.

This file holds the frame (build_parser, main), the commands on one checkpoint (train, reconstruct, sample,
interpolate, arithmetic, vector, evaluate, neighbors, export), `prepare` (the app's maps, ahead of time) and
`cache`; the measuring commands (eval, sweep, geometry, landscape, toy, lab record) are textae/cli/measure.py,
the flags they share textae/cli/flags.py."""

from __future__ import annotations

import argparse
import signal
import sys
import warnings
from dataclasses import fields
from pathlib import Path

import numpy as np

from textae import precision
from textae.api import MAX_SAMPLES, load
from textae.batches import Batches
from textae.cli import measure, reports
from textae.cli.flags import (
    MAX_BATCH,
    MAX_IMPORTANCE,
    MAX_NEIGHBOURS,
    MAX_SEED,
    MAX_STEPS_PATH,
    Printable,
    count,
    device_flag,
    err,
    field_flags,
    finite,
    given,
    kind,
    lines,
    printable,
)
from textae.cli.reports import write_json
from textae.config import PRESETS, ModelConfig, TrainConfig, preset
from textae.data import MAX_FILE_LINES, read_corpus, read_sentences
from textae.detokenize import detokenize, detokenize_all
from textae.errors import CheckpointError, TextaeError, TextaeWarning
from textae.generate import STRATEGIES, DecodeConfig
from textae.maps.landscape import MAX_N
from textae.maps.prepare import MapSettings, prepare
from textae.storage import cache
from textae.storage.access import readable
from textae.storage.checkpoint import export, read_meta, recover
from textae.storage.files import write_text
from textae.training.losses import evaluate_losses
from textae.training.parallel import setup, teardown
from textae.training.train import INIT_OVERRIDES, Trainer, file_info

# ------------------------------------------------------------------- parsers


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
            type=kind(f),
            help="drop,blank,sub,shuffle_k, e.g. 0.3,0,0,0"
            if f.name == "noise"
            else f"(default {f.default}, or the preset's)",
        )
    field_flags(p, TrainConfig, rename={"vocab_max": "vocab-size"})
    p.set_defaults(func=cmd_train)


def _decode_opts(p) -> None:
    g = p.add_argument_group("decoding", "how codes become text (textae.generate.DecodeConfig)")
    field_flags(g, DecodeConfig, choices={"strategy": STRATEGIES})
    g.add_argument("--seed", type=count(0, MAX_SEED), default=1111, help="for the sampling strategies (default 1111)")
    readable_flag(g)


def readable_flag(p) -> None:
    p.add_argument(
        "--readable",
        action="store_true",
        help='write text as a person reads it ("don\'t", "i\'ve"; textae.detokenize); by default the '
        "corpus's tokens, which textae and BLEU read back",
    )


def _common(sub, name: str, func, help: str, data: str | None = None, precision: str | None = "auto"):
    """A command that loads one checkpoint: `func(args, model)` runs it, at --precision when `precision`."""
    p = sub.add_parser(name, help=help, description=help)
    p.set_defaults(func=func, needs_model=True)
    p.add_argument("--checkpoint", required=True, help="checkpoint or run directory, or reference model.pt dir")
    device_flag(p, precision)
    if data:
        p.add_argument("--data", required=True, help=data)
    return p


class Parser(argparse.ArgumentParser):
    """argparse with the project's one form of user error: `error: …` on one line, exit status 2."""

    def error(self, message: str):
        self.exit(2, printable(f"error: {message} (`{self.prog} --help` lists the options)") + "\n")


def build_parser() -> argparse.ArgumentParser:
    """The full `python -m textae` argument parser."""
    about = "Train, measure and use text autoencoders; `textae COMMAND --help` lists a command's options."
    ap = Parser(prog="textae", description=about)
    sub = ap.add_subparsers(dest="command", required=True)
    _add_train(sub)
    p = _common(
        sub, "reconstruct", cmd_reconstruct, "encode and decode every line of a file", "sentences, one per line", "fp32"
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
    p = _common(
        sub, "arithmetic", cmd_arithmetic, "apply z + k (mean z(B) - mean z(A)) to the lines of C", "A,B,C files, or C"
    )
    p.add_argument("--k", type=finite, default=1.0)
    p.add_argument("--vector", help="use this vector saved beside the checkpoint; --data is then C alone")
    p.add_argument("--output")
    _decode_opts(p)
    p = _common(
        sub,
        "vector",
        cmd_vector,
        "save v = mean z(B) - mean z(A) beside the checkpoint (vectors/NAME)",
        "A,B files",
        "fp32",
    )
    p.add_argument("--name", required=True, help="e.g. sentiment or tense")
    p.add_argument("--force", action="store_true", help="replace a saved vector of that name")
    p = _common(
        sub,
        "evaluate",
        cmd_evaluate,
        "validation loss terms (and importance-sampled NLL/PPL)",
        "sentences, one per line",
        None,
    )
    p.add_argument("--nll", action="store_true", help="also estimate NLL and perplexity")
    p.add_argument("--m", type=count(1, MAX_IMPORTANCE), default=100, help="importance samples per sentence for --nll")
    p.add_argument("--batch-size", type=count(1, MAX_BATCH), default=256)
    p.add_argument("--json", help="also write the figures as JSON here")
    p = _common(
        sub,
        "neighbors",
        cmd_neighbors,
        "latent nearest neighbours of query sentences in a corpus",
        "corpus, one per line",
    )
    p.add_argument("--query", required=True, help="query sentences, one per line")
    p.add_argument("--n", type=count(1, MAX_NEIGHBOURS), default=10, help="neighbours per query")
    readable_flag(p)
    p = _common(sub, "export", cmd_export, "re-save a checkpoint (ours or reference) in our format", precision=None)
    p.set_defaults(needs_model=False)
    p.add_argument("--out", required=True, help="new checkpoint directory")
    p.add_argument("--fp16", action="store_true", help="store weights as float16 (half the size)")
    p.add_argument("--force", action="store_true", help="replace OUT when it exists (its vectors/ too)")
    for add in (
        measure.add_toy,
        measure.add_lab,
        measure.add_eval,
        measure.add_sweep,
        measure.add_geometry,
        measure.add_landscape,
    ):
        add(sub)
    _add_prepare(sub)
    text = "the disk cache of codes and maps (textae.storage.cache): where it is and what it holds, or empty it"
    p = sub.add_parser("cache", help=text, description=text)
    p.add_argument("action", choices=["info", "clear"])
    p.set_defaults(func=cmd_cache)
    return ap


def _add_prepare(sub) -> None:
    text = (
        "fill the disk cache with what the Latent map reads for a corpus (codes, maps, landscape, regions), "
        "so that the app's first view of it is warm; under torchrun the encoding is sharded over the processes"
    )
    p = sub.add_parser("prepare", help=text, description=text)
    p.set_defaults(func=cmd_prepare)
    p.add_argument("--checkpoint", required=True, help="the checkpoint the app will show it with")
    p.add_argument("--data", required=True, help="sentences, one per line, in a folder the app may read")
    p.add_argument("--labels", help="one label per sentence (the region shares), as the sidebar's labels file")
    p.add_argument(
        "--sentences",
        type=count(1, MAX_FILE_LINES),
        default=MAX_FILE_LINES,
        help="the sidebar's 'Sentences to use (at most)': its seeded sample (default: all)",
    )
    p.add_argument("--umap", action="store_true", help="also the UMAP map and its regions")
    p.add_argument("--umap-neighbors", type=count(2, 100), default=15, help="as the page's slider (default 15)")
    p.add_argument("--umap-min-dist", type=finite, default=0.1, help="as the page's slider, 0 to 0.99 (default 0.1)")
    p.add_argument(
        "--landscape",
        type=count(0, MAX_N),
        default=32,
        help="cells per side of the PCA map's landscape (default 32, the page's); 0: none",
    )
    p.add_argument("--no-regions", action="store_true", help="leave out the region labels")
    device_flag(p, "auto")


# ------------------------------------------------------------------ commands


def _decode_kw(a) -> dict:
    """The decoding keywords of TextAE.decode from the decoding flags."""
    return dict(config=DecodeConfig(**given(a, DecodeConfig)), seed=a.seed)


def _emit(lines: list[str], output: str | None, readable: bool = False) -> None:
    if readable:
        lines = detokenize_all(lines)
    text = "\n".join(lines) + "\n"
    if output:
        try:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            write_text(output, text)
        except OSError as e:
            raise TextaeError(f"--output {output}: cannot write it ({e.strerror or e})") from None
        err(f"wrote {len(lines)} lines to {output}")
    else:
        sys.stdout.write(text)


def cmd_train(a) -> None:
    overrides = given(a, ModelConfig)
    model_cfg = preset(a.preset or "daae", **overrides)
    if a.resume and a.init:
        raise TextaeError("give --resume (continue this run) or --init CKPT (a new run from its weights), not both")
    if a.resume and overrides:
        err("note: --resume keeps the saved model config; ignoring " + ", ".join(sorted(overrides)))
    init_overrides = None
    if a.init:  # the checkpoint's config, changed only where asked: by --preset and by model flags
        init_overrides = {**({k: getattr(model_cfg, k) for k in INIT_OVERRIDES} if a.preset else {}), **overrides}
    saved = {}
    if a.resume:  # the run's own settings (from last/, which a resume needs), changed only by the flags given now
        saved = read_meta(recover(Path(a.save_dir) / "last")).get("train") or {}
    saved = {f.name: saved[f.name] for f in fields(TrainConfig) if f.name in saved}
    tc = TrainConfig(**{**saved, **given(a, TrainConfig)})
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
    _emit(m.decode(m.encode(lines(a.data), sample=a.sample_z), **_decode_kw(a)), a.output, a.readable)


def cmd_sample(a, m) -> None:
    _emit(m.sample(a.n, **_decode_kw(a)), a.output, a.readable)


def cmd_interpolate(a, m) -> None:
    files = a.data.split(",")
    if len(files) != 2:
        raise TextaeError("--data takes two files, A.txt,B.txt, whose lines are paired")
    s1, s2 = lines(files[0]), lines(files[1])
    if len(s1) != len(s2):
        raise TextaeError(
            f"{files[0]} has {len(s1)} lines and {files[1]} {len(s2)}: lines are paired, so they must match"
        )
    out = []
    for x, y in zip(s1, s2):
        out += m.interpolate(x, y, a.n, a.method, **_decode_kw(a)) + [""]
    _emit(out[:-1], a.output, a.readable)


def cmd_arithmetic(a, m) -> None:
    files = a.data.split(",")
    if a.vector:
        if len(files) != 1:
            raise TextaeError("with --vector, --data is one file: the sentences to change")
        v, _ = m.load_vector(a.vector)
        sc = lines(files[0])
    elif len(files) != 3:
        raise TextaeError("--data takes three files, A,B,C: v = mean z(B) - mean z(A) is applied to C")
    else:
        sa, sb, sc = (lines(f) for f in files)
        v = m.style_vector(sa, sb)
    err(f"|v| = {np.linalg.norm(v):.3f}, k = {a.k}")
    _emit(m.apply_vector(sc, v, a.k, **_decode_kw(a)), a.output, a.readable)


def cmd_vector(a, m) -> None:
    files = a.data.split(",")
    if len(files) != 2:
        raise TextaeError("--data takes two files, A,B: v = mean z(B) - mean z(A)")
    v = m.style_vector(lines(files[0]), lines(files[1]))
    info = {"about": f"{Path(files[0]).name} → {Path(files[1]).name}", "A": files[0], "B": files[1]}
    out = m.save_vector(a.name, v, info, overwrite=a.force)
    print(f"|v| = {np.linalg.norm(v):.3f}; wrote {out}")


def cmd_evaluate(a, m) -> None:
    sents = read_sentences(a.data)
    figures = evaluate_losses(m.model, Batches(sents, m.vocab, a.batch_size, m.device))
    if a.nll:
        r = m.nll([" ".join(s) for s in sents], m=a.m)
        figures.update(nll=r["nll"], ppl=r["ppl"])
    for k, v in figures.items():
        print(f"{k:>8} {v:.4f}")
    if a.json:
        write_json(a.json, figures)


def cmd_neighbors(a, m) -> None:
    corpus, queries = lines(a.data), lines(a.query)
    say = detokenize if a.readable else str
    for q, nbs in zip(queries, m.neighbors(queries, corpus, a.n)):
        print(f"query: {say(q)}")
        for nb in nbs:
            print(f"  {nb.distance:8.4f}  {say(nb.sentence)}")


def cmd_prepare(a) -> None:
    from tqdm.auto import tqdm

    if not 0 <= a.umap_min_dist <= 0.99:
        raise TextaeError(f"--umap-min-dist must be from 0 to 0.99, as the page's slider, not {a.umap_min_dist:g}")
    # the folders the app may read (textae.storage.access): what is prepared here is what the app may open
    data, labels = readable(a.data, corpus=True), readable(a.labels, corpus=True) if a.labels else None
    ckpt = readable(a.checkpoint)
    world, device = setup(a.device)
    try:
        corpus = read_corpus(data, labels, a.sentences)
        m = load(ckpt, device, a.precision)
        settings = MapSettings(a.umap, a.umap_neighbors, a.umap_min_dist, a.landscape, not a.no_regions)
        bars: dict[str, tqdm] = {}

        def progress(stage: str, f: float) -> None:
            if world.main:
                bar = bars.setdefault(stage, tqdm(total=100, desc=stage, file=sys.stderr, disable=None, unit="%"))
                bar.update(round(100 * f) - bar.n)

        done = prepare(m, corpus, settings, world, progress)
        for bar in bars.values():
            bar.close()
        if world.main:
            print(f"prepared in {cache.root()}: " + "; ".join(done))
            print(
                f"serve with {('TEXTAE_PRECISION=' + m.precision + ' ') if a.precision != 'auto' else ''}"
                f"streamlit run serve.py, then open the Latent map on {data.name} ({len(corpus.sentences):,} "
                "sentences)"
            )
    finally:
        teardown()


def cmd_cache(a) -> None:
    if a.action == "clear":
        print(f"removed {cache.clear()} entries from {cache.root()}")
        return
    i = cache.info()
    print(
        f"{i['root']}: {i['entries']} entries, {i['bytes'] / 2**20:,.1f} MiB of {i['limit_bytes'] / 2**20:,.0f} MiB"
        + (f"; the oldest used {i['oldest']}" if i["oldest"] else "")
        + (
            f"; removed {i['leftovers']} temporary file(s) of interrupted writes ({i['leftover_bytes'] / 2**20:,.1f} "
            "MiB)"
            if i["leftovers"]
            else ""
        )
    )
    wanted, problem = precision.from_env()
    print(
        f"precision: {precision.describe(wanted)}, the app's ({precision.ENV}); entries are kept per precision"
        + (f"; {problem}" if problem else "")
    )


def cmd_export(a) -> None:
    try:
        print(f"wrote {export(a.checkpoint, a.out, fp16=a.fp16, force=a.force)}")
    except CheckpointError as e:
        raise TextaeError(str(e).replace("force=True", "--force")) from None


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    err(f"warning: {message}")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (2 for a user error, printed without a traceback).

    Only textae's own errors (TextaeError and its kinds) become `error:` lines: anything else is a bug,
    and its traceback is shown.
    """
    a = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    warnings.simplefilter("always", TextaeWarning)
    reports.MADE.clear()
    stdout, sys.stdout = sys.stdout, Printable(sys.stdout)  # what a file holds cannot move the terminal's cursor
    try:
        if getattr(a, "needs_model", False):
            a.func(a, load(a.checkpoint, a.device, getattr(a, "precision", "fp32")))
        else:
            a.func(a)
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stderr.close()
    except TextaeError as e:
        user_error(f"error: {e}")
        reports.remove_made_empty()  # a refused input leaves no empty --out folder behind
        return 2
    finally:
        sys.stdout = stdout
    return 0


def user_error(message: str) -> None:
    """Say a user error once: under torchrun every rank meets it, and rank 0 alone prints it; each rank also
    leaves it in torchrun's error file (TORCHELASTIC_ERROR_FILE), so that torchrun's own report names it rather
    than asking for a traceback."""
    import json
    import os
    import time

    if os.environ.get("RANK", "0") == "0":
        err(message)
    if reply := os.environ.get("TORCHELASTIC_ERROR_FILE"):
        try:
            write_text(reply, json.dumps({"message": message, "timestamp": int(time.time())}))
        except OSError:  # the report then lacks the message; the exit status still says it failed
            pass
