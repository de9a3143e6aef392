"""The sidebar's model card: a short description of the selected checkpoint (its variant, size, training data,
progress, best validation loss and the precision it runs in)."""

from __future__ import annotations

import streamlit as st

from explorer.feedback import md
from explorer.models import load_model
from textae.errors import TextaeError
from textae.precision import from_env


def model_card(path: str | None) -> None:
    """A short description of the selected checkpoint in the sidebar."""
    if not path:
        return
    try:
        m = load_model(path)
    except (TextaeError, OSError):  # the page says why, once
        return
    c, meta = m.cfg, m.meta
    lines = [
        f"**{c.model_type.upper()}** · {sum(m.param_counts().values()) / 1e6:.1f}M parameters",
        f"emb {c.dim_emb} · hidden {c.dim_h} · z {c.dim_z} · vocab {c.vocab_size:,}",
    ]
    data = meta.get("data") or {}
    if data.get("train"):
        t = data["train"]
        lines.append(f"trained on {md(str(t.get('name')))} ({t.get('sentences', 0):,} sentences)")
    prog, best = meta.get("progress") or {}, meta.get("best") or {}
    if prog:
        lines.append(f"epoch {prog.get('epoch')} · step {prog.get('step'):,}")
    if best.get("valid_loss") is not None:
        extra = f" · rec {best['rec']:.2f}" if "rec" in best else ""
        lines.append(f"best valid loss {best['valid_loss']:.2f}{extra} (epoch {best.get('epoch')})")
    if meta.get("format") == "reference":
        lines.append("reference-format checkpoint (imported on load)")
    wanted = from_env()[0]  # what this server asked for, and what this model runs (auto may fall back to fp32)
    lines.append(f"inference in {m.precision}" + (f" ({wanted} chose it)" if wanted == "auto" else ""))
    with st.sidebar.expander("Model card", expanded=True):
        st.markdown("  \n".join(lines))
