// A WebGL scatter of a whole corpus (explorer/scatter/__init__.py). The points come once per view and stay in
// the browser (CACHE, which outlives reruns and page switches), so a click, a selection or another widget's
// change reruns the page without sending them again. A view's colourings come apart from its points (one byte
// a point into a palette), so a new colouring sends its colours alone; a large view's hover texts come on
// request (the `hover` trigger), a neighbourhood of the cursor at a time, kept in a short cache (TEXTS). One draw call for every point; hover, box, lasso and
// clicks are answered here, and only their result goes to the server. A route (an interpolation's path)
// has a marker that follows a slider of the page (explorer/scrubber) in the browser.
const CACHE = (window.__textaeScatter = window.__textaeScatter || new Map());
// what this page was sent, counted across every map and mount (tests and benchmarks): points, colourings, texts
const SENT = (window.__textaeScatterSent = window.__textaeScatterSent || { points: 0, colourings: 0, texts: 0 });
const KEEP = 3;  // views kept in the browser (a 155k view is about 15 MB)
const KEEP_COLOURINGS = 4;  // colourings kept per view (HELD_COLOURINGS in explorer/scatter)
const TEXTS = 4000;  // hover texts fetched on request, kept per view (the oldest dropped first)
const ASK_MS = 60;  // a hover rests this long before its texts are asked for: a sweep of the mouse asks once
const DOUBLE_MS = 300;  // a click waits this long: a second one makes a double-click (reset the view), not two decodes
const G = 128;  // hover index: points bucketed in a G x G grid over the map

function bytes(b64) {
  const s = atob(b64), u = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
  return u;
}

function unpack(p) {
  const xy = new Float32Array(bytes(p.xy).buffer);  // [2n] x, y in drawing order
  const n = xy.length / 2;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i], y = xy[2 * i + 1];
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  if (!(x1 > x0)) { x0 -= 1; x1 += 1; } if (!(y1 > y0)) { y0 -= 1; y1 += 1; }
  // the view opens on the frame Python sent (the bulk of the points, textae.maps.placement.frame), so that a few
  // far outliers do not squeeze the map into a corner; Reset view returns here
  const [f0, f1, g0, g1] = p.frame || [x0, x1, y0, y1];
  const cell = (i) => Math.min(G - 1, Math.floor((xy[2 * i] - x0) / (x1 - x0) * G))
    + G * Math.min(G - 1, Math.floor((xy[2 * i + 1] - y0) / (y1 - y0) * G));
  const start = new Int32Array(G * G + 1), items = new Int32Array(n);
  for (let i = 0; i < n; i++) start[cell(i) + 1]++;
  for (let c = 0; c < G * G; c++) start[c + 1] += start[c];
  const fill = start.slice(0, G * G);
  for (let i = 0; i < n; i++) items[fill[cell(i)]++] = i;
  return {
    n, xy, order: new Int32Array(bytes(p.order).buffer),
    text: typeof p.text === 'string' ? p.text.split('\n') : null,  // [n] in drawing order; null: asked on hover
    texts: new Map(),  // corpus index -> hover text, fetched on request (at most TEXTS)
    colourings: new Map(),  // colouring id -> { rgb [3n] in drawing order, legend }, the newest last
    size: p.size, opacity: p.opacity, bounds: [x0, y0, x1, y1], frame: [f0, g0, f1, g1], start, items,
    sel: new Uint8Array(n), nsel: 0,
  };
}

// a colouring as sent (index [n] uint8 into palette [K, 3] uint8, base64) -> { rgb [3n], legend }
function tint(c, n) {
  const index = bytes(c.index), palette = bytes(c.palette), rgb = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    const k = 3 * index[i];
    rgb[3 * i] = palette[k]; rgb[3 * i + 1] = palette[k + 1]; rgb[3 * i + 2] = palette[k + 2];
  }
  return { rgb, legend: c.legend || {}, palette };
}

// a streamed view's next points (explorer/stream: `append`), added where the view's count ends: coordinates,
// corpus indices, the held colouring's bytes (the view's other colourings are dropped: the server sends them
// anew), hover texts when the view has them inline; the hover grid is made again over every point, and the home
// view stays the first points' (the seeded sample's), so the map does not jump as they come
function grow(v, a) {
  const xy = new Float32Array(bytes(a.xy).buffer), order = new Int32Array(bytes(a.order).buffer);
  const k = order.length, n = v.n + k, XY = new Float32Array(2 * n), O = new Int32Array(n), sel = new Uint8Array(n);
  XY.set(v.xy); XY.set(xy, 2 * v.n); O.set(v.order); O.set(order, v.n); sel.set(v.sel);
  for (const [id, c] of v.colourings) {
    if (id !== a.colouring) { v.colourings.delete(id); continue; }
    const index = bytes(a.index), rgb = new Uint8Array(3 * n);
    rgb.set(c.rgb);
    for (let i = 0; i < k; i++) rgb.set(c.palette.subarray(3 * index[i], 3 * index[i] + 3), 3 * (v.n + i));
    c.rgb = rgb;
  }
  v.text = v.text && typeof a.text === 'string' ? v.text.concat(a.text.split('\n')) : null;
  let [x0, y0, x1, y1] = v.bounds;
  for (let i = 0; i < k; i++) {
    const x = xy[2 * i], y = xy[2 * i + 1];
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  const cell = (i) => Math.min(G - 1, Math.floor((XY[2 * i] - x0) / (x1 - x0) * G))
    + G * Math.min(G - 1, Math.floor((XY[2 * i + 1] - y0) / (y1 - y0) * G));
  const start = new Int32Array(G * G + 1), items = new Int32Array(n);
  for (let i = 0; i < n; i++) start[cell(i) + 1]++;
  for (let c = 0; c < G * G; c++) start[c + 1] += start[c];
  const fill = start.slice(0, G * G);
  for (let i = 0; i < n; i++) items[fill[cell(i)]++] = i;
  Object.assign(v, { n, xy: XY, order: O, sel, bounds: [x0, y0, x1, y1], start, items });
}

// a view (centre and size, in data units) grown to hold every mark's points, with a margin of 6 % of its size
// on the side it grew, so a star (10 px) is not cut at the plot's edge; the view itself when all lie in it
function framed(view, marks) {
  let [x0, x1, y0, y1] = [view.cx - view.w / 2, view.cx + view.w / 2, view.cy - view.h / 2, view.cy + view.h / 2];
  const [mx, my] = [view.w * 0.06, view.h * 0.06];
  for (const m of marks) for (const [x, y] of m.points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x - mx < x0) x0 = x - mx; if (x + mx > x1) x1 = x + mx;
    if (y - my < y0) y0 = y - my; if (y + my > y1) y1 = y + my;
  }
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, w: x1 - x0, h: y1 - y0 };
}

