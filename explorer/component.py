"""The app's own st.components.v2 components: each is a folder holding NAME.html, NAME.css and NAME.js."""

from __future__ import annotations

from pathlib import Path

import streamlit as st


def from_folder(name: str, folder: Path):
    """Register component `textae.NAME` from folder/NAME.{html,css,js}.

    Not in a shadow root (isolate_styles=False), so tests and benchmarks read it like the rest of the page;
    every CSS rule is scoped under the component's own class instead.
    """
    files = {kind: (folder / f"{name}.{kind}").read_text(encoding="utf-8") for kind in ("html", "css", "js")}
    return st.components.v2.component(f"textae.{name}", **files, isolate_styles=False)
