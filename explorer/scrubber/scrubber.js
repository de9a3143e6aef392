export default function (component) {
  const { data, setStateValue, parentElement } = component;
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
    for (const m of data.maps || []) {
      const box = document.createElement('div'); box.className = 'map';
      const cap = document.createElement('div'); cap.className = 'name'; cap.textContent = m.name;
      const svg = document.createElementNS(NS, 'svg');
      const all = m.points.concat(m.path);
      const xs = all.map(p => p[0]), ys = all.map(p => p[1]);
      const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
      const pad = 0.05 * Math.max(x1 - x0, y1 - y0, 1e-6);
      svg.setAttribute('viewBox', `${x0 - pad} ${-(y1 + pad)} ${x1 - x0 + 2 * pad} ${y1 - y0 + 2 * pad}`);
      svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
      const r = 0.006 * Math.max(x1 - x0, y1 - y0);
      const pts = document.createElementNS(NS, 'path'); pts.setAttribute('class', 'pts');
      pts.setAttribute('stroke-width', String(2 * r));  // y is flipped: the map's y grows upwards
      pts.setAttribute('d', m.points.map(p => `M${p[0]} ${-p[1]}h0`).join(''));
      const line = document.createElementNS(NS, 'polyline'); line.setAttribute('class', 'path');
      line.setAttribute('points', m.path.map(p => `${p[0]},${-p[1]}`).join(' '));
      svg.append(pts, line);
      for (const p of [m.path[0], m.path[m.path.length - 1]]) {
        const e = document.createElementNS(NS, 'circle'); e.setAttribute('class', 'end');
        e.setAttribute('cx', p[0]); e.setAttribute('cy', -p[1]); e.setAttribute('r', 1.6 * r); svg.appendChild(e);
      }
      const mk = document.createElementNS(NS, 'circle'); mk.setAttribute('class', 'marker');
      mk.setAttribute('r', 2.6 * r); mk.setAttribute('stroke-width', 0.5 * r); svg.appendChild(mk);
      box.append(cap, svg); maps.appendChild(box);
    }
    for (const m of data.movies || []) {  // maps whose points move with the slider: one path per class
      const box = document.createElement('div'); box.className = 'map movie';
      const cap = document.createElement('div'); cap.className = 'name'; cap.textContent = m.name;
      const svg = document.createElementNS(NS, 'svg');
      const [x0, y0, x1, y1] = m.box;  // over every frame, so the view holds still while the points move
      svg.setAttribute('viewBox', `${x0} ${-y1} ${x1 - x0} ${y1 - y0}`);
      svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
      const w = 0.008 * Math.max(x1 - x0, y1 - y0);
      m.classes.forEach((c, k) => {
        const pts = document.createElementNS(NS, 'path'); pts.setAttribute('class', 'cls');  // not .pts: its grey
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
    root.querySelectorAll('.map:not(.movie)').forEach((box, j) => {
      const p = data.maps[j].path[i], mk = box.querySelector('.marker');
      mk.setAttribute('cx', p[0]); mk.setAttribute('cy', -p[1]);
    });
  };
  range.oninput = () => { root.dataset.moving = '1'; show(Number(range.value)); };
  range.onchange = () => { delete root.dataset.moving; setStateValue('index', Number(range.value)); };
  show(Number(range.value));
}
