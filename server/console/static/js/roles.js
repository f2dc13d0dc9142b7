// roles.js: a role's privilege depths per entity, shown and edited as a
// matrix of entity by privilege.
import { h, field, option } from './dom.js';
import { newID } from './api.js';
import { formDialog } from './ui.js';

export const PRIVILEGES = ['create', 'read', 'write', 'delete', 'assign', 'append'];
export const DEPTHS = [['none', 'None'], ['user', 'User'], ['businessunit', 'Business unit'], ['parentchild', 'Parent-child'], ['organization', 'Organization']];
const ORG_DEPTHS = [['none', 'None'], ['organization', 'Organization']];

// privilegeSummary shows a role's read depth per entity as badges.
export function privilegeSummary(r, entities) {
  return h('span', {}, entities.map((e) => {
    const d = r.privileges?.[e]?.read || 'none';
    return h('span', { class: `badge ${d === 'none' ? '' : 'accent'}`, title: `read ${e}: ${d}` }, `${e}: ${d}`, ' ');
  }));
}

// roleDialog edits one role (null for a new one); save(role) stores it.
export function roleDialog(r, schema, save) {
  const role = r || { id: newID(), name: '', privileges: {} };
  const name = h('input', { type: 'text', value: role.name, required: true });
  const selects = [];
  const rows = (schema.entities || []).map((e) => h('tr', {},
    h('th', { scope: 'row', class: 'mono', text: e.name }),
    PRIVILEGES.map((p) => {
      const cur = role.privileges?.[e.name]?.[p] || 'none';
      const s = h('select', { 'aria-label': `${p} ${e.name}` }, (e.ownership === 'organization' ? ORG_DEPTHS : DEPTHS).map(([v, t]) => option(v, t, v === cur)));
      selects.push({ entity: e.name, priv: p, s });
      return h('td', {}, s);
    })));
  const matrix = h('div', { class: 'table-wrap matrix' }, h('table', {},
    h('caption', { class: 'visually-hidden', text: 'Privilege depth per entity' }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Entity' }), PRIVILEGES.map((p) => h('th', { scope: 'col', text: p })))),
    h('tbody', {}, rows)));
  return formDialog(r ? `Edit ${role.name}` : 'New role', [field('Name', name), matrix], 'Save', () => {
    const privileges = {};
    for (const { entity, priv, s } of selects) {
      if (s.value === 'none') continue;
      privileges[entity] = privileges[entity] || {};
      privileges[entity][priv] = s.value;
    }
    return save({ id: role.id, name: name.value.trim(), privileges });
  }, true);
}
