// activity.js: the cluster live: nodes, the leader, applied versions and
// lag; devices syncing now; pulls, pushes and bytes served per minute as
// charts redrawn every few seconds, without reloading the page.
import { h, clear, table } from './dom.js';
import { get } from './api.js';
import { notice, errorText, num, bytes, loading, count } from './ui.js';
import { lineChart } from './chart.js';

export const POLL_MS = 2000;

export async function render(main) {
  const tiles = h('div', { class: 'tiles' });
  const nodes = h('div', { class: 'card' }, h('h2', { text: 'Nodes' }), loading());
  const traffic = h('div', { class: 'card chart' });
  const volume = h('div', { class: 'card chart' });
  const err = h('div', { 'aria-live': 'assertive' });
  const stamp = h('p', { class: 'muted', id: 'activity-updated' });
  clear(main, h('div', { class: 'toolbar' }, h('h1', { text: 'Activity' }), stamp),
    h('p', { class: 'lead', text: 'Device traffic summed over every node, and the state of each, refreshed every two seconds.' }),
    err, tiles, nodes, h('div', { class: 'grid2' }, traffic, volume));

  let timer = null;
  let stopped = false;
  async function tick() {
    if (stopped) return;
    try {
      const [cluster, act] = await Promise.all([get('/v1/admin/cluster').catch((e) => ({ error: e })), get('/v1/admin/activity?scope=cluster')]);
      if (stopped) return;
      clear(err);
      drawTiles(tiles, act, cluster);
      drawNodes(nodes, cluster, act);
      drawCharts(traffic, volume, act);
      stamp.textContent = `Updated ${new Date(act.time).toLocaleTimeString('en-GB')}`;
    } catch (e) {
      if (e.status === 401) { stopped = true; return; }
      clear(err, notice(errorText(e), 'error'));
    }
    if (!stopped) timer = setTimeout(tick, document.hidden ? POLL_MS * 5 : POLL_MS);
  }
  await tick();
  return () => { stopped = true; clearTimeout(timer); };
}

function tile(value, label, id) {
  return h('div', { class: 'tile', id }, h('div', { class: 'value', text: value }), h('div', { class: 'label', text: label }));
}

function drawTiles(box, act, cluster) {
  const last = act.series[act.series.length - 1] || { pulls: 0, pushes: 0, bytes: 0 };
  const leader = Array.isArray(cluster) ? cluster.find((m) => m.leader) : null;
  clear(box,
    tile(num(act.devices), 'devices syncing now', 'tile-devices'),
    tile(num(act.streams), 'event streams open'),
    tile(num(last.pulls), 'pulls in the last minute'),
    tile(num(last.pushes), 'pushes in the last minute'),
    tile(bytes(last.bytes), 'served in the last minute'),
    tile(leader ? leader.id : '—', 'leader'));
}

function drawNodes(box, cluster, act) {
  if (!Array.isArray(cluster)) {
    clear(box, h('h2', { text: 'Nodes' }), notice(`Cluster status unavailable: ${errorText(cluster.error)}`, 'error'));
    return;
  }
  const top = Math.max(0, ...cluster.map((m) => m.applied || 0));
  const leader = cluster.find((m) => m.leader);
  const ref = leader && leader.applied ? leader.applied : top;
  const share = new Map((act.nodes || []).map((n) => [n.id, n]));
  clear(box, h('h2', { text: 'Nodes' }), table(['Node', 'HTTP', 'Raft', 'Role', 'State', '#Applied', '#Lag', 'Ready', '#Devices', '#Pulls/min'], cluster.map((m) => h('tr', {},
    h('td', {}, h('strong', { text: m.id }), m.leader ? [' ', h('span', { class: 'badge accent', text: 'leader' })] : null),
    h('td', { class: 'mono', text: m.httpAddr || '—' }),
    h('td', { class: 'mono', text: m.address }),
    h('td', { text: m.voter ? 'voter' : 'non-voter' }),
    h('td', { text: m.status?.state || '—' }),
    h('td', { class: 'num', text: num(m.applied) }),
    h('td', { class: 'num', text: m.status?.state === 'Unreachable' ? '—' : num(Math.max(0, ref - (m.applied || 0))) }),
    h('td', {}, m.ready ? h('span', { class: 'badge ok', text: 'ready' }) : h('span', { class: 'badge danger', text: 'not ready' })),
    ...shareCells(share.get(m.id)))), 'Nodes'));
}

// shareCells are a node's devices and pulls in its last minute, or why
// they are missing.
function shareCells(n) {
  if (!n) return [h('td', { class: 'num', text: '—' }), h('td', { class: 'num', text: '—' })];
  if (n.error) return [h('td', { class: 'num', colspan: '2' }, h('span', { class: 'badge warn', title: n.error, text: 'no answer' }))];
  return [h('td', { class: 'num', text: num(n.devices) }), h('td', { class: 'num', text: num(n.lastMinute.pulls) })];
}

function drawCharts(traffic, volume, act) {
  const times = act.series.map((p) => p.time);
  clear(traffic, h('h2', { text: 'Pulls and pushes per minute' }),
    h('div', { class: 'legend', 'aria-hidden': 'true' }, h('span', {}, h('span', { class: 'sw sw0' }), 'pulls'), h('span', {}, h('span', { class: 'sw sw1' }), 'pushes')),
    lineChart('Pulls and pushes per minute, last 30 minutes', times,
      [{ name: 'pulls', values: act.series.map((p) => p.pulls) }, { name: 'pushes', values: act.series.map((p) => p.pushes) }], num));
  clear(volume, h('h2', { text: 'Bytes served per minute' }),
    h('div', { class: 'legend', 'aria-hidden': 'true' }, h('span', {}, h('span', { class: 'sw sw0' }), 'bytes to devices')),
    lineChart('Bytes served to devices per minute, last 30 minutes', times, [{ name: 'bytes', values: act.series.map((p) => p.bytes) }], bytes),
    h('p', { class: 'hint', text: `Since the nodes started: ${count(act.totals.pulls, 'pull')}, ${count(act.totals.pushes, 'push', 'pushes')}, ${bytes(act.totals.bytes)} served.` }));
}
