"""The URL's state: the parameters the shared sidebar keeps in step with its selections, so that a copied
address opens the same view, and the warm start (explorer/warmup.py) remembers and replays the same ones.
Every value is untrusted: paths pass textae.storage.access, numbers are clamped, text is bounded."""

from __future__ import annotations

CKPT, CKPT2, CORPUS, LABELS, N = "ckpt", "ckpt2", "corpus", "labels", "n"
SIDEBAR = (CKPT, CKPT2, CORPUS, LABELS, N)  # what the sidebar writes, in this order
MAX_VALUE = 1000  # characters of one remembered value (the sidebar's paths are far shorter)


def limit(text: str, low: int, high: int, default: int) -> tuple[int, str]:
    """The URL's n: a whole number within [low, high], clamped to the nearest end, or `default` when it is
    no number; with a notice to show when the link's value was not used as it is (else "")."""

    def used(n: int) -> str:  # the most there is reads the whole file, however long or short it is
        return f"the whole file is used (up to {high:,} lines)" if n >= high else f"{n:,} sentences are used"

    try:
        n = int(text[:16])
    except ValueError:  # "nan", "1e3", "": no whole number
        return default, f"The link's n is not a whole number; {used(default)}."
    clamped = min(max(n, low), high)
    if clamped != n:
        return (
            clamped,
            f"The link asks for {n:,} sentences; the number box allows {low:,} to {high:,}, so {used(clamped)}.",
        )
    return n, ""