const VS = `attribute vec2 a_xy; attribute vec3 a_rgb; attribute float a_sel;
uniform vec2 u_c; uniform vec2 u_s; uniform float u_size; uniform float u_alpha; uniform float u_dim;
uniform float u_pass; uniform float u_halo;
varying vec4 v_col; varying float v_sel; varying float v_halo;
void main() {
  bool sel = a_sel > 0.5;
  v_sel = sel ? 1.0 : 0.0; v_halo = u_halo;
  if (sel != (u_pass > 0.5)) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); gl_PointSize = 0.0; v_col = vec4(0.0); return; }
  gl_Position = vec4((a_xy - u_c) * u_s, 0.0, 1.0);
  gl_PointSize = sel ? u_size + 6.0 : u_size + 2.0 * u_halo;
  v_col = vec4(a_rgb, sel ? 1.0 : u_alpha * u_dim);
}`;
// Two passes (u_pass): the unselected points, dimmed while a selection is shown, then the selected ones above
// them, opaque, a white ring inside a dark one round their class colour, so a selection reads over any
// landscape. a_sel is 0 or 1 as given (not normalised: a normalised byte's 1 would arrive as 1/255). Over a
// landscape (u_halo) every point has a pale rim, so a blue point stays visible on the change view's purple.
const FS = `precision mediump float; varying vec4 v_col; varying float v_sel; varying float v_halo;
void main() { vec2 d = gl_PointCoord - 0.5; float r = dot(d, d); if (r > 0.25) discard;
  if (v_sel > 0.5) {
    if (r > 0.15) { gl_FragColor = vec4(0.07, 0.07, 0.07, 1.0); return; }
    if (r > 0.08) { gl_FragColor = vec4(1.0, 1.0, 1.0, 1.0); return; }
    gl_FragColor = vec4(v_col.rgb, 1.0); return;
  }
  if (v_halo > 0.5 && r > 0.12) { float a = 0.85 * v_col.a; gl_FragColor = vec4(a, a, a, a); return; }
  gl_FragColor = vec4(v_col.rgb * v_col.a, v_col.a); }`;
// premultiplied colour, blended with (ONE, ONE_MINUS_SRC_ALPHA): what the page composites the canvas with

function program(gl) {  // null on a lost context: nothing can be made on it
  if (gl.isContextLost()) return null;
  const sh = (type, src) => { const s = gl.createShader(type); gl.shaderSource(s, src); gl.compileShader(s); return s; };
  const p = gl.createProgram();
  gl.attachShader(p, sh(gl.VERTEX_SHADER, VS)); gl.attachShader(p, sh(gl.FRAGMENT_SHADER, FS));
  gl.linkProgram(p);
  if (gl.isContextLost()) return null;  // lost as it was made
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(p));
  return p;
}

function inside(px, py, poly) {  // even-odd rule
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > py) !== (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi) c = !c;
  }
  return c;
}

