"""The explorer app's parts, beside its pages (app_pages/): the frame (app.py) and every page import these.

url        the URL's parameters that the sidebar keeps in step with its selections (the warm start's too)
url_sync   the sidebar's selections read from the URL on a session's first run, written back on every run
state      what the sidebar has picked (Selection) and what pages ask of it: model(), corpus(), a checkpoint's name
sidebar    the shared sidebar: checkpoints, corpus and its size, Show tokens, the model card
corpus_source  where the sidebar's corpus comes from (shared splits, a file, an upload, the prior) and reading it
model_card the sidebar's description of the selected checkpoint
keep       the one way a control's value outlives a page that does not draw it (the sidebar's and the pages')
models     checkpoints as pages see them: named (fingerprint) before they load, from what their last load kept
cached_model  a checkpoint loaded (torch) on the first call that computes; short encodes and decodes cached
corpora    corpora read once per server (files, uploads, presets) and a corpus's codes under a model
maps       a corpus's 2-D maps, fitted once and kept on disk
stream     a map drawn as it comes: a cold corpus's seeded sample first, then its chunks; a large warm map in slices
store      what every session of a server shares in memory (codes, maps, map points): LRU, bounded in bytes
feedback   the library's warnings (captured per session) and errors as page messages; text shown as itself
text       text as a person reads it (detokenised), or the corpus's tokens when the sidebar asks
widgets    sentence boxes, the attribute-vector picker, the shared data's presets
charts     the app's Plotly figures
component  the app's own st.components.v2 components, each from a folder of HTML, CSS and JS
map_panels the Latent map's panels where the decoder draws: landscape, regions, noise cloud, rewrite
scatter/   the latent map's WebGL renderer: a view's points are sent once; clicks are one-shot triggers
scrubber/  the client-side slider, with moving maps
live_lab   the Text lab's one live run per server, trained in a background thread (an explicit state machine)
warmup     the warm start (serve.py): the views a server showed last, run again before a new one answers
streamlit_private  every use of Streamlit's internals (headless runs, a run's context, AppTest's triggers),
           with the versions they are known to work on (SUPPORTED, checked on import)

Data flow: state.model() and state.corpus() give a page its model and corpus, each carrying its fingerprint
(TextAE.fingerprint, kept by textae.storage.known so a restart reads it without loading the model; Corpus.digest);
corpora.codes and maps.projection key their results by those two, in the disk cache (textae.storage.cache) and
in the store: a warm map after a restart is drawn before torch or pandas is imported. The Chromium helpers of
the tests and benchmarks are tests/browser.py.
"""

import os

# The app's torch threads wait for each other at OpenMP barriers many times a sentence (an LSTM's steps). libgomp
# spins 300,000 times there before it sleeps, burning a core that the browser drawing the map, or another
# session, needs: beside one busy process, encoding took far longer than with 3,000 spins, which cost nothing
# on an idle machine (docs/benchmarks.md). Read once, when torch loads libgomp, so it
# is set here, before any part of the app imports torch; a value set by whoever starts the server wins.
os.environ.setdefault("GOMP_SPINCOUNT", "3000")

from pathlib import Path

from textae.storage import access

ROOT = Path(__file__).resolve().parents[1]  # the app's folder: the project whose files the app may read
access.use_project(ROOT)  # the library does not look for the app: the app names its folder
