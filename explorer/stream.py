"""A cold corpus's Latent map, drawn as its codes come (docs/serving.md: the first view).

When a corpus's codes are neither in the server's store nor in the disk cache, and the corpus is larger than
textae.chunks' seeded sample, the Latent map does not wait for all of them. A background job (`Job`, one per
model and corpus in this process: `job`) encodes them chunk by chunk, the sample first (`TextAE.encode_chunks`),
fits the PCA plane on the sample (`Projection.fit_plane`, the plane `corpus_map` fits) and places each chunk on
it. The page draws the sample's points as soon as they are in; then, POLL seconds after the browser drew what
it was sent, it asks (explorer/scatter's `next` trigger) and a fragment sends it the points that came since,
no point twice (an `append` message). Since the browser asks only once it has drawn, no message can take the
place of one it has not drawn yet (Streamlit renders a component's newest message alone). The map can be
panned, zoomed and hovered meanwhile, and a line says how many of how many are drawn. Every session that asks
for the same corpus under the same model reads the same job, and leaving the page does not stop it: once the
last chunk is in, `encode_chunks` writes the codes to the disk cache (the same bits as `encode_corpus`), the
job writes the map there too, and the page reruns whole, on the points the browser already holds (the streamed
view keeps its own id and drawing order: `streamed_id`).

Another corpus, or another model, is another job and another view: a stream's points are never drawn on
another's. A corpus whose file changes while it streams is a new view, and its old stream stops (`job`: the
same source under the same model with other sentences); it writes nothing, since `encode_chunks` keeps the
codes only once every chunk is in. A corpus no larger than the sample is encoded at once, as before.

The same fragment (`drawing`) sends a large view whose map is already made in slices (`in_slices`): a view
of more than scatter.LOD points (200,000; TEXTAE_MAP_LOD) that the browser lacks gets the first LOD points
of its seeded drawing order as its first message, then LOD more at each look, as appends, until the browser
holds the view the one-shot path would have sent (the same id, the same order), so a warm million-point map
paints after 200,000 points. Colourings and the search recolour the points drawn meanwhile, and the appends
after them carry the new colours; a box, lasso or click waits for every point (`select=False` until then),
so that a selection never holds a subset's points only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from explorer import scatter, store
from textae.chunks import plan, sizes
from textae.data import Corpus
from textae.maps import projection
from textae.maps.projection import Projection, map_chunks, map_kept, umap_chunks, umap_plan
from textae.storage.keys import View

if TYPE_CHECKING:
    from textae import api

log = logging.getLogger("textae.stream")

# seconds from a stream's slice drawn to the browser's ask for the next (a look at the job). A cold corpus's
# chunks come about a second apart, and each look costs the browser and the server CPU that the encoding
# would use: looking every half second made the whole stream slower (docs/benchmarks.md)
POLL = 1.0
# the same for a view whose map is made (`in_slices`): its slices are ready, and the pause leaves the browser
# time for a pan or a hover between them
SLICE_POLL = 0.25
KEPT = (
    2  # finished jobs kept beside the running ones (their points and codes: the store and the disk hold the codes too)
)
_jobs: OrderedDict[tuple, Job] = OrderedDict()
_lock = threading.Lock()


class Job:
    """A map's points placed in the background, part by part: `work(job)` yields (rows [k], points [k, 2]), may
    say how far it is before its first part (`job.fraction`), and its return value is kept as `result`.
    `points` [N, 2] is filled as parts come; `drawn` rows of it are in, in the order `rows()` gives.
    `encoding` makes a cold corpus's codes and their PCA map (`job`); `umap_chunks` a UMAP map of codes
    already made (`umap_job`)."""

    def __init__(
        self,
        n: int,
        work: Callable[[Job], Generator],
        source: tuple | None = None,
        axis_titles: tuple[str, str] = ("PC 1", "PC 2"),
    ):
        self.n = n
        self.source = source  # what a changed file of the same name replaces (an encoding of a file's path)
        self.axis_titles = axis_titles
        self.stop = threading.Event()  # set when a newer version of the same source replaces this one
        self.points = np.zeros((n, 2), dtype=np.float32)
        self.result = None  # what `work` returned, once it has ended (an encoding: the codes [N, dim_z])
        self.fraction = 0.0  # how far the work is before its first part, as it says (a UMAP fit)
        self.began = time.monotonic()
        self.error: BaseException | None = None
        self.started = threading.Event()  # the first part's points are in (or the job failed)
        self.finished = threading.Event()
        self._chunks: list[np.ndarray] = []  # each part's rows, in the order they came
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, args=(work,), daemon=True, name="textae-stream")
        self.thread.start()

    def seconds(self) -> float:
        """Seconds since the job began."""
        return time.monotonic() - self.began

    def say(self, fraction: float) -> None:
        """How far the work is before its first part, for the page's progress bar."""
        self.fraction = float(fraction)

    @property
    def drawn(self) -> int:
        """How many of the corpus's points are placed."""
        with self._lock:
            return sum(len(r) for r in self._chunks)

    def rows(self) -> np.ndarray:
        """[drawn] the corpus indices placed so far, in the order they came (the sample first)."""
        with self._lock:
            return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int64)

    def _run(self, make: Callable[[Job], Generator]) -> None:
        try:
            work = make(self)
            while True:
                try:
                    rows, points = next(work)
                except StopIteration as end:
                    self.result = end.value
                    return
                if self.stop.is_set():  # the corpus changed: close the work, which keeps nothing
                    work.close()
                    log.info("a background map stopped: its corpus changed")
                    return
                self.points[rows] = points
                with self._lock:
                    self._chunks.append(rows)
                self.started.set()
        except BaseException as e:  # said by the page that reads the job
            log.exception("making a map in the background failed")
            self.error = e
        finally:
            self.started.set()
            self.finished.set()


