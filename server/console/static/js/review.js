// review.js: step 5, review and publish: the data-usage estimate of the
// draft (rows and compressed bytes per entity) and the draft and
// published rules side by side.
import { h, clear, table, option } from './dom.js';
import { get, post, q } from './api.js';
import { notice, errorText, num, bytes, toast, confirmDialog, loading } from './ui.js';
import { DEFAULT_DAYS, DEFAULT_INTERVAL } from './rules.js';

// reviewSection renders step 5 into box. dirty() says whether steps 1-3
// have unsaved edits; published() runs after a publish; names maps user
// ids to names.
export function reviewSection(box, p, dirty, published, names = new Map()) {
  const est = h('div', {}, loading());
  // The estimate of the members (averaged), or of one member: what that
  // user's device would download.
  const who = h('select', { name: 'estimate-user', 'aria-label': 'Estimate for' },
    option('', 'All members (average)', true),
    (p.users || []).map((id) => option(id, names.get(id) || id)));
  who.addEventListener('change', () => loadEstimate());
  const err = h('div', { 'aria-live': 'assertive' });
  const publish = h('button', { type: 'button', text: p.published ? 'Publish changes' : 'Publish' });
  const unsaved = h('p', { class: 'notice', hidden: true, text: 'You have unsaved changes: save the draft before publishing, so that you publish what you see.' });

  async function loadEstimate() {
    if (!(p.users || []).length && !(p.teams || []).length) {
      clear(est, notice('The profile has no members yet: add users or teams (step 4) to see what they would download.'));
      return;
    }
    clear(est, loading());
    try {
      const e = await get(`/v1/admin/profiles/${q(p.id)}/estimate${who.value ? `?user=${q(who.value)}` : ''}`);
      const rows = e.entities.map((x) => h('tr', {},
        h('td', { class: 'mono', text: x.entity }), h('td', { class: 'num', text: num(x.rows) }), h('td', { class: 'num', text: bytes(x.bytes) }),
        h('td', { class: 'num', text: num(x.maxRows) }), h('td', { class: 'num', text: bytes(x.maxBytes) })));
      rows.push(h('tr', { class: 'total' }, h('td', { text: 'Total' }), h('td', { class: 'num', text: num(e.total.rows) }),
        h('td', { class: 'num', text: bytes(e.total.bytes) }), h('td', { class: 'num', text: num(e.total.maxRows) }), h('td', { class: 'num', text: bytes(e.total.maxBytes) })));
      clear(est,
        h('p', { class: 'hint', text: who.value
          ? `What ${names.get(who.value) || who.value}'s device would download first under the draft (bytes as sent: zstd-compressed).`
          : e.users.length
          ? `A first download of the draft, averaged over ${e.users.length} of ${e.members} member${e.members === 1 ? '' : 's'} (bytes as sent: zstd-compressed).`
          : 'The profile has no members yet: the estimate counts nobody. Add users to see it.' }),
        table(['Entity', '#Rows (average)', '#Bytes (average)', '#Rows (most)', '#Bytes (most)'], rows, 'Data-usage estimate'));
    } catch (e2) {
      clear(est, notice(errorText(e2), 'error'));
    }
  }

  publish.addEventListener('click', async () => {
    clear(err);
    if (dirty()) { unsaved.hidden = false; unsaved.focus?.(); return; }
    const ok = await confirmDialog(`Publish ${p.name}?`, 'Its members\' devices get the draft rules at their next sync.', 'Publish');
    if (!ok) return;
    try {
      const res = await post(`/v1/admin/profiles/${q(p.id)}/publish`);
      toast(`Published ${p.name} at version ${res.version}.`);
      await published();
    } catch (e) {
      clear(err, notice(errorText(e), 'error'));
    }
  });

  clear(box,
    h('h2', {}, h('span', { class: 'step', 'aria-hidden': 'true', text: '5' }), 'Review and publish'),
    h('div', { class: 'toolbar' }, h('h3', { text: 'Data-usage estimate' }),
      h('div', { class: 'actions' }, who,
        h('button', { type: 'button', class: 'secondary small', text: 'Refresh estimate', onclick: () => loadEstimate() }))),
    est,
    h('h3', { class: 'compare-title', text: 'Draft and published rules' }),
    compare(p),
    unsaved, err,
    h('div', { class: 'actions' }, publish,
      p.published ? h('span', { class: 'muted', text: `Published at version ${p.published}.` }) : h('span', { class: 'muted', text: 'Never published: members get nothing yet.' })));
  loadEstimate();
  return { refresh: loadEstimate, setDirty: (d) => { unsaved.hidden = !d; } };
}

// compare shows the draft and the published rules in two columns; a rule
// that differs is marked.
function compare(p) {
  const draft = p.rules || [];
  const pub = p.publishedRules || [];
  const key = (r) => JSON.stringify(r);
  const byEntity = (rs) => new Map(rs.map((r) => [r.entity, r]));
  const d = byEntity(draft);
  const pb = byEntity(pub);
  const col = (title, rules, other) => h('div', {},
    h('h4', { text: title }),
    rules.length ? rules.map((r) => {
      const changed = !other.has(r.entity) || key(other.get(r.entity)) !== key(r);
      return h('div', { class: `rulecard${changed ? ' changed' : ''}` },
        h('strong', { class: 'mono', text: r.entity }), changed ? h('span', { class: 'badge warn', text: 'differs' }) : null,
        h('dl', {},
          h('dt', { text: 'rows' }), h('dd', { text: (r.rows || []).join(', ') }),
          r.filter ? [h('dt', { text: 'filter' }), h('dd', { class: 'mono', text: r.filter })] : null,
          h('dt', { text: 'modified' }), h('dd', { text: days(r.modifiedWithinDays) }),
          r.relationships?.length ? [h('dt', { text: 'follows' }), h('dd', { class: 'mono', text: r.relationships.join(', ') })] : null,
          h('dt', { text: 'interval' }), h('dd', { text: `${r.syncIntervalMinutes || DEFAULT_INTERVAL} min` }),
          h('dt', { text: 'columns' }), h('dd', { class: r.columns?.length ? 'mono' : '', text: r.columns?.length ? r.columns.join(', ') : 'all' })));
    }) : h('p', { class: 'muted', text: 'No rules.' }),
    [...other.keys()].filter((e) => !rules.some((r) => r.entity === e))
      .map((e) => h('div', { class: 'rulecard changed' }, h('strong', { class: 'mono', text: e }), ' ', h('span', { class: 'badge warn', text: 'not here' }))));
  return h('div', { class: 'compare' }, col('Draft', draft, pb), col(p.published ? `Published (version ${p.published})` : 'Published (never)', pub, d));
}

function days(n) {
  if (n === undefined || n === null) return `last ${DEFAULT_DAYS} days`;
  return n === 0 ? 'any time' : `last ${n} days`;
}
