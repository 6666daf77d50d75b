// pages/tokens.js — Service Access Tokens (admins only; SPEC §2, §9) with its two tabs,
// Organization and Workspace, and the shared token table used by Personal Access Tokens.
//
// Generating: Organization — Name → Generate → show-once panel. Workspace — Name, Workspace →
// Next → "Workspace SAT access policy" editor → Generate → show-once panel. The secret goes from
// the API answer straight into the panel's text node (secret.js) and is dropped from the answer
// object; Close removes the panel and its dialog from the page.

import { h, field, formDialog, openDialog, confirmDialog, table, button, timeEl, notice,
  errorNotice, clear, clearErrors, showErrors } from '../dom.js';
import { get, post, del, seg } from '../api.js';
import { workspaces, workspaceName } from '../state.js';
import { policyEditor, policySummary, loadWorkspaceResources, resourceNames } from '../policy_editor.js';
import { secretPanel } from '../secret.js';

const LEVELS = [
  { route: 'organization', label: 'Organization' },
  { route: 'workspace', label: 'Workspace' },
];

export async function renderTokens(ctx, body, sub) {
  const level = LEVELS.find((l) => l.route === sub) ? sub : 'organization';
  const pageError = h('div');
  body.append(
    h('nav', { class: 'tabs sub', 'aria-label': 'Service Access Tokens' }, LEVELS.map((l) =>
      h('a', { href: `#/settings/access/tokens/${l.route}`, class: 'tab',
        'aria-current': l.route === level ? 'page' : undefined }, l.label))),
    h('div', { class: 'section-head' },
      h('h2', null, level === 'organization' ? 'Organization tokens' : 'Workspace tokens'),
      button('Generate new token', () => (level === 'organization' ? generateOrgSat(ctx)
        : generateWorkspaceSat(ctx)), { kind: 'primary', small: false })),
    h('p', { class: 'muted' }, level === 'organization'
      ? 'Organization tokens reach the organization APIs only: the Audit Log API and SCIM.'
      : 'Workspace tokens reach one workspace’s public API with the baseline policy plus their ' +
        'own policy, which is fixed when the token is generated.'),
    pageError);
  let tokens;
  let members;
  try {
    [tokens, members] = await Promise.all([
      get('/api/service-access-tokens', { level }),
      get('/api/members').catch(() => ({ members: [] })),
    ]);
  } catch (err) {
    pageError.append(errorNotice(err));
    return;
  }
  if (!ctx.alive()) return;
  const people = Object.fromEntries((members.members || []).map((m) => [m.id, m.email]));
  const extra = level === 'workspace'
    ? [{ label: 'Policy', cell: (t) => button('View policy', () => showPolicy(t),
      { ariaLabel: `View policy of ${t.name}` }) }] : [];
  body.append(tokenTable(ctx, tokens.tokens || [], {
    people,
    extra,
    deletePath: (t) => `/api/service-access-tokens/${seg(t.id)}`,
    pageError,
    caption: `${level} service access tokens`,
    empty: 'No tokens yet. Generate one to call the API without a user.',
  }));
}

// The token table shared with Personal Access Tokens: name, key id, workspace, created by,
// created at, last used, and Delete behind a confirmation.
export function tokenTable(ctx, tokens, { people = {}, extra = [], deletePath, pageError, caption,
  empty, showCreatedBy = true, showWorkspace = true }) {
  const cols = [
    { label: 'Name', cell: (t) => h('span', { class: 'strong' }, t.name,
      t.legacy ? h('span', { class: 'badge' }, 'legacy') : null) },
    { label: 'Key ID', cell: (t) => h('code', { class: 'key-id' }, t.id) },
  ];
  if (showWorkspace) cols.push({ label: 'Workspace', cell: (t) => workspaceName(t.workspaceId) });
  cols.push(...extra);
  if (showCreatedBy) {
    cols.push({ label: 'Created by', cell: (t) => (t.createdBy ? people[t.createdBy] || t.createdBy : '—') });
  }
  cols.push(
    { label: 'Created at', cell: (t) => timeEl(t.createdAt) },
    { label: 'Last used', cell: (t) => timeEl(t.lastUsedAt, 'Never') },
    { label: 'Actions', class: 'actions-cell', cell: (t) => button('Delete', async () => {
      const ok = await confirmDialog({ title: 'Delete token',
        message: `Delete the token “${t.name}” (${t.id})? Anything using it stops working at once. ` +
          'This cannot be undone.' });
      if (!ok) return;
      try {
        await del(deletePath(t));
        ctx.refresh();
      } catch (err) {
        clear(pageError).append(errorNotice(err));
      }
    }, { kind: 'danger-outline', ariaLabel: `Delete token ${t.name}` }) });
  return table(cols, tokens, { empty, caption });
}

