"""textae explorer, warm: `streamlit run serve.py`. The app of app.py, whose server first runs again the
views it showed last (explorer/warmup.py), so that the first visitor after a restart waits no longer than
the next one. `streamlit run app.py` serves the same app, cold."""

import streamlit as st

from explorer.warmup import lifespan

app = st.App("app.py", lifespan=lifespan)
