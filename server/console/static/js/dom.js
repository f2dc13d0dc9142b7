// dom.js: building elements node by node (never from HTML strings), so that no value from the
// API is ever parsed as markup.

// h creates an element. attrs: "class", "text", "on<event>" handlers,
// boolean properties (checked, disabled, hidden, ...) and other attributes.
// children: nodes, strings, arrays of them; null and false are skipped.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (v === true && ['checked', 'disabled', 'hidden', 'required', 'selected', 'open', 'multiple', 'readOnly'].includes(k)) el[k] = true;
    else el.setAttribute(k, v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// clear empties an element and fills it with children.
export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let seq = 0;
// uid returns a fresh element id with the given prefix.
export function uid(prefix = 'f') {
  seq += 1;
  return `${prefix}-${seq}`;
}

// field returns a labelled control: the label, the control and an
// optional hint, tied together with for/aria-describedby.
export function field(labelText, control, hint, cls = 'field') {
  if (!control.id) control.id = uid('in');
  const parts = [h('label', { for: control.id, text: labelText }), control];
  if (hint) {
    const hid = uid('hint');
    control.setAttribute('aria-describedby', hid);
    parts.push(h('p', { class: 'hint', id: hid, text: hint }));
  }
  return h('div', { class: cls }, parts);
}

// checkbox returns a labelled checkbox.
export function checkbox(labelText, checked, attrs = {}) {
  const input = h('input', { type: 'checkbox', checked: !!checked, ...attrs });
  return { input, label: h('label', { class: 'check' }, input, labelText) };
}

// table builds a table from header cells and rows of cells; a header
// starting with '#' is numeric (right aligned).
export function table(headers, rows, caption) {
  return h('div', { class: 'table-wrap' },
    h('table', {},
      caption ? h('caption', { class: 'visually-hidden', text: caption }) : null,
      h('thead', {}, h('tr', {}, headers.map((t) => t.startsWith('#')
        ? h('th', { class: 'num', scope: 'col', text: t.slice(1) })
        : h('th', { scope: 'col', text: t })))),
      h('tbody', {}, rows)));
}

// option returns an <option>.
export function option(value, text, selected) {
  return h('option', { value, text, selected: !!selected });
}
