// rules.js: step 3 of the seed, choosing the records of one entity: which
// rows, a filter, a modified-within window, relationships to follow, the
// sync interval and the columns.
import { h, clear, field, uid } from './dom.js';

export const ROW_CHOICES = [
  ['all', 'All rows'], ['organization', 'Organization'], ['user', 'User'],
  ['team', 'Team'], ['businessunit', 'Business unit'], ['related', 'Related'],
];
const ALONE = ['all', 'related'];
export const DEFAULT_DAYS = 10;
export const DEFAULT_INTERVAL = 60;
const SYSTEM = new Set(['id', 'ownerid', 'owningbusinessunit', 'createdon', 'modifiedon', 'version']);

// example is a filter placeholder made of the entity's own attributes.
function example(def) {
  const attrs = (def?.attributes || []).filter((a) => !SYSTEM.has(a.name));
  const str = attrs.find((a) => a.type === 'string');
  const n = attrs.find((a) => ['int', 'float', 'decimal'].includes(a.type));
  const parts = [str && `${str.name} is not null`, n && `${n.name} >= 100`].filter(Boolean);
  return parts.length ? `e.g. ${parts.join(' and ')}` : 'e.g. ownerid = @me';
}

// ruleEditor returns the editor of one entity's rule: {el, read,
// showError, clearErrors}. ent is the entity from "see what's included",
// def its schema definition (for the columns), rule the draft (or null).
export function ruleEditor(ent, def, rule, onChange) {
  const r = rule || { entity: ent.name, rows: [ent.ownership === 'organization' ? 'all' : 'user'] };
  const errors = {};
  const errorBox = (key) => {
    errors[key] = h('div', { id: uid('err'), 'aria-live': 'polite' });
    return errors[key];
  };

  const rowBoxes = ROW_CHOICES.map(([v, text]) => {
    const input = h('input', { type: 'checkbox', name: `rows-${ent.name}`, value: v, checked: (r.rows || []).includes(v) });
    input.addEventListener('change', () => {
      if (input.checked) {
        for (const o of rowBoxes) {
          if (o.input !== input && (ALONE.includes(v) || ALONE.includes(o.input.value))) o.input.checked = false;
        }
      }
    });
    return { input, label: h('label', {}, input, text) };
  });
  const rowsSet = h('fieldset', { 'data-field': 'rows' },
    h('legend', { text: 'Rows' }),
    h('div', { class: 'checks' }, rowBoxes.map((b) => b.label)),
    h('p', { class: 'hint', text: 'Organization, user, team and business unit combine; all and related stand alone. Related rows come through another rule\'s relationship.' }),
    errorBox('rows'));

  const filter = h('input', { type: 'text', class: 'mono', name: `filter-${ent.name}`, value: r.filter || '', placeholder: example(def), spellcheck: 'false', autocomplete: 'off' });
  const days = h('input', { type: 'number', name: `days-${ent.name}`, min: '0', step: '1', value: String(r.modifiedWithinDays ?? DEFAULT_DAYS) });
  const interval = h('input', { type: 'number', name: `interval-${ent.name}`, min: '5', max: '1440', step: '1', value: String(r.syncIntervalMinutes || DEFAULT_INTERVAL) });

  const rels = (ent.relationships || []).map((rel) => {
    const input = h('input', { type: 'checkbox', value: rel.attribute, checked: (r.relationships || []).includes(rel.attribute) });
    return { input, label: h('label', {}, input, h('span', { class: 'mono', text: rel.attribute }), ` → ${rel.targets.join(', ')}`) };
  });
  const relSet = h('fieldset', { 'data-field': 'relationships' },
    h('legend', { text: 'Relationships to follow' }),
    rels.length ? h('div', { class: 'checks' }, rels.map((b) => b.label)) : h('p', { class: 'hint', text: 'This entity has no lookups.' }),
    errorBox('relationships'));

  const attrs = (def?.attributes || []).filter((a) => !SYSTEM.has(a.name));
  const cols = attrs.map((a) => {
    const input = h('input', { type: 'checkbox', value: a.name, checked: (r.columns || []).includes(a.name) });
    return { input, label: h('label', {}, input, h('span', { class: 'mono', text: a.name })) };
  });
  const colSummary = h('summary', {});
  const colSet = h('details', { 'data-field': 'columns' }, colSummary,
    h('fieldset', {}, h('legend', { class: 'visually-hidden', text: `Columns of ${ent.name}` }),
      h('div', { class: 'checks' }, cols.map((b) => b.label)),
      h('p', { class: 'hint', text: 'None ticked carries every column. System columns (id, owner, dates, version) always go.' })),
    errorBox('columns'));
  const summarize = () => {
    const n = cols.filter((c) => c.input.checked).length;
    colSummary.textContent = n ? `Columns: ${n} of ${cols.length}` : `Columns: all ${cols.length}`;
  };
  summarize();

  const headingId = uid('rule');
  const el = h('section', { class: 'rule', 'aria-labelledby': headingId, 'data-entity': ent.name },
    h('h3', { id: headingId }, ent.displayName || ent.name, h('span', { class: 'muted mono', text: ent.name })),
    rowsSet,
    h('div', { class: 'field' },
      h('label', { for: filter.id = uid('in'), text: 'Filter' }), filter,
      h('p', { class: 'hint', text: 'Optional, ANDed with the rows: attributes, comparisons, in (...), and, or, not (docs/filter.md).' }),
      errorBox('filter')),
    h('div', { class: 'cols' },
      h('div', {}, field('Modified within (days)', days, '0 keeps rows of any age.'), errorBox('modifiedWithinDays')),
      h('div', {}, field('Sync interval (minutes)', interval, '5 to 1440.'), errorBox('syncIntervalMinutes'))),
    relSet,
    colSet,
    errorBox('entity'));
  el.addEventListener('input', () => { summarize(); onChange(); });
  el.addEventListener('change', () => { summarize(); onChange(); });

  const controls = { rows: rowBoxes[0]?.input, filter, modifiedWithinDays: days, syncIntervalMinutes: interval, relationships: rels[0]?.input, columns: cols[0]?.input };

  function read() {
    const out = { entity: ent.name, rows: rowBoxes.filter((b) => b.input.checked).map((b) => b.input.value) };
    if (filter.value.trim()) out.filter = filter.value.trim();
    const d = days.value === '' ? DEFAULT_DAYS : Number(days.value);
    if (!(d === DEFAULT_DAYS && r.modifiedWithinDays === undefined)) out.modifiedWithinDays = d;
    const si = interval.value === '' ? DEFAULT_INTERVAL : Number(interval.value);
    if (!(si === DEFAULT_INTERVAL && !r.syncIntervalMinutes)) out.syncIntervalMinutes = si;
    const rl = rels.filter((b) => b.input.checked).map((b) => b.input.value);
    if (rl.length) out.relationships = rl;
    const cl = cols.filter((b) => b.input.checked).map((b) => b.input.value);
    if (cl.length) out.columns = cl;
    return out;
  }

  function clearErrors() {
    for (const box of Object.values(errors)) clear(box);
    for (const c of [filter, days, interval]) { c.removeAttribute('aria-invalid'); }
  }

  // showError puts a validation message next to its field; a filter's
  // message shows the filter with the position marked.
  function showError(key, msg) {
    const box = errors[key] || errors.entity;
    const ctl = controls[key];
    const p = h('p', { class: 'field-error', role: 'alert' }, msg);
    const m = key === 'filter' && /position (\d+): (.*)$/.exec(msg);
    if (m) {
      const chars = Array.from(filter.value.trim());
      const at = Math.min(Math.max(Number(m[1]) - 1, 0), chars.length);
      // Mark the word that starts there (or the one character).
      let end = at + 1;
      while (/\w/.test(chars[at] || '') && end < chars.length && /\w/.test(chars[end])) end += 1;
      clear(p, `Position ${m[1]}: ${m[2]}`,
        h('span', { class: 'where', 'aria-hidden': 'true' },
          chars.slice(0, at).join(''), h('mark', { text: chars.slice(at, end).join('') || ' ' }), chars.slice(end).join('')));
    }
    clear(box, p);
    if (ctl) {
      ctl.setAttribute('aria-invalid', 'true');
      ctl.setAttribute('aria-describedby', box.id);
      if (key === 'columns') colSet.open = true;
    }
    if (key === 'filter' && m) {
      const lead = filter.value.length - filter.value.trimStart().length;
      const at = lead + Array.from(filter.value.trim()).slice(0, Number(m[1]) - 1).join('').length;
      filter.focus();
      filter.setSelectionRange(at, at + 1);
    }
  }

  return { el, read, showError, clearErrors, entity: ent.name };
}
