"""textae explorer: `streamlit run app.py`. The navigation frame; each page lives in pages/."""

import streamlit as st

st.set_page_config(page_title="textae", page_icon=":material/hub:", layout="wide")

pages = [
    st.Page("pages/home.py", title="Welcome", icon=":material/home:", default=True),
    st.Page("pages/toy_lab.py", title="Toy lab", icon=":material/scatter_plot:"),
]
st.navigation(pages).run()
