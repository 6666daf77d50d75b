// app.js — the dashboard's entry point: the layout (sidebar and main area), hash routing
// (#/settings/access/users, … so a reload keeps the page), and the session lifecycle (log in,
// restore after reload, log out, back to the login form on a 401).
//
// Loaded as an ES module from index.html; the CSP allows only scripts from this origin, so there
// is no inline script anywhere and no eval. Pages live in js/pages/*.js and build DOM with
// js/dom.js only.

import { h, clear, notice, errorNotice } from './js/dom.js';
import { api, hasCsrfToken, setCsrfToken, setUnauthenticatedHandler } from './js/api.js';
import { session, loadMe, forgetMe, isAdmin, isLegacy, workspaces } from './js/state.js';
import { renderLogin, renderAcceptInvitation } from './js/pages/login.js';
import { renderWorkspaces, renderWorkspace } from './js/pages/workspaces.js';
import { renderAccess } from './js/pages/access.js';
import { renderProfile } from './js/pages/profile.js';
import { renderAudit } from './js/pages/audit.js';
import { renderMigration } from './js/pages/migration.js';

const root = document.getElementById('app');
let generation = 0;
let returnTo = null;     // the page to open after logging in
let loginMessage = null; // shown once on the login form

// Routes: [pattern, handler(ctx, ...params), {anonymous}]. Patterns match path segments; ":x"
// captures one segment (URI-decoded).
const ROUTES = [
  ['/login', null, { anonymous: true, login: true }],
  ['/accept-invitation/:token', (ctx, token) => renderAcceptInvitation(ctx, token), { anonymous: true }],
  ['/workspaces', (ctx) => renderWorkspaces(ctx)],
  ['/workspaces/:id', (ctx, id) => redirect(`/workspaces/${encodeURIComponent(id)}/sources`)],
  ['/workspaces/:id/:tab', (ctx, id, tab) => renderWorkspace(ctx, id, tab)],
  ['/settings', () => redirect('/settings/access/users')],
  ['/settings/access', () => redirect('/settings/access/users')],
  ['/settings/access/tokens', (ctx) => renderAccess(ctx, 'tokens', 'organization')],
  ['/settings/access/tokens/:level', (ctx, level) => renderAccess(ctx, 'tokens', level)],
  ['/settings/access/:tab', (ctx, tab) => renderAccess(ctx, tab)],
  ['/profile', (ctx) => renderProfile(ctx, 'tokens')],
  ['/profile/:tab', (ctx, tab) => renderProfile(ctx, tab)],
  ['/audit-logs', (ctx) => renderAudit(ctx)],
  ['/migration', (ctx) => renderMigration(ctx)],
];

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const qi = raw.indexOf('?');
  const path = (qi >= 0 ? raw.slice(0, qi) : raw).replace(/\/+$/, '') || '/';
  const query = new URLSearchParams(qi >= 0 ? raw.slice(qi + 1) : '');
  return { path, query, raw };
}

function match(path) {
  const parts = path.split('/').filter(Boolean);
  for (const [pattern, handler, opts] of ROUTES) {
    const pp = pattern.split('/').filter(Boolean);
    if (pp.length !== parts.length) continue;
    const params = [];
    let ok = true;
    for (let i = 0; i < pp.length; i += 1) {
      if (pp[i].startsWith(':')) {
        try {
          params.push(decodeURIComponent(parts[i]));
        } catch (_) {
          ok = false;
          break;
        }
      } else if (pp[i] !== parts[i]) {
        ok = false;
        break;
      }
    }
    if (ok) return { handler, params, opts: opts || {} };
  }
  return null;
}

function redirect(path) {
  location.replace(`#${path}`);
}

function go(path) {
  if (location.hash === `#${path}`) render();
  else location.hash = path;
}

// Called by api.js when the session has ended (401).
setUnauthenticatedHandler(() => {
  if (!session.me) return;
  forgetMe();
  setCsrfToken(null);
  loginMessage = 'Your session has ended. Log in again.';
  const { raw } = parseHash();
  if (!raw.startsWith('/login')) returnTo = raw;
  go('/login');
});

async function logOut() {
  try {
    await api('DELETE', '/api/session');
  } catch (_) {
    // Logged out either way: the cookie is dropped by the server or has already expired.
  }
  forgetMe();
  setCsrfToken(null);
  returnTo = null;
  loginMessage = 'You have logged out.';
  go('/login');
}

function navLink(href, label, current, extraClass) {
  const active = current === href.slice(1) || current.startsWith(`${href.slice(1)}/`);
  return h('a', { href, class: ['nav-link', extraClass, active && 'active'],
    'aria-current': active ? 'page' : undefined }, label);
}

