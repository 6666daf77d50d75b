// pages/migration.js — the Migration page, shown while the organization is on the legacy access
// model (SPEC §7): the staging area from GET /api/migration, the two import strategies, reset and
// deploy. The staging area's shape is rendered generically (nested tables and lists, values as
// text), so the page keeps working as the API grows; any error is shown as the API's message.

import { h, confirmDialog, notice, errorNotice, clear } from '../dom.js';
import { get, post, del } from '../api.js';
import { isAdmin, isLegacy, loadMe } from '../state.js';

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
    staging.append(renderValue(data, 0));
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

// Any JSON value as DOM: objects as definition lists, arrays of objects as tables.
function renderValue(v, depth) {
  if (v === null || v === undefined) return h('span', { class: 'muted' }, '—');
  if (typeof v !== 'object') return h('span', null, String(v));
  if (depth > 6) return h('code', null, JSON.stringify(v));
  if (Array.isArray(v)) {
    if (!v.length) return h('span', { class: 'muted' }, 'None');
    if (v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      const keys = [...new Set(v.flatMap((x) => Object.keys(x)))];
      return h('div', { class: 'table-wrap' }, h('table', null,
        h('thead', null, h('tr', null, keys.map((k) => h('th', { scope: 'col' }, k)))),
        h('tbody', null, v.map((x) => h('tr', null, keys.map((k) =>
          h('td', null, renderValue(x[k], depth + 1))))))));
    }
    return h('ul', null, v.map((x) => h('li', null, renderValue(x, depth + 1))));
  }
  const keys = Object.keys(v);
  if (!keys.length) return h('span', { class: 'muted' }, '{}');
  return h('dl', { class: 'kv' }, keys.map((k) => [h('dt', null, k),
    h('dd', null, renderValue(v[k], depth + 1))]));
}
