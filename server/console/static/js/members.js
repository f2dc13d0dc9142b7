// members.js: step 4 of the seed, choosing the users and teams who receive
// the profile, with search. A user is in one profile at most: adding one
// who is in another asks before moving them.
import { h, clear, field } from './dom.js';
import { get, post, del, q } from './api.js';
import { notice, errorText, confirmDialog, toast } from './ui.js';

const MAX_RESULTS = 12;

// membersSection renders step 4 into box. ctx holds the profile and the
// org lists; refresh() reloads the profile after a change.
export function membersSection(box, ctx, refresh) {
  const { p, users, teams, profiles } = ctx;
  const byID = new Map([...users.map((u) => [u.id, { ...u, kind: 'user' }]), ...teams.map((t) => [t.id, { ...t, kind: 'team' }])]);
  const profileOf = new Map();
  for (const o of profiles) {
    for (const id of [...(o.users || []), ...(o.teams || [])]) profileOf.set(id, o);
  }
  const units = new Map((ctx.units || []).map((b) => [b.id, b.name]));
  const err = h('div', { 'aria-live': 'assertive' });

  async function change(kind, id, remove, move = false) {
    clear(err);
    const body = { users: kind === 'user' ? [id] : [], teams: kind === 'team' ? [id] : [], move };
    const who = byID.get(id)?.name || id;
    try {
      if (remove) await del(`/v1/admin/profiles/${q(p.id)}/members`, body);
      else await post(`/v1/admin/profiles/${q(p.id)}/members`, body);
      toast(remove ? `Removed ${who} from ${p.name}.` : `Added ${who} to ${p.name}.`);
      await refresh();
    } catch (e) {
      if (e.status === 409 && !remove && !move) {
        const other = profileOf.get(id);
        const where = other ? `the profile “${other.name}”` : `another profile (${e.message})`;
        const yes = await confirmDialog(`Move ${who}?`,
          `${who} is already in ${where}. A ${kind} belongs to one profile only. Move ${who} to “${p.name}”?`, `Move to ${p.name}`);
        if (yes) await change(kind, id, false, true);
        return;
      }
      clear(err, notice(errorText(e), 'error'));
    }
  }

  const memberItem = (kind, id) => {
    const who = byID.get(id);
    return h('li', {}, h('span', {}, who ? who.name : id, ' ', h('span', { class: 'badge', text: kind })),
      h('button', { type: 'button', class: 'small secondary', 'aria-label': `Remove ${who ? who.name : id}`, text: 'Remove', onclick: () => change(kind, id, true) }));
  };
  const current = [...(p.users || []).map((id) => memberItem('user', id)), ...(p.teams || []).map((id) => memberItem('team', id))];

  const search = h('input', { type: 'search', name: 'member-search', placeholder: 'Name, e-mail or business unit', autocomplete: 'off' });
  const results = h('ul', { class: 'results', 'aria-label': 'Search results', hidden: true });
  const status = h('p', { class: 'hint', 'aria-live': 'polite' });
  const mine = new Set([...(p.users || []), ...(p.teams || [])]);

  function show() {
    const text = search.value.trim().toLowerCase();
    if (!text) { results.hidden = true; status.textContent = ''; return; }
    const found = [...byID.values()].filter((o) => [o.name, o.email, units.get(o.businessUnit)].some((s) => s && s.toLowerCase().includes(text)));
    status.textContent = found.length ? `${found.length} found${found.length > MAX_RESULTS ? `, showing ${MAX_RESULTS}` : ''}.` : 'Nobody matches.';
    results.hidden = !found.length;
    clear(results, found.slice(0, MAX_RESULTS).map((o) => {
      const other = profileOf.get(o.id);
      const here = mine.has(o.id);
      return h('li', {},
        h('span', { class: 'who' }, h('strong', { text: o.name }), ' ',
          h('span', { class: 'muted', text: [o.email, units.get(o.businessUnit)].filter(Boolean).join(' · ') })),
        h('span', { class: 'badge', text: o.kind }),
        here ? h('span', { class: 'badge ok', text: 'member' })
          : other ? h('span', { class: 'badge warn', text: `in ${other.name}` }) : null,
        h('button', { type: 'button', class: 'small', disabled: here, 'aria-label': `Add ${o.name}`, text: 'Add', onclick: () => change(o.kind, o.id, false) }));
    }));
  }
  search.addEventListener('input', show);

  clear(box,
    h('h2', {}, h('span', { class: 'step', 'aria-hidden': 'true', text: '4' }), 'Users and teams'),
    h('p', { class: 'hint', text: 'Members receive the published rules at their next sync. A user who is not a member takes the profile of one of their teams.' }),
    current.length ? h('ul', { class: 'members', 'aria-label': 'Members' }, current) : notice('No members yet.'),
    h('div', { class: 'field' }, field('Search users and teams', search, null, 'field'), status, results),
    err);
  return { search, show };
}

// loadOrg loads what the members section needs.
export async function loadOrg() {
  const [users, teams, units, profiles] = await Promise.all([
    get('/v1/admin/users'), get('/v1/admin/teams'), get('/v1/admin/businessunits'), get('/v1/admin/profiles')]);
  return { users, teams, units, profiles };
}
