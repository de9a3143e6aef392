"""Import of checkpoints made by the reference implementation (shentianxiao/text-autoencoders).

A reference checkpoint is a `model.pt` beside a `vocab.txt`. The pickle is read with
`torch.load(weights_only=True)` and only `argparse.Namespace` allowed, so a file that would run code is
refused and its code never runs.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

import torch

from textae.config import ModelConfig, NoiseConfig
from textae.errors import CheckpointError
from textae.model import TextAutoencoder, from_state
from textae.vocab import Vocab, read_vocab

REFERENCE_TYPES = {"dae": "ae", "ae": "ae", "vae": "vae", "aae": "aae"}


def load_reference(path: str | Path, device: str | torch.device = "cpu") -> tuple[TextAutoencoder, Vocab, dict]:
    """Import a checkpoint of the reference implementation (model.pt beside vocab.txt)."""
    path = Path(path)
    vocab = read_vocab(path.parent / "vocab.txt")
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # the unpickler's errors are of many types; none may fall through to a full unpickle
        # torch's own message may advise weights_only=False, which would run the file's code: never repeat it
        raise CheckpointError(
            f"{path} was refused: it is not a plain weights file "
            f"(only tensors and argparse.Namespace are allowed; the loader said {type(e).__name__})"
        ) from None
    if (
        not isinstance(ckpt, dict)
        or not isinstance(ckpt.get("model"), dict)
        or not isinstance(ckpt.get("args"), argparse.Namespace)
    ):
        raise CheckpointError(
            f"{path} is not a reference checkpoint: expected a dict with 'args' (a Namespace) and 'model' (tensors)"
        )
    try:
        cfg = config_from_reference(vars(ckpt["args"]), vocab.size)
    except KeyError as e:
        raise CheckpointError(f"{path}: its args lack {e.args[0]!r}, which the model's shape needs") from None
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: its args are not usable: {e}") from None
    state = {k: v for k, v in ckpt["model"].items() if cfg.adversarial or not k.startswith("D.")}
    model = from_state(cfg, state, str(path))
    meta = {
        "format": "reference",
        "model": asdict(cfg),
        "source": str(path),
        "train": {"lr": float(vars(ckpt["args"]).get("lr", 5e-4))},
    }
    return model.to(device).eval(), vocab, meta


def config_from_reference(args: dict, vocab_size: int) -> ModelConfig:
    """Map the reference's argparse options onto a ModelConfig (variant from its losses and noise)."""
    kind = args.get("model_type", args.get("model", "dae"))
    if kind not in REFERENCE_TYPES:
        raise CheckpointError(f"unknown reference model type {kind!r}")
    noise = NoiseConfig.parse(args.get("noise", [0, 0, 0, 0]))
    model_type = REFERENCE_TYPES[kind]
    if model_type == "aae":
        model_type = "daae" if noise.active else "laae" if args.get("lambda_p", 0) > 0 else "aae"
    # args.vocab_size is the reference's cap on words; the true size is vocab.txt's line count
    return ModelConfig(
        model_type=model_type,
        vocab_size=vocab_size,
        dim_emb=args["dim_emb"],
        dim_h=args["dim_h"],
        dim_z=args["dim_z"],
        nlayers=args.get("nlayers", 1),
        dim_d=args.get("dim_d", 512),
        dropout=float(args.get("dropout", 0.5)),
        lambda_kl=float(args.get("lambda_kl", 0)),
        lambda_adv=float(args.get("lambda_adv", 0)),
        lambda_p=float(args.get("lambda_p", 0)),
        noise=noise,
    )
