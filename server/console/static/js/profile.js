// profile.js: one offline profile, edited in the seed's steps: 1 name and
// description, 2 entities ("see what's included"), 3 the records of each
// entity, 4 users and teams, 5 review the estimate and publish.
import { h, clear, field, table, uid } from './dom.js';
import { get, put, del, q } from './api.js';
import { notice, errorText, toast, loading, confirmDialog } from './ui.js';
import { ruleEditor } from './rules.js';
import { membersSection, loadOrg } from './members.js';
import { reviewSection } from './review.js';
import { status } from './profiles.js';

export async function render(main, [id]) {
  clear(main, h('h1', { text: 'Offline profile' }), loading());
  const [p, entities, schema, orgData] = await Promise.all([
    get(`/v1/admin/profiles/${q(id)}`), get('/v1/admin/offline-entities'), get('/v1/admin/schema'), loadOrg()]);
  let profile = p;
  let dirty = false;
  const defs = new Map((schema.entities || []).map((e) => [e.name, e]));
  const editors = new Map(); // entity -> rule editor, kept while unticked
  const markDirty = () => { dirty = true; review?.setDirty(true); saveState.textContent = 'Unsaved changes.'; };
  // Leaving or reloading the page with unsaved edits asks first.
  const guard = (ev) => { if (dirty) { ev.preventDefault(); ev.returnValue = ''; } };
  window.addEventListener('beforeunload', guard);

  // Step 1: name and description.
  const name = h('input', { type: 'text', name: 'name', value: p.name, required: true });
  const desc = h('textarea', { name: 'description', rows: '2' });
  desc.value = p.description || '';
  const nameErr = h('div', { 'aria-live': 'polite' });
  const step1 = h('section', { class: 'card', 'aria-labelledby': 'step1' },
    h('h2', { id: 'step1' }, h('span', { class: 'step', 'aria-hidden': 'true', text: '1' }), 'Name and description'),
    h('div', { class: 'grid2' }, h('div', {}, field('Name', name), nameErr), field('Description', desc)));
  step1.addEventListener('input', markDirty);

  // Step 2: entities, with "See what's included".
  const ruleBox = h('div', {});
  const draftOf = new Map((p.rules || []).map((r) => [r.entity, r]));
  const ticks = entities.map((ent) => {
    const input = h('input', { type: 'checkbox', name: 'entity', value: ent.name, checked: draftOf.has(ent.name) });
    input.addEventListener('change', () => { placeEditors(); markDirty(); });
    return { input, ent, label: h('label', {}, input, ent.displayName || ent.name, ' ', h('span', { class: 'muted mono', text: `(${ent.name})` })) };
  });
  const includedId = uid('included');
  const included = h('div', { id: includedId, class: 'included', hidden: true },
    table(['Entity', 'Ownership', 'Relationships (lookup → entities)'], entities.map((ent) => h('tr', {},
      h('td', {}, h('strong', { text: ent.displayName || ent.name }), ' ', h('span', { class: 'muted mono', text: ent.name })),
      h('td', { text: ent.ownership }),
      h('td', {}, ent.relationships.length ? ent.relationships.map((r) => h('div', { class: 'mono', text: `${r.attribute} → ${r.targets.join(', ')}` })) : h('span', { class: 'muted', text: 'none' })))),
    'Offline-enabled entities and their relationships'));
  const seeBtn = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-controls': includedId, text: 'See what\'s included' });
  seeBtn.addEventListener('click', () => {
    included.hidden = !included.hidden;
    seeBtn.setAttribute('aria-expanded', String(!included.hidden));
  });
  const step2 = h('section', { class: 'card', 'aria-labelledby': 'step2' },
    h('h2', { id: 'step2' }, h('span', { class: 'step', 'aria-hidden': 'true', text: '2' }), 'Entities'),
    h('fieldset', {}, h('legend', { text: 'Entities to take offline' }), h('div', { class: 'checks' }, ticks.map((t) => t.label))),
    seeBtn, included);

  function placeEditors() {
    const shown = [];
    for (const t of ticks) {
      if (!t.input.checked) continue;
      if (!editors.has(t.ent.name)) editors.set(t.ent.name, ruleEditor(t.ent, defs.get(t.ent.name), draftOf.get(t.ent.name), markDirty));
      shown.push(editors.get(t.ent.name));
    }
    clear(ruleBox, shown.length ? shown.map((e) => e.el) : notice('Tick at least one entity in step 2.'));
    return shown;
  }
  placeEditors();

  // Step 3: records per entity, then save.
  const saveState = h('span', { class: 'muted', 'aria-live': 'polite' });
  const saveErr = h('div', { 'aria-live': 'assertive' });
  const saveBtn = h('button', { type: 'button', text: 'Save draft' });
  const step3 = h('section', { class: 'card', 'aria-labelledby': 'step3' },
    h('h2', { id: 'step3' }, h('span', { class: 'step', 'aria-hidden': 'true', text: '3' }), 'Records to include'),
    h('p', { class: 'hint', text: 'By default a rule keeps rows modified within the last 10 days. Fewer entities, fewer days and tighter filters mean less data on cellular networks.' }),
    ruleBox, saveErr,
    h('div', { class: 'actions' }, saveBtn, saveState));

  async function save() {
    clear(saveErr);
    clear(nameErr);
    name.removeAttribute('aria-invalid');
    const shown = placeEditors();
    for (const e of shown) e.clearErrors();
    const rules = shown.map((e) => e.read());
    const body = { ...profile, name: name.value.trim(), description: desc.value.trim(), rules };
    for (const k of ['id', 'published', 'publishedRules', 'users', 'teams']) delete body[k];
    try {
      const res = await put(`/v1/admin/profiles/${q(profile.id)}`, body);
      dirty = false;
      saveState.textContent = `Draft saved at version ${res.version}.`;
      toast('Draft saved.');
      await reload();
      return true;
    } catch (e) {
      showSaveError(e, shown);
      return false;
    }
  }
  saveBtn.addEventListener('click', save);

  // showSaveError puts a validation error next to its field when the
  // message names one (profiles[0].rules[2].filter: ...).
  function showSaveError(e, shown) {
    const m = /^profiles\[\d+\]\.(?:rules\[(\d+)\]\.(\w+)|(\w+))(?:\[\d+\])?: ([\s\S]*)$/.exec(e.message || '');
    if (e.code === 'invalid' && m && m[1] !== undefined && shown[Number(m[1])]) {
      shown[Number(m[1])].showError(m[2], m[4]);
      clear(saveErr, notice(`Not saved: ${shown[Number(m[1])].entity}: ${m[2]} is wrong (see above).`, 'error'));
      return;
    }
    if (e.code === 'invalid' && m && m[3] === 'name') {
      name.setAttribute('aria-invalid', 'true');
      clear(nameErr, h('p', { class: 'field-error', role: 'alert', text: m[4] }));
      name.focus();
      return;
    }
    clear(saveErr, notice(`Not saved: ${errorText(e)}`, 'error'));
  }

  // Steps 4 and 5 are redrawn from the server after each change.
  const step4 = h('section', { class: 'card', 'aria-labelledby': 'step4' });
  const step5 = h('section', { class: 'card', 'aria-labelledby': 'step5' });
  const head = h('div', {});
  let review = null;
  let members = null;
  async function reload() {
    const [fresh, o] = await Promise.all([get(`/v1/admin/profiles/${q(profile.id)}`), loadOrg()]);
    profile = fresh;
    draw(o);
  }
  function draw(o) {
    const text = members ? members.search.value : '';
    const focused = members && document.activeElement === members.search;
    clear(head, h('div', { class: 'toolbar' },
      h('h1', {}, profile.name, ' ', status(profile)),
      h('button', { type: 'button', class: 'danger small', text: 'Delete profile', onclick: remove })));
    members = membersSection(step4, { ...o, p: profile }, reload);
    step4.firstChild.id = 'step4';
    members.search.value = text;
    members.show();
    if (focused) members.search.focus();
    const names = new Map([...o.users, ...o.teams].map((x) => [x.id, x.name]));
    review = reviewSection(step5, profile, () => dirty, reload, names);
    step5.firstChild.id = 'step5';
    review.setDirty(dirty);
  }
  async function remove() {
    if (!(await confirmDialog(`Delete ${profile.name}?`, 'Its members are left without a profile: their devices stop receiving rows.', 'Delete', true))) return;
    try {
      await del(`/v1/admin/profiles/${q(profile.id)}`);
      toast(`Deleted ${profile.name}.`);
      location.hash = '#/profiles';
    } catch (e) {
      clear(saveErr, notice(errorText(e), 'error'));
    }
  }
  draw(orgData);
  clear(main, h('p', {}, h('a', { href: '#/profiles', text: '← All profiles' })), head,
    profile.description ? h('p', { class: 'lead', text: profile.description }) : null,
    step1, step2, step3, step4, step5);
  return () => window.removeEventListener('beforeunload', guard);
}