function layout(path) {
  const u = session.me.user;
  const wsLinks = workspaces().map((w) => h('li', null,
    navLink(`#/workspaces/${encodeURIComponent(w.id)}`, w.name, path, 'sub')));
  const nav = h('nav', { class: 'nav', 'aria-label': 'Main' },
    h('ul', null,
      h('li', null, navLink('#/workspaces', 'Workspaces', path === '/workspaces' ? path : '')),
      wsLinks.length ? h('li', null, h('ul', { class: 'nav-sub' }, wsLinks)) : null),
    h('p', { class: 'nav-heading', id: 'nav-settings' }, 'Settings'),
    h('ul', { 'aria-labelledby': 'nav-settings' },
      h('li', null, navLink('#/settings/access', 'Access Management', path)),
      isAdmin() ? h('li', null, navLink('#/audit-logs', 'Audit Logs', path)) : null,
      isAdmin() && isLegacy() ? h('li', null, navLink('#/migration', 'Migration', path)) : null),
    h('p', { class: 'nav-heading', id: 'nav-you' }, 'You'),
    h('ul', { 'aria-labelledby': 'nav-you' },
      h('li', null, navLink('#/profile', 'Your Profile', path))));
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  const shell = h('div', { class: 'shell' },
    h('a', { href: '#main', class: 'skip', onclick: (ev) => { ev.preventDefault(); main.focus(); } },
      'Skip to content'),
    h('aside', { class: 'sidebar' },
      h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'accessd'),
      nav,
      h('div', { class: 'sidebar-foot' },
        h('div', { class: 'who' }, h('span', { class: 'strong' }, u.displayName || u.email),
          h('span', { class: 'small muted' }, u.email),
          h('span', { class: 'small muted' }, u.role === 'admin' ? 'Admin' : 'Member')),
        h('button', { type: 'button', class: 'btn small', onclick: logOut }, 'Log out'))),
    main);
  return { shell, main };
}

async function render() {
  const my = ++generation;
  const { path, query, raw } = parseHash();
  if (path === '/') {
    redirect(session.me || hasCsrfToken() ? '/workspaces' : '/login');
    return;
  }
  const m = match(path);

  // Restore the session after a reload: the cookie is still there and the CSRF token is in this
  // tab's sessionStorage. A new tab has no CSRF token, so it asks to log in again.
  if (!session.me && hasCsrfToken() && !(m && m.opts.anonymous)) {
    try {
      await loadMe();
    } catch (err) {
      if (my !== generation) return;
      if (err.status !== 401) {
        clear(root).append(h('main', { class: 'main' }, errorNotice(err)));
        return;
      }
      setCsrfToken(null);
    }
    if (my !== generation) return;
  }

  if (m && m.opts.login) {
    if (session.me) {
      redirect(returnTo || '/workspaces');
      returnTo = null;
      return;
    }
    const main = h('main', { id: 'main', class: 'main bare' });
    clear(root).append(main);
    const msg = loginMessage;
    loginMessage = null;
    renderLogin(ctxFor(main, query, my), { message: msg, onLoggedIn: () => {
      const target = returnTo || '/workspaces';
      returnTo = null;
      go(target);
    } });
    document.title = 'Log in · accessd';
    return;
  }
  if (m && m.opts.anonymous) {
    const main = h('main', { id: 'main', class: 'main bare' });
    clear(root).append(main);
    await m.handler(ctxFor(main, query, my), ...m.params);
    return;
  }
  if (!session.me) {
    returnTo = raw;
    redirect('/login');
    return;
  }

  const { shell, main } = layout(path);
  clear(root).append(shell);
  const ctx = ctxFor(main, query, my);
  if (!m) {
    main.append(h('h1', { tabindex: '-1' }, 'Page not found'),
      notice('info', 'There is nothing at this address. ', h('a', { href: '#/workspaces' },
        'Go to Workspaces'), '.'));
  } else {
    try {
      await m.handler(ctx, ...m.params);
    } catch (err) {
      if (my === generation) main.append(errorNotice(err));
    }
  }
  if (my !== generation) return;
  const h1 = main.querySelector('h1');
  document.title = `${h1 ? h1.textContent : 'accessd'} · accessd`;
  // Move focus to the page heading so keyboard and screen-reader users start at the new page —
  // unless a dialog or a control already took it.
  if (h1 && (document.activeElement === document.body || !document.activeElement ||
      !document.activeElement.isConnected)) {
    h1.focus({ preventScroll: true });
  }
}

function ctxFor(main, query, my) {
  return {
    main,
    query,
    alive: () => my === generation,
    // Re-renders the current page (after a change), if it is still the one on screen.
    refresh: () => { if (my === generation) render(); },
  };
}

window.addEventListener('hashchange', render);
render();
