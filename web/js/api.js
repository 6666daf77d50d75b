// api.js — the dashboard's one door to the server: JSON over fetch with the session cookie, the
// CSRF token on every change, and errors turned into ApiError values the forms can show.
//
// The session id lives only in the HttpOnly cookie the server sets (SPEC §2); this file never sees
// it. The CSRF token from POST /api/session is kept in sessionStorage (this tab only) and sent as
// X-CSRF-Token on every POST/PUT/PATCH/DELETE. Token secrets pass through here once, in the answer
// that creates them, and are not kept.

const CSRF_KEY = 'accessd.csrfToken';

let csrfToken = sessionStorage.getItem(CSRF_KEY);
let onUnauthenticated = null;

export function setCsrfToken(token) {
  csrfToken = token;
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

export function hasCsrfToken() {
  return Boolean(csrfToken);
}

// Called (once per failing request) when the server answers 401 to anything but a login.
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

export class ApiError extends Error {
  constructor(status, body) {
    const b = body && typeof body === 'object' ? body : {};
    super(b.error || (status ? `The request failed (HTTP ${status}).` :
      'The server could not be reached. Check that accessd is running.'));
    this.name = 'ApiError';
    this.status = status;
    this.code = b.code || (status ? 'http_' + status : 'network');
    this.details = Array.isArray(b.details) ? b.details : [];
  }
}

// '?a=1&b=2' from an object; null, undefined and '' values are left out.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === null || v === undefined || v === '') continue;
    u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, init);
  } catch (_) {
    throw new ApiError(0, null);
  }
  const text = res.status === 204 ? '' : await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (_) {
      data = null;
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && path !== '/api/session' && onUnauthenticated) onUnauthenticated();
    throw err;
  }
  return data;
}

export const get = (path, params) => api('GET', path + qs(params));
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
export const put = (path, body) => api('PUT', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path);

// Encodes one path segment (ids come from the server, but never trust a string in a path).
export const seg = (s) => encodeURIComponent(String(s));
