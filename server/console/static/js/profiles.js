// profiles.js: the list of offline profiles, and step 1 of the seed:
// create a profile with a name and a description.
import { h, clear, field, table } from './dom.js';
import { get, put, newID, q } from './api.js';
import { notice, errorText, loading } from './ui.js';

export async function render(main) {
  clear(main, h('h1', { text: 'Offline profiles' }), loading());
  const list = await get('/v1/admin/profiles');
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '200' });
  const desc = h('input', { type: 'text', name: 'description', maxlength: '2000' });
  const err = h('div', { 'aria-live': 'assertive' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-title' },
    h('h2', { id: 'new-title' }, h('span', { class: 'step', 'aria-hidden': 'true', text: '1' }), 'Create a profile'),
    h('div', { class: 'row' },
      field('Name', name, null, 'field'),
      field('Description', desc, 'What the profile is for, in a sentence.', 'field grow'),
      h('div', { class: 'field submit' }, h('button', { type: 'submit', text: 'Create profile' }))),
    err);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(err);
    name.removeAttribute('aria-invalid');
    if (!name.value.trim()) {
      name.setAttribute('aria-invalid', 'true');
      clear(err, notice('A profile needs a name.', 'error'));
      name.focus();
      return;
    }
    const id = newID();
    try {
      await put(`/v1/admin/profiles/${q(id)}`, { name: name.value.trim(), description: desc.value.trim(), rules: [] });
      location.hash = `#/profiles/${id}`;
    } catch (e) {
      clear(err, notice(errorText(e), 'error'));
    }
  });
  const rows = list.map((p) => h('tr', {},
    h('td', { class: 'name' }, h('a', { href: `#/profiles/${p.id}`, text: p.name })),
    h('td', { class: 'muted', text: p.description || '' }),
    h('td', { class: 'num', text: String((p.rules || []).length) }),
    h('td', { class: 'num', text: String((p.users || []).length) }),
    h('td', { class: 'num', text: String((p.teams || []).length) }),
    h('td', {}, status(p))));
  clear(main,
    h('h1', { text: 'Offline profiles' }),
    h('p', { class: 'lead', text: 'A profile says which rows its members carry offline. Edits are a draft until you publish them.' }),
    form,
    list.length ? table(['Name', 'Description', '#Entities', '#Users', '#Teams', 'Status'], rows, 'Offline profiles')
      : notice('No profiles yet: create the first one above.'));
}

// status says whether the profile is published and whether its draft
// differs from what devices get.
export function status(p) {
  if (!p.published) return h('span', { class: 'badge warn', text: 'Never published' });
  const same = JSON.stringify(p.rules || []) === JSON.stringify(p.publishedRules || []);
  return h('span', {}, h('span', { class: 'badge ok', text: `Published v${p.published}` }), ' ',
    same ? null : h('span', { class: 'badge accent', text: 'Draft changed' }));
}