def encoding(m: api.TextAE, corpus: Corpus) -> Generator:
    """A cold corpus's codes, chunk by chunk, each chunk's points placed on the PCA plane fitted on the seeded
    sample (textae.maps.projection.map_chunks, which keeps the map on disk as the page would make it): a Job's
    work, which returns the codes [N, dim_z]."""
    import torch  # here: a warm map draws before torch loads (explorer/models.py)

    from explorer.corpora import sentence_lengths, unknown_share

    with torch.inference_mode():  # the job's thread alone resumes this generator
        Z = yield from map_chunks(m, corpus.sentences, Projection("pca"), corpus.digest, codes=True)
    Z.setflags(write=False)
    unknown_share(m, corpus)  # on disk before the whole page's run asks for it: off the request path
    if not corpus.labels:  # held, likewise: an unlabelled corpus's map is first coloured by them
        sentence_lengths(corpus)
    return Z


def key(m: api.TextAE, corpus: Corpus) -> tuple:
    """A job's name: the codes' key in the server's store (the model and the sentences)."""
    return View.of(m, corpus).key("codes")


def streams(corpus: Corpus) -> bool:
    """Whether a cold corpus is drawn as its codes come: it is larger than the seeded sample."""
    return len(plan(len(corpus.sentences))) > 1


def job(m: api.TextAE, corpus: Corpus) -> Job:
    """The job encoding `corpus` under `m` in this process, started when there is none (or the last failed)."""
    # what a changed file of the same name replaces: a file's path (an upload's name may be another's)
    source = (m.fingerprint(), corpus.source) if Path(corpus.source).is_file() else None
    return _started(key(m, corpus), lambda: Job(len(corpus.sentences), lambda job: encoding(m, corpus), source))


def umap_job(m: api.TextAE, corpus: Corpus, Z: np.ndarray, proj: Projection) -> Job:
    """The job making `corpus`'s UMAP map `proj` from its codes Z [N, dim_z] (textae.maps.projection.umap_chunks:
    the fit's seeded sample first, then each batch it places), started when there is none."""
    name = ("umap job", View.of(m, corpus, proj).only("map").key("map"))

    def made(job: Job) -> Generator:
        return umap_chunks(m.fingerprint(), corpus.sentences, Z, proj, corpus.digest, job.say)

    return _started(name, lambda: Job(len(Z), made, axis_titles=proj.axis_titles))


