// api.js: the admin JSON API, called with the admin token from session
// storage in an Authorization header (never in a URL).

const KEY = 'offsync.adminToken';

export function token() { return sessionStorage.getItem(KEY) || ''; }
export function setToken(t) { sessionStorage.setItem(KEY, t); }
export function forgetToken() { sessionStorage.removeItem(KEY); }

// APIError is a non-2xx answer: its HTTP status and the body's code and
// message.
export class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let onUnauthorized = () => {};
// whenUnauthorized sets what happens on a 401 (back to sign-in).
export function whenUnauthorized(fn) { onUnauthorized = fn; }

// api sends one request and returns the decoded JSON answer.
export async function api(method, path, body, tok = token()) {
  const headers = { Authorization: `Bearer ${tok}`, Accept: 'application/json' };
  const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new APIError(0, 'network', `the server did not answer (${e.message})`);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = new APIError(res.status, data?.code || `http_${res.status}`, data?.message || res.statusText);
    // A refused stored token signs out; a token being tried does not.
    if (res.status === 401 && tok === token()) onUnauthorized(err);
    throw err;
  }
  return data;
}

export const get = (path) => api('GET', path);
export const put = (path, body) => api('PUT', path, body);
export const post = (path, body) => api('POST', path, body ?? {});
export const del = (path, body) => api('DELETE', path, body);

// q encodes a path segment.
export const q = encodeURIComponent;

// newID returns a random version-4 GUID (crypto.getRandomValues works on
// plain http too, unlike randomUUID).
export function newID() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
