"""textae explorer: `streamlit run serve.py` (this frame with a warm start), or `streamlit run app.py`. The
navigation frame and the shared sidebar; the pages live in app_pages/ (pages only), the parts they share in
explorer/."""

import os

import streamlit as st
import torch

from explorer import state, warmup

torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))  # decoding one batch gains little past 4
st.set_page_config(page_title="textae", page_icon=":material/hub:", layout="wide")

pages = {
    "": [st.Page("app_pages/home.py", title="Welcome", icon=":material/home:", default=True)],
    "Explore a checkpoint": [
        st.Page("app_pages/latent_map.py", title="Latent map", icon=":material/scatter_plot:"),
        st.Page("app_pages/interpolation.py", title="Interpolation", icon=":material/linear_scale:"),
        st.Page("app_pages/style.py", title="Style arithmetic", icon=":material/functions:"),
        st.Page("app_pages/compare.py", title="Compare models", icon=":material/compare:"),
        st.Page("app_pages/inspector.py", title="Checkpoint inspector", icon=":material/search_insights:"),
    ],
    "Learn": [
        st.Page("app_pages/toy_lab.py", title="Toy lab", icon=":material/bubble_chart:"),
        st.Page("app_pages/text_lab.py", title="Text lab", icon=":material/model_training:"),
        st.Page("app_pages/geometry.py", title="Geometry", icon=":material/straighten:"),
    ],
}
NO_SIDEBAR = {"Welcome", "Toy lab", "Text lab"}  # pages that use no checkpoint or corpus from the sidebar
page = st.navigation(pages)
if page.title in NO_SIDEBAR:
    state.keep_sidebar()
else:
    st.session_state["selection"] = selection = state.sidebar()
page.run()
if page.title not in NO_SIDEBAR and selection.corpus_kind != "Upload a file":  # reached when the page ran to its end
    warmup.remember(page.url_path, st.query_params.to_dict())  # replayed when the server next starts (serve.py)
