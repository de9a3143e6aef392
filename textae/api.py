"""`textae.load(path)` and the TextAE object: sentences in, codes and sentences out."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import numpy as np
import torch

from textae import ops
from textae.batches import pad_batch
from textae.chunks import plan
from textae.config import ModelConfig, replace
from textae.data import as_sentences
from textae.errors import InputError, TextaeWarning
from textae.generate import DecodeConfig, generate
from textae.likelihood import nll_importance
from textae.model import TextAutoencoder
from textae.precision import Inference, choose, resolve
from textae.runtime import pick_device
from textae.storage import cache
from textae.storage.checkpoint import load_checkpoint
from textae.storage.keys import codes_entry
from textae.storage.vectors import free_name, list_vectors, load_vector, save_vector
from textae.vocab import UNK, Vocab


def load(path: str | Path, device: str | torch.device | None = None, precision: str = "fp32") -> TextAE:
    """Load a checkpoint (ours, a training run directory, or a reference model.pt + vocab.txt).

    `precision` is the arithmetic of encode and greedy decode (textae.precision): fp32 by default, the one
    that promises exact results; "auto" is the fastest that keeps fidelity on this machine and this model.
    """
    model, vocab, meta = load_checkpoint(path, pick_device(str(device) if device else "auto"))
    m = TextAE(model, vocab, meta, path=str(path))
    return m.at_precision(choose(m, precision))


def _listed(sents: str | list[str]) -> tuple[list[str], bool]:
    """One sentence (a str) or several as a list, and whether one was given: a str is never split into its
    characters."""
    if isinstance(sents, str):
        return [sents], True
    if isinstance(sents, (bytes, dict)) or not hasattr(sents, "__iter__"):
        raise InputError(f"expected a sentence (str) or a list of sentences, got {type(sents).__name__}")
    return list(sents), False


MAX_SAMPLES = 1_000_000  # prior samples per call: their codes alone take n * dim_z * 4 bytes


class TextAE:
    """A trained text autoencoder with a sentence-level interface (numpy codes, string sentences).

    A bare str is one sentence wherever sentences are taken, never its characters. Given one sentence as a str,
    `encode`, `reconstruct`, `apply_vector`, `sweep_vector` and `neighbors` answer with one result (a [dim_z]
    code, a str, one list); given a list, with a list in the same order (an [N, dim_z] array, a list of str).
    `style_vector`, `nll`, `encode_corpus` and `encode_chunks` read a str as a set (a corpus) of one sentence;
    `interpolate` takes two sentences, each a str. `decode` answers one str for one code [dim_z], a list for
    codes [N, dim_z].
    """

    def __init__(
        self, model: TextAutoencoder, vocab: Vocab, meta: dict | None = None, path: str = "", precision: str = "fp32"
    ):
        self.model = model.eval()
        self.vocab = vocab
        self.meta = meta or {}
        self.path = path
        self.inference = Inference(self.model, precision)  # a resolved precision: fp32, bf16 or int8

    def own_unknown_share(self) -> float:
        """The share of the words of this model's own validation text outside its vocabulary, as its checkpoint
        records it (`textae train` writes it), else that of its training text (its vocabulary's counts)."""
        valid = (self.meta.get("data") or {}).get("valid") or {}
        share = valid.get("unknown_share") if isinstance(valid, dict) else None
        return float(share) if isinstance(share, int | float) else self.vocab.train_unknown_share()

    @property
    def precision(self) -> str:
        """The arithmetic of encode and greedy decode: fp32, bf16 or int8 (textae.precision)."""
        return self.inference.precision

    def at_precision(self, precision: str) -> TextAE:
        """This model (the same weights, shared) computing at another precision (fp32, bf16, int8, auto)."""
        precision = resolve(precision, self.device)
        if precision == self.precision:
            return self
        other = type(self)(self.model, self.vocab, self.meta, self.path, precision)
        other._content = getattr(self, "_content", None)  # the same weights: their hash is not computed again
        return other

    @property
    def cfg(self) -> ModelConfig:
        """The model's configuration."""
        return self.model.cfg

    @property
    def device(self) -> torch.device:
        """Where the weights live."""
        return next(self.model.parameters()).device

    def __repr__(self) -> str:
        c = self.cfg
        return (
            f"TextAE({c.model_type}, vocab {c.vocab_size}, dim_emb {c.dim_emb}, dim_h {c.dim_h}, "
            f"dim_z {c.dim_z}, from {self.path or 'memory'!r})"
        )

    def fingerprint(self) -> str:
        """A hash of the weights, the vocabulary and the precision (a bf16 or int8 code is another result than
        fp32's): the disk cache's key for what this model computes."""
        if getattr(self, "_fingerprint", None) is None:
            h = self._content_hash().copy()
            if self.precision != "fp32":  # fp32 keeps the key it always had, so its cached results stay valid
                h.update(self.precision.encode())
            self._fingerprint = h.hexdigest()
        return self._fingerprint

    def _content_hash(self):
        """The sha256 of the weights and the vocabulary, computed once and shared with `at_precision`'s models."""
        if getattr(self, "_content", None) is None:
            h = hashlib.sha256()
            for name, t in sorted(self.model.state_dict().items()):
                h.update(name.encode() + t.detach().to("cpu", torch.float32).contiguous().numpy().tobytes())
            h.update("\n".join(self.vocab.idx2word).encode())
            self._content = h
        return self._content

    def param_counts(self) -> dict[str, int]:
        """Parameter count of each top-level module (embed, E, G, h2mu, ..., D)."""
        counts = {name: sum(p.numel() for p in m.parameters()) for name, m in self.model.named_children()}
        return {name: n for name, n in counts.items() if n}

    # ------------------------------------------------------------- codes
    @torch.inference_mode()
    def encode(self, sents: str | list[str], sample: bool = False, batch_size: int = 256) -> np.ndarray:
        """Codes of sentences: the posterior mean, or z ~ q(z|x) with sample=True.

        A str gives a [dim_z] array, a list an [N, dim_z] array in input order.
        """
        toks, single = as_sentences(sents)
        ids = [self.vocab.ids(s) for s in toks]
        n_all_unk = sum(1 for s in ids if s and all(i == UNK for i in s))
        if n_all_unk:
            warnings.warn(
                f"{n_all_unk} sentence(s) hold only words outside the vocabulary; they are encoded as <unk> tokens",
                TextaeWarning,
                stacklevel=2,
            )
        Z = np.zeros((len(ids), self.cfg.dim_z), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # similar lengths share a batch
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            go_x, _, lengths = pad_batch([ids[i] for i in chunk], self.device)
            mu, logvar = self.inference.encode(go_x, lengths)
            z = self.model.reparameterize(mu, logvar) if sample else mu
            Z[chunk] = z.float().cpu().numpy()
        return Z[0] if single else Z

    def encode_corpus(
        self, sents: str | list[str], progress: Callable[[float], None] | None = None, digest: str | None = None
    ) -> np.ndarray:
        """Posterior means [N, dim_z] of a corpus, computed once and kept in the disk cache (textae.storage.cache),
        keyed by this model's weights and the sentences (`digest`: their sentences_digest, when the caller
        has it); encoded in textae.chunks.plan's chunks, as `encode_chunks` does; progress(fraction) meanwhile.
        A str is a corpus of one sentence ([1, dim_z])."""
        sents, _ = _listed(sents)
        name, expect = self.codes_entry(sents, digest)

        def compute() -> dict[str, np.ndarray]:
            Z = np.zeros((len(sents), self.cfg.dim_z), dtype=np.float32)
            done = 0
            for rows, codes in self._encode_plan(sents):
                Z[rows] = codes
                done += len(rows)
                if progress:
                    progress(done / len(sents))
            return {"codes": Z}

        return cache.get(name, compute, expect)["codes"]

    def encode_chunks(
        self, sents: str | list[str], digest: str | None = None
    ) -> Generator[tuple[np.ndarray, np.ndarray], None, np.ndarray]:
        """A corpus's codes chunk by chunk, the seeded sample first (textae.chunks.plan): (rows [k], codes [k,
        dim_z]) per chunk, read from `encode_corpus`'s disk-cache entry when it is there, else encoded; once the
        last chunk is out, the whole is kept in that entry, and returned (the generator's value: [N, dim_z]).
        Put together, they are `encode_corpus`'s codes to the bit (the same chunks, batched the same way). A
        str is a corpus of one sentence."""
        sents, _ = _listed(sents)
        name, expect = self.codes_entry(sents, digest)
        found = cache.read(name, expect)
        if found is not None:
            for rows in plan(len(sents)):
                yield rows, found["codes"][rows]
            return found["codes"]
        Z = np.zeros((len(sents), self.cfg.dim_z), dtype=np.float32)
        for rows, codes in self._encode_plan(sents):
            yield rows, codes
            # kept once the chunk is out: the sample's rows are spread over all of Z, whose pages the first write
            # maps in (N x dim_z floats: half a GB for a million 128-d codes), so the sample is shown before that
            Z[rows] = codes
        return cache.get(name, lambda: {"codes": Z}, expect)["codes"]  # written unless another process wrote it

    def codes_entry(self, sents: list[str], digest: str | None) -> tuple[str, dict]:
        """The disk-cache name of a corpus's codes under this model, and the arrays it must hold."""
        return codes_entry(self.fingerprint(), self.cfg.dim_z, sents, digest)

    def _encode_plan(self, sents: list[str]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(rows, codes) of each chunk of textae.chunks.plan, encoded."""
        for rows in plan(len(sents)):
            yield rows, TextAE.encode(self, [sents[i] for i in rows])

    @torch.inference_mode()
    def decode(
        self,
        Z: np.ndarray,
        config: DecodeConfig | None = None,
        seed: int | None = None,
        batch_size: int = 256,
        avoid: tuple[str, ...] = (),
        **options,
    ) -> list[str] | str:
        """Sentences for codes Z [N, dim_z] (a list) or z [dim_z] (a str).

        `config`, or DecodeConfig's fields as keywords (strategy="beam", max_len=20, ...), say how. `avoid`: words
        a greedy decode never chooses ("<unk>": the next likeliest word stands in its place); words outside the
        vocabulary are ignored.
        """
        config = replace(config or DecodeConfig(), **options)
        banned = sorted({self.vocab.word2idx[w] for w in avoid if w in self.vocab.word2idx})
        if banned and config.strategy != "greedy":
            raise InputError("only a greedy decode can keep words from being chosen")
        best = self.inference.best_token
        if banned:
            ids = torch.tensor(banned, dtype=torch.long, device=self.device)
            best = lambda h: self.inference.best_token(h, ids)  # noqa: E731
        Z = np.asarray(Z, dtype=np.float32)
        single = Z.ndim == 1
        Z = Z[None] if single else Z
        if Z.ndim != 2 or Z.shape[1] != self.cfg.dim_z:
            raise InputError(f"codes must have shape [N, {self.cfg.dim_z}], got {list(Z.shape)}")
        gen = None
        if seed is not None:
            gen = torch.Generator(device=self.device)
            gen.manual_seed(seed)
        out = []
        for start in range(0, len(Z), batch_size):
            z = torch.from_numpy(Z[start : start + batch_size]).to(self.device)
            rows = generate(self.model, z, config, gen, best)
            out += [" ".join(self.vocab.words(row)) for row in rows.tolist()]
        return out[0] if single else out

    # ------------------------------------------------------------ sentences
    def reconstruct(self, sents: str | list[str], **decode_kw) -> list[str] | str:
        """decode(encode(x)): the posterior mean decoded (greedy unless told otherwise)."""
        return self.decode(self.encode(sents), **decode_kw)

    def sample(self, n: int, seed: int | None = None, **decode_kw) -> list[str]:
        """Decode n codes drawn from the model's prior (N(0, I); an ARAE's generator)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= MAX_SAMPLES:
            raise InputError(f"the number of samples must be a whole number from 0 to {MAX_SAMPLES:,}, not {n!r}")
        return self.decode(self.prior_codes(n, seed), seed=seed, **decode_kw)

    @torch.inference_mode()
    def prior_codes(self, n: int, seed: int | None = None) -> np.ndarray:
        """n codes [n, dim_z] from the model's prior (N(0, I), or the ARAE generator's)."""
        eps = np.random.default_rng(seed).standard_normal((n, self.cfg.dim_z)).astype(np.float32)
        return self.model.prior(torch.from_numpy(eps).to(self.device)).float().cpu().numpy()

    def interpolate(self, s1: str, s2: str, ts=5, method: str = "lerp", **decode_kw) -> list[str]:
        """Decoded sentences along the lerp/slerp path from s1's code to s2's (ts: step count or times)."""
        if not (isinstance(s1, str) and isinstance(s2, str)):
            raise InputError("interpolate takes two sentences, each a str")
        z = self.encode([s1, s2])
        return self.decode(ops.path(z[0], z[1], ts, method), **decode_kw)

    def style_vector(self, sents_a: str | list[str], sents_b: str | list[str]) -> np.ndarray:
        """v = mean z(B) - mean z(A) [dim_z]; a str is a set of one sentence."""
        return ops.attribute_vector(self.encode(_listed(sents_a)[0]), self.encode(_listed(sents_b)[0]))

    def apply_vector(self, sents: str | list[str], v: np.ndarray, k: float = 1.0, **decode_kw) -> list[str] | str:
        """Decode z + k * v for each sentence's code z."""
        return self.sweep_vector(sents, v, [k], **decode_kw)[0]  # a str gives [K] sentences, a list [K][N]

    def sweep_vector(self, sents: str | list[str], v: np.ndarray, ks, **decode_kw) -> list[list[str]] | list[str]:
        """Decode z + k * v for every k and sentence, in one batch: [len(ks)][len(sents)] sentences, or
        [len(ks)] sentences for one sentence given as a str."""
        ks = np.asarray(ks, dtype=np.float32).reshape(-1)  # [K]
        if not np.isfinite(ks).all():
            raise InputError(f"the scale k must be a finite number, not {ks[~np.isfinite(ks)][0]}")
        sents, single = _listed(sents)
        Z = self.encode(sents)  # [N, dim_z]
        shifted = Z[None] + ks[:, None, None] * np.asarray(v, dtype=np.float32)[None, None]  # [K, N, dim_z]
        out = self.decode(shifted.reshape(-1, self.cfg.dim_z), **decode_kw)
        rows = [out[i * len(Z) : (i + 1) * len(Z)] for i in range(len(ks))]
        return [row[0] for row in rows] if single else rows

    # ------------------------------------------------- saved attribute vectors
    def vectors(self) -> list[str]:
        """Names of the attribute vectors saved beside this checkpoint."""
        return list_vectors(self.path) if self.path else []

    def load_vector(self, name: str) -> tuple[np.ndarray, dict]:
        """A saved attribute vector: (v [dim_z], its description dict)."""
        return load_vector(self.path, name, self.cfg.dim_z)

    def save_vector(self, name: str, v: np.ndarray, info: dict | None = None, overwrite: bool = False) -> Path:
        """Save v [dim_z] beside this checkpoint as `name`; an existing name is refused unless `overwrite`."""
        v = np.asarray(v, dtype=np.float32)
        if v.shape != (self.cfg.dim_z,):
            raise InputError(f"an attribute vector of this model has shape [{self.cfg.dim_z}], not {list(v.shape)}")
        return save_vector(self.path, name, v, info, overwrite)

    def free_vector_name(self, name: str) -> str:
        """`name`, or the first of `name-2`, `name-3`, … that no saved vector has."""
        return free_name(self.path, name)

    def neighbors(
        self, queries: str | list[str], corpus: list[str], k: int = 10, corpus_codes: np.ndarray | None = None
    ) -> list[list[ops.Neighbor]] | list[ops.Neighbor]:
        """The k corpus sentences whose codes lie nearest each query's (Euclidean, posterior means): a list
        per query, or one list for one query given as a str; a corpus given as a str is one sentence."""
        corpus, _ = _listed(corpus)
        if not corpus:
            raise InputError("the corpus to search is empty")
        q = np.atleast_2d(self.encode(queries))
        c = self.encode(corpus) if corpus_codes is None else corpus_codes
        idx, dist = ops.nearest(q, c, k)
        out = [[ops.Neighbor(int(i), corpus[i], float(d)) for i, d in zip(ri, rd)] for ri, rd in zip(idx, dist)]
        return out[0] if isinstance(queries, str) else out

    def nll(self, sents: str | list[str], m: int = 100, batch_size: int = 64) -> dict:
        """Importance-sampled NLL (nats per sentence) and perplexity (per word + `<eos>`)."""
        if self.cfg.learned_prior:
            raise InputError("an ARAE's prior is a generator without a density, so its NLL cannot be estimated")
        if m < 1 or batch_size < 1:
            raise InputError(f"nll needs m >= 1 importance samples and batch_size >= 1, not {m} and {batch_size}")
        toks, _ = as_sentences(sents)
        ids = [self.vocab.ids(s) for s in toks]
        per = np.zeros(len(ids))
        for start in range(0, len(ids), batch_size):
            go_x, x_eos, lengths = pad_batch(ids[start : start + batch_size], self.device)
            per[start : start + len(lengths)] = nll_importance(self.model, go_x, x_eos, lengths, m).cpu().numpy()
        n_tokens = sum(len(s) + 1 for s in ids)
        return {"nll": float(per.mean()), "ppl": float(np.exp(per.sum() / n_tokens)), "per_sentence": per}
