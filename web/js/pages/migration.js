// pages/migration.js — the Migration page, shown while the organization is on the legacy access
// model (SPEC §7): the two import strategies, the staging area from GET /api/migration (for every
// member and workspace SAT, the legacy roles and the new policy side by side, and every decision
// that would change), reset and deploy. Any error is shown as the API's message.

import { h, confirmDialog, notice, errorNotice, clear, table, fmtTime, plural } from '../dom.js';
import { get, post, del } from '../api.js';
import { isAdmin, isLegacy, loadMe, typeByKey, TYPES, ACTIONS } from '../state.js';

export async function renderMigration(ctx) {
  ctx.main.append(h('div', { class: 'page-head' }, h('div', null,
    h('h1', { tabindex: '-1' }, 'Migration'),
    h('p', { class: 'muted' }, 'Move this organization from the legacy role-based model to access ' +
      'policies. Until you deploy, the legacy rules stay in force.'))));
  if (!isLegacy()) {
    ctx.main.append(notice('success', 'This organization already uses access policies.'));
    return;
  }
  if (!isAdmin()) {
    ctx.main.append(notice('info', 'Only organization admins can migrate the organization.'));
    return;
  }
  const msg = h('div');
  const run = async (fn, done) => {
    clear(msg);
    for (const b of ctx.main.querySelectorAll('.migration-actions button')) b.disabled = true;
    try {
      await fn();
      if (done) await done();
      ctx.refresh();
    } catch (err) {
      clear(msg).append(errorNotice(err));
      for (const b of ctx.main.querySelectorAll('.migration-actions button')) b.disabled = false;
    }
  };
  const actions = h('div', { class: 'migration-actions card' },
    h('h2', null, '1. Fill the staging area'),
    h('p', null, h('strong', null, 'Start fresh'), ': members keep only the baseline policy (view). ',
      h('strong', null, 'Use existing policies'), ': each member’s legacy roles become their member ' +
      'policy per workspace. Service access tokens always keep their current permissions.'),
    h('div', { class: 'row-actions' },
      h('button', { type: 'button', class: 'btn', onclick: () => run(() =>
        post('/api/migration/import', { strategy: 'start_fresh' })) }, 'Import: start fresh'),
      h('button', { type: 'button', class: 'btn', onclick: () => run(() =>
        post('/api/migration/import', { strategy: 'use_existing_policies' })) },
      'Import: use existing policies'),
      h('button', { type: 'button', class: 'btn', onclick: () => run(() =>
        del('/api/migration/staging')) }, 'Reset staging')),
    h('h2', null, '2. Review below, then deploy'),
    h('p', null, 'Deploying is irreversible: the organization switches to access policies.'),
    h('div', { class: 'row-actions' },
      h('button', { type: 'button', class: 'btn danger', onclick: async () => {
        const ok = await confirmDialog({ title: 'Deploy migration',
          message: 'Deploy the staged policies? This cannot be undone.', confirmLabel: 'Deploy' });
        if (ok) run(() => post('/api/migration/deploy', {}), loadMe);
      } }, 'Deploy')));
  const staging = h('section', { class: 'card' }, h('h2', null, 'Staging area'));
  ctx.main.append(msg, actions, staging);
  try {
    const data = await get('/api/migration');
    if (!ctx.alive()) return;
    staging.append(...renderStaging(data.staging));
  } catch (err) {
    if (!ctx.alive()) return;
    if (err.status === 404 || err.status === 405) {
      staging.append(notice('info', 'The migration service is not available on this server yet ' +
        `(${err.message}).`));
    } else {
      staging.append(errorNotice(err));
    }
  }
}

const CONNECTIONS_LABELS = {
  connections_admin: 'Connections admin',
  connections_editor: 'Connections editor',
  connections_viewer: 'Connections viewer',
  admin: 'Admin', editor: 'Editor', viewer: 'Viewer',
};
const STRATEGY_LABELS = { start_fresh: 'Start fresh', use_existing_policies: 'Use existing policies' };
const CHANGE_VERBS = { edit: 'edit', connect: 'connect', delete: 'delete', create: 'create' };

