// syncerrors.js: the mutations that pushes rejected: filter them by user,
// entity, code and time; inspect one; delete or reapply it. Long lists
// come in pages: an answer with a "next" token has more.
import { h, clear, field, table, option } from './dom.js';
import { get, post, del, q } from './api.js';
import { notice, errorText, toast, when, loading, openDialog } from './ui.js';

const CODES = ['forbidden', 'invalid', 'not_found', 'conflict'];

export async function render(main) {
  clear(main, h('h1', { text: 'Sync errors' }), loading());
  const [users, schema] = await Promise.all([get('/v1/admin/users'), get('/v1/admin/schema')]);
  const userName = new Map(users.map((u) => [u.id, u.name]));
  const user = h('select', { name: 'user' }, option('', 'Any user', true), [...users].sort((a, b) => a.name.localeCompare(b.name)).map((u) => option(u.id, u.name)));
  const entity = h('select', { name: 'entity' }, option('', 'Any entity', true), (schema.entities || []).map((e) => option(e.name, e.name)));
  const code = h('input', { type: 'text', name: 'code', list: 'codes', placeholder: 'any' });
  const since = h('input', { type: 'datetime-local', name: 'since' });
  const until = h('input', { type: 'datetime-local', name: 'until' });
  const listBox = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', 'aria-label': 'Filter sync errors' },
    h('div', { class: 'row' }, field('User', user), field('Entity', entity), field('Code', code),
      h('datalist', { id: 'codes' }, CODES.map((c) => option(c, c))),
      field('Since', since), field('Until', until),
      h('div', { class: 'field submit' }, h('button', { type: 'submit', text: 'Apply filter' }))));
  let shown = [];
  let next = '';

  function params(after) {
    const p = new URLSearchParams();
    if (user.value) p.set('user', user.value);
    if (entity.value) p.set('entity', entity.value);
    if (code.value.trim()) p.set('code', code.value.trim());
    if (since.value) p.set('since', String(new Date(since.value).getTime()));
    if (until.value) p.set('until', String(new Date(until.value).getTime()));
    if (after) p.set('after', after);
    const s = p.toString();
    return s ? `?${s}` : '';
  }

  // load fetches the first page (or the next one, appended).
  async function load(more) {
    try {
      const ans = await get(`/v1/admin/sync-errors${params(more ? next : '')}`);
      const page = Array.isArray(ans) ? ans : (ans?.errors || ans?.items || []);
      next = (!Array.isArray(ans) && ans?.next) || '';
      shown = more ? shown.concat(page) : page;
      draw();
    } catch (e) {
      clear(listBox, notice(errorText(e), 'error'));
    }
  }

  function draw() {
    if (!shown.length) { clear(listBox, notice('No sync errors match.', 'ok')); return; }
    clear(listBox,
      h('p', { class: 'muted', text: `${shown.length} sync error${shown.length === 1 ? '' : 's'}${next ? ' shown; there are more.' : '.'}` }),
      table(['Time', 'User', 'Entity', 'Op', 'Row', 'Code', 'Message', ''], shown.map((se) => h('tr', {},
        h('td', { text: when(se.time) }), h('td', { text: userName.get(se.user) || se.user }),
        h('td', { class: 'mono', text: se.mutation?.entity || '' }), h('td', { text: se.mutation?.op || 'upsert' }),
        h('td', { class: 'mono', text: (se.mutation?.rowId || '').slice(0, 8) }),
        h('td', {}, h('span', { class: 'badge danger', text: se.code })), h('td', { text: se.message }),
        h('td', {}, h('button', { type: 'button', class: 'small secondary', 'aria-label': `Inspect ${se.ref}`, text: 'Inspect', onclick: () => inspect(se.ref) })))), 'Sync errors'),
      next ? h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', text: 'Load more', onclick: () => load(true) })) : null);
  }

  async function inspect(ref) {
    let se;
    try { se = await get(`/v1/admin/sync-errors/${q(ref)}`); } catch (e) { toast(errorText(e)); return; }
    const act = await openDialog((close) => {
      const out = h('div', { 'aria-live': 'assertive' });
      const run = async (what) => {
        clear(out);
        try {
          if (what === 'delete') {
            if (!(await confirmInline(out))) return;
            await del(`/v1/admin/sync-errors/${q(ref)}`);
            close('deleted');
          } else {
            const r = await post(`/v1/admin/sync-errors/${q(ref)}/reapply`);
            if (r.code) clear(out, notice(`Reapply refused: ${r.code}: ${r.message}`, 'error'));
            else close(`reapplied at version ${r.version}`);
          }
        } catch (e) { clear(out, notice(errorText(e), 'error')); }
      };
      return h('div', { class: 'body' },
        h('h2', { id: 'dialog-title', text: `Sync error ${se.ref}` }),
        h('dl', { class: 'rulecard' },
          h('dt', { text: 'Time' }), h('dd', { text: when(se.time) }),
          h('dt', { text: 'User' }), h('dd', { text: userName.get(se.user) || se.user }),
          h('dt', { text: 'Device token' }), h('dd', { class: 'mono', text: se.device || '—' }),
          h('dt', { text: 'Rejected' }), h('dd', {}, h('span', { class: 'badge danger', text: se.code }), ' ', se.message)),
        h('h3', { text: 'Mutation' }),
        h('pre', { class: 'json', tabindex: '0', 'aria-label': 'The mutation as JSON', text: JSON.stringify(se.mutation, null, 2) }),
        out,
        h('div', { class: 'actions' },
          h('button', { type: 'button', text: 'Reapply as administrator', onclick: () => run('reapply') }),
          h('button', { type: 'button', class: 'danger', text: 'Delete', onclick: () => run('delete') }),
          h('button', { type: 'button', class: 'secondary', text: 'Close', onclick: () => close() })),
        h('p', { class: 'hint', text: 'Reapply skips the user\'s privileges but still checks the schema and that the row exists; on success the error goes.' }));
    });
    if (act) { toast(`Sync error ${ref} ${act}.`); await load(false); }
  }

  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(false); });
  clear(main, h('h1', { text: 'Sync errors' }),
    h('p', { class: 'lead', text: 'Changes made offline that the server refused at push, with the reason. Oldest first.' }),
    form, listBox);
  await load(false);
}

// confirmInline asks inside the open dialog (a dialog cannot open another).
function confirmInline(box) {
  return new Promise((resolve) => {
    clear(box, h('div', { class: 'notice error', role: 'alert' }, 'Delete this sync error? The change is lost. ',
      h('button', { type: 'button', class: 'small danger', text: 'Yes, delete', onclick: () => resolve(true) }), ' ',
      h('button', { type: 'button', class: 'small secondary', text: 'Keep it', onclick: () => { clear(box); resolve(false); } })));
    box.querySelector('button').focus();
  });
}


