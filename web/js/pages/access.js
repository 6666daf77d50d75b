// pages/access.js — Settings → Access Management (SPEC §9): the tabs Users, Groups, Baseline
// Workspace Policies, Invitations and (admins only) Service Access Tokens.
//
// Every tab but the last is visible to members, who get a short explanation instead of the
// admin-only lists (the API would answer 403). The Service Access Tokens tab is not rendered at
// all for members (SPEC §9) and its route answers as if it did not exist.

import { h, append, field, checkboxGroup, formDialog, confirmDialog, openDialog, table, button, timeEl,
  notice, errorNotice, clear, showErrors, clearErrors } from '../dom.js';
import { get, post, put, patch, del, seg } from '../api.js';
import { isAdmin, workspaces, workspaceName, me, loadMe } from '../state.js';
import { policyEditor } from '../policy_editor.js';
import { secretPanel } from '../secret.js';
import { renderTokens } from './tokens.js';

const TABS = [
  { route: 'users', label: 'Users' },
  { route: 'groups', label: 'Groups' },
  { route: 'baseline', label: 'Baseline Workspace Policies' },
  { route: 'invitations', label: 'Invitations' },
  { route: 'tokens', label: 'Service Access Tokens', admin: true },
];

export async function renderAccess(ctx, tab, sub) {
  const admin = isAdmin();
  const visible = TABS.filter((t) => admin || !t.admin);
  ctx.main.append(
    h('div', { class: 'page-head' }, h('div', null,
      h('p', { class: 'crumb' }, 'Settings / '),
      h('h1', { tabindex: '-1' }, 'Access Management'))),
    h('nav', { class: 'tabs', 'aria-label': 'Access Management' }, visible.map((t) =>
      h('a', { href: `#/settings/access/${t.route}`, class: 'tab',
        'aria-current': t.route === tab ? 'page' : undefined }, t.label))));
  const body = h('section', { class: 'tab-panel' });
  ctx.main.append(body);
  const current = visible.find((t) => t.route === tab);
  if (!current) {
    body.append(notice('error', 'This page does not exist.'));
    return;
  }
  if (!admin) {
    const what = { users: 'users', groups: 'groups', baseline: 'baseline workspace policies',
      invitations: 'invitations' }[tab];
    body.append(h('h2', null, current.label), notice('info',
      `Only organization admins can manage ${what}. Your own access is on `,
      h('a', { href: '#/profile/access' }, 'Your Profile'), '.'));
    return;
  }
  switch (tab) {
    case 'users': return renderUsers(ctx, body);
    case 'groups': return renderGroups(ctx, body);
    case 'baseline': return renderBaseline(ctx, body);
    case 'invitations': return renderInvitations(ctx, body);
    case 'tokens': return renderTokens(ctx, body, sub);
    default: return undefined;
  }
}

const wsItems = () => workspaces().map((w) => ({ value: w.id, label: w.name }));
const namesOf = (ids, fn) => (ids && ids.length ? ids.map(fn).join(', ') : '—');

