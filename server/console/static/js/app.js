// app.js: sign-in, navigation and the router. Each page module exports
// render(main, params) and may return a function that stops it (timers).
import { h, clear, field } from './dom.js';
import { api, token, setToken, forgetToken, whenUnauthorized } from './api.js';
import { notice, errorText } from './ui.js';
import * as profiles from './profiles.js';
import * as profile from './profile.js';
import * as org from './org.js';
import * as tokens from './tokens.js';
import * as syncErrors from './syncerrors.js';
import * as activity from './activity.js';

const routes = [
  [/^#\/profiles$/, profiles, 'Offline profiles'],
  [/^#\/profiles\/([^/]+)$/, profile, 'Offline profile'],
  [/^#\/org\/(users|teams|units|roles)$/, org, 'Organization'],
  [/^#\/tokens$/, tokens, 'Device tokens'],
  [/^#\/sync-errors$/, syncErrors, 'Sync errors'],
  [/^#\/activity$/, activity, 'Activity'],
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const signout = document.getElementById('signout');
let stop = null;
let generation = 0;

function signIn(message) {
  nav.hidden = true;
  signout.hidden = true;
  document.title = 'Sign in · offsync console';
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', required: true, spellcheck: 'false' });
  const err = h('div', { 'aria-live': 'assertive' }, message ? notice(message, 'error') : null);
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', text: 'Sign in' }),
    h('p', { class: 'muted', text: 'Paste the admin token: the one serve printed on its first start, saved in <data>/admin-token, or set with --admin-token. It is kept in this tab only.' }),
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: 'admin', hidden: true }),
    field('Admin token', input),
    err,
    h('button', { type: 'submit', text: 'Sign in' }));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = input.value.trim();
    if (!t) return;
    try {
      await api('GET', '/v1/admin/settings', undefined, t);
      setToken(t);
      if (location.hash.startsWith('#/')) route();
      else location.hash = '#/profiles'; // hashchange routes
    } catch (e) {
      clear(err, notice(e.status === 401 ? 'That token was refused.' : errorText(e), 'error'));
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  });
  clear(main, form);
  input.focus();
}

async function route() {
  generation += 1;
  const gen = generation;
  if (stop) { stop(); stop = null; }
  if (!token()) { signIn(); return; }
  nav.hidden = false;
  signout.hidden = false;
  const hash = location.hash || '#/profiles';
  for (const a of nav.querySelectorAll('a')) {
    const section = a.getAttribute('href').split('/')[1];
    if (hash.split('/')[1] === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  for (const [re, page, title] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    document.title = `${title} · offsync console`;
    clear(main);
    try {
      const s = (await page.render(main, m.slice(1).map(decodeURIComponent))) || null;
      if (gen === generation) stop = s;
      else if (s) s(); // the administrator moved on while it loaded
    } catch (e) {
      if (e.status !== 401) clear(main, h('h1', { text: title }), notice(errorText(e), 'error'));
    }
    return;
  }
  location.replace('#/profiles');
}

whenUnauthorized(() => {
  forgetToken();
  signIn('The admin token was refused: sign in again.');
});
signout.addEventListener('click', () => {
  forgetToken();
  if (stop) { stop(); stop = null; }
  signIn();
});
document.getElementById('skip').addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', route);
route();