def _started(name: tuple, make: Callable[[], Job]) -> Job:
    """The job named `name` in this process, made when there is none (or the last failed); a new job for the
    same source stops the older one, and only the KEPT most recent finished jobs are kept."""
    with _lock:
        found = _jobs.get(name)
        if found is None or found.error is not None:
            found = _jobs[name] = make()
            for k, older in list(_jobs.items()):  # the same file under the same model, other sentences: stop it
                if k != name and found.source and older.source == found.source and not older.finished.is_set():
                    older.stop.set()
                    del _jobs[k]
        _jobs.move_to_end(name)
        done = [k for k, j in _jobs.items() if j.finished.is_set() and k != name]
        for k in done[: max(0, len(done) - KEPT)]:
            del _jobs[k]
        return found


def running(m: api.TextAE, corpus: Corpus) -> Job | None:
    """This process's job for `corpus` under `m`, if there is one (finished or not)."""
    with _lock:
        return _jobs.get(key(m, corpus))


def streamed_id(m: api.TextAE, corpus: Corpus, proj: Projection | None = None) -> str:
    """The id of the streamed view of `corpus` on `proj`'s map (PCA when None; explorer/scatter): the map's own
    view, drawn in the order its points came rather than a shuffle, so it is another view in the browser."""
    view = View.of(m, corpus, proj or Projection("pca")).only("map")
    return scatter.view_id(view.key("points"), "streamed")


def arrival(n: int, method: str = "pca") -> np.ndarray:
    """[n] the corpus indices in the order a stream places them: textae.chunks.plan's for a cold corpus's PCA
    map, textae.maps.projection.umap_plan's for a UMAP map."""
    return np.concatenate(plan(n) if method == "pca" else umap_plan(n))


def colours(corpus: Corpus) -> tuple:
    """A streamed map's colouring: the corpus's labels (the Latent map's first colouring), or none."""
    color, title = scatter.by_label(corpus.labels)
    return color, title, (("label", corpus.labels_digest) if color is not None else None)


def show(m: api.TextAE, corpus: Corpus) -> None:
    """The map of a corpus whose codes are still coming: the sample's points first, then each chunk's as it
    comes, with a line that says how many are drawn; the whole page once every chunk is in."""
    work = job(m, corpus)
    if not work.started.is_set():
        sample = min(sizes()[0], work.n)
        with st.spinner(f"Encoding a seeded sample of {sample:,} of {work.n:,} sentences…"):
            work.started.wait()
    view = streamed_id(m, corpus)
    color, title, colours_id = colours(corpus)
    drawing(
        work.n,
        work.rows,
        work.finished.is_set,
        lambda order: scatter.corpus_points(
            view, work.points, corpus.sentences, color, title, corpus.digest, colours_id=colours_id, order=order
        ),
        "the rest of the corpus is being encoded and drawn as it comes, on the PCA plane of the first seeded "
        "sample. Hover, pan and zoom meanwhile; the other projections, colourings, the search and the regions "
        "come once every sentence is encoded.",
        axis_titles=work.axis_titles,
    )


def umap_streams(m: api.TextAE, corpus: Corpus, Z: np.ndarray, proj: Projection) -> bool:
    """Whether a UMAP map is drawn as it is made: it is neither held nor on disk, and the corpus is larger than
    the fit's sample (a smaller one is fitted whole, under a progress bar, as before)."""
    if len(Z) <= projection.FIT_SAMPLE or store.has(View.of(m, corpus, proj).only("map").key("map")):
        return False
    return not map_kept(m.fingerprint(), corpus.sentences, Z.shape[1], proj, corpus.digest)


def show_umap(m: api.TextAE, corpus: Corpus, Z: np.ndarray, proj: Projection) -> None:
    """A UMAP map that is being made: a progress bar while it is fitted on its seeded sample (a minute or so at
    FIT_SAMPLE codes), then the sample's points, then each batch the fit places, as `show` draws a cold corpus;
    the whole page once the map is kept."""
    work = umap_job(m, corpus, Z, proj)
    n, sample = len(Z), min(projection.FIT_SAMPLE, len(Z))

    @st.fragment(run_every=POLL)
    def fitting() -> None:
        if work.started.is_set():
            st.rerun()
        st.progress(  # UMAP says how far only in its layout's epochs, after finding the neighbours
            min(work.fraction, 1.0),
            text=f"UMAP: fitting a seeded sample of {sample:,} of {n:,} codes, {work.seconds():.0f} s so far "
            f"(each code's neighbours first, then the layout: {work.fraction:.0%}). Its points come next, then "
            "the rest as the fit places them; kept on disk for next time.",
        )

    if not work.started.is_set():
        fitting()
        return
    color, title, colours_id = colours(corpus)
    view = streamed_id(m, corpus, proj)
    drawing(
        n,
        work.rows,
        work.finished.is_set,
        lambda order: scatter.corpus_points(
            view, work.points, corpus.sentences, color, title, corpus.digest, colours_id=colours_id, order=order
        ),
        f"the fit's seeded sample first, then the rest as UMAP places them, {projection.TRANSFORM_BATCH:,} at a "
        "time. Hover, pan and zoom meanwhile; the colourings, the search and the regions come once every point "
        "is placed.",
        axis_titles=work.axis_titles,
    )


