"""The paper's measurements of text autoencoders, for any checkpoints, on a data directory.

The directory is laid out like ../shared/data/yelp:

    train.txt valid.txt test.txt     one sentence per line (train.labels / test.labels: 0 or 1 per line)
    tense/valid.past  tense/valid.present
    sentiment/100.neg sentiment/100.pos
    interpolate/example.long interpolate/example.short   (pairs: line i of each)

Only train.txt and test.txt are required; each optional part that is missing is
skipped, and the report says so. `Suite.run(model)` returns one dict of figures:

- rec_bleu: corpus BLEU of greedy reconstructions of the test sentences;
- np@k: neighbourhood preservation (Section 5 of the paper): of each query's 10 nearest
  test sentences by word edit distance, the fraction among the k nearest codes;
- sample_ppl, distinct-1/2, copied: of greedy decodes of prior samples, the perplexity under
  a language model trained on train.txt, n-gram diversity, and the share found verbatim in train.txt;
- transfer: z + k·v for sentiment (100.neg -> 100.pos applied to negative test sentences, and back)
  and tense (past -> present on held-apart past sentences): the share a TF-IDF + logistic-regression
  classifier assigns to the target, self-BLEU to the input, and perplexity;
- interpolation: the decoded path between each pair, and its number of distinct sentences.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from textae.api import TextAE
from textae.data import DataLayout, make_corpus, read_lines
from textae.errors import DataError
from textae.measure.metrics import corpus_bleu, distinct_n, edit_neighbors, neighborhood_recall
from textae.measure.style import StyleClassifier

CURVE_KS = (1, 2, 5, 10, 20, 50, 100, 200)
# the scales of z + k·v reported: enough points to draw each model's accuracy/self-BLEU trade-off
TRANSFER_KS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5)


def _sentences(path: Path) -> list[str]:
    return [" ".join(line.split()) for line in read_lines(path)]


@dataclass
class DataDir:
    """The sentences of an evaluation directory (optional parts are None when missing)."""

    root: Path
    train: list[str]
    test: list[str]
    train_labels: list[str] | None = None
    test_labels: list[str] | None = None
    tense: tuple[list[str], list[str]] | None = None  # (past, present)
    sentiment: tuple[list[str], list[str]] | None = None  # (negative, positive) sets for the vector
    pairs: list[tuple[str, str]] = field(default_factory=list)
    valid: list[str] | None = None

    @classmethod
    def load(cls, root: str | Path) -> DataDir:
        """Read a data directory; DataError names what is missing."""
        d = DataLayout(Path(root))
        if not d.root.is_dir():
            raise DataError(f"{d.root}: no such data directory")
        for name in ("train", "test"):
            if not d.split(name).exists():
                raise DataError(
                    f"{d.root} has no {d.split(name).name}; an evaluation directory needs train.txt and test.txt"
                )

        def both(pair: tuple[Path, Path]) -> tuple[Path, Path] | None:
            return pair if all(p.exists() for p in pair) else None

        split = {}  # make_corpus drops empty lines and keeps each split's labels aligned with what is left
        for name in ("train", "test"):
            lab = d.labels(name)
            split[name] = make_corpus(read_lines(d.split(name)), read_lines(lab) if lab.exists() else None, source=name)
        tense, sentiment, interp = both(d.tense()), both(d.sentiment(100)), both(d.interpolation())
        return cls(
            root=d.root,
            train=split["train"].sentences,
            test=split["test"].sentences,
            train_labels=split["train"].labels,
            test_labels=split["test"].labels,
            tense=(_nonempty(tense[0]), _nonempty(tense[1])) if tense else None,
            sentiment=(_nonempty(sentiment[0]), _nonempty(sentiment[1])) if sentiment else None,
            pairs=[(a, b) for a, b in zip(*map(_sentences, interp)) if a and b] if interp else [],
            valid=_nonempty(d.split("valid")) if d.split("valid").exists() else None,
        )


def _nonempty(p: Path) -> list[str]:
    return [s for s in _sentences(p) if s]


Classifier = StyleClassifier  # the judge of style transfer (textae.measure.style), under its old name


def perplexity(lm: TextAE, sents: list[str]) -> float:
    """Perplexity of sentences under a language model (the `lm` preset: exact, no sampling)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty decodes are scored as "<eos>" alone
        return lm.nll(sents, m=1)["ppl"]


def reconstruction_bleu(m: TextAE, sents: list[str]) -> float:
    """Corpus BLEU of greedy reconstructions against their inputs."""
    return corpus_bleu(m.reconstruct(sents), sents)


