"""textae explorer: `streamlit run app.py`. The navigation frame and the shared sidebar; pages live in pages/."""

import streamlit as st

from textae import ui

st.set_page_config(page_title="textae", page_icon=":material/hub:", layout="wide")

pages = {
    "": [st.Page("pages/home.py", title="Welcome", icon=":material/home:", default=True)],
    "Explore a checkpoint": [
        st.Page("pages/latent_map.py", title="Latent map", icon=":material/scatter_plot:"),
        st.Page("pages/interpolation.py", title="Interpolation", icon=":material/linear_scale:"),
        st.Page("pages/style.py", title="Style arithmetic", icon=":material/functions:"),
        st.Page("pages/compare.py", title="Compare models", icon=":material/compare:"),
        st.Page("pages/inspector.py", title="Checkpoint inspector", icon=":material/search_insights:"),
    ],
    "Learn": [st.Page("pages/toy_lab.py", title="Toy lab", icon=":material/bubble_chart:")],
}
page = st.navigation(pages)
st.session_state["selection"] = ui.sidebar()
page.run()