// Replaces the dialog's content with the show-once panel for a created token.
export function showCreated(d, res, ctx, label = 'Token') {
  const secret = res.secret;
  res.secret = null;
  d.setTitle('Token generated');
  d.setBody(secretPanel({ secret, tokenId: res.token && res.token.id, label,
    onClose: () => d.close() }));
  d.dialog.addEventListener('close', () => ctx.refresh());
}

function generateOrgSat(ctx) {
  formDialog({
    title: 'Generate organization token',
    submitLabel: 'Generate',
    build: (form) => {
      form.append(field({ label: 'Name', name: 'name', required: true, autofocus: true,
        hint: 'What the token is for, for example “SIEM export”.' }).wrap);
    },
    submit: async (form, d) => {
      const res = await post('/api/service-access-tokens', { level: 'organization',
        name: form.elements.name.value.trim() });
      showCreated(d, res, ctx);
    },
  });
}

function generateWorkspaceSat(ctx) {
  const list = workspaces();
  const d = openDialog({ title: 'Generate workspace token', wide: true });
  let name = '';
  let wsId = list.length ? list[0].id : '';

  // Step 1: Name and Workspace, then Next.
  const step1 = () => {
    d.setTitle('Generate workspace token');
    const form = h('form', { class: 'form', novalidate: true });
    const nameF = field({ label: 'Name', name: 'name', value: name, required: true, autofocus: true });
    const wsF = field({ label: 'Workspace', name: 'workspaceId', type: 'select', value: wsId,
      options: list.length ? list.map((w) => ({ value: w.id, label: w.name }))
        : [{ value: '', label: 'No workspaces yet' }] });
    form.append(h('div', { class: 'form-error', role: 'alert', hidden: true }), nameF.wrap, wsF.wrap,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => d.close() }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn primary' }, 'Next')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      clearErrors(form);
      name = nameF.input.value.trim();
      wsId = wsF.input.value;
      const errs = [];
      if (!name) errs.push({ field: 'name', message: 'Enter a name.' });
      if (!wsId) errs.push({ field: 'workspaceId', message: 'Choose a workspace (create one first).' });
      if (errs.length) {
        showErrors(form, { message: 'Check the highlighted fields.', details: errs });
        return;
      }
      step2();
    });
    d.setBody(form);
  };

  // Step 2: the policy editor, the fixed-policy note, Generate.
  let lastPolicy = null;
  const step2 = () => {
    d.setTitle('Workspace SAT access policy');
    const form = h('form', { class: 'form', novalidate: true });
    const editor = policyEditor({ workspaceId: wsId, value: lastPolicy, fieldPrefix: 'policy.' });
    const gen = h('button', { type: 'submit', class: 'btn primary' }, 'Generate');
    form.append(h('div', { class: 'form-error', role: 'alert', hidden: true }),
      h('p', null, 'Token ', h('strong', null, name), ' for workspace ',
        h('strong', null, workspaceName(wsId)), '. It gets the workspace’s baseline policy plus ' +
        'what you grant here.'),
      editor.el,
      notice('info', 'This policy cannot be edited later. To change what the token may do, delete ' +
        'it and generate a new one.'),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => {
          lastPolicy = editor.getValue();
          step1();
        } }, 'Back'),
        gen));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      gen.disabled = true;
      try {
        await editor.ready;
        const res = await post('/api/service-access-tokens', { level: 'workspace', name,
          workspaceId: wsId, policy: editor.getValue() });
        showCreated(d, res, ctx);
      } catch (err) {
        if (form.isConnected) showErrors(form, err);
      } finally {
        gen.disabled = false;
      }
    });
    d.setBody(form);
  };
  step1();
}

async function showPolicy(t) {
  const d = openDialog({ title: `Policy of ${t.name}`, wide: true });
  d.setBody(h('p', { class: 'muted' }, 'Loading…'));
  let names = {};
  try {
    names = resourceNames(await loadWorkspaceResources(t.workspaceId));
  } catch (_) {
    names = {};
  }
  if (!d.dialog.isConnected) return;
  d.setBody(h('p', null, 'Workspace ', h('strong', null, workspaceName(t.workspaceId)),
    '. The token also gets the workspace’s baseline policy. The policy cannot be edited.'),
  policySummary(t.policy || {}, { names }),
  h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn primary',
    onclick: () => d.close() }, 'Close')));
}