def generation(m: TextAE, n: int, seed: int = 0) -> tuple[list[str], dict[str, float]]:
    """Greedy decodes of n prior samples and their diversity (distinct-1, distinct-2)."""
    samples = m.sample(n, seed=seed)
    return samples, {"distinct-1": distinct_n(samples, 1), "distinct-2": distinct_n(samples, 2)}


def quick_figures(
    models: dict[str, TextAE],
    sents: list[str],
    n_samples: int = 200,
    progress: Callable[[float, str], None] | None = None,
) -> list[dict]:
    """Rec BLEU, neighbourhood preservation at 10 and sample diversity of each model on any sentences.

    The figures of `Suite.run` without a data directory: every sentence is a query, and its
    10 edit-distance neighbours (computed once, for all models) are looked for among its
    10 nearest codes. `progress(fraction, message)` is told before each step.
    """
    tell = progress or (lambda *_: None)
    tell(0.0, "edit-distance neighbours…")
    queries = np.arange(len(sents))
    true_nn = edit_neighbors(sents, queries, 10)
    rows = []
    for i, (name, m) in enumerate(models.items()):
        tell(i / len(models), f"{name}: reconstructions…")
        Z = m.encode(sents)  # [N, dim_z], for both the reconstructions and the neighbours
        bleu = corpus_bleu(m.decode(Z), sents)
        tell((i + 0.5) / len(models), f"{name}: neighbours and samples…")
        recall = neighborhood_recall(Z, queries, true_nn, (10,))[10]
        rows.append(
            {
                "checkpoint": name,
                "type": m.cfg.model_type,
                "BLEU": bleu,
                "neighbourhood@10": recall,
                **generation(m, n_samples)[1],
            }
        )
    tell(1.0, "done")
    return rows


class Suite:
    """Everything that does not depend on the model, prepared once: neighbours, classifiers, splits."""

    def __init__(
        self,
        data: DataDir,
        lm: TextAE | None,
        n_queries: int = 1000,
        n_eval: int = 1000,
        n_samples: int = 1000,
        ks: tuple[float, ...] = TRANSFER_KS,
        interp_steps: int = 10,
        seed: int = 0,
        log: Callable[[str], None] = print,
    ):
        self.data, self.lm, self.ks, self.n_samples, self.interp_steps = data, lm, ks, n_samples, interp_steps
        self.notes: list[str] = []
        rng = random.Random(seed)
        self.queries = np.array(sorted(rng.sample(range(len(data.test)), min(n_queries, len(data.test)))))
        log(f"edit-distance neighbours of {len(self.queries)} test sentences among {len(data.test)}")
        self.true_nn = edit_neighbors(data.test, self.queries, 10)
        self.rec_set = data.test[:n_eval]
        self.train_set = set(data.train)
        self.classifiers: dict[str, tuple[Classifier, float]] = {}
        self.transfer_sets: dict[str, tuple[list[str], list[str], list[str], str]] = {}
        if data.sentiment and data.train_labels and data.test_labels:
            log("sentiment classifier (TF-IDF + logistic regression) on train.txt")
            clf = Classifier(data.train, data.train_labels)
            acc = clf.accuracy(data.test, data.test_labels)
            self.classifiers["sentiment"] = (clf, acc)
            neg = [s for s, y in zip(data.test, data.test_labels) if y == "0"][:n_eval]
            pos = [s for s, y in zip(data.test, data.test_labels) if y == "1"][:n_eval]
            a, b = data.sentiment
            self.transfer_sets["sentiment neg→pos"] = (a, b, neg, "1")
            self.transfer_sets["sentiment pos→neg"] = (b, a, pos, "0")
        else:
            self.notes.append("sentiment transfer skipped: needs sentiment/100.{neg,pos} and train/test .labels")
        if data.tense:
            past, present = data.tense
            cut_p, cut_n = int(0.8 * len(past)), int(0.8 * len(present))
            log("tense classifier on 80% of tense/valid.{past,present}; the other 20% is held apart")
            clf = Classifier(past[:cut_p] + present[:cut_n], ["past"] * cut_p + ["present"] * cut_n)
            held = past[cut_p:] + present[cut_n:]
            acc = clf.accuracy(held, ["past"] * (len(past) - cut_p) + ["present"] * (len(present) - cut_n))
            self.classifiers["tense"] = (clf, acc)
            self.transfer_sets["tense past→present"] = (past[:cut_p], present[:cut_n], past[cut_p:][:n_eval], "present")
        else:
            self.notes.append("tense transfer skipped: needs tense/valid.{past,present}")
        if lm is None:
            self.notes.append("perplexities skipped: no language model")
        if not data.pairs:
            self.notes.append("interpolation skipped: needs interpolate/example.{long,short}")

    def _ppl(self, sents: list[str]) -> float:
        return perplexity(self.lm, sents) if self.lm is not None else float("nan")

    def run(self, m: TextAE, parts: tuple[str, ...] = ("rec", "np", "gen", "transfer", "interp")) -> dict:
        """All figures of one model (or only the named parts)."""
        out: dict = {"type": m.cfg.model_type, "path": m.path}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown words in the test data are expected
            if "rec" in parts:
                out["rec_bleu"] = reconstruction_bleu(m, self.rec_set)
            if "np" in parts:
                Z = m.encode(self.data.test)
                curve = neighborhood_recall(Z, self.queries, self.true_nn, CURVE_KS)
                out["np@10"], out["np@100"] = curve[10], curve[100]
                out["np_curve"] = {str(k): v for k, v in curve.items()}
            if "gen" in parts:
                samples, diversity = generation(m, self.n_samples)
                out["sample_ppl"] = self._ppl(samples)
                out.update(diversity)
                out["copied"] = float(np.mean([s in self.train_set for s in samples]))
                out["samples"] = samples[:10]
            if "transfer" in parts and self.transfer_sets:
                out["transfer"] = []
                for task, (a, b, inputs, target) in self.transfer_sets.items():
                    clf = self.classifiers[task.split()[0]][0]
                    for k, outs in zip(self.ks, m.sweep_vector(inputs, m.style_vector(a, b), self.ks)):
                        out["transfer"].append(
                            {
                                "task": task,
                                "k": k,
                                "accuracy": clf.accuracy(outs, [target] * len(outs)),
                                "self_bleu": corpus_bleu(outs, inputs),
                                "ppl": self._ppl(outs),
                                "examples": list(zip(inputs[:3], outs[:3])),
                            }
                        )
            if "interp" in parts and self.data.pairs:
                out["interpolation"] = []
                for a, b in self.data.pairs:
                    path = m.interpolate(a, b, self.interp_steps)
                    out["interpolation"].append({"from": a, "to": b, "path": path, "distinct": len(set(path))})
        return out

    def classifier_accuracy(self) -> dict[str, float]:
        """Held-out accuracy of each transfer classifier."""
        return {k: acc for k, (_, acc) in self.classifiers.items()}