// Fetches a tab's lists in parallel: their answers, or null when one failed (the error is then
// shown in `pageError`) or the page was left meanwhile.
async function loadAll(ctx, pageError, paths) {
  try {
    const answers = await Promise.all(paths.map((p) => get(p)));
    return ctx.alive() ? answers : null;
  } catch (err) {
    pageError.append(errorNotice(err));
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Users

async function renderUsers(ctx, body) {
  const pageError = h('div');
  body.append(h('div', { class: 'section-head' }, h('h2', null, 'Users'),
    h('a', { href: '#/settings/access/invitations', class: 'btn primary' }, 'Invite users')),
  pageError);
  const loaded = await loadAll(ctx, pageError, ['/api/members', '/api/groups']);
  if (!loaded) return;
  const [members, groups] = loaded;
  const groupName = Object.fromEntries((groups.groups || []).map((g) => [g.id, g.name]));
  const self = me().user.id;
  const fail = (err) => clear(pageError).append(errorNotice(err));
  const list = (members.members || []).filter((m) => m.status !== 'removed');
  body.append(table([
    { label: 'Name', cell: (m) => h('span', { class: 'strong' }, m.displayName || '—',
      m.id === self ? h('span', { class: 'badge' }, 'You') : null) },
    { label: 'Email', cell: (m) => m.email },
    { label: 'Role', cell: (m) => {
      const id = `role-${m.id}`;
      const sel = h('select', { id, name: 'role', 'aria-label': `Role of ${m.email}` },
        h('option', { value: 'admin', selected: m.role === 'admin' }, 'Admin'),
        h('option', { value: 'member', selected: m.role === 'member' }, 'Member'));
      sel.addEventListener('change', async () => {
        try {
          await patch(`/api/members/${seg(m.id)}`, { role: sel.value });
          if (m.id === self) await loadMe();
          ctx.refresh();
        } catch (err) {
          sel.value = m.role;
          fail(err);
        }
      });
      return sel;
    } },
    { label: 'Status', cell: (m) => h('span', { class: ['badge', m.status === 'active' ? 'ok' : 'off'] },
      m.status) },
    { label: 'Workspaces', cell: (m) => (m.role === 'admin' ? h('span', { class: 'muted' }, 'All (admin)')
      : namesOf(m.workspaceIds, workspaceName)) },
    { label: 'Groups', cell: (m) => namesOf(m.groupIds, (g) => groupName[g] || g) },
    { label: 'Actions', class: 'actions-cell', cell: (m) => h('div', { class: 'row-actions' },
      button('Workspaces', () => memberWorkspacesDialog(ctx, m), { ariaLabel: `Workspaces of ${m.email}` }),
      button('Policies', () => policyDialog({ title: `Policies of ${m.displayName || m.email}`,
        workspaceIds: m.workspaceIds || [],
        path: (ws) => `/api/workspaces/${seg(ws)}/policies/members/${seg(m.id)}`,
        note: m.role === 'admin' ? 'Admins have full access whatever their policies say.' : null }),
      { ariaLabel: `Policies of ${m.email}` }),
      button('Remove', async () => {
        const ok = await confirmDialog({ title: 'Remove user',
          message: `Remove ${m.email} from the organization? Their sessions and personal access ` +
            'tokens are deleted. Service access tokens they created keep working.',
          confirmLabel: 'Remove' });
        if (!ok) return;
        try {
          await del(`/api/members/${seg(m.id)}`);
          ctx.refresh();
        } catch (err) {
          fail(err);
        }
      }, { kind: 'danger-outline', ariaLabel: `Remove ${m.email}` })) },
  ], list, { caption: 'Users', empty: 'No users.' }));
}

function memberWorkspacesDialog(ctx, m) {
  let group;
  formDialog({
    title: `Workspaces of ${m.displayName || m.email}`,
    submitLabel: 'Save',
    build: (form) => {
      group = checkboxGroup({ legend: 'Workspace', name: 'workspaceIds', items: wsItems(),
        checked: m.workspaceIds || [], empty: 'There are no workspaces yet.' });
      form.append(h('p', { class: 'muted' }, 'The user reaches these workspaces directly, besides any ' +
        'reached through groups.'), group.wrap);
    },
    submit: async (form, d) => {
      await put(`/api/members/${seg(m.id)}/workspaces`, { workspaceIds: group.selected() });
      d.close();
      ctx.refresh();
    },
  });
}

// A form that edits one policy per workspace: the Workspace select, the policy editor of the
// chosen workspace (read from path(ws)) and a save button that puts it back. The caller lays the
// parts out and calls load() once they are on the page.
function workspacePolicyForm({ options, value, path, saveLabel, alive = () => true,
  afterSave = async () => {} }) {
  const form = h('form', { class: 'form', novalidate: true });
  const sel = field({ label: 'Workspace', name: 'workspace', type: 'select', options, value });
  const slot = h('div', { class: 'editor-slot' });
  const saved = h('span', { class: 'copy-status', role: 'status' });
  const save = h('button', { type: 'submit', class: 'btn primary' }, saveLabel);
  let editor = null;
  const load = async () => {
    editor = null;
    clearErrors(form);
    saved.textContent = '';
    clear(slot).append(h('p', { class: 'muted' }, 'Loading…'));
    const ws = sel.input.value;
    try {
      const doc = await get(path(ws));
      if (sel.input.value !== ws || !alive()) return;
      editor = policyEditor({ workspaceId: ws, value: doc });
      clear(slot).append(editor.el);
      await editor.ready;
    } catch (err) {
      clear(slot).append(errorNotice(err));
    }
  };
  sel.input.addEventListener('change', load);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!editor) return;
    clearErrors(form);
    saved.textContent = '';
    save.disabled = true;
    try {
      await put(path(sel.input.value), editor.getValue());
      saved.textContent = 'Saved.';
      await afterSave();
    } catch (err) {
      showErrors(form, err);
    } finally {
      save.disabled = false;
    }
  });
  const formError = h('div', { class: 'form-error', role: 'alert', hidden: true });
  return { form, formError, sel, slot, save, saved, load };
}