def drawing(
    n: int,
    rows: Callable[[], np.ndarray],
    done: Callable[[], bool],
    make: Callable[[np.ndarray], scatter.Points],
    note: str,
    done_once_sent: bool = False,
    poll: float = POLL,
    **shown,
) -> None:
    """A map whose n points come in slices: a fragment, run when the browser asks (`poll` seconds after it drew
    the last slice), that mounts `make(rows())` (`rows`: the corpus indices to draw by now, in drawing order;
    the browser is sent those it lacks alone, an `append`: explorer/scatter), says how many of n are drawn (and
    `note`), and reruns the whole page once `done()`. No box, lasso or click meanwhile: a selection waits for
    every point. done_once_sent: `done()` holds as soon as every point is sent (a view whose map is made), so
    the browser asks at once after the last slice, and the page is whole and selectable without a wait (a job
    is done only once its codes and map are written). `shown`: the rest of `scatter.scatter`'s arguments. A
    cold corpus's job (`show`) and a large view's slices (`in_slices`) alike."""

    @st.fragment  # run by the browser: it asks for the next slice `poll` seconds after it drew the last
    def look() -> None:
        if done():  # every point is in: the whole page, on the points the browser holds
            st.rerun()
        order = rows()
        wait = 0 if done_once_sent and len(order) >= n else round(poll * 1000)
        scatter.scatter("map_chart", make(order), select=False, next_ms=wait, **shown)
        st.caption(f"**{len(order):,} of {n:,} drawn**: {note}")

    look()


def slices(view: str, n: int) -> np.ndarray:
    """[k] the corpus indices of a view of n points to draw by now: the first LOD of its drawing order
    (explorer/scatter: a seeded shuffle, so a seeded subset) when the browser holds none, then LOD more at each
    look, up to the whole view in the order the one-shot view draws it."""
    return scatter.drawing_order(n)[: min(n, scatter.held_count(view) + scatter.LOD)]


def sliced(view: str, n: int) -> bool:
    """Whether a view of n points is sent in slices (`in_slices`): it holds more than LOD points and this
    browser does not yet hold them all."""
    return n > scatter.LOD and scatter.held_count(view) < n


def in_slices(view: str, n: int, make: Callable[[np.ndarray], scatter.Points], **shown) -> None:
    """A view of more than LOD points whose map is made (its codes and points in the store or the disk cache):
    its first message holds a seeded subset of LOD points, and the rest comes LOD at a time by the stream's
    appends (`drawing`), so that the first paint waits for LOD points, not all of them. `make(order)`: the
    view's `scatter.corpus_points` drawn in `order`; its id stays `view`, so once every point is in, the whole
    page draws the view the browser holds and sends nothing again."""
    drawing(
        n,
        lambda: slices(view, n),
        lambda: scatter.held_count(view) >= n,
        make,
        f"a seeded subset of {scatter.LOD:,} first, the rest {scatter.LOD:,} at a time. Hover, pan and zoom "
        "meanwhile; a box, lasso or click selects once every point is drawn, so that it holds all of them.",
        done_once_sent=True,
        poll=SLICE_POLL,
        **shown,
    )


def finished_codes(m: api.TextAE, corpus: Corpus) -> np.ndarray | None:
    """A finished job's codes, kept in the server's store under the codes' key; None when there are none."""
    work = running(m, corpus)
    if work is None or not work.finished.is_set():
        return None
    if work.error is not None:
        raise work.error
    store.keep(key(m, corpus), (work.result, []))
    return work.result
