// org.js: the organization: users, teams, business units (a tree) and
// roles with their privilege depths. Each can be viewed and edited.
import { h, clear, field, table, option, checkbox } from './dom.js';
import { get, put, newID, q } from './api.js';
import { notice, formDialog, toast, loading, count as countOf } from './ui.js';
import { roleDialog, privilegeSummary } from './roles.js';

const TABS = [['users', 'Users'], ['teams', 'Teams'], ['units', 'Business units'], ['roles', 'Roles']];

export async function render(main, [tab]) {
  clear(main, h('h1', { text: 'Organization' }), loading());
  const [users, teams, units, roles, schema] = await Promise.all([
    get('/v1/admin/users'), get('/v1/admin/teams'), get('/v1/admin/businessunits'), get('/v1/admin/roles'), get('/v1/admin/schema')]);
  const o = { users, teams, units, roles, schema, unitName: new Map(units.map((b) => [b.id, b.name])), roleName: new Map(roles.map((r) => [r.id, r.name])) };
  const again = () => render(main, [tab]);
  const body = { users: usersTab, teams: teamsTab, units: unitsTab, roles: rolesTab }[tab](o, again);
  clear(main, h('h1', { text: 'Organization' }),
    h('nav', { class: 'subnav', 'aria-label': 'Organization' }, TABS.map(([k, text]) =>
      h('a', { href: `#/org/${k}`, 'aria-current': k === tab ? 'page' : null, text }))),
    body);
}

const names = (ids, map) => (ids || []).map((id) => map.get(id) || id).join(', ');

function unitSelect(o, value, allowNone) {
  return h('select', {}, allowNone ? option('', '(none: the root)', !value) : null,
    o.units.map((b) => option(b.id, b.name, b.id === value)));
}

function roleChecks(o, held) {
  const boxes = o.roles.map((r) => checkbox(r.name, (held || []).includes(r.id), { value: r.id }));
  return { el: h('fieldset', {}, h('legend', { text: 'Roles' }), h('div', { class: 'checks' }, boxes.map((b) => b.label))), read: () => boxes.filter((b) => b.input.checked).map((b) => b.input.value) };
}

async function save(kind, id, obj, what) {
  const res = await put(`/v1/admin/${kind}/${q(id)}`, obj);
  toast(`Saved ${what} (version ${res.version}).`);
}

function usersTab(o, again) {
  const edit = async (u) => {
    const isNew = !u;
    u = u || { id: newID(), name: '', email: '', businessUnit: o.units[0]?.id, roles: [], enabled: true };
    const name = h('input', { type: 'text', value: u.name, required: true });
    const email = h('input', { type: 'email', value: u.email || '' });
    const bu = unitSelect(o, u.businessUnit);
    const roles = roleChecks(o, u.roles);
    const enabled = checkbox('Enabled (a disabled user syncs nothing)', u.enabled);
    const ok = await formDialog(isNew ? 'New user' : `Edit ${u.name}`,
      [field('Name', name), field('E-mail', email), field('Business unit', bu, 'Moving a user moves the rows they own to the new unit.'), roles.el, enabled.label],
      'Save', () => save('users', u.id, { name: name.value.trim(), email: email.value.trim(), businessUnit: bu.value, roles: roles.read(), enabled: enabled.input.checked }, name.value));
    if (ok) again();
  };
  const rows = o.users.map((u) => h('tr', {},
    h('td', {}, h('strong', { text: u.name })), h('td', { text: u.email || '' }), h('td', { text: o.unitName.get(u.businessUnit) || u.businessUnit }),
    h('td', { text: names(u.roles, o.roleName) }),
    h('td', {}, u.enabled ? h('span', { class: 'badge ok', text: 'enabled' }) : h('span', { class: 'badge danger', text: 'disabled' })),
    h('td', {}, h('button', { type: 'button', class: 'small secondary', 'aria-label': `Edit ${u.name}`, text: 'Edit', onclick: () => edit(u) }))));
  return [h('div', { class: 'toolbar' }, h('p', { class: 'muted', text: `${countOf(o.users.length, 'user')}.` }), h('button', { type: 'button', text: 'New user', onclick: () => edit(null) })),
    table(['Name', 'E-mail', 'Business unit', 'Roles', 'Status', ''], rows, 'Users')];
}

