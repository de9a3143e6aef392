"""The explorer app's pages (run by app.py's st.navigation) and ui.py, the helpers they share."""
