// pages/workspaces.js — the workspace list (#/workspaces) and each workspace's resources
// (#/workspaces/<id>/<type>): sources, destinations, transformations, libraries, tracking plans and
// connections — list, create, edit, delete, connect (SPEC §6, §9).
//
// Controls the caller may not use are disabled with a title naming the missing permission,
// computed from GET /api/me (state.js). The server still decides: a refusal is shown as its error.

import { h, field, checkbox, formDialog, confirmDialog, table, button, timeEl, notice,
  errorNotice, clear } from '../dom.js';
import { get, post, patch, del, seg } from '../api.js';
import { TYPES, typeByKey, typeByRoute, isAdmin, workspaceById, loadMe, hasAny, canCreate,
  canDelete, canEdit, canConnectEnd, canConnect, canConnectSomething, CONNECTS_TO,
  CONNECTION_FIELDS, FROM_TYPES, listResources, listConnections } from '../state.js';

const ADMIN_ONLY = { ok: false, why: 'Only organization admins can do this' };

export async function renderWorkspaces(ctx) {
  const admin = isAdmin();
  const list = h('div');
  const pageError = h('div');
  ctx.main.append(
    h('div', { class: 'page-head' },
      h('div', null, h('h1', { tabindex: '-1' }, 'Workspaces'),
        h('p', { class: 'muted' }, 'Isolated environments (for example Prod and Dev), each with its own resources and policies.')),
      button('Create workspace', () => workspaceDialog(ctx), { kind: 'primary', small: false,
        allowed: admin ? { ok: true } : ADMIN_ONLY })),
    pageError, list);

  let data;
  try {
    data = await get('/api/workspaces');
  } catch (err) {
    pageError.append(errorNotice(err));
    return;
  }
  if (!ctx.alive()) return;
  list.append(table([
    { label: 'Name', cell: (w) => h('a', { href: `#/workspaces/${seg(w.id)}/sources` }, w.name) },
    { label: 'Environment', cell: (w) => w.environment || '—' },
    { label: 'ID', cell: (w) => h('code', null, w.id) },
    { label: 'Created', cell: (w) => timeEl(w.createdAt) },
    { label: 'Actions', class: 'actions-cell', cell: (w) => h('div', { class: 'row-actions' },
      button('Edit', () => workspaceDialog(ctx, w), { allowed: admin ? { ok: true } : ADMIN_ONLY,
        ariaLabel: `Edit workspace ${w.name}` }),
      button('Delete', async () => {
        const ok = await confirmDialog({ title: 'Delete workspace',
          message: `Delete the workspace “${w.name}”? Its resources, connections, policies, ` +
            'workspace tokens and the personal access tokens bound to it are deleted too. ' +
            'Audit log entries stay.' });
        if (!ok) return;
        try {
          await del(`/api/workspaces/${seg(w.id)}`);
          await loadMe();
          ctx.refresh();
        } catch (err) {
          clear(pageError).append(errorNotice(err));
        }
      }, { kind: 'danger-outline', allowed: admin ? { ok: true } : ADMIN_ONLY,
        ariaLabel: `Delete workspace ${w.name}` })) },
  ], data.workspaces || [], {
    empty: admin ? 'No workspaces yet. Create one to add sources and destinations.'
      : 'You are not a member of any workspace yet. Ask an admin to add you.',
    caption: 'Workspaces',
  }));
}

function workspaceDialog(ctx, existing) {
  formDialog({
    title: existing ? 'Edit workspace' : 'Create workspace',
    submitLabel: existing ? 'Save' : 'Create workspace',
    build: (form) => {
      form.append(
        field({ label: 'Name', name: 'name', value: existing ? existing.name : '', required: true,
          autofocus: true }).wrap,
        field({ label: 'Environment', name: 'environment',
          value: existing ? existing.environment || '' : '',
          placeholder: 'production', hint: 'Free text, for example production or development.' }).wrap);
    },
    submit: async (form, d) => {
      const body = { name: form.elements.name.value.trim(),
        environment: form.elements.environment.value.trim() };
      if (existing) await patch(`/api/workspaces/${seg(existing.id)}`, body);
      else await post('/api/workspaces', body);
      d.close();
      await loadMe();
      ctx.refresh();
    },
  });
}

// ---------------------------------------------------------------------------------------------
// One workspace