function teamsTab(o, again) {
  const userName = new Map(o.users.map((u) => [u.id, u.name]));
  const edit = async (t) => {
    const isNew = !t;
    t = t || { id: newID(), name: '', businessUnit: o.units[0]?.id, members: [], roles: [] };
    const name = h('input', { type: 'text', value: t.name, required: true });
    const bu = unitSelect(o, t.businessUnit);
    const boxes = o.users.map((u) => checkbox(u.name, (t.members || []).includes(u.id), { value: u.id }));
    const roles = roleChecks(o, t.roles);
    const ok = await formDialog(isNew ? 'New team' : `Edit ${t.name}`,
      [field('Name', name), field('Business unit', bu), h('fieldset', {}, h('legend', { text: 'Members' }), h('div', { class: 'checks' }, boxes.map((b) => b.label))), roles.el],
      'Save', () => save('teams', t.id, { name: name.value.trim(), businessUnit: bu.value, members: boxes.filter((b) => b.input.checked).map((b) => b.input.value), roles: roles.read() }, name.value));
    if (ok) again();
  };
  const rows = o.teams.map((t) => h('tr', {},
    h('td', {}, h('strong', { text: t.name })), h('td', { text: o.unitName.get(t.businessUnit) || t.businessUnit }),
    h('td', { text: names(t.members, userName) || '—' }), h('td', { text: names(t.roles, o.roleName) }),
    h('td', {}, h('button', { type: 'button', class: 'small secondary', 'aria-label': `Edit ${t.name}`, text: 'Edit', onclick: () => edit(t) }))));
  return [h('div', { class: 'toolbar' }, h('p', { class: 'muted', text: `${countOf(o.teams.length, 'team')}.` }), h('button', { type: 'button', text: 'New team', onclick: () => edit(null) })),
    table(['Name', 'Business unit', 'Members', 'Roles', ''], rows, 'Teams')];
}

function unitsTab(o, again) {
  const edit = async (b, parent) => {
    const isNew = !b;
    b = b || { id: newID(), name: '', parent };
    const name = h('input', { type: 'text', value: b.name, required: true });
    const par = unitSelect({ units: o.units.filter((x) => x.id !== b.id) }, b.parent, true);
    const ok = await formDialog(isNew ? 'New business unit' : `Edit ${b.name}`, [field('Name', name), field('Parent', par, 'Units form one tree with one root.')],
      'Save', () => save('businessunits', b.id, { name: name.value.trim(), parent: par.value }, name.value));
    if (ok) again();
  };
  const count = (id, list) => list.filter((x) => x.businessUnit === id).length;
  const children = (id) => o.units.filter((b) => (b.parent || '') === id).sort((a, b) => a.name.localeCompare(b.name));
  const node = (b) => h('li', {},
    h('span', { class: 'node' }, h('strong', { text: b.name }),
      h('span', { class: 'muted', text: `${countOf(count(b.id, o.users), 'user')} · ${countOf(count(b.id, o.teams), 'team')}` }),
      h('button', { type: 'button', class: 'small secondary', 'aria-label': `Edit ${b.name}`, text: 'Edit', onclick: () => edit(b) }),
      h('button', { type: 'button', class: 'small secondary', 'aria-label': `Add a unit under ${b.name}`, text: 'Add child', onclick: () => edit(null, b.id) })),
    children(b.id).length ? h('ul', {}, children(b.id).map(node)) : null);
  const roots = children('');
  return [h('p', { class: 'muted', text: `${o.units.length} business units. A user or team belongs to one; a depth of "parentchild" reaches the units below.` }),
    h('div', { class: 'card' }, roots.length ? h('ul', { class: 'tree', 'aria-label': 'Business units' }, roots.map(node)) : notice('No business units.'))];
}

function rolesTab(o, again) {
  const entities = (o.schema.entities || []).map((e) => e.name);
  const edit = async (r) => {
    const ok = await roleDialog(r, o.schema, async (obj) => save('roles', obj.id, { name: obj.name, privileges: obj.privileges }, obj.name));
    if (ok) again();
  };
  const rows = o.roles.map((r) => h('tr', {},
    h('td', {}, h('strong', { text: r.name })),
    h('td', {}, privilegeSummary(r, entities)),
    h('td', {}, h('button', { type: 'button', class: 'small secondary', 'aria-label': `Edit ${r.name}`, text: 'Edit', onclick: () => edit(r) }))));
  return [h('div', { class: 'toolbar' }, h('p', { class: 'muted', text: 'Privilege depths, narrowest first: none, user, business unit, parent-child (the unit and those below), organization.' }),
    h('button', { type: 'button', text: 'New role', onclick: () => edit(null) })),
    table(['Role', 'Read depth per entity', ''], rows, 'Roles')];
}
