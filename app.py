"""textae explorer: `streamlit run app.py`. The navigation frame; each page lives in pages/."""

import streamlit as st

st.set_page_config(page_title="textae", page_icon=":material/hub:", layout="wide")

pages = [
    st.Page("pages/home.py", title="Welcome", icon=":material/home:", default=True),
]
st.navigation(pages).run()