export async function renderWorkspace(ctx, wsId, tab) {
  const ws = workspaceById(wsId);
  if (!ws) {
    ctx.main.append(h('h1', { tabindex: '-1' }, 'Workspace not found'),
      notice('error', 'This workspace does not exist or you are not a member of it.'));
    return;
  }
  const tabs = [...TYPES.map((t) => ({ route: t.route, label: t.label })),
    { route: 'connections', label: 'Connections' }];
  const current = tabs.find((t) => t.route === tab) ? tab : 'sources';
  ctx.main.append(
    h('div', { class: 'page-head' }, h('div', null,
      h('p', { class: 'crumb' }, h('a', { href: '#/workspaces' }, 'Workspaces'), ' / '),
      h('h1', { tabindex: '-1' }, ws.name),
      h('p', { class: 'muted' }, ws.environment ? `Environment: ${ws.environment} · ` : '',
        h('code', null, ws.id), accessLine(ws)))),
    h('nav', { class: 'tabs', 'aria-label': 'Resource types' }, tabs.map((t) =>
      h('a', { href: `#/workspaces/${seg(wsId)}/${t.route}`, class: 'tab',
        'aria-current': t.route === current ? 'page' : undefined }, t.label))));
  const body = h('section', { class: 'tab-panel' });
  ctx.main.append(body);
  if (current === 'connections') await renderConnections(ctx, body, ws);
  else await renderResourceList(ctx, body, ws, typeByRoute(current));
}

function accessLine(ws) {
  if (isAdmin()) return ' · You are an admin: full access.';
  const p = ws.permissions || {};
  if (p.everything) return ' · Full access.';
  if (p.viewOnly) return ' · View only.';
  return '';
}

async function renderResourceList(ctx, body, ws, t) {
  const pageError = h('div');
  const createAllowed = canCreate(ws.id, t.key);
  body.append(h('div', { class: 'section-head' },
    h('h2', null, t.label),
    button(`New ${t.one}`, () => resourceDialog(ctx, ws, t), { kind: 'primary',
      allowed: createAllowed })), pageError);
  let items;
  try {
    items = await listResources(ws.id, t.key);
  } catch (err) {
    pageError.append(errorNotice(err));
    return;
  }
  if (!ctx.alive()) return;
  const cols = [
    { label: 'Name', cell: (r) => h('span', { class: 'strong' }, r.name) },
  ];
  if (t.hasType) cols.push({ label: 'Type', cell: (r) => r.type || '—' });
  cols.push(
    { label: 'Status', cell: (r) => h('span', { class: ['badge', r.enabled ? 'ok' : 'off'] },
      r.enabled ? 'Enabled' : 'Disabled') },
    { label: 'ID', cell: (r) => h('code', null, r.id) },
    { label: 'Updated', cell: (r) => timeEl(r.updatedAt) },
    { label: 'Actions', class: 'actions-cell', cell: (r) => h('div', { class: 'row-actions' },
      button('Edit', () => resourceDialog(ctx, ws, t, r), { allowed: canEdit(ws.id, t.key, r.id),
        ariaLabel: `Edit ${t.one} ${r.name}` }),
      t.key === 'libraries' ? null : button('Connect', () => connectDialog(ctx, ws, { type: t.key,
        id: r.id, name: r.name }), { allowed: canConnectSomething(ws.id, t.key, r.id),
      ariaLabel: `Connect ${t.one} ${r.name}` }),
      button('Delete', async () => {
        const ok = await confirmDialog({ title: `Delete ${t.one}`,
          message: `Delete the ${t.one} “${r.name}”? Its connections are removed too.` });
        if (!ok) return;
        try {
          await del(`${t.path}/${seg(r.id)}?workspace_id=${seg(ws.id)}`);
          ctx.refresh();
        } catch (err) {
          clear(pageError).append(errorNotice(err));
        }
      }, { kind: 'danger-outline', allowed: canDelete(ws.id, t.key, r.id),
        ariaLabel: `Delete ${t.one} ${r.name}` })) });
  body.append(table(cols, items, { empty: `No ${t.many} yet.`, caption: t.label }));
}

