"""textae explorer: `streamlit run serve.py` (this frame with a warm start), or `streamlit run app.py`. The
navigation frame and the shared sidebar; the pages live in app_pages/ (pages only), the parts they share in
explorer/."""

import logging

import streamlit as st

from explorer import ROOT, feedback, keep, sidebar, warmup
from explorer.corpus_source import Source
from textae.runtime import use_server_threads

use_server_threads()  # OMP_NUM_THREADS where it is set, else the cores up to 4
# the favicon from this checkout: a material icon as page_icon is fetched from Google's font host by every
# browser, and a class's server sends nothing out (docs/serving.md)
st.set_page_config(page_title="textae", page_icon=str(ROOT / "explorer" / "favicon.png"), layout="wide")

home = st.Page("app_pages/home.py", title="Welcome", icon=":material/home:", default=True)
toy_lab = st.Page("app_pages/toy_lab.py", title="Toy lab", icon=":material/bubble_chart:")
text_lab = st.Page("app_pages/text_lab.py", title="Text lab", icon=":material/model_training:")
NO_SIDEBAR = {home, toy_lab, text_lab}  # pages that use no checkpoint or corpus from the sidebar
pages = {
    "": [home],
    "Explore a checkpoint": [
        st.Page("app_pages/latent_map.py", title="Latent map", icon=":material/scatter_plot:"),
        st.Page("app_pages/interpolation.py", title="Interpolation", icon=":material/linear_scale:"),
        st.Page("app_pages/style.py", title="Style arithmetic", icon=":material/functions:"),
        st.Page("app_pages/compare.py", title="Compare models", icon=":material/compare:"),
        st.Page("app_pages/inspector.py", title="Checkpoint inspector", icon=":material/search_insights:"),
    ],
    "Learn": [
        toy_lab,
        text_lab,
        st.Page("app_pages/geometry.py", title="Geometry", icon=":material/straighten:"),
    ],
}
keep.begin_run()  # before any control: explorer/keep.py tells a control's return by the runs that drew it
page = st.navigation(pages)
uses_sidebar = page not in NO_SIDEBAR  # the Page objects themselves: renaming a title changes nothing
if uses_sidebar:
    st.session_state["selection"] = selection = sidebar.draw()
try:
    page.run()
except Exception as e:  # the page's edge: what no page caught is said in words and logged, never a traceback
    logging.getLogger("textae.app").exception("the page %s stopped", page.url_path)
    st.error(
        f"This page stopped on an unexpected error: {feedback.md(f'{type(e).__name__}: {e}')}. Change a "
        "setting or reload the page; the server's log has the details.",
        icon=":material/error:",
    )
    st.stop()  # a view that fails is not remembered for the next warm start
if uses_sidebar and selection.corpus_kind != Source.UPLOAD:  # reached when the page ran to its end
    warmup.remember(page.url_path, st.query_params.to_dict())  # replayed when the server next starts (serve.py)
