"""The app's own st.components.v2 components: each is a folder holding NAME.html, NAME.css and NAME.js."""

from __future__ import annotations

from pathlib import Path

import streamlit as st


def from_folder(name: str, folder: Path):
    """Register component `textae.NAME` from folder/NAME.{html,css,js}.

    Not in a shadow root (isolate_styles=False), so tests and benchmarks read it like the rest of the page;
    every CSS rule is scoped under the component's own class instead.

    The component's `data` reaches its JS as `component.data[0]`: sent as a one-item list, which Streamlit
    writes as JSON as it is, where it scans a dict's values for dataframes and so imports pandas (a quarter
    second on a server's first map, which draws before pandas or torch is needed: docs/app.md).
    """
    files = {kind: (folder / f"{name}.{kind}").read_text(encoding="utf-8") for kind in ("html", "css", "js")}
    mount = st.components.v2.component(f"textae.{name}", **files, isolate_styles=False)

    def mounted(*, data=None, **kwargs):
        return mount(data=[data], **kwargs)

    return mounted
