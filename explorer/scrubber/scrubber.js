export default function (component) {
  const { setStateValue, parentElement } = component;
  const data = component.data[0];  // sent as a one-item list (explorer/component.py)
  const root = parentElement.querySelector('.tx-scrub');
  const range = root.querySelector('.range');
  if (root.dataset.id !== data.id) {  // new content: rebuild rows, bands and maps
    root.dataset.id = data.id;
    root.querySelector('.label').textContent = data.label;
    range.max = String(data.values.length - 1);
    const rows = root.querySelector('.rows');
    rows.replaceChildren();
    const n = data.values.length;
    for (const r of data.rows) {
      const row = document.createElement('div'); row.className = 'row';
      const name = document.createElement('div'); name.className = 'name'; name.textContent = r.name;
      const text = document.createElement('div'); text.className = 'text';
      const band = document.createElement('div'); band.className = 'band';
      band.title = 'each segment: positions that decode to the same sentence';
      for (const [a, b] of r.runs) {
        const seg = document.createElement('div'); seg.className = 'seg';
        seg.style.left = (100 * a / n) + '%'; seg.style.width = (100 * (b - a) / n) + '%';
        seg.dataset.a = a; seg.dataset.b = b; seg.title = r.texts[a];
        band.appendChild(seg);
      }
      row.append(name, text, band); rows.appendChild(row);
    }
    const maps = root.querySelector('.maps');
    maps.replaceChildren();
    const NS = 'http://www.w3.org/2000/svg';
    for (const m of data.movies || []) {  // maps whose points move with the slider: one path per class
      const box = document.createElement('div'); box.className = 'map movie';
      const cap = document.createElement('div'); cap.className = 'name'; cap.textContent = m.name;
      const svg = document.createElementNS(NS, 'svg');
      const [x0, y0, x1, y1] = m.box;  // over every frame, so the view holds still while the points move
      svg.setAttribute('viewBox', `${x0} ${-y1} ${x1 - x0} ${y1 - y0}`);
      svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
      const w = 0.008 * Math.max(x1 - x0, y1 - y0);
      m.classes.forEach((c, k) => {
        const pts = document.createElementNS(NS, 'path'); pts.setAttribute('class', 'cls');
        pts.setAttribute('stroke', c.colour); pts.setAttribute('stroke-width', String(w)); pts.dataset.k = k;
        svg.appendChild(pts);
      });
      const legend = document.createElement('div'); legend.className = 'legend';
      for (const c of m.classes) {
        const item = document.createElement('span'); item.className = 'key';
        const dot = document.createElement('i'); dot.style.background = c.colour;
        item.append(dot, document.createTextNode(c.name)); legend.appendChild(item);
      }
      box.append(cap, svg, legend); maps.appendChild(box);
    }
    range.value = String(data.index);
  } else if (!root.dataset.moving && Number(range.value) !== data.index) {
    range.value = String(data.index);  // the page moved it (URL, reset)
  }
  const scale = (data.movies || []).map(m => m.scale);
  const draw = (svg, m, j, i) => {  // frame i of movie j: points are integers on a grid of m.scale per unit
    const f = m.frames[i], s = scale[j];
    svg.querySelectorAll('.cls').forEach(el => {
      const idx = m.members[+el.dataset.k];
      let d = '';
      for (const p of idx) d += `M${f[2 * p] / s} ${-f[2 * p + 1] / s}h0`;
      el.setAttribute('d', d);
    });
  };
  const show = (i) => {
    root.querySelector('.value').textContent = data.values[i];
    root.querySelectorAll('.row').forEach((row, j) => {
      row.querySelector('.text').textContent = data.rows[j].texts[i];
      row.querySelectorAll('.seg').forEach(s => s.classList.toggle('on', +s.dataset.a <= i && i < +s.dataset.b));
    });
    root.querySelectorAll('.map.movie').forEach((box, j) => draw(box.querySelector('svg'), data.movies[j], j, i));
    // maps drawn by another component follow the position (explorer/scatter: a route that follows this key)
    window.dispatchEvent(new CustomEvent('textae:scrub', { detail: { key: data.key, index: i } }));
  };
  range.oninput = () => { root.dataset.moving = '1'; show(Number(range.value)); };
  range.onchange = () => { delete root.dataset.moving; setStateValue('index', Number(range.value)); };
  show(Number(range.value));
}