function resourceDialog(ctx, ws, t, existing) {
  formDialog({
    title: existing ? `Edit ${t.one}` : `New ${t.one}`,
    wide: true,
    submitLabel: existing ? 'Save' : `Create ${t.one}`,
    build: (form) => {
      form.append(field({ label: 'Name', name: 'name', value: existing ? existing.name : '',
        required: true, autofocus: true }).wrap);
      if (t.hasType) {
        form.append(field({ label: 'Type', name: 'type', value: existing ? existing.type || '' : '',
          required: true, placeholder: t.key === 'sources' ? 'javascript' : 'webhook',
          hint: t.key === 'sources' ? 'The kind of source, for example javascript or http.'
            : 'The kind of destination, for example webhook or warehouse.' }).wrap);
      }
      form.append(checkbox({ label: 'Enabled', name: 'enabled',
        checked: existing ? Boolean(existing.enabled) : true }).wrap);
      form.append(field({ label: 'Config (JSON)', name: 'config', type: 'textarea', rows: 6,
        value: JSON.stringify(existing ? existing.config || {} : {}, null, 2) }).wrap);
      if (existing && existing.writeKey) {
        form.append(h('div', { class: 'field' }, h('span', { class: 'label' }, 'Write key'),
          h('code', { class: 'block' }, existing.writeKey)));
      }
    },
    submit: async (form, d) => {
      let config;
      try {
        config = JSON.parse(form.elements.config.value || '{}');
      } catch (_) {
        config = undefined;
      }
      if (!config || typeof config !== 'object' || Array.isArray(config)) {
        throw { message: 'Check the highlighted field.',
          details: [{ field: 'config', message: 'Must be a JSON object, for example {}.' }] };
      }
      const body = { name: form.elements.name.value.trim(), enabled: form.elements.enabled.checked,
        config };
      if (t.hasType) body.type = form.elements.type.value.trim();
      const q = `?workspace_id=${seg(ws.id)}`;
      if (existing) await patch(`${t.path}/${seg(existing.id)}${q}`, body);
      else await post(`${t.path}${q}`, body);
      d.close();
      ctx.refresh();
    },
  });
}

// Connect one resource (`fixed`: {type, id, name}) to another, or pick both ends.
async function connectDialog(ctx, ws, fixed) {
  let res;
  try {
    const types = ['sources', 'transformations', 'destinations', 'tracking_plans'];
    const lists = await Promise.all(types.map((k) => listResources(ws.id, k)));
    res = Object.fromEntries(types.map((k, i) => [k, lists[i]]));
  } catch (err) {
    formDialog({ title: 'Connect', submitLabel: 'Close', build: (f) => f.append(errorNotice(err)),
      submit: async (f, d) => d.close() });
    return;
  }
  const option = (k, r, other) => {
    const allowed = other ? canConnect(ws.id, other, { type: k, id: r.id })
      : canConnectEnd(ws.id, k, r.id);
    return { value: `${k}:${r.id}`, label: `${typeByKey(k).label.replace(/s$/, '')}: ${r.name}` +
      (allowed.ok ? '' : ' (no permission)'), disabled: !allowed.ok };
  };
  formDialog({
    title: fixed ? `Connect “${fixed.name}”` : 'New connection',
    submitLabel: 'Connect',
    build: (form) => {
      if (fixed) {
        const opts = [{ value: '', label: 'Choose…' }];
        for (const k of CONNECTS_TO[fixed.type]) {
          for (const r of res[k]) opts.push(option(k, r, fixed));
        }
        form.append(h('p', null, `${typeByKey(fixed.type).label.replace(/s$/, '')}: `,
          h('strong', null, fixed.name)));
        form.append(field({ label: 'Connect to', name: 'to', type: 'select', options: opts,
          required: true, autofocus: true }).wrap);
        if (opts.length === 1) form.append(notice('info', 'There is nothing to connect it to yet.'));
      } else {
        const from = [{ value: '', label: 'Choose…' }];
        for (const k of FROM_TYPES) for (const r of res[k]) from.push(option(k, r));
        const to = [{ value: '', label: 'Choose…' }];
        for (const k of ['destinations', 'tracking_plans']) for (const r of res[k]) to.push(option(k, r));
        form.append(field({ label: 'From', name: 'from', type: 'select', options: from,
          required: true, autofocus: true, hint: 'A source or a transformation.' }).wrap,
        field({ label: 'To', name: 'to', type: 'select', options: to, required: true,
          hint: 'A destination, or a tracking plan (sources only).' }).wrap);
      }
    },
    submit: async (form, d) => {
      const parse = (v) => { const i = v.indexOf(':'); return { type: v.slice(0, i), id: v.slice(i + 1) }; };
      const toV = form.elements.to.value;
      const fromV = fixed ? `${fixed.type}:${fixed.id}` : form.elements.from.value;
      const errs = [];
      if (!fixed && !fromV) errs.push({ field: 'from', message: 'Choose where the connection starts.' });
      if (!toV) errs.push({ field: 'to', message: 'Choose what to connect to.' });
      if (errs.length) throw { message: 'Choose both ends.', details: errs };
      let a = parse(fromV);
      let b = parse(toV);
      // The API names the "from" end sourceId/transformationId.
      if (!FROM_TYPES.includes(a.type)) {
        [a, b] = [b, a];
      }
      await post(`/v2/connections?workspace_id=${seg(ws.id)}`, {
        [CONNECTION_FIELDS[a.type]]: a.id, [CONNECTION_FIELDS[b.type]]: b.id });
      d.close();
      if (fixed) location.hash = `#/workspaces/${seg(ws.id)}/connections`;
      else ctx.refresh();
    },
  });
}

