"""Typed configurations and the named presets of the paper's model families.

Every variant shares one architecture (see model.py); presets only change the
loss weights and the input noise. Defaults follow the paper's code.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields

from textae.errors import InputError

MAX_TOKENS = 100  # longer lines are cut: the models are trained on sentences of at most ~35 tokens


@dataclass(frozen=True)
class NoiseConfig:
    """The DAAE's perturbation C(x) of the encoder's input (Section 4 of the paper, in its code's order):
    words shuffled by at most shuffle_k places, then each word dropped, blanked or replaced by a random
    word, each with its own probability."""

    drop: float = 0.0
    blank: float = 0.0
    sub: float = 0.0
    shuffle_k: float = 0.0

    def __post_init__(self):
        ps = (self.drop, self.blank, self.sub)
        if not all(isinstance(v, (int, float)) and 0.0 <= v <= 1.0 for v in ps) or not self.shuffle_k >= 0:
            raise InputError(f"noise probabilities must lie in [0, 1] and shuffle_k >= 0, got {self}")

    @property
    def active(self) -> bool:
        """Whether C(x) changes anything."""
        return any(v > 0 for v in (self.drop, self.blank, self.sub, self.shuffle_k))

    @classmethod
    def parse(cls, value: NoiseConfig | dict | list | tuple | str) -> NoiseConfig:
        """A NoiseConfig from itself, a dict of its fields, or the four numbers drop,blank,sub,shuffle_k
        as a list (the reference's and older checkpoints' form) or as text "0.3,0,0,0"."""
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return from_dict(cls, value)
        try:
            vals = [float(x) for x in (value.split(",") if isinstance(value, str) else value)]
        except (TypeError, ValueError):
            vals = []
        if len(vals) != 4:
            raise InputError(f"noise takes 4 comma-separated numbers (drop,blank,sub,shuffle_k), got {value!r}")
        return cls(*vals)


@dataclass
class ModelConfig:
    """Architecture and objective of one text autoencoder."""

    model_type: str = "ae"  # ae | vae | aae | laae | daae | arae: a label, the fields below decide the loss
    vocab_size: int = 0  # filled in from the vocabulary
    dim_emb: int = 512
    dim_h: int = 1024
    dim_z: int = 128
    nlayers: int = 1
    dim_d: int = 512
    dropout: float = 0.5
    lambda_kl: float = 0.0  # VAE: weight of KL(q(z|x) || N(0, I))
    lambda_adv: float = 0.0  # AAE: weight of the adversarial loss on z
    lambda_p: float = 0.0  # LAAE: weight of the L1 penalty on log-variance
    noise: NoiseConfig = field(default_factory=NoiseConfig)  # the "D" in DAAE
    # ARAE (Zhao et al., 2018): codes on the unit sphere, a generator MLP as the prior,
    # and a WGAN-GP critic between generated and encoded codes instead of D vs N(0, I)
    learned_prior: bool = False
    code_noise: float = 0.0  # ARAE: std of the Gaussian noise added to the unit-norm code in training
    lambda_gp: float = 10.0  # ARAE: weight of the critic's gradient penalty

    def __post_init__(self):
        for name in ("dim_emb", "dim_h", "nlayers", "dim_d"):
            _at_least(self, name, 1)
        _at_least(self, "dim_z", 0)  # 0: the language model, which has no code
        _at_least(self, "vocab_size", 0)  # 0 until the vocabulary fills it in
        for name in ("lambda_kl", "lambda_adv", "lambda_p", "code_noise", "lambda_gp"):
            _at_least(self, name, 0.0)
        if not 0 <= self.dropout < 1:
            raise InputError(f"dropout must lie in [0, 1), not {self.dropout}")
        self.noise = NoiseConfig.parse(self.noise)

    @property
    def adversarial(self) -> bool:
        """Whether the model has a discriminator on z."""
        return self.lambda_adv > 0


@dataclass
class TrainConfig:
    """Optimisation settings; saved beside the model so a run can be resumed."""

    lr: float = 5e-4
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 256
    epochs: int = 30
    max_steps: int = 0  # 0 = no limit; otherwise stop after this many optimiser steps
    patience: int = 0  # early stopping: stop after this many epochs without a better valid rec (0 = never)
    seed: int = 1111
    vocab_max: int = 10000
    log_every: int = 50  # steps between loss log lines (each forces one host sync)
    max_tokens: int = MAX_TOKENS  # longer sentences are truncated, with a warning
    amp: str = "auto"  # auto (bf16 on a CPU that runs it natively, else off; see train.resolve_amp) | bf16 | fp16 | off
    device: str = "auto"

    def __post_init__(self):
        for name in ("batch_size", "epochs", "log_every", "max_tokens", "vocab_max"):
            _at_least(self, name, 1)
        for name in ("max_steps", "patience"):
            _at_least(self, name, 0)
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise InputError(f"lr must be a positive number, not {self.lr}")
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise InputError(f"beta1 and beta2 must lie in [0, 1), not {self.beta1}, {self.beta2}")


# The paper's presets (Section 5, and the reference code's command lines).
PRESETS: dict[str, dict] = {
    "ae": dict(),
    "vae": dict(lambda_kl=0.1),
    "aae": dict(lambda_adv=10.0),
    "laae": dict(lambda_adv=10.0, lambda_p=0.01),
    "daae": dict(lambda_adv=10.0, noise=NoiseConfig(drop=0.3)),
    # ARAE: lambda_adv weighs the critic's pull on the encoder (Zhao et al. scale that gradient by 0.1-1)
    "arae": dict(lambda_adv=1.0, learned_prior=True, code_noise=0.1),
    # a language model: the decoder without z (dim_z 0), for scoring generated text by perplexity
    "lm": dict(dim_z=0),
}


def _at_least(cfg, name: str, low) -> None:
    """Refuse a field below `low`, or one that is not a number (NaN included), naming it."""
    v = getattr(cfg, name)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= low:
        raise InputError(f"{name} must be a number of at least {low}, not {v!r}")


def preset(name: str, **overrides) -> ModelConfig:
    """The ModelConfig of a named preset, with any field overridden."""
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    cfg = replace(ModelConfig(model_type=name, **PRESETS[name]), **overrides)
    if name == "lm" and cfg.dim_z:
        raise InputError(f"the lm preset is a language model without a code; dim_z must stay 0, not {cfg.dim_z}")
    return cfg


def replace(cfg, **overrides):
    """dataclasses.replace that names the unknown field instead of a TypeError."""
    names = {f.name for f in fields(cfg)}
    unknown = set(overrides) - names
    if unknown:
        raise InputError(f"unknown {type(cfg).__name__} field(s): {', '.join(sorted(unknown))}")
    return dataclasses.replace(cfg, **overrides)


def from_dict(cls, d: dict):
    """Build a config dataclass from a dict, ignoring keys a newer version added."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in d.items() if k in names})
