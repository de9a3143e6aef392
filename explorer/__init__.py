"""The explorer app's parts, beside its pages (app_pages/): the frame (app.py) and every page import these.

access     what the app may read from the server's disk (allowed roots)
cache      models, encodes, decodes, corpora and projections, computed once per server
feedback   the library's warnings and errors as page messages; text shown as itself in Markdown
state      the shared sidebar's selections and the URL that mirrors them
widgets    sentence boxes, the attribute-vector picker, the shared data's presets
charts     the app's Plotly figures
scatter/   the latent map's WebGL renderer (st.components.v2): a view's points are sent once
component  the app's own st.components.v2 components, each from a folder of HTML, CSS and JS
scrubber/  the client-side slider (st.components.v2; its HTML, CSS and JS as files), with moving maps
live_lab   the Text lab's one live run per server, trained in a background thread
warmup     the warm start (serve.py): the views a server showed last, run again before a new one answers
browser    the app in Debian's Chromium, for the browser tests and the benchmarks
"""
