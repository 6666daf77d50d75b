// policy_editor.js — the one policy editor of the dashboard (SPEC §9): baseline, group and member
// policies and workspace SAT policies are all edited with it, and read-only policies (a token's,
// a user's effective access) are shown with policySummary().
//
// The document shape is SPEC §1: per resource type, `edit`, `connect` and `create_delete`, each
// `true` (every resource, future ones included) or {"ids": [...], "includeFuture": bool}. The
// editor keeps every resource-type key in what it returns (as {} when nothing is granted), which
// the server accepts and renders the same way. It builds DOM only (no HTML strings); resource
// names the users typed are shown as text.

import { h, uid, clear, checkbox } from './dom.js';
import { TYPES, ACTIONS, listResources } from './state.js';

function grantState(g) {
  if (g === true) return { granted: true, scope: 'all', ids: new Set(), includeFuture: false };
  if (g && typeof g === 'object') {
    return { granted: true, scope: 'chosen', ids: new Set(g.ids || []),
      includeFuture: Boolean(g.includeFuture) };
  }
  return { granted: false, scope: 'all', ids: new Set(), includeFuture: false };
}

// Loads {typeKey: [resources]} of a workspace; a type whose list fails maps to an Error.
export async function loadWorkspaceResources(workspaceId) {
  const entries = await Promise.all(TYPES.map(async (t) => {
    try {
      return [t.key, await listResources(workspaceId, t.key)];
    } catch (err) {
      return [t.key, err];
    }
  }));
  return Object.fromEntries(entries);
}

// policyEditor({workspaceId, value, fieldPrefix}) → {el, getValue(), ready}
// `fieldPrefix` is how the API names the document in error details ('policy.' inside a SAT
// request, '' for a bare document), so errors land on the right row.
export function policyEditor({ workspaceId, value, fieldPrefix = '' }) {
  const doc = value || {};
  const state = {};
  for (const t of TYPES) {
    state[t.key] = {};
    for (const a of ACTIONS) state[t.key][a.key] = grantState(doc[t.key] && doc[t.key][a.key]);
  }
  const root = h('div', { class: 'policy-editor', dataset: { field: fieldPrefix.replace(/\.$/, '') || 'policy' } });
  const sections = {};
  for (const t of TYPES) {
    const rows = h('div', { class: 'policy-rows' });
    const sec = h('fieldset', { class: 'policy-type', dataset: { field: `${fieldPrefix}${t.key}` } },
      h('legend', null, t.label), rows);
    sections[t.key] = rows;
    root.appendChild(sec);
  }

  function buildRow(t, a, resources) {
    const st = state[t.key][a.key];
    const row = h('div', { class: 'policy-row', dataset: { field: `${fieldPrefix}${t.key}.${a.key}` } });
    const grant = checkbox({ label: a.label, name: `grant-${t.key}-${a.key}`, checked: st.granted });
    grant.wrap.classList.add('grant');
    const radioName = uid('scope');
    const mkRadio = (val, label) => {
      const id = uid('r');
      const input = h('input', { type: 'radio', id, name: radioName, value: val,
        checked: st.scope === val });
      input.addEventListener('change', () => { if (input.checked) { st.scope = val; sync(); } });
      return h('span', { class: 'radio' }, input, h('label', { for: id }, label));
    };
    const scope = h('div', { class: 'scope', role: 'radiogroup',
      'aria-label': `${a.label} ${t.many}: which resources` },
    mkRadio('all', `All ${t.many}`), mkRadio('chosen', `Chosen ${t.many}`));

    const chosen = h('div', { class: 'chosen' });
    const known = new Set();
    if (resources instanceof Error) {
      chosen.appendChild(h('p', { class: 'field-error' },
        `Could not load ${t.many}: ${resources.message}`));
    } else if (!resources.length) {
      chosen.appendChild(h('p', { class: 'muted small' }, `No ${t.many} in this workspace yet.`));
    }
    const list = h('div', { class: 'resource-checks' });
    const addBox = (id, label) => {
      known.add(id);
      const cb = checkbox({ label, name: `ids-${t.key}-${a.key}`, value: id, checked: st.ids.has(id) });
      cb.input.addEventListener('change', () => {
        if (cb.input.checked) st.ids.add(id); else st.ids.delete(id);
      });
      list.appendChild(cb.wrap);
    };
    for (const r of resources instanceof Error ? [] : resources) addBox(r.id, `${r.name} (${r.id})`);
    for (const id of st.ids) if (!known.has(id)) addBox(id, id);
    chosen.appendChild(list);
    const future = checkbox({ label: 'Also include future resources',
      name: `future-${t.key}-${a.key}`, checked: st.includeFuture });
    future.wrap.classList.add('future');
    future.input.addEventListener('change', () => { st.includeFuture = future.input.checked; });
    chosen.appendChild(future.wrap);

    const detail = h('div', { class: 'policy-detail' }, scope, chosen);
    function sync() {
      detail.hidden = !st.granted;
      chosen.hidden = st.scope !== 'chosen';
    }
    grant.input.addEventListener('change', () => { st.granted = grant.input.checked; sync(); });
    sync();
    row.append(grant.wrap, detail);
    return row;
  }

  const ready = (async () => {
    for (const t of TYPES) sections[t.key].appendChild(h('p', { class: 'muted small' }, 'Loading…'));
    const res = await loadWorkspaceResources(workspaceId);
    for (const t of TYPES) {
      clear(sections[t.key]);
      for (const a of ACTIONS) sections[t.key].appendChild(buildRow(t, a, res[t.key]));
    }
  })();

  function getValue() {
    const out = {};
    for (const t of TYPES) {
      out[t.key] = {};
      for (const a of ACTIONS) {
        const st = state[t.key][a.key];
        if (!st.granted) continue;
        out[t.key][a.key] = st.scope === 'all' ? true
          : { ids: [...st.ids], includeFuture: st.includeFuture };
      }
    }
    return out;
  }

  return { el: root, getValue, ready };
}

