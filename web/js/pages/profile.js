// pages/profile.js — Your Profile (SPEC §9): Personal Access Tokens (Generate new token with
// Token name, Workspace and Scope, the show-once panel, Delete) and the user's effective access
// policy per workspace, as GET /api/me explains it.

import { h, field, formDialog, notice, errorNotice } from '../dom.js';
import { get, post, seg } from '../api.js';
import { me, workspaces, isAdmin, loadMe } from '../state.js';
import { policySummary, loadWorkspaceResources, resourceNames, setGroupNames } from '../policy_editor.js';
import { tokenTable, showCreated } from './tokens.js';

const TABS = [
  { route: 'tokens', label: 'Personal Access Tokens' },
  { route: 'access', label: 'Access Policies' },
];

export async function renderProfile(ctx, tab) {
  const current = TABS.find((t) => t.route === tab) ? tab : 'tokens';
  const u = me().user;
  ctx.main.append(
    h('div', { class: 'page-head' }, h('div', null,
      h('h1', { tabindex: '-1' }, 'Your Profile'),
      h('p', { class: 'muted' }, u.displayName ? `${u.displayName} · ` : '', u.email, ' · ',
        u.role === 'admin' ? 'Admin' : 'Member'))),
    h('nav', { class: 'tabs', 'aria-label': 'Your Profile' }, TABS.map((t) =>
      h('a', { href: `#/profile/${t.route}`, class: 'tab',
        'aria-current': t.route === current ? 'page' : undefined }, t.label))));
  const body = h('section', { class: 'tab-panel' });
  ctx.main.append(body);
  if (current === 'tokens') await renderPats(ctx, body);
  else await renderEffective(ctx, body);
}

async function renderPats(ctx, body) {
  const pageError = h('div');
  body.append(h('div', { class: 'section-head' }, h('h2', null, 'Personal Access Tokens'),
    h('button', { type: 'button', class: 'btn primary', onclick: () => generatePat(ctx) },
      'Generate new token')),
  h('p', { class: 'muted' }, 'A personal access token acts as you in one workspace’s public API: ' +
    'Read-Only tokens can only view, Read-Write tokens can do what you may do there, never more.'),
  pageError);
  let data;
  try {
    data = await get('/api/personal-access-tokens');
  } catch (err) {
    pageError.append(errorNotice(err));
    return;
  }
  if (!ctx.alive()) return;
  const scopeLabel = { read_only: 'Read-Only', read_write: 'Read-Write', admin: 'Admin (legacy)' };
  body.append(tokenTable(ctx, data.tokens || [], {
    showCreatedBy: false,
    extra: [{ label: 'Scope', cell: (t) => scopeLabel[t.scope] || t.scope || '—' }],
    deletePath: (t) => `/api/personal-access-tokens/${seg(t.id)}`,
    pageError,
    caption: 'Personal access tokens',
    empty: 'You have no personal access tokens.',
  }));
}

function generatePat(ctx) {
  const list = workspaces();
  formDialog({
    title: 'Generate personal access token',
    submitLabel: 'Generate',
    build: (form) => {
      form.append(
        field({ label: 'Token name', name: 'name', required: true, autofocus: true }).wrap,
        field({ label: 'Workspace', name: 'workspaceId', type: 'select',
          value: list.length ? list[0].id : '',
          options: list.length ? list.map((w) => ({ value: w.id, label: w.name }))
            : [{ value: '', label: 'You are not in any workspace' }] }).wrap,
        field({ label: 'Scope', name: 'scope', type: 'select', value: 'read_only', options: [
          { value: 'read_only', label: 'Read-Only' },
          { value: 'read_write', label: 'Read-Write' }],
        hint: 'Read-Write can do everything you may do in that workspace, never more.' }).wrap);
    },
    submit: async (form, d) => {
      const res = await post('/api/personal-access-tokens', { name: form.elements.name.value.trim(),
        workspaceId: form.elements.workspaceId.value, scope: form.elements.scope.value });
      showCreated(d, res, ctx);
    },
  });
}

async function renderEffective(ctx, body) {
  body.append(h('h2', null, 'Your access'),
    h('p', { class: 'muted' }, 'What you may do in each workspace: the baseline policy, your ' +
      'groups’ policies and your own member policy, added together. Viewing is always allowed.'));
  try {
    await loadMe();
  } catch (err) {
    body.append(errorNotice(err));
    return;
  }
  if (!ctx.alive()) return;
  if (isAdmin()) {
    body.append(notice('info', 'You are an admin: you have full access to every workspace and ' +
      'every management function, whatever the policies say.'));
  }
  const list = workspaces();
  if (!list.length) {
    body.append(notice('info', 'You are not a member of any workspace yet.'));
    return;
  }
  if (isAdmin()) {
    try {
      const g = await get('/api/groups');
      setGroupNames(Object.fromEntries((g.groups || []).map((x) => [x.id, x.name])));
    } catch (_) {
      // Names are a nicety; ids are shown instead.
    }
  }
  for (const w of list) {
    const p = w.permissions || {};
    const sec = h('section', { class: 'card ws-access' },
      h('h3', null, w.name, w.environment ? h('span', { class: 'muted small' }, ` · ${w.environment}`) : null));
    body.append(sec);
    if (p.everything) {
      sec.append(h('p', null, 'Full access to everything in this workspace.'));
      continue;
    }
    if (p.viewOnly) {
      sec.append(h('p', null, 'View only.'));
      continue;
    }
    let names = {};
    try {
      names = resourceNames(await loadWorkspaceResources(w.id));
    } catch (_) {
      names = {};
    }
    if (!ctx.alive()) return;
    const granted = Object.values(p.permissions || {}).some((t) => t && Object.keys(t).length);
    if (!granted) {
      sec.append(h('p', null, 'View only: no policy grants more in this workspace yet.'));
    }
    sec.append(policySummary(p.permissions || {}, { names, sources: p.sources }));
  }
}