function renderStaging(st) {
  if (!st) return [notice('info', 'Nothing is staged. Choose a strategy above to fill the staging area.')];
  const out = [h('p', { class: 'migration-summary' },
    `Strategy: ${STRATEGY_LABELS[st.strategy] || st.strategy}. Staged ${fmtTime(st.createdAt)}.`)];
  out.push(st.changeCount
    ? notice('info', `${plural(st.changeCount, 'decision', 'decisions')} would change after ` +
      'deploying; each is listed below.')
    : notice('success', 'Every decision stays the same after deploying.'));
  for (const ws of st.workspaces || []) {
    out.push(h('h3', null, `Workspace ${ws.name}`));
    out.push(table([
      { label: 'Member', cell: (m) => [h('div', null, m.displayName || m.email),
        h('div', { class: 'muted' }, m.email)] },
      { label: 'Legacy roles', cell: (m) => legacySummary(m.legacy, m.legacy && m.legacy.connections) },
      { label: 'New member policy', cell: (m) => policySummary(m.policy) },
      { label: 'What changes', cell: (m) => changeList(m.changes) },
    ], ws.members || [], { empty: 'No members (admins keep every permission).',
      caption: `Members of ${ws.name}` }));
    out.push(table([
      { label: 'Service access token', cell: (t) => [h('div', null, t.name),
        h('div', { class: 'muted' }, t.id)] },
      { label: 'Legacy role', cell: (t) => legacySummary(t.legacy, t.legacy && t.legacy.role) },
      { label: 'New token policy', cell: (t) => policySummary(t.policy) },
      { label: 'What changes', cell: (t) => changeList(t.changes) },
    ], ws.serviceAccessTokens || [], { empty: 'No workspace service access tokens.',
      caption: `Service access tokens of ${ws.name}` }));
  }
  const orgTokens = st.organizationTokens || [];
  const pats = st.personalAccessTokens || [];
  out.push(h('h3', null, 'Tokens that keep working as they are'));
  const orgCount = plural(orgTokens.length, 'organization token', 'organization tokens');
  const patCount = plural(pats.length, 'personal access token', 'personal access tokens');
  out.push(h('p', { class: 'muted' }, `${orgCount} and ${patCount} keep their scope.`));
  if (pats.length) {
    const wsNames = new Map((st.workspaces || []).map((w) => [w.id, w.name]));
    const emails = new Map((st.workspaces || []).flatMap((w) => w.members || [])
      .map((m) => [m.userId, m.email]));
    out.push(table([
      { label: 'Personal access token', cell: (t) => t.name },
      { label: 'User', cell: (t) => emails.get(t.userId) || t.userId },
      { label: 'Workspace', cell: (t) => wsNames.get(t.workspaceId) || t.workspaceId },
      { label: 'Scope', cell: (t) => t.scope },
    ], pats, { caption: 'Personal access tokens' }));
  }
  return out;
}

function legacySummary(l, role) {
  if (!l) return h('span', { class: 'muted' }, '—');
  const parts = [CONNECTIONS_LABELS[role] || role || '—'];
  if (l.transformationsEdit) parts.push('Transformations edit');
  const excluded = (l.excludedBy || []).length;
  if (excluded) parts.push(`left out of ${plural(excluded, 'edit allow-list', 'edit allow-lists')}`);
  return parts.join(' · ');
}

// A policy document in words: per resource type, the permissions and how far they reach, in the
// order of the policy editor.
function policySummary(doc) {
  const lines = [];
  for (const t of TYPES) {
    const grants = (doc && doc[t.key]) || {};
    const words = ACTIONS.filter((a) => grants[a.key]).map((a) => {
      const g = grants[a.key];
      if (g === true) return a.label;
      const n = g.ids ? g.ids.length : 0;
      return `${a.label} (${plural(n, 'resource', 'resources')}${g.includeFuture ? ' + future' : ''})`;
    });
    if (words.length) lines.push(h('div', null, `${t.label}: ${words.join(', ')}`));
  }
  return lines.length ? lines : h('span', { class: 'muted' }, 'View only');
}

function changeList(changes) {
  if (!changes || !changes.length) return h('span', { class: 'muted' }, 'Nothing');
  return h('ul', { class: 'changes' }, changes.map((c) => {
    const t = typeByKey(c.resourceType);
    const what = c.resourceId
      ? `${t ? t.one : c.resourceType} “${c.resourceName || c.resourceId}”`
      : (t ? t.many : c.resourceType);
    const verb = CHANGE_VERBS[c.action] || c.action;
    return h('li', null, `${c.legacy && !c.migrated ? 'Can no longer' : 'Can now'} ${verb} ${what}`);
  }));
}