// A dialog that edits one policy per workspace: choose the Workspace, edit, Save.
function policyDialog({ title, workspaceIds, path, note }) {
  const d = openDialog({ title, wide: true });
  if (!workspaceIds.length) {
    d.setBody(notice('info', 'Not part of any workspace yet: add a workspace first.'),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn',
        onclick: () => d.close() }, 'Close')));
    return;
  }
  const p = workspacePolicyForm({ path, saveLabel: 'Save policy', value: workspaceIds[0],
    options: workspaceIds.map((id) => ({ value: id, label: workspaceName(id) })) });
  append(p.form, [p.formError, note ? notice('info', note) : null, p.sel.wrap, p.slot,
    h('div', { class: 'actions' }, p.saved,
      h('button', { type: 'button', class: 'btn', onclick: () => d.close() }, 'Close'), p.save)]);
  d.setBody(p.form);
  p.load();
}

// ---------------------------------------------------------------------------------------------
// Groups

async function renderGroups(ctx, body) {
  const pageError = h('div');
  body.append(h('div', { class: 'section-head' }, h('h2', null, 'Groups'),
    button('Create group', () => groupDialog(ctx), { kind: 'primary' })),
  h('p', { class: 'muted' }, 'A group is a named set of members, part of one or more workspaces, ' +
    'with one policy per workspace: the way to build custom roles.'), pageError);
  const loaded = await loadAll(ctx, pageError, ['/api/groups', '/api/members']);
  if (!loaded) return;
  const [groups, members] = loaded;
  const users = (members.members || []).filter((m) => m.status !== 'removed');
  const fail = (err) => clear(pageError).append(errorNotice(err));
  body.append(table([
    { label: 'Name', cell: (g) => h('span', { class: 'strong' }, g.name,
      g.scimManaged ? h('span', { class: 'badge' }, 'SCIM') : null) },
    { label: 'Description', cell: (g) => g.description || '—' },
    { label: 'Workspaces', cell: (g) => namesOf(g.workspaceIds, workspaceName) },
    { label: 'Members', cell: (g) => String((g.memberIds || []).length) },
    { label: 'Actions', class: 'actions-cell', cell: (g) => h('div', { class: 'row-actions' },
      button('Edit', () => groupDialog(ctx, g), { ariaLabel: `Edit group ${g.name}` }),
      button('Members', () => groupMembersDialog(ctx, g, users), { ariaLabel: `Members of ${g.name}` }),
      button('Policies', () => policyDialog({ title: `Policies of group ${g.name}`,
        workspaceIds: g.workspaceIds || [],
        path: (ws) => `/api/workspaces/${seg(ws)}/policies/groups/${seg(g.id)}` }),
      { ariaLabel: `Policies of group ${g.name}` }),
      button('Delete', async () => {
        const ok = await confirmDialog({ title: 'Delete group',
          message: `Delete the group “${g.name}”? Its members lose what its policies granted.` });
        if (!ok) return;
        try {
          await del(`/api/groups/${seg(g.id)}`);
          ctx.refresh();
        } catch (err) {
          fail(err);
        }
      }, { kind: 'danger-outline', ariaLabel: `Delete group ${g.name}` })) },
  ], groups.groups || [], { caption: 'Groups', empty: 'No groups yet.' }));
}