def markdown(results: dict[str, dict], suite: Suite) -> str:
    """The report: a table of the main figures, one of transfer, interpolation counts, and notes."""

    def f(x, fmt="{:.2f}") -> str:
        return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else fmt.format(x)

    lines = [
        f"# Evaluation on `{suite.data.root}`",
        "",
        "| checkpoint | type | rec BLEU | NP@10 | NP@100 | sample PPL | distinct-1 | distinct-2 | copied |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['type']} | {f(r.get('rec_bleu'), '{:.1f}')} | {f(r.get('np@10'), '{:.3f}')} | "
            f"{f(r.get('np@100'), '{:.3f}')} | {f(r.get('sample_ppl'), '{:.1f}')} | {f(r.get('distinct-1'))} | "
            f"{f(r.get('distinct-2'))} | {f(r.get('copied'), '{:.1%}')} |"
        )
    if any(r.get("transfer") for r in results.values()):
        accs = ", ".join(f"{k} {a:.1%}" for k, a in suite.classifier_accuracy().items())
        ks = sorted({t["k"] for r in results.values() for t in r.get("transfer", [])})
        lines += ["", f"## Style transfer by z + k·v (classifiers' held-out accuracy: {accs})", ""]
        lines += ["Each cell: transfer accuracy / self-BLEU to the input (perplexities are in the JSON).", ""]
        head = "| checkpoint | task | " + " | ".join(f"k = {k:g}" for k in ks) + " |"
        lines += [head, "|---|---|" + "---|" * len(ks)]
        for name, r in results.items():
            by_task: dict[str, dict[float, dict]] = {}
            for t in r.get("transfer", []):
                by_task.setdefault(t["task"], {})[t["k"]] = t
            for task, row in by_task.items():
                cells = [f"{row[k]['accuracy']:.1%} / {row[k]['self_bleu']:.1f}" if k in row else "–" for k in ks]
                lines.append(f"| {name} | {task} | " + " | ".join(cells) + " |")
    if any(r.get("interpolation") for r in results.values()):
        lines += ["", f"## Interpolation ({suite.interp_steps} steps per pair)", ""]
        lines += ["| checkpoint | mean distinct sentences per path |", "|---|---|"]
        for name, r in results.items():
            if r.get("interpolation"):
                lines.append(f"| {name} | {np.mean([p['distinct'] for p in r['interpolation']]):.1f} |")
    lines += ["", "NP@k: neighbourhood preservation (10 edit-distance neighbours found among the k nearest codes)."]
    lines += [f"Note: {n}" for n in suite.notes]
    return "\n".join(lines) + "\n"
