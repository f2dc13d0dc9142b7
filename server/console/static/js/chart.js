// chart.js: a line chart in inline SVG (no library). Series share one
// y axis; the x axis is time.
const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// niceStep is the step of four grid lines that cover v: 1, 2, 2.5 or 5
// times a power of ten, and at least 1 (counts are whole).
function niceStep(v) {
  const raw = Math.max(v / 4, 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= raw);
}

// lineChart draws series ([{name, values: [number]}]) against times (unix
// ms) into an <svg>, with a label for screen readers. fmt formats y values.
export function lineChart(label, times, series, fmt = String) {
  const W = 560; const H = 200; const L = 56; const R = 10; const T = 10; const B = 26;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
  const max = 4 * niceStep(Math.max(0, ...series.flatMap((x) => x.values)));
  const n = Math.max(times.length - 1, 1);
  const x = (i) => L + (i / n) * (W - L - R);
  const y = (v) => T + (1 - v / max) * (H - T - B);
  for (let k = 0; k <= 4; k += 1) {
    const v = (max * k) / 4;
    svg.append(s('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    svg.append(s('text', { class: 'axis', x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
  }
  if (times.length) {
    const t = (ms) => new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    for (const i of [0, Math.floor(times.length / 2), times.length - 1]) {
      svg.append(s('text', { class: 'axis', x: x(i), y: H - 6, 'text-anchor': i === 0 ? 'start' : i === times.length - 1 ? 'end' : 'middle' }, t(times[i])));
    }
  }
  series.forEach((ser, j) => {
    if (!ser.values.length) return;
    const pts = ser.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    if (j === 0) svg.append(s('polygon', { class: 'a0', points: `${x(0)},${y(0)} ${pts.join(' ')} ${x(ser.values.length - 1)},${y(0)}` }));
    svg.append(s('polyline', { class: `s${j}`, points: pts.join(' ') }));
  });
  const last = series.map((ser) => `${ser.name} ${fmt(ser.values[ser.values.length - 1] || 0)}`).join(', ');
  svg.append(s('title', {}, `${label}: now ${last}`));
  return svg;
}