function groupDialog(ctx, existing) {
  let wsGroup;
  formDialog({
    title: existing ? 'Edit group' : 'Create group',
    submitLabel: existing ? 'Save' : 'Create group',
    build: (form) => {
      wsGroup = checkboxGroup({ legend: 'Workspaces', name: 'workspaceIds', items: wsItems(),
        checked: existing ? existing.workspaceIds || [] : [], empty: 'There are no workspaces yet.' });
      form.append(
        field({ label: 'Name', name: 'name', value: existing ? existing.name : '', required: true,
          autofocus: true }).wrap,
        field({ label: 'Description', name: 'description', type: 'textarea', rows: 2,
          value: existing ? existing.description || '' : '' }).wrap,
        wsGroup.wrap);
    },
    submit: async (form, d) => {
      const body = { name: form.elements.name.value.trim(),
        description: form.elements.description.value.trim(), workspaceIds: wsGroup.selected() };
      if (existing) await patch(`/api/groups/${seg(existing.id)}`, body);
      else await post('/api/groups', body);
      d.close();
      ctx.refresh();
    },
  });
}

function groupMembersDialog(ctx, g, users) {
  let group;
  formDialog({
    title: `Members of ${g.name}`,
    submitLabel: 'Save',
    build: (form) => {
      group = checkboxGroup({ legend: 'Members', name: 'userIds',
        items: users.map((u) => ({ value: u.id, label: `${u.displayName || u.email} (${u.email})` })),
        checked: g.memberIds || [], empty: 'There are no users yet.' });
      form.append(group.wrap);
    },
    submit: async (form, d) => {
      await put(`/api/groups/${seg(g.id)}/members`, { userIds: group.selected() });
      d.close();
      ctx.refresh();
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Baseline Workspace Policies

async function renderBaseline(ctx, body) {
  body.append(h('h2', null, 'Baseline Workspace Policies'),
    h('p', { class: 'muted' }, 'A workspace’s baseline policy applies to every member, group and ' +
      'workspace token of that workspace. It starts empty (view only). Policies only add: members ' +
      'get the baseline plus their groups’ and their own policies.'));
  const list = workspaces();
  if (!list.length) {
    body.append(notice('info', 'There are no workspaces yet. ',
      h('a', { href: '#/workspaces' }, 'Create a workspace'), ' first.'));
    return;
  }
  const p = workspacePolicyForm({ saveLabel: 'Save baseline policy', alive: ctx.alive,
    path: (ws) => `/api/workspaces/${seg(ws)}/policies/baseline`, afterSave: loadMe,
    options: list.map((w) => ({ value: w.id, label: w.name })),
    value: ctx.query.get('ws') || list[0].id });
  p.form.append(p.formError, p.sel.wrap, p.slot, h('div', { class: 'actions left' }, p.save, p.saved));
  body.append(p.form);
  await p.load();
}

// ---------------------------------------------------------------------------------------------
// Invitations

async function renderInvitations(ctx, body) {
  const pageError = h('div');
  body.append(h('div', { class: 'section-head' }, h('h2', null, 'Invitations'),
    button('Invite users', () => inviteDialog(ctx), { kind: 'primary' })),
  h('p', { class: 'muted' }, 'An invitation is valid for 3 days. Send the person their ' +
    'invitation link; it is shown once, when the invitation is created.'), pageError);
  const loaded = await loadAll(ctx, pageError, ['/api/invitations', '/api/groups']);
  if (!loaded) return;
  const [invs, groups] = loaded;
  const groupName = Object.fromEntries((groups.groups || []).map((g) => [g.id, g.name]));
  body.append(table([
    { label: 'Email', cell: (i) => h('span', { class: 'strong' }, i.email) },
    { label: 'Role', cell: (i) => i.role },
    { label: 'Workspaces', cell: (i) => namesOf(i.workspaceIds, workspaceName) },
    { label: 'Groups', cell: (i) => namesOf(i.groupIds, (g) => groupName[g] || g) },
    { label: 'Expires', cell: (i) => timeEl(i.expiresAt) },
    { label: 'Actions', class: 'actions-cell', cell: (i) => button('Delete', async () => {
      const ok = await confirmDialog({ title: 'Delete invitation',
        message: `Delete the invitation for ${i.email}? Its link stops working.` });
      if (!ok) return;
      try {
        await del(`/api/invitations/${seg(i.id)}`);
        ctx.refresh();
      } catch (err) {
        clear(pageError).append(errorNotice(err));
      }
    }, { kind: 'danger-outline', ariaLabel: `Delete invitation for ${i.email}` }) },
  ], invs.invitations || [], { caption: 'Invitations', empty: 'No open invitations.' }));
  ctx.groups = groups.groups || [];
}

function inviteDialog(ctx) {
  let wsGroup;
  let grGroup;
  formDialog({
    title: 'Invite users',
    submitLabel: 'Send invitations',
    wide: true,
    build: (form) => {
      wsGroup = checkboxGroup({ legend: 'Workspaces', name: 'workspaceIds', items: wsItems(),
        empty: 'There are no workspaces yet.' });
      grGroup = checkboxGroup({ legend: 'Groups', name: 'groupIds',
        items: (ctx.groups || []).map((g) => ({ value: g.id, label: g.name })),
        empty: 'There are no groups yet.' });
      form.append(
        field({ label: 'Emails', name: 'emails', type: 'textarea', rows: 3, required: true,
          autofocus: true, hint: 'One or more addresses, separated by commas or new lines.' }).wrap,
        field({ label: 'Role', name: 'role', type: 'select', value: 'member', options: [
          { value: 'member', label: 'Member' }, { value: 'admin', label: 'Admin' }] }).wrap,
        h('p', { class: 'muted small' }, 'Choose at least one workspace or group.'),
        h('div', { class: 'two-col' }, wsGroup.wrap, grGroup.wrap));
    },
    submit: async (form, d) => {
      const emails = form.elements.emails.value.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
      const res = await post('/api/invitations', { emails, role: form.elements.role.value,
        workspaceIds: wsGroup.selected(), groupIds: grGroup.selected() });
      // The invitation tokens are shown once, like token secrets.
      const panels = (res.invitations || []).map((inv) => {
        const link = `${location.origin}/#/accept-invitation/${encodeURIComponent(inv.token)}`;
        inv.token = null;
        return h('div', { class: 'invite-link' }, h('h3', null, inv.email),
          secretPanel({ secret: link, label: 'Invitation link',
            warning: `Send this link to ${inv.email}. It will not be shown again and expires ` +
              `${new Date(inv.expiresAt).toLocaleString()}.` }));
      });
      const closeAll = h('button', { type: 'button', class: 'btn primary',
        onclick: () => d.close() }, 'Done');
      d.setTitle('Invitations created');
      d.setBody(...panels, h('div', { class: 'actions' }, closeAll));
      d.dialog.addEventListener('close', () => ctx.refresh());
    },
  });
}