export default function mount(component) {
  const { setStateValue, setTriggerValue, parentElement } = component;
  const data = component.data[0];  // sent as a one-item list (explorer/component.py)
  // Returned to Streamlit, which calls the latest one when the map leaves the page: the window listener,
  // the resize observer and the GL buffers would otherwise keep every old map and its points alive.
  const cleanup = () => {
    const root = parentElement.querySelector('.tx-scatter');
    if (!root) return;
    if (root.__onScrub) window.removeEventListener('textae:scrub', root.__onScrub);
    if (root.__resized) root.__resized.disconnect();
    clearTimeout(root.__pendingClick); clearTimeout(root.__askTimer); clearTimeout(root.__retry); clearTimeout(root.__next);
    const s = root.__scatter;
    if (s) {
      for (const a of Object.values(s.attrs)) s.gl.deleteBuffer(a.b);
      const lose = s.gl.getExtension('WEBGL_lose_context');
      if (lose) lose.loseContext();
    }
    for (const k of ['__scatter', '__onScrub', '__resized', '__draw', '__follow', '__where', '__find', '__empty',
                     '__cell', '__mark', '__drawn', '__pendingClick', '__asking', '__askTimer', '__retry', '__next'])
      delete root[k];
  };
  const root = parentElement.querySelector('.tx-scatter');
  if (data.payload) {
    CACHE.delete(data.id);
    CACHE.set(data.id, unpack(data.payload));
    while (CACHE.size > KEEP) CACHE.delete(CACHE.keys().next().value);
    root.dataset.received = String(Number(root.dataset.received || 0) + 1);  // tests count what was sent
    SENT.points += 1;
    delete root.dataset.asked;
  }
  const v = CACHE.get(data.id);
  if (!v) {  // this browser lost the points (a reload of the app's script): ask for them again
    if (root.dataset.asked !== data.id) { root.dataset.asked = data.id; setTriggerValue('missing', data.id); }
    return cleanup;
  }
  if (data.append && data.append.id === data.id && data.append.from === v.n) {  // a stream's new points: once,
    grow(v, data.append); SENT.points += 1;  // where the view's count ends
  }
  // fewer points than the server sent by now (`n`): an append was missed, the last one too (a render that came
  // before this one's was drawn gives way to it), so ask for the rest from this count, once per count
  if (typeof data.n === 'number' && v.n < data.n && root.dataset.askedRows !== `${data.id}:${v.n}`) {
    root.dataset.askedRows = `${data.id}:${v.n}`; setTriggerValue('missing_rows', { view: data.id, n: v.n });
  }
  if (data.colours) {  // a colouring of these points: kept beside the others, the newest last
    v.colourings.delete(data.colours.id);
    v.colourings.set(data.colours.id, tint(data.colours, v.n));
    while (v.colourings.size > KEEP_COLOURINGS) v.colourings.delete(v.colourings.keys().next().value);
    root.dataset.recoloured = String(Number(root.dataset.recoloured || 0) + 1);  // tests count colourings sent
    SENT.colourings += 1;
    delete root.dataset.askedColours;
  }
  const tinted = v.colourings.get(data.colouring);
  if (!tinted) {  // this browser dropped the colouring: ask for it again
    if (root.dataset.askedColours !== data.colouring) {
      root.dataset.askedColours = data.colouring; setTriggerValue('missing_colours', data.colouring);
    }
    return cleanup;
  }
  if (data.texts && data.texts.view === data.id) {  // hover texts asked for: kept, the oldest dropped past TEXTS
    data.texts.indices.forEach((i, k) => { v.texts.delete(i); v.texts.set(i, data.texts.text[k]); });
    SENT.texts += data.texts.indices.length;
    while (v.texts.size > TEXTS) v.texts.delete(v.texts.keys().next().value);
  }
  root.__asking = 0;  // a rerun came: whatever was asked is answered, or may be asked again
  const stage = root.querySelector('.stage'), ink = root.querySelector('.ink');
  let glc = root.querySelector('.gl');
  const under = root.querySelector('.under');
  const tip = root.querySelector('.tip');
  stage.style.height = `${data.height}px`;
  root.querySelector('.xt').textContent = data.axes[0] || '';
  root.querySelector('.yt').textContent = data.axes[1] ? `y: ${data.axes[1]}` : '';

  // ---- the legend: classes, or a colour ramp
  const legend = root.querySelector('.legend');
  legend.replaceChildren();
  const dots = data.points !== false || v.nsel > 0;  // the points' legend where points are drawn (a selection's too)
  const shade = tinted.legend;
  if (dots && shade.classes) for (const c of shade.classes) {
    const k = document.createElement('span'); k.className = 'key';
    const dot = document.createElement('i'); dot.style.background = c.colour;
    k.append(dot, document.createTextNode(c.name)); legend.appendChild(k);
  } else if (dots && shade.ramp) {
    const r = shade.ramp, bar = document.createElement('span'); bar.className = 'ramp';
    bar.style.background = `linear-gradient(to right, ${r.colours.join(', ')})`;
    const k = document.createElement('span'); k.className = 'key';  // its margin keeps the next key's star apart
    k.append(document.createTextNode(`${r.title} ${r.lo}`), bar, document.createTextNode(`${r.hi}`));
    legend.appendChild(k);
  }
  for (const m of data.marks || []) {  // the stars: a typed query, a noise cloud's sentence and its copies
    const k = document.createElement('span'); k.className = 'key mark-key';
    const star = document.createElement('b'); star.textContent = '\u2605'; star.style.color = m.colour;
    star.style.fontSize = `${Math.round(100 * (m.size || 1))}%`;
    k.append(star, document.createTextNode(m.name)); legend.appendChild(k);
  }
  if (data.layer && data.layer.scale) {  // the landscape's colour bar, beside the points' legend
    // drawn as the cells are, at the layer's opacity over the plot's background, so a colour on the map is the
    // colour on the bar; ticked at each of r.ticks
    const r = data.layer.scale, k = document.createElement('span'), bar = document.createElement('span');
    k.className = 'layer-scale'; bar.className = 'ramp ticked';
    const fill = document.createElement('i');
    fill.style.background = `linear-gradient(to right, ${r.colours.join(', ')})`;
    fill.style.opacity = String(r.alpha ?? 1);
    bar.appendChild(fill);
    for (const t of r.ticks || [r.lo, r.hi]) {
      const tick = document.createElement('b'); tick.textContent = t;
      tick.style.left = `${100 * (Number(t) - Number(r.lo)) / (Number(r.hi) - Number(r.lo))}%`;
      bar.appendChild(tick);
    }
    k.append(document.createTextNode(`${r.title}`), bar);
    legend.appendChild(k);
  }

  // ---- state kept on the element across reruns: the GL context, its buffers and the view
  let s = root.__scatter;
  if (s && s.gl.isContextLost()) s = root.__scatter = undefined;  // its program and buffers went with it
  if (!s || s.id !== data.id) {
    const GL = { antialias: false, preserveDrawingBuffer: true };
    let gl = (s && s.gl) || glc.getContext('webgl', GL);
    if (gl && gl.isContextLost()) {
      // a canvas gives only the context it first gave, and this one was let go of (the map left the page, its
      // cleanup ran, and Streamlit mounted it again on the same element) or lost (the browser reset its
      // graphics): the map is drawn on a fresh canvas
      const fresh = glc.cloneNode(false);
      glc.replaceWith(fresh);
      glc = fresh;
      gl = glc.getContext('webgl', GL);
    }
    if (!gl) { stage.textContent = 'This browser has no WebGL, which the map needs.'; return cleanup; }
    const prog = (s && s.prog) || program(gl);
    if (!prog) {  // lost again as it was made: drawn at the next rerun, or in a moment
      clearTimeout(root.__retry);
      root.__retry = setTimeout(() => { if (root.isConnected) mount(component); }, 500);
      return cleanup;
    }
    const buf = (name, arr, size, type, norm) => {
      const b = gl.createBuffer(); gl.bindBuffer(gl.ARRAY_BUFFER, b); gl.bufferData(gl.ARRAY_BUFFER, arr, gl.STATIC_DRAW);
      return { b, loc: gl.getAttribLocation(prog, name), size, type, norm };
    };
    if (s) for (const a of Object.values(s.attrs)) gl.deleteBuffer(a.b);
    const [x0, y0, x1, y1] = v.frame;  // the home view: the bulk of the points (the grid's bounds hold them all)
    s = root.__scatter = {
      id: data.id, gl, prog,
      attrs: { xy: buf('a_xy', v.xy, 2, gl.FLOAT, false), rgb: buf('a_rgb', tinted.rgb, 3, gl.UNSIGNED_BYTE, true),
               sel: buf('a_sel', v.sel, 1, gl.UNSIGNED_BYTE, false) },
      colouring: data.colouring,
      home: { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, w: x1 - x0, h: y1 - y0 },
      mode: (root.__scatter && root.__scatter.mode) || 'pan', hover: -1, drag: null,
    };
    s.view = { ...s.home };
  }
  s.grown = s.n !== undefined && s.n !== v.n;  // a streamed view grew: its buffers take the new points
  s.from = s.n;  // where the new points start
  if (s.grown) {
    for (const [a, arr] of [['xy', v.xy], ['rgb', tinted.rgb], ['sel', v.sel]]) {
      s.gl.bindBuffer(s.gl.ARRAY_BUFFER, s.attrs[a].b); s.gl.bufferData(s.gl.ARRAY_BUFFER, arr, s.gl.STATIC_DRAW);
    }
  }
  s.n = v.n;
  s.recolour = s.colouring !== data.colouring;  // the same points, coloured anew: their colours alone change
  if (s.recolour) {
    s.gl.bindBuffer(s.gl.ARRAY_BUFFER, s.attrs.rgb.b); s.gl.bufferData(s.gl.ARRAY_BUFFER, tinted.rgb, s.gl.STATIC_DRAW);
    s.colouring = data.colouring;
  }
  root.dataset.colouring = data.colouring;  // tests read which colouring is drawn
  s.marks = data.marks || []; s.route = data.route || null;
  // Reset view frames the bulk of the points and every star: a noise cloud's copies may land past the bulk.
  // A view the reader has not moved follows the stars as they change; one moved stays where it was
  const same = (a, b) => ['cx', 'cy', 'w', 'h'].every((k) => a[k] === b[k]);
  const atFit = !s.fit || same(s.view, s.fit), was = s.view;
  s.fit = framed(s.home, s.marks);
  if (atFit) s.view = { ...s.fit };
  s.refit = !same(was, s.view);  // the view followed the stars: the points are drawn again
  s.points = data.points !== false;  // false: the corpus's points hidden (a landscape alone)
  s.regions = data.regions || [];
  // a decoded landscape beneath the points: an n x n image (RGBA, row 0 at the lowest y) over its extent,
  // each cell's decode read on hover; unpacked once per layer id
  if (!data.layer) s.layer = null;
  else if ((!s.layer || s.layer.id !== data.layer.id) && !data.layer.rgba) {  // sent before, to a map now gone
    s.layer = null;
    if (root.dataset.askedLayer !== data.layer.id) { root.dataset.askedLayer = data.layer.id; setTriggerValue('missing_layer', data.layer.id); }
  } else if (!s.layer || s.layer.id !== data.layer.id) {
    delete root.dataset.askedLayer;
    const L = data.layer, img = document.createElement('canvas');
    img.width = L.n; img.height = L.n;
    const px = new Uint8ClampedArray(bytes(L.rgba).buffer), flipped = new Uint8ClampedArray(px.length);
    for (let r = 0; r < L.n; r++) flipped.set(px.subarray(r * L.n * 4, (r + 1) * L.n * 4), (L.n - 1 - r) * L.n * 4);
    img.getContext('2d').putImageData(new ImageData(flipped, L.n, L.n), 0, 0);  // canvas rows run top down
    // what Python computed (explorer/scatter: _layer): each cell's territory, the lines between territories (cell
    // units from the grid's lower left corner; here grid units, cell i's centre at i), each territory's name and
    // the cell it is written at; which names show at which zoom comes with the labels
    const text = L.text.split('\n'), id = Array.from(new Uint16Array(bytes(L.ids).buffer));
    const b = bytes(L.borders), edges = [];
    for (let e = 0; e < b.length; e += 4) edges.push([b[e] - 0.5, b[e + 1] - 0.5, b[e + 2] - 0.5, b[e + 3] - 0.5]);
    const names = (L.names || []).map((t, k) => ({ text: t, cell: L.anchors[k] }));
    s.layer = { id: L.id, n: L.n, extent: L.extent, img, text, cellId: id, edges, kind: L.kind, values: L.values, names,
                labels: L.labels };
    root.dataset.borders = String(edges.length);  // tests read how many border segments are drawn
  }
  s.labels = s.layer ? s.layer.labels : data.labels;  // where the labels go at each scale (textae.maps.placement)
  const st = s;
  if (st.route) root.dataset.route = String(st.route.index);

  const size = () => {  // a canvas is cleared by any assignment to its size, so only a change assigns it
    const r = stage.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr)), h = Math.round(r.height * dpr);
    const changed = glc.width !== w || glc.height !== h;
    if (changed) for (const c of [glc, ink, under]) { c.width = w; c.height = h; }
    return { W: r.width, H: r.height, dpr, changed };
  };
  let dims = size();
  const fresh = root.__drawn !== data.id || dims.changed;  // a new view or size: the points are drawn again
  const toPx = (x, y) => [(x - st.view.cx) / st.view.w * dims.W + dims.W / 2, (st.view.cy - y) / st.view.h * dims.H + dims.H / 2];
  const toData = (px, py) => [st.view.cx + (px - dims.W / 2) / dims.W * st.view.w, st.view.cy - (py - dims.H / 2) / dims.H * st.view.h];

  function prepare() {  // the GL state every drawing of the points starts from
    const gl = st.gl;
    gl.viewport(0, 0, glc.width, glc.height);
    gl.enable(gl.BLEND); gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.useProgram(st.prog);
    for (const a of Object.values(st.attrs)) {
      gl.bindBuffer(gl.ARRAY_BUFFER, a.b); gl.enableVertexAttribArray(a.loc);
      gl.vertexAttribPointer(a.loc, a.size, a.type, a.norm, 0, 0);
    }
    const u = (name) => gl.getUniformLocation(st.prog, name);
    gl.uniform2f(u('u_c'), st.view.cx, st.view.cy);
    gl.uniform2f(u('u_s'), 2 / st.view.w, 2 / st.view.h);
    gl.uniform1f(u('u_size'), v.size * dims.dpr);
    gl.uniform1f(u('u_alpha'), v.opacity);
    // a selection stands out and the rest stays readable; with the points hidden, the selection alone is drawn.
    // The selected points are drawn first alone and copied aside (st.selImg), for the overlay to draw them
    // again above the region labels and the territories' names; then the rest, then the selected above them
    gl.uniform1f(u('u_dim'), v.nsel && v.nsel < v.n ? 0.35 : 1.0);
    gl.uniform1f(u('u_halo'), st.layer ? 1.0 : 0.0);
    return u;
  }

  function draw() {
    const gl = st.gl, u = prepare();
    gl.clearColor(0, 0, 0, 0); gl.clear(gl.COLOR_BUFFER_BIT);
    const pass = (k) => { gl.uniform1f(u('u_pass'), k); gl.drawArrays(gl.POINTS, 0, v.n); };
    if (v.nsel) {
      pass(1);
      if (!st.selImg) st.selImg = document.createElement('canvas');
      st.selImg.width = glc.width; st.selImg.height = glc.height;
      st.selImg.getContext('2d').drawImage(glc, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
    }
    if (st.points) pass(0);
    if (v.nsel) pass(1);
    glc.style.transform = ''; st.drawn = { ...st.view };
    root.dataset.drawn = String(st.points ? v.n : 0);  // corpus points drawn so far (tests and benchmarks)
    drawLayer();
    overlay();
    root.dataset.frames = String(Number(root.dataset.frames || 0) + 1);  // benchmarks count draws
    root.dataset.moves = String(Number(root.dataset.moves || 0) + 1);  // and frames that show a new view
  }

  // A stream's new points on a view drawn as it is now (not moved since, nothing selected): drawn alone, over
  // the drawing kept (preserveDrawingBuffer). The points are drawn in index order either way, so the pixels are
  // those of drawing them all again, at a fraction of the work of software WebGL, which shares the machine
  // with the encoding that streams them (docs/benchmarks.md)
  function drawMore(from) {
    const gl = st.gl, u = prepare();
    gl.uniform1f(u('u_pass'), 0); gl.drawArrays(gl.POINTS, from, v.n - from);
    root.dataset.drawn = String(v.n);
    root.dataset.drawnMore = String(Number(root.dataset.drawnMore || 0) + 1);  // tests count these draws
    overlay();
    root.dataset.frames = String(Number(root.dataset.frames || 0) + 1);
    root.dataset.moves = String(Number(root.dataset.moves || 0) + 1);
  }

  // While the map is dragged or zoomed, the last drawing is moved and scaled by the compositor (a CSS
  // transform from the drawn view to the current one): every frame follows the mouse however many points
  // there are, and the points are drawn again once, when the gesture ends.
  function drawLayer() {  // the landscape under the points, at the current view (one drawImage: cheap)
    const c = under.getContext('2d');
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, under.width, under.height);
    if (!st.layer) { delete root.dataset.layer; return; }
    const [x0, x1, y0, y1] = st.layer.extent, half = [(x1 - x0) / (st.layer.n - 1) / 2, (y1 - y0) / (st.layer.n - 1) / 2];
    const [ax, ay] = toPx(x0 - half[0], y1 + half[1]), [bx, by] = toPx(x1 + half[0], y0 - half[1]);  // cells centred on nodes
    c.setTransform(dims.dpr, 0, 0, dims.dpr, 0, 0);
    c.imageSmoothingEnabled = false;
    c.drawImage(st.layer.img, ax, ay, bx - ax, by - ay);
    const L = st.layer, gx = (g) => x0 + g * (x1 - x0) / (L.n - 1), gy = (g) => y0 + g * (y1 - y0) / (L.n - 1);
    if (L.edges.length) {  // one path for every border: cheap at any zoom
      c.beginPath();
      for (const [a, b, e, f] of L.edges) {
        const [p, q] = toPx(gx(a), gy(b)), [r, t] = toPx(gx(e), gy(f));
        c.moveTo(p, q); c.lineTo(r, t);
      }
      c.strokeStyle = 'rgba(60, 60, 60, 0.7)'; c.lineWidth = 1; c.stroke();
    }
    if (L.kind === 'territories' && st.hoverTerritory != null) {  // the territory under the mouse, lit
      c.beginPath();
      const w = Math.abs(toPx(gx(1), 0)[0] - toPx(gx(0), 0)[0]), h = Math.abs(toPx(0, gy(1))[1] - toPx(0, gy(0))[1]);
      L.cellId.forEach((v, k) => {
        if (v !== st.hoverTerritory) return;
        const [p, q] = toPx(gx(k % L.n), gy(Math.floor(k / L.n)));
        c.rect(p - w / 2, q - h / 2, w, h);
      });
      c.fillStyle = 'rgba(255, 255, 255, 0.45)'; c.fill();
      // and outlined, dark and thick: a paler fill alone hardly shows on the territories' pale colours
      c.beginPath();
      const n = L.n, id = L.cellId, t = st.hoverTerritory, other = (i, j) => i < 0 || j < 0 || i >= n || j >= n || id[i + n * j] !== t;
      const seg = (a, b, e, f) => { const [p, q] = toPx(gx(a), gy(b)), [r2, t2] = toPx(gx(e), gy(f)); c.moveTo(p, q); c.lineTo(r2, t2); };
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
        if (id[i + n * j] !== t) continue;
        if (other(i + 1, j)) seg(i + 0.5, j - 0.5, i + 0.5, j + 0.5);
        if (other(i - 1, j)) seg(i - 0.5, j - 0.5, i - 0.5, j + 0.5);
        if (other(i, j + 1)) seg(i - 0.5, j + 0.5, i + 0.5, j + 0.5);
        if (other(i, j - 1)) seg(i - 0.5, j - 0.5, i + 0.5, j - 0.5);
      }
      c.strokeStyle = '#111'; c.lineWidth = 3; c.lineJoin = 'round'; c.stroke(); c.lineWidth = 1;
      root.dataset.lit = String(st.hoverTerritory);
    } else delete root.dataset.lit;
    root.dataset.layer = st.layer.id;  // tests read which landscape is drawn
  }

  // The labels as Python placed them (textae.maps.placement): for each of a ladder of scales (px per map unit),
  // the region labels and the territories' names that fit there, none near another. At the largest scale this
  // view has reached on both axes they only lie further apart, so they are drawn as given; a label whose box
  // would cross the plot's edge waits for the reader to pan.
  function placedAt() {  // the index of the scale to draw, or -1 (zoomed out past them all)
    const sx = dims.W / st.view.w, sy = dims.H / st.view.h;
    let k = -1;
    (st.labels ? st.labels.scales : []).forEach(([a, b], j) => { if (a <= sx * (1 + 1e-9) && b <= sy * (1 + 1e-9)) k = j; });
    return k;
  }
  const whole = (b) => b[0] >= 0 && b[1] >= 0 && b[2] <= dims.W && b[3] <= dims.H;

  // The territories' names at scale k: each decode at its territory's anchor, in the size and lines given (the
  // last ending in "…" when they do not hold every word), over the points (as DataMapPlot writes its labels),
  // each letter with a white halo.
  function nameTerritories(c, k) {
    const L = st.layer, [x0, x1, y0, y1] = L.extent;
    const gx = (g) => x0 + g * (x1 - x0) / (L.n - 1), gy = (g) => y0 + g * (y1 - y0) / (L.n - 1);
    const boxes = [], written = [];
    c.textAlign = 'center'; c.textBaseline = 'middle';
    for (const [t, size, w, ...counts] of k >= 0 ? st.labels.names[k] : []) {
      const nm = L.names[t], words = nm.text.split(' '), lines = [];
      let at = 0;
      for (const m of counts) { lines.push(words.slice(at, at + m).join(' ')); at += m; }
      if (at < words.length) lines[lines.length - 1] += ' \u2026';
      const [px, py] = toPx(gx(nm.cell % L.n), gy(Math.floor(nm.cell / L.n)));
      const h = lines.length * (size + 2), top = py - h / 2;
      const box = [px - w / 2 - 2, top - 2, px + w / 2 + 2, top + h + 2];
      if (!whole(box)) continue;
      boxes.push(box); written.push(lines.join(' '));
      c.font = `${size}px sans-serif`; c.lineWidth = 3; c.strokeStyle = 'rgba(255,255,255,0.8)'; c.fillStyle = '#222';
      lines.forEach((ln, i) => {
        const y = top + (i + 0.5) * (size + 2);
        c.strokeText(ln, px, y, w); c.fillText(ln, px, y, w);  // never wider than its box
      });
    }
    c.lineWidth = 1;
    root.dataset.names = String(boxes.length);  // tests read how many names are written, and where
    root.dataset.nameBoxes = JSON.stringify(boxes.map((b) => b.map((v) => Math.round(v * 10) / 10)));
    root.__names = written;  // and what they say, in the boxes' order
  }

  function cellAt(px, py) {  // the landscape's cell under a pixel, or -1
    if (!st.layer) return -1;
    const [x, y] = toData(px, py), [x0, x1, y0, y1] = st.layer.extent, n = st.layer.n;
    const i = Math.round((x - x0) / (x1 - x0) * (n - 1)), j = Math.round((y - y0) / (y1 - y0) * (n - 1));
    return i < 0 || j < 0 || i >= n || j >= n ? -1 : i + n * j;
  }

  function preview() {
    const d = st.drawn || st.view;
    const tx = (d.cx - st.view.cx) / st.view.w * dims.W, ty = (st.view.cy - d.cy) / st.view.h * dims.H;
    glc.style.transform = `translate(${tx}px, ${ty}px) scale(${d.w / st.view.w}, ${d.h / st.view.h})`;
    drawLayer();
    overlay();
    root.dataset.moves = String(Number(root.dataset.moves || 0) + 1);
  }
  let settle = null;

  function overlay() {
    const c = ink.getContext('2d');
    c.setTransform(dims.dpr, 0, 0, dims.dpr, 0, 0);
    c.clearRect(0, 0, dims.W, dims.H);
    c.font = '11px sans-serif'; c.textBaseline = 'middle';
    const boxes = [], k = placedAt();  // the region labels' boxes; the scale the labels are drawn at
    if (st.regions.length) {  // region labels: keywords (bold) over the decode's words, on a pale plate
      const levels = new Set();
      c.textAlign = 'center';
      for (const [i, x, y, w, h, size, small] of k >= 0 && st.labels ? st.labels.regions[k] : []) {
        const r = st.regions[i], [px, py] = toPx(x, y), top = py - size / 2 - 3;
        const box = [px - w / 2, top, px + w / 2, top + h];
        if (!r || !whole(box)) continue;
        boxes.push(box);
        // a pale plate beneath: a region's label stays readable over the territories' own names and the points
        c.fillStyle = 'rgba(255,255,255,0.82)'; c.fillRect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
        c.font = `bold ${size}px sans-serif`; c.lineWidth = 3; c.strokeStyle = 'rgba(255,255,255,0.85)';
        c.strokeText(r.keywords, px, py, w - 6); c.fillStyle = '#111'; c.fillText(r.keywords, px, py, w - 6);
        c.font = `${small}px sans-serif`;
        c.strokeText(r.label, px, py + size, w - 6); c.fillStyle = '#333'; c.fillText(r.label, px, py + size, w - 6);
        levels.add(r.level);
      }
      root.dataset.regions = String(boxes.length);  // tests read how many labels, of which levels, the zoom shows
      root.dataset.regionLevels = [...levels].sort().join(',');
      root.dataset.regionBoxes = JSON.stringify(boxes.map((b) => b.map((v) => Math.round(v * 10) / 10)));  // and where
      c.font = '11px sans-serif'; c.lineWidth = 1;
    } else { delete root.dataset.regions; delete root.dataset.regionLevels; delete root.dataset.regionBoxes; }
    // the territories' names, over the points (placed clear of the region labels)
    if (st.layer && st.layer.names && st.layer.names.length && st.labels) {
      nameTerritories(c, k);
      c.font = '11px sans-serif'; c.textBaseline = 'middle';
    } else { delete root.dataset.names; delete root.dataset.nameBoxes; }
    if (v.nsel && st.selImg && st.drawn) {  // the selected points again, above the labels and names just written
      const d = st.drawn, kx = d.w / st.view.w, ky = d.h / st.view.h;  // as far as the view moved since drawn
      const tx = (d.cx - st.view.cx) / st.view.w * dims.W, ty = (st.view.cy - d.cy) / st.view.h * dims.H;
      c.drawImage(st.selImg, dims.W / 2 * (1 - kx) + tx, dims.H / 2 * (1 - ky) + ty, dims.W * kx, dims.H * ky);
    }
    c.textAlign = 'left';
    if (st.route) {  // a path through the plane (an interpolation), its ends, and a marker at the slider's position
      const px = st.route.points.map(([x, y]) => toPx(x, y));
      c.beginPath(); px.forEach(([x, y], k) => (k ? c.lineTo(x, y) : c.moveTo(x, y)));
      c.strokeStyle = '#222'; c.lineWidth = 1.5; c.stroke();
      for (const [x, y] of [px[0], px[px.length - 1]]) { c.beginPath(); c.arc(x, y, 4, 0, 2 * Math.PI); c.fillStyle = '#222'; c.fill(); }
      const [mx, my] = px[Math.min(Math.max(st.route.index, 0), px.length - 1)];
      c.beginPath(); c.arc(mx, my, 7, 0, 2 * Math.PI); c.fillStyle = '#ff4b4b'; c.fill();
      c.strokeStyle = '#000'; c.lineWidth = 1.5; c.stroke();
    }
    for (const m of st.marks) m.points.forEach(([x, y], i) => {  // the query and its neighbours: stars
      const [px, py] = toPx(x, y), s = m.size || 1;  // a larger star sets one mark apart (a cloud's sentence)
      c.beginPath();
      for (let k = 0; k < 10; k++) {
        const r = (k % 2 ? 4.5 : 10) * s, a = Math.PI / 5 * k - Math.PI / 2;
        c.lineTo(px + r * Math.cos(a), py + r * Math.sin(a));
      }
      c.closePath(); c.fillStyle = m.colour; c.fill(); c.strokeStyle = st.hoverMark === `${m.name}/${i}` ? '#ff4b4b' : '#000';
      c.lineWidth = st.hoverMark === `${m.name}/${i}` ? 2.5 : 1; c.stroke();
      if (i === 0) { c.fillStyle = '#000'; c.fillText(m.name, px + 12 * s, py); }
    });
    if (st.hover >= 0) {
      const [px, py] = toPx(v.xy[2 * st.hover], v.xy[2 * st.hover + 1]);
      c.beginPath(); c.arc(px, py, v.size + 4, 0, 2 * Math.PI); c.strokeStyle = '#000'; c.lineWidth = 1.5; c.stroke();
    }
    const d = st.drag;
    if (d && d.mode !== 'pan' && d.path.length > 1) {
      c.beginPath();
      if (d.mode === 'box') { const [a, b] = [d.path[0], d.path[d.path.length - 1]]; c.rect(a[0], a[1], b[0] - a[0], b[1] - a[1]); }
      else { d.path.forEach(([x, y], k) => (k ? c.lineTo(x, y) : c.moveTo(x, y))); c.closePath(); }
      c.fillStyle = 'rgba(255, 75, 75, 0.08)'; c.fill(); c.strokeStyle = '#ff4b4b'; c.setLineDash([4, 3]); c.stroke(); c.setLineDash([]);
    }
  }

  function markAt(px, py, radius = 9) {  // the star under the cursor, the last drawn (on top) first: [mark, i] or null
    for (let j = st.marks.length - 1; j >= 0; j--) {
      const m = st.marks[j];
      for (let i = m.points.length - 1; i >= 0; i--) {
        const [x, y] = toPx(m.points[i][0], m.points[i][1]);
        if (Math.hypot(x - px, y - py) <= radius * (m.size || 1)) return [m, i];
      }
    }
    return null;
  }

  function nearest(px, py, radius = 7) {  // the drawing position of the point under the cursor, or -1
    if (!st.points) return -1;
    const [x0, y0, x1, y1] = v.bounds, [dx, dy] = toData(px, py);
    const rx = radius / dims.W * st.view.w, ry = radius / dims.H * st.view.h;
    const ci = (x) => Math.max(0, Math.min(G - 1, Math.floor((x - x0) / (x1 - x0) * G)));
    const cj = (y) => Math.max(0, Math.min(G - 1, Math.floor((y - y0) / (y1 - y0) * G)));
    const [i0, i1, j0, j1] = [ci(dx - rx), ci(dx + rx), cj(dy - ry), cj(dy + ry)];
    if ((i1 - i0 + 1) * (j1 - j0 + 1) > 400) return -1;  // zoomed far out: too many points under the cursor
    let best = -1, bd = radius * radius;
    for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) {
      const c = i + G * j;
      for (let k = v.start[c]; k < v.start[c + 1]; k++) {
        const p = v.items[k], [qx, qy] = toPx(v.xy[2 * p], v.xy[2 * p + 1]);
        const d2 = (qx - px) ** 2 + (qy - py) ** 2;
        if (d2 <= bd) { bd = d2; best = p; }  // a later point is drawn over an earlier one: it wins ties
      }
    }
    return best;
  }

  // a point's hover text: sent with the points (a small view), or fetched on request; null while it is not here
  function hoverText(h) {
    if (v.text) return v.text[h];
    const i = v.order[h];
    return v.texts.has(i) ? v.texts.get(i) : null;
  }

  // ask for the texts round drawing position h once the mouse rests on it: the hovered point's first, then the
  // nearest of those in the 3 x 3 grid cells round it that the browser lacks, at most data.hoverMost. One
  // request at a time; the rerun that answers it renders the map again, which shows the text (below)
  function ask(h) {
    if (root.__asking && Date.now() - root.__asking < 3000) return;  // an answer is on its way
    clearTimeout(root.__askTimer);
    root.__askTimer = setTimeout(() => {
      if (st.hover !== h || hoverText(h) !== null) return;
      const [x0, y0, x1, y1] = v.bounds, x = v.xy[2 * h], y = v.xy[2 * h + 1];
      const ci = Math.min(G - 1, Math.floor((x - x0) / (x1 - x0) * G)), cj = Math.min(G - 1, Math.floor((y - y0) / (y1 - y0) * G));
      const near = [];
      for (let j = Math.max(0, cj - 1); j <= Math.min(G - 1, cj + 1); j++) {
        for (let i = Math.max(0, ci - 1); i <= Math.min(G - 1, ci + 1); i++) {
          const c = i + G * j;
          for (let k = v.start[c]; k < v.start[c + 1]; k++) {
            const p = v.items[k];
            if (p !== h && !v.texts.has(v.order[p])) near.push([(v.xy[2 * p] - x) ** 2 + (v.xy[2 * p + 1] - y) ** 2, v.order[p]]);
          }
        }
      }
      near.sort((a, b) => a[0] - b[0]);
      const want = [v.order[h], ...near.slice(0, Math.max(0, (data.hoverMost || 1) - 1)).map((q) => q[1])];
      root.__asking = Date.now();
      root.dataset.asks = String(Number(root.dataset.asks || 0) + 1);  // tests count the requests
      setTriggerValue('hover', { view: data.id, indices: want });
    }, ASK_MS);
  }

  function select(test) {  // mark the points that pass `test(x, y)` and report their corpus indices
    v.sel.fill(0); const picked = [];
    for (let p = 0; p < v.n; p++) if (test(v.xy[2 * p], v.xy[2 * p + 1])) { v.sel[p] = 1; picked.push(v.order[p]); }
    v.nsel = picked.length;
    st.gl.bindBuffer(st.gl.ARRAY_BUFFER, st.attrs.sel.b); st.gl.bufferData(st.gl.ARRAY_BUFFER, v.sel, st.gl.STATIC_DRAW);
    picked.sort((a, b) => a - b);
    setStateValue('event', { kind: 'select', view: data.id, indices: picked, at: Date.now() });
    draw();
  }

  // ---- input
  if (!data.select) st.mode = 'pan';  // a map to look at (hover, pan, zoom): nothing to select or decode
  root.querySelectorAll('.mode').forEach((b) => {
    b.hidden = !data.select && b.dataset.mode !== 'pan';
    b.classList.toggle('on', b.dataset.mode === st.mode);
    b.onclick = () => { st.mode = b.dataset.mode; root.querySelectorAll('.mode').forEach((o) => o.classList.toggle('on', o === b)); };
  });
  const reset = () => { st.view = { ...st.fit }; draw(); };
  root.querySelector('.reset').onclick = reset;
  ink.ondblclick = () => { clearTimeout(root.__pendingClick); reset(); };  // the clicks before it decode nothing
  const local = (e) => { const r = ink.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  ink.onwheel = (e) => {
    e.preventDefault();
    const [px, py] = local(e), [dx, dy] = toData(px, py), f = Math.exp(e.deltaY * 0.0015);
    st.view.w *= f; st.view.h *= f;
    const [nx, ny] = toData(px, py);  // keep the point under the cursor where it is
    st.view.cx += dx - nx; st.view.cy += dy - ny;
    preview();
    clearTimeout(settle); settle = setTimeout(draw, 200);  // drawn again when the wheel rests
  };
  ink.onpointerdown = (e) => {
    ink.setPointerCapture(e.pointerId);
    st.drag = { mode: st.mode, path: [local(e)], view: { ...st.view } };
    tip.hidden = true;
  };
  let queued = false;
  ink.onpointermove = (e) => {
    const p = local(e), d = st.drag;
    if (d) {
      d.path.push(p);
      if (d.mode === 'pan') {
        const [a, b] = [d.path[0], p];
        st.view.cx = d.view.cx - (b[0] - a[0]) / dims.W * st.view.w;
        st.view.cy = d.view.cy + (b[1] - a[1]) / dims.H * st.view.h;
      }
      if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; d.mode === 'pan' ? preview() : overlay(); }); }
      return;
    }
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const star = markAt(p[0], p[1]), starId = star ? `${star[0].name}/${star[1]}` : null;
      const h = star ? -1 : nearest(p[0], p[1]);
      if (h !== st.hover || starId !== st.hoverMark) { st.hover = h; st.hoverMark = starId; overlay(); }
      if (star) {  // a star's own text first: it lies over the points and the cells
        tip.textContent = `${star[0].name}: ${star[0].text[star[1]]}`;  // text, never markup
        tip.hidden = false;
        tip.style.left = `${Math.min(p[0] + 12, dims.W - tip.offsetWidth - 4)}px`;
        tip.style.top = `${Math.max(p[1] - tip.offsetHeight - 10, 4)}px`;
        return;
      }
      const cell = h < 0 ? cellAt(p[0], p[1]) : -1;
      const lit = cell >= 0 ? st.layer.cellId[cell] : null;
      if (lit !== st.hoverTerritory) { st.hoverTerritory = lit; drawLayer(); }
      if (h < 0 && cell < 0) { tip.hidden = true; return; }
      const value = h < 0 && st.layer.values ? ` · change ${st.layer.values[cell].toFixed(2)}` : '';
      const said = h >= 0 ? hoverText(h) : `decodes to: ${st.layer.text[cell]}${value}`;
      tip.textContent = said === null ? '\u2026' : said;  // text, never markup; "…" while it is asked for
      if (said === null) ask(h);
      tip.hidden = false;
      tip.style.left = `${Math.min(p[0] + 12, dims.W - tip.offsetWidth - 4)}px`;
      tip.style.top = `${Math.max(p[1] - tip.offsetHeight - 10, 4)}px`;
    });
  };
  ink.onpointerleave = () => {
    tip.hidden = true;
    if (st.hover >= 0 || st.hoverMark) { st.hover = -1; st.hoverMark = null; overlay(); }
    if (st.hoverTerritory != null) { st.hoverTerritory = null; drawLayer(); }
  };
  ink.onpointerup = (e) => {
    const d = st.drag; st.drag = null;
    if (!d) return;
    const p = local(e), a = d.path[0];
    const moved = d.path.some((q) => Math.hypot(q[0] - a[0], q[1] - a[1]) > 4);  // a closed lasso ends where it began
    if (!moved && !data.select) return;
    if (!moved) {  // a click: a point picks that point, empty space is decoded (pan mode); else it clears
      const h = nearest(p[0], p[1]);
      if (h >= 0) { select((x, y) => x === v.xy[2 * h] && y === v.xy[2 * h + 1]); return; }
      if (st.mode === 'pan') {
        // a one-shot trigger, not lasting state: decoded on the rerun it causes and never again; sent once
        // the double-click interval has passed, so that a double-click (reset) decodes nothing
        const [x, y] = toData(p[0], p[1]);
        clearTimeout(root.__pendingClick);
        root.__pendingClick = setTimeout(() => {
          if (v.nsel) {  // a selection was shown: clear it (a redraw of every point, so only when needed)
            v.sel.fill(0); v.nsel = 0;
            st.gl.bindBuffer(st.gl.ARRAY_BUFFER, st.attrs.sel.b); st.gl.bufferData(st.gl.ARRAY_BUFFER, v.sel, st.gl.STATIC_DRAW);
            setStateValue('event', { kind: 'select', view: data.id, indices: [], at: Date.now() });
            draw();
          }
          setTriggerValue('click', { view: data.id, x, y });
        }, DOUBLE_MS);
      } else select(() => false);
      return;
    }
    if (d.mode === 'box') {
      const [ax, ay] = toData(a[0], a[1]), [bx, by] = toData(p[0], p[1]);
      const [lx, hx, ly, hy] = [Math.min(ax, bx), Math.max(ax, bx), Math.min(ay, by), Math.max(ay, by)];
      select((x, y) => x >= lx && x <= hx && y >= ly && y <= hy);
    } else if (d.mode === 'lasso') {
      const poly = d.path.map(([px, py]) => toData(px, py));
      select((x, y) => inside(x, y, poly));
    } else draw();  // a pan ends: the points are drawn at their new place
  };
  // for tests and benchmarks: where a corpus point is on the page, which point holds a text, an empty spot
  root.__where = (i) => {
    const p = v.order.indexOf(i), r = ink.getBoundingClientRect();
    if (p < 0) return null;
    const [px, py] = toPx(v.xy[2 * p], v.xy[2 * p + 1]);
    return [r.left + px, r.top + py];
  };
  root.__find = (sub) => {  // among the texts the browser has: all of a small view's, those fetched of a large one
    if (!v.text) { for (const [i, t] of v.texts) if (t.includes(sub)) return i; return -1; }
    const p = v.text.findIndex((t) => t.includes(sub)); return p < 0 ? -1 : v.order[p];
  };
  root.__mark = (name, i) => {  // where mark `name`'s star i is on the page (tests hover it)
    const m = st.marks.find((mk) => mk.name === name), r = ink.getBoundingClientRect();
    if (!m || !m.points[i]) return null;
    const [px, py] = toPx(m.points[i][0], m.points[i][1]);
    return [r.left + px, r.top + py];
  };
  root.__cell = (k) => {  // where the landscape's cell k is on the page (tests hover it)
    if (!st.layer) return null;
    const [x0, x1, y0, y1] = st.layer.extent, n = st.layer.n, r = ink.getBoundingClientRect();
    const [px, py] = toPx(x0 + (k % n) / (n - 1) * (x1 - x0), y0 + Math.floor(k / n) / (n - 1) * (y1 - y0));
    return [r.left + px, r.top + py];
  };
  root.__empty = () => {
    const r = ink.getBoundingClientRect();
    for (let py = 20; py < dims.H - 20; py += 10) for (let px = 20; px < dims.W - 20; px += 10)
      if (nearest(px, py, 15) < 0) return [r.left + px, r.top + py];
    return null;
  };
  root.__follow = (d) => {  // a slider this map's route follows moved (explorer/scrubber's window event)
    if (!st.route || d.key !== st.route.follow) return;
    st.route.index = d.index; root.dataset.route = String(d.index);
    overlay();
  };
  if (!root.__onScrub) {  // one listener per element; it calls the latest render's __follow
    root.__onScrub = (e) => root.__follow && root.__follow(e.detail);
    window.addEventListener('textae:scrub', root.__onScrub);
  }
  if (!root.__resized) {  // one observer per element; it calls the latest render's draw
    root.__resized = new ResizeObserver(() => root.__draw && root.__draw(true));
    root.__resized.observe(stage);
  }
  root.__draw = (resized) => { if (resized) dims = size(); draw(); };
  const layerChanged = (st.layer ? st.layer.id : '') !== (root.dataset.layer || '') || st.points !== st.drewPoints;
  st.drewPoints = st.points;
  if (st.hover >= 0 && !tip.hidden && !v.text) {  // texts arrived for the point under the mouse: shown at once
    const said = hoverText(st.hover);
    if (said !== null) tip.textContent = said; else ask(st.hover);
  }
  const more = st.grown && !fresh && !layerChanged && !st.refit && !st.recolour && st.points && !v.nsel
    && st.drawn && same(st.drawn, st.view) && st.from < v.n;  // only new points, on the view drawn
  if (more) drawMore(st.from);
  else if (fresh || layerChanged || st.refit || st.recolour || st.grown) { root.__drawn = data.id; draw(); } else overlay();  // a rerun that changed only the marks
  // a map whose points come in slices (explorer/stream): once this message is drawn, the next slice is asked
  // for data.next.ms later. The server sends one only when asked, so no slice is sent before the last one is
  // drawn: a render that came before the last was drawn would take its place, and its points would be lost.
  // Each message is numbered (data.next.ask), so one that brings nothing new still comes here and asks again
  clearTimeout(root.__next);
  if (data.next && typeof data.next.ms === 'number') {
    root.__next = setTimeout(() => {
      if (!root.isConnected) return;
      root.dataset.asks = String(Number(root.dataset.asks || 0) + 1);  // tests count the asks
      setTriggerValue('next', v.n);
    }, data.next.ms);
  }
  return cleanup;
}
