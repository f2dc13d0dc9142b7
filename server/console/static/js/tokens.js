// tokens.js: device tokens: list, create (the secret is shown once) and
// revoke.
import { h, clear, field, table, option } from './dom.js';
import { get, post, del, q } from './api.js';
import { notice, errorText, toast, confirmDialog, when, loading } from './ui.js';

export async function render(main) {
  clear(main, h('h1', { text: 'Device tokens' }), loading());
  const users = await get('/v1/admin/users');
  const userName = new Map(users.map((u) => [u.id, u.name]));
  const user = h('select', { name: 'user', required: true }, option('', 'Choose a user…', true),
    [...users].sort((a, b) => a.name.localeCompare(b.name)).map((u) => option(u.id, `${u.name}${u.email ? ` (${u.email})` : ''}`)));
  const name = h('input', { type: 'text', name: 'token-name', placeholder: 'e.g. Ann\'s phone', maxlength: '200' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-token' },
    h('h2', { id: 'new-token', text: 'Create a token' }),
    h('div', { class: 'row' }, field('User', user, null, 'field grow'), field('Name', name, 'Which device it is for.', 'field grow'),
      h('div', { class: 'field submit' }, h('button', { type: 'submit', text: 'Create token' }))),
    out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(out);
    if (!user.value) { user.setAttribute('aria-invalid', 'true'); clear(out, notice('Choose the user the device belongs to.', 'error')); user.focus(); return; }
    user.removeAttribute('aria-invalid');
    try {
      const t = await post(`/v1/admin/users/${q(user.value)}/tokens`, name.value.trim() ? { name: name.value.trim() } : {});
      const code = h('code', { id: 'new-secret', text: t.token });
      const copy = h('button', { type: 'button', class: 'small secondary', text: 'Copy' });
      copy.addEventListener('click', async () => {
        try { await navigator.clipboard.writeText(t.token); toast('Token copied.'); } catch { toast('Select the token and copy it.'); }
      });
      await refresh();
      clear(out, h('div', { class: 'secret', role: 'group', 'aria-label': 'The new token' }, code, copy),
        h('p', { class: 'hint', text: `Token for ${userName.get(t.userId) || t.userId}. Copy it now: it is shown only once, and only its hash is stored.` }));
      code.focus?.();
    } catch (e) {
      clear(out, notice(errorText(e), 'error'));
    }
  });
  const listBox = h('div', {});
  async function refresh() {
    const list = await get('/v1/admin/tokens');
    list.sort((a, b) => (b.createdOn || 0) - (a.createdOn || 0));
    clear(listBox, list.length ? table(['Name', 'User', 'Created', 'Status', ''], list.map((t) => h('tr', {},
      h('td', {}, t.name || h('span', { class: 'muted', text: 'unnamed' }), h('div', { class: 'muted mono', text: t.id })),
      h('td', { text: userName.get(t.userId) || t.userId }),
      h('td', { text: when(t.createdOn) }),
      h('td', {}, t.revoked ? h('span', { class: 'badge danger', text: `revoked ${when(t.revokedOn)}` }) : h('span', { class: 'badge ok', text: 'active' })),
      h('td', {}, t.revoked ? null : h('button', { type: 'button', class: 'small danger', 'aria-label': `Revoke ${t.name || t.id}`, text: 'Revoke', onclick: () => revoke(t) })))), 'Device tokens')
      : notice('No device tokens yet.'));
  }
  async function revoke(t) {
    const who = userName.get(t.userId) || t.userId;
    if (!(await confirmDialog('Revoke this token?', `${t.name || 'The token'} of ${who} stops working at once; the device must get a new one.`, 'Revoke', true))) return;
    try {
      await del(`/v1/admin/tokens/${q(t.id)}`);
      toast('Token revoked.');
      await refresh();
    } catch (e) {
      toast(errorText(e));
    }
  }
  clear(main, h('h1', { text: 'Device tokens' }),
    h('p', { class: 'lead', text: 'A device signs in with a token of its user. Revoking one ends its syncs and event streams.' }),
    form, h('h2', { text: 'Tokens' }), listBox);
  await refresh();
}
