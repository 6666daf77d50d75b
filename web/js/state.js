// state.js — what the dashboard knows about the signed-in user (GET /api/me), the resource types
// of SPEC §1, and the permission checks used to disable controls the caller may not use.
//
// These checks only decide what the page offers; the server decides what happens (SPEC §3). They
// never enable something the server would refuse for sure, and they leave a control enabled when
// the answer depends on something the page cannot see: a grant with includeFuture covers
// resources created after the policy was saved, which only the server can tell, so such a
// resource is treated as "maybe" and the server's answer is shown if it refuses.

import { get } from './api.js';

export const TYPES = [
  { key: 'sources', path: '/v2/sources', plural: 'sources', singular: 'source', label: 'Sources',
    one: 'source', many: 'sources', route: 'sources', hasType: true, audit: 'source' },
  { key: 'destinations', path: '/v2/destinations', plural: 'destinations', singular: 'destination',
    label: 'Destinations', one: 'destination', many: 'destinations', route: 'destinations',
    hasType: true, audit: 'destination' },
  { key: 'transformations', path: '/transformations', plural: 'transformations',
    singular: 'transformation', label: 'Transformations', one: 'transformation',
    many: 'transformations', route: 'transformations', audit: 'transformation' },
  { key: 'libraries', path: '/libraries', plural: 'libraries', singular: 'library',
    label: 'Libraries', one: 'library', many: 'libraries', route: 'libraries',
    audit: 'transformation_library' },
  { key: 'tracking_plans', path: '/v2/catalog/tracking-plans', plural: 'trackingPlans',
    singular: 'trackingPlan', label: 'Tracking Plans', one: 'tracking plan',
    many: 'tracking plans', route: 'tracking-plans', audit: 'tracking_plan' },
];

export const ACTIONS = [
  { key: 'edit', label: 'Edit' },
  { key: 'connect', label: 'Connect' },
  { key: 'create_delete', label: 'Create & Delete' },
];

export const typeByKey = (k) => TYPES.find((t) => t.key === k);
export const typeByRoute = (r) => TYPES.find((t) => t.route === r);
export const actionLabel = (k) => (ACTIONS.find((a) => a.key === k) || { label: k }).label;

// The ends a connection may join (SPEC §1): source→destination, transformation→destination,
// source→tracking plan. Field names are the ones POST /v2/connections takes.
export const CONNECTION_FIELDS = {
  sources: 'sourceId',
  transformations: 'transformationId',
  destinations: 'destinationId',
  tracking_plans: 'trackingPlanId',
};
export const CONNECTS_TO = {
  sources: ['destinations', 'tracking_plans'],
  transformations: ['destinations'],
  destinations: ['sources', 'transformations'],
  tracking_plans: ['sources'],
  libraries: [],
};
export const FROM_TYPES = ['sources', 'transformations'];

export const session = {
  me: null, // {user, organization: {id, accessModel}, workspaces: [...]}
};

export async function loadMe() {
  session.me = await get('/api/me');
  return session.me;
}

export function forgetMe() {
  session.me = null;
}

export const me = () => session.me;
export const isAdmin = () => Boolean(session.me && session.me.user.role === 'admin');
export const isLegacy = () => Boolean(session.me && session.me.organization &&
  session.me.organization.accessModel === 'legacy');
export const workspaces = () => (session.me ? session.me.workspaces : []);
export const workspaceById = (id) => workspaces().find((w) => w.id === id);
export const workspaceName = (id) => {
  if (!id) return '—';
  const w = workspaceById(id);
  return w ? w.name : id;
};

const OK = { ok: true };

// Whether a grant (true, or {ids, includeFuture}) may cover resource `id`; with no id, whether it
// covers resources created from now on (what creating needs).
function covers(g, id) {
  if (g === true) return true;
  if (!g || typeof g !== 'object') return false;
  if (id === undefined) return Boolean(g.includeFuture);
  return (Array.isArray(g.ids) && g.ids.includes(id)) || Boolean(g.includeFuture);
}

function missing(typeKey, action, id) {
  const t = typeByKey(typeKey);
  const what = id === undefined ? `${t.many} (including new ones)` : `this ${t.one}`;
  return { ok: false, why: `Missing permission: ${actionLabel(action)} on ${what}` };
}

// May the caller do `action` (edit, connect, create_delete) on resource `id` of `typeKey` in
// workspace `wsId`? Omit id for "create". Answers {ok} or {ok: false, why}.
export function can(wsId, typeKey, action, id) {
  if (isAdmin()) return OK;
  const w = workspaceById(wsId);
  if (!w) return { ok: false, why: 'You are not a member of this workspace' };
  const p = w.permissions || {};
  if (p.viewOnly) return { ok: false, why: `Missing permission: ${actionLabel(action)} (view only)` };
  if (p.everything) return OK;
  const g = p.permissions && p.permissions[typeKey] && p.permissions[typeKey][action];
  return covers(g, id) ? OK : missing(typeKey, action, id);
}

export const canCreate = (ws, type) => can(ws, type, 'create_delete');
export const canDelete = (ws, type, id) => can(ws, type, 'create_delete', id);
export const canEdit = (ws, type, id) => can(ws, type, 'edit', id);

// Connecting (and disconnecting) needs edit and connect on both ends (SPEC §1).
export function canConnectEnd(ws, type, id) {
  const e = can(ws, type, 'edit', id);
  if (!e.ok) return e;
  return can(ws, type, 'connect', id);
}

export function canConnect(ws, a, b) {
  const x = canConnectEnd(ws, a.type, a.id);
  if (!x.ok) return x;
  return canConnectEnd(ws, b.type, b.id);
}

// Does the caller hold `action` on at least one resource of the type (or on future ones)?
export function hasAny(ws, type, action) {
  if (isAdmin()) return true;
  const w = workspaceById(ws);
  const p = (w && w.permissions) || {};
  if (p.viewOnly) return false;
  if (p.everything) return true;
  const g = p.permissions && p.permissions[type] && p.permissions[type][action];
  return g === true || Boolean(g && typeof g === 'object' &&
    ((Array.isArray(g.ids) && g.ids.length) || g.includeFuture));
}

// May the caller connect this resource to anything at all: both permissions on this end, and on
// the other side some grant of edit and connect (which resources it covers is checked per option).
export function canConnectSomething(ws, type, id) {
  const own = canConnectEnd(ws, type, id);
  if (!own.ok) return own;
  for (const other of CONNECTS_TO[type] || []) {
    if (hasAny(ws, other, 'edit') && hasAny(ws, other, 'connect')) return OK;
  }
  const names = (CONNECTS_TO[type] || []).map((k) => typeByKey(k).many).join(' or ');
  return { ok: false, why: `Missing permission: Edit and Connect on ${names || 'anything'}` };
}

// Every resource of one type in a workspace (pages of 1000 followed through paging.next).
export async function listResources(wsId, typeKey) {
  const t = typeByKey(typeKey);
  const out = [];
  for (let page = 1; page <= 50; page += 1) {
    const data = await get(t.path, { workspace_id: wsId, per_page: 1000, page });
    out.push(...(data[t.plural] || []));
    if (!data.paging || !data.paging.next) break;
  }
  return out;
}

export async function listConnections(wsId) {
  const out = [];
  for (let page = 1; page <= 50; page += 1) {
    const data = await get('/v2/connections', { workspace_id: wsId, per_page: 1000, page });
    out.push(...(data.connections || []));
    if (!data.paging || !data.paging.next) break;
  }
  return out;
}