// A read-only table of a policy document. `names` maps resource ids to names; `sources` (from
// ExplainPermissions) adds where each grant came from.
export function policySummary(doc, { names = {}, sources = null } = {}) {
  const cell = (g, from) => {
    let text;
    if (g === true) text = 'All';
    else if (g && typeof g === 'object') {
      const ids = (g.ids || []).map((id) => names[id] || id);
      text = ids.length ? ids.join(', ') : '';
      if (g.includeFuture) text = text ? `${text} + future resources` : 'Future resources';
      if (!text) text = 'None';
    } else {
      return h('td', { class: 'muted' }, '—');
    }
    const td = h('td', null, text);
    if (from && from.length) {
      td.appendChild(h('div', { class: 'small muted' }, `from ${from.map(sourceLabel).join(', ')}`));
    }
    return td;
  };
  return h('div', { class: 'table-wrap' }, h('table', { class: 'policy-summary' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Resource type'),
      ACTIONS.map((a) => h('th', { scope: 'col' }, a.label)))),
    h('tbody', null, TYPES.map((t) => h('tr', null, h('th', { scope: 'row' }, t.label),
      ACTIONS.map((a) => cell(doc && doc[t.key] && doc[t.key][a.key],
        sources && sources[t.key] && sources[t.key][a.key])))))));
}

let groupNames = {};
// Group names for "from group:<id>" labels (set by pages that know them).
export function setGroupNames(map) {
  groupNames = map || {};
}

function sourceLabel(s) {
  if (s === 'baseline') return 'baseline policy';
  if (s === 'member') return 'your member policy';
  if (s === 'token') return 'token policy';
  if (s.startsWith('group:')) {
    const id = s.slice(6);
    return `group ${groupNames[id] || id}`;
  }
  return s;
}

// id → name of every resource in a loaded map (see loadWorkspaceResources).
export function resourceNames(res) {
  const names = {};
  for (const list of Object.values(res)) {
    if (Array.isArray(list)) for (const r of list) names[r.id] = r.name;
  }
  return names;
}