async function renderConnections(ctx, body, ws) {
  const pageError = h('div');
  const anyConnect = FROM_TYPES.some((k) => hasAny(ws.id, k, 'edit') &&
    hasAny(ws.id, k, 'connect'));
  body.append(h('div', { class: 'section-head' }, h('h2', null, 'Connections'),
    button('New connection', () => connectDialog(ctx, ws, null), { kind: 'primary',
      allowed: anyConnect ? { ok: true }
        : { ok: false, why: 'Missing permission: Edit and Connect on sources or transformations' } })),
  pageError);
  let conns;
  const names = {};
  try {
    const types = ['sources', 'transformations', 'destinations', 'tracking_plans'];
    const [list, ...lists] = await Promise.all([listConnections(ws.id),
      ...types.map((k) => listResources(ws.id, k))]);
    conns = list;
    types.forEach((k, i) => { for (const r of lists[i]) names[r.id] = { type: k, name: r.name }; });
  } catch (err) {
    pageError.append(errorNotice(err));
    return;
  }
  if (!ctx.alive()) return;
  const end = (c, fields) => {
    for (const f of fields) {
      if (c[f]) {
        const k = Object.keys(CONNECTION_FIELDS).find((x) => CONNECTION_FIELDS[x] === f);
        return { type: k, id: c[f], name: names[c[f]] ? names[c[f]].name : c[f] };
      }
    }
    return { type: null, id: '', name: '—' };
  };
  const label = (e) => h('span', null, h('span', { class: 'muted small' },
    e.type ? `${typeByKey(e.type).label.replace(/s$/, '')} ` : ''), e.name);
  body.append(table([
    { label: 'From', cell: (c) => label(end(c, ['sourceId', 'transformationId'])) },
    { label: 'To', cell: (c) => label(end(c, ['destinationId', 'trackingPlanId'])) },
    { label: 'Status', cell: (c) => h('span', { class: ['badge', c.enabled ? 'ok' : 'off'] },
      c.enabled ? 'Enabled' : 'Disabled') },
    { label: 'ID', cell: (c) => h('code', null, c.id) },
    { label: 'Created', cell: (c) => timeEl(c.createdAt) },
    { label: 'Actions', class: 'actions-cell', cell: (c) => {
      const a = end(c, ['sourceId', 'transformationId']);
      const b = end(c, ['destinationId', 'trackingPlanId']);
      const allowed = a.type && b.type ? canConnect(ws.id, a, b) : { ok: isAdmin(), why: 'Unknown ends' };
      return button('Delete', async () => {
        const ok = await confirmDialog({ title: 'Delete connection',
          message: `Disconnect “${a.name}” from “${b.name}”?` });
        if (!ok) return;
        try {
          await del(`/v2/connections/${seg(c.id)}?workspace_id=${seg(ws.id)}`);
          ctx.refresh();
        } catch (err) {
          clear(pageError).append(errorNotice(err));
        }
      }, { kind: 'danger-outline', allowed, ariaLabel: `Delete connection ${a.name} to ${b.name}` });
    } },
  ], conns, { empty: 'No connections yet.', caption: 'Connections' }));
}
