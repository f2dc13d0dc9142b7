// ui.js: the shared pieces of every page: toasts, dialogs, formatting.
import { h, clear, uid } from './dom.js';

let toastTimer;
// toast says something briefly in the live region.
export function toast(msg) {
  const el = document.getElementById('toast');
  el.textContent = msg;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.textContent = ''; }, 5000);
}

// notice is an inline message box; kind is '', 'ok' or 'error'.
export function notice(msg, kind = '') {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : null, text: msg });
}

// errorText is an API error as one line.
export function errorText(e) {
  return e && e.code ? `${e.code}: ${e.message}` : String(e?.message || e);
}

// openDialog shows the modal dialog with build(close) as its content and
// resolves with what close is called with (undefined on Escape).
export function openDialog(build, wide = false) {
  const dlg = document.getElementById('dialog');
  dlg.classList.toggle('wide', wide);
  const opener = document.activeElement;
  return new Promise((resolve) => {
    let done = false;
    const close = (value) => {
      if (done) return;
      done = true;
      dlg.close();
      clear(dlg);
      if (opener && opener.focus && document.contains(opener)) opener.focus();
      resolve(value);
    };
    dlg.onclose = () => close(undefined);
    clear(dlg, build(close));
    dlg.showModal();
    const first = dlg.querySelector('[autofocus], input, select, textarea, button');
    if (first) first.focus();
  });
}

// confirmDialog asks a yes/no question; resolves true for yes.
export function confirmDialog(title, text, yes = 'Yes', danger = false) {
  return openDialog((close) => {
    const tid = uid('dlg');
    return h('div', { class: 'body', role: 'alertdialog', 'aria-labelledby': tid },
      h('h2', { id: tid, text: title }),
      h('p', { text }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: danger ? 'danger' : '', autofocus: 'autofocus', onclick: () => close(true), text: yes }),
        h('button', { type: 'button', class: 'secondary', onclick: () => close(false), text: 'Cancel' })));
  }).then((v) => v === true);
}

// formDialog shows a form; submit(form) returns a promise, and an error it
// throws is shown in the dialog, which stays open.
export function formDialog(title, fields, submitLabel, submit, wide = false) {
  return openDialog((close) => {
    const err = h('div', { 'aria-live': 'assertive' });
    const tid = uid('dlg');
    const form = h('form', { 'aria-labelledby': tid, novalidate: 'novalidate' },
      h('h2', { id: tid, text: title }),
      h('div', { class: 'scroll' }, fields),
      err,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', text: submitLabel }),
        h('button', { type: 'button', class: 'secondary', onclick: () => close(false), text: 'Cancel' })));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(err);
      try {
        await submit(form);
        close(true);
      } catch (e) {
        clear(err, notice(errorText(e), 'error'));
      }
    });
    return form;
  }, wide);
}

const nf = new Intl.NumberFormat('en');
export const num = (n) => nf.format(Math.round(n || 0));
// count is "1 user", "2 users".
export const count = (n, one, many = `${one}s`) => `${num(n)} ${n === 1 ? one : many}`;

// bytes formats a byte count (1 KB = 1,000 bytes).
export function bytes(n) {
  n = n || 0;
  if (n < 1000) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let i = -1;
  do { n /= 1000; i += 1; } while (n >= 1000 && i < units.length - 1);
  return `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

// when formats unix milliseconds as local date and time.
export function when(ms) {
  if (!ms) return '—';
  return new Date(ms).toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

// loading is a placeholder shown while a page loads.
export const loading = () => h('p', { class: 'muted', text: 'Loading…' });
