// pages/audit.js — Audit Logs (admins; SPEC §4, §9): newest first, filters by workspace, actor and
// date, paging.
//
// GET /v2/audit-logs pages forward only (ascending ids, `after_cursor` = the last id seen), while
// people read logs newest first. Row ids are increasing integers, so the newest rows at or below
// an id `hi` are found by a binary search on the cursor: the smallest cursor c with at most N rows
// in (c, hi] (asking for N+1 rows after c tells). That costs about 2·log2(id) small requests per
// page whatever the log's size, instead of walking every page from the start. The actor filter is
// not an API parameter, so it is applied here, reading further back until a page is full.

import { h, field, table, timeEl, notice, errorNotice, clear } from '../dom.js';
import { get } from '../api.js';
import { workspaces, workspaceName, isAdmin } from '../state.js';

const PAGE = 50;   // rows shown per page
const CHUNK = 99;  // rows read per window (the API allows per_page up to 100; one extra row probes)
const MAX_WINDOWS = 20; // windows read per page at most when the actor filter skips rows

export async function renderAudit(ctx) {
  ctx.main.append(h('div', { class: 'page-head' }, h('div', null,
    h('h1', { tabindex: '-1' }, 'Audit Logs'),
    h('p', { class: 'muted' }, 'Everything anyone did: every change, every request made with a ' +
      'token, every login. Newest first.'))));
  if (!isAdmin()) {
    ctx.main.append(notice('info', 'Only organization admins can read the audit log.'));
    return;
  }
  const q = ctx.query;
  const filters = { workspace: q.get('workspace') || '', actor: q.get('actor') || '',
    from: q.get('from') || '' };

  // Names for actors and targets: users, service tokens and own PATs.
  const names = {};
  const [members, orgSats, wsSats, pats] = await Promise.all([
    get('/api/members').catch(() => ({ members: [] })),
    get('/api/service-access-tokens', { level: 'organization' }).catch(() => ({ tokens: [] })),
    get('/api/service-access-tokens', { level: 'workspace' }).catch(() => ({ tokens: [] })),
    get('/api/personal-access-tokens').catch(() => ({ tokens: [] })),
  ]);
  if (!ctx.alive()) return;
  for (const m of members.members || []) names[m.id] = m.email;
  for (const t of [...(orgSats.tokens || []), ...(wsSats.tokens || []), ...(pats.tokens || [])]) {
    names[t.id] = `${t.name} (${t.id})`;
  }
  for (const w of workspaces()) names[w.id] = w.name;

  // Filters form: applying it changes the URL, so reload keeps the view.
  const wsF = field({ label: 'Workspace', name: 'workspace', type: 'select', value: filters.workspace,
    options: [{ value: '', label: 'All workspaces' },
      ...workspaces().map((w) => ({ value: w.id, label: w.name }))] });
  const actorF = field({ label: 'Actor', name: 'actor', value: filters.actor,
    placeholder: 'email, token name or id' });
  const listId = 'audit-actors';
  actorF.input.setAttribute('list', listId);
  const datalist = h('datalist', { id: listId },
    (members.members || []).map((m) => h('option', { value: m.email })),
    [...(orgSats.tokens || []), ...(wsSats.tokens || []), ...(pats.tokens || [])].map((t) =>
      h('option', { value: t.id }, t.name)));
  const fromF = field({ label: 'From date', name: 'from', type: 'date', value: filters.from });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the audit log' },
    wsF.wrap, actorF.wrap, datalist, fromF.wrap,
    h('div', { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'btn primary' }, 'Apply filters'),
      h('a', { href: '#/audit-logs', class: 'btn' }, 'Reset')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    if (wsF.input.value) p.set('workspace', wsF.input.value);
    if (actorF.input.value.trim()) p.set('actor', actorF.input.value.trim());
    if (fromF.input.value) p.set('from', fromF.input.value);
    const s = p.toString();
    const target = `#/audit-logs${s ? `?${s}` : ''}`;
    if (location.hash === target) ctx.refresh(); else location.hash = target;
  });

  const status = h('p', { class: 'muted small', role: 'status' });
  const results = h('div');
  const newer = h('button', { type: 'button', class: 'btn' }, '← Newer');
  const older = h('button', { type: 'button', class: 'btn' }, 'Older →');
  const pager = h('div', { class: 'pager' }, newer, status, older);
  ctx.main.append(form, results, pager);

  const base = {};
  if (filters.workspace) base.workspace_id = filters.workspace;
  if (filters.from) {
    const d = new Date(`${filters.from}T00:00:00`);
    if (!Number.isNaN(d.getTime())) base.created_after = d.toISOString();
  }
  const needle = filters.actor.toLowerCase();
  const matches = (r) => !needle || (r.actorId || '').toLowerCase() === needle ||
    (names[r.actorId] || '').toLowerCase().includes(needle);

  let total = 0;
  const fetchAfter = async (cursor, n) => {
    const params = { ...base, per_page: n };
    if (cursor > 0) params.after_cursor = cursor;
    const data = await get('/v2/audit-logs', params);
    total = data.paging ? data.paging.total : total;
    return data.data || [];
  };

  // The last (up to) CHUNK rows with id <= hi, ascending, and the cursor just below them.
  async function windowEndingAt(hi) {
    const within = (rows) => rows.filter((r) => Number(r.id) <= hi);
    const probe = async (c) => {
      const rows = within(await fetchAfter(c, CHUNK + 1));
      return { fits: rows.length <= CHUNK, rows };
    };
    const first = await probe(0);
    if (first.fits) return { rows: first.rows, lo: 0 };
    let lo = 0;
    let up;
    let upRows;
    if (Number.isFinite(hi)) {
      up = hi;
      upRows = [];
    } else {
      up = 1024;
      for (;;) {
        const p = await probe(up);
        if (p.fits) { upRows = p.rows; break; }
        lo = up;
        up *= 2;
        if (up > Number.MAX_SAFE_INTEGER) throw new Error('audit ids out of range');
      }
    }
    while (up - lo > 1) {
      const mid = Math.floor((lo + up) / 2);
      const p = await probe(mid);
      if (p.fits) { up = mid; upRows = p.rows; } else { lo = mid; }
    }
    if (Number.isFinite(hi) && up === hi) upRows = [];
    return { rows: upRows, lo: up };
  }

  // Newest-first rows with id <= hi that match the actor filter, up to PAGE, and the `hi` of the
  // next (older) page, or null at the start of the log.
  async function loadPage(hi) {
    const out = [];
    let cursor = hi;
    for (let i = 0; i < MAX_WINDOWS; i += 1) {
      const w = await windowEndingAt(cursor);
      const desc = w.rows.slice().reverse();
      for (const r of desc) {
        if (!matches(r)) continue;
        out.push(r);
        if (out.length === PAGE) {
          const next = Number(r.id) - 1;
          return { rows: out, next: next > 0 && !(w.lo === 0 && r === desc[desc.length - 1]) ? next : null };
        }
      }
      if (w.lo <= 0 || !w.rows.length) return { rows: out, next: null };
      cursor = w.lo;
    }
    return { rows: out, next: cursor };
  }

  const stack = [Infinity]; // page upper bounds, newest first
  let nextHi = null;
  async function show() {
    newer.disabled = true;
    older.disabled = true;
    status.textContent = 'Loading…';
    let page;
    try {
      page = await loadPage(stack[stack.length - 1]);
    } catch (err) {
      if (!ctx.alive()) return;
      clear(results).append(errorNotice(err));
      status.textContent = '';
      return;
    }
    if (!ctx.alive()) return;
    nextHi = page.next;
    clear(results).append(auditTable(page.rows, names));
    const n = stack.length;
    status.textContent = `Page ${n}` + (needle ? '' : ` of ${Math.max(1, Math.ceil(total / PAGE))}`) +
      ` · ${total} ${total === 1 ? 'entry' : 'entries'}` +
      (needle ? ` (${page.rows.length} by this actor on this page)` : '');
    newer.disabled = n <= 1;
    older.disabled = nextHi === null;
  }
  newer.addEventListener('click', () => { if (stack.length > 1) { stack.pop(); show(); } });
  older.addEventListener('click', () => { if (nextHi !== null) { stack.push(nextHi); show(); } });
  await show();
}

function auditTable(rows, names) {
  const actor = (r) => h('span', null, names[r.actorId] || r.actorId || '—',
    h('div', { class: 'small muted' }, (r.actorType || '').replace(/_/g, ' ')));
  const target = (r) => h('span', null, (r.targetType || '').replace(/_/g, ' '),
    r.targetId ? h('div', { class: 'small muted' }, names[r.targetId] || r.targetId) : null);
  const details = (r) => {
    const text = JSON.stringify(r.details || {}, null, 2);
    if (text === '{}') return h('span', { class: 'muted' }, '—');
    return h('details', null, h('summary', null, 'Details'), h('pre', null, text),
      r.userAgent ? h('p', { class: 'small muted' }, r.userAgent) : null);
  };
  return table([
    { label: 'Time', cell: (r) => timeEl(r.createdAt) },
    { label: 'Actor', cell: actor },
    { label: 'Action', cell: (r) => h('span', { class: 'strong' }, (r.action || '').replace(/_/g, ' ')) },
    { label: 'Target', cell: target },
    { label: 'Workspace', cell: (r) => (r.workspaceId ? workspaceName(r.workspaceId) : '—') },
    { label: 'Outcome', cell: (r) => h('span', { class: ['badge', r.outcome === 'success' ? 'ok'
      : r.outcome === 'denied' ? 'warn' : 'bad'] }, r.outcome || '—') },
    { label: 'IP', cell: (r) => r.ip || '—' },
    { label: 'Details', cell: details },
  ], rows, { empty: 'No audit log entries match.', caption: 'Audit log',
    rowAttrs: (r) => ({ dataset: { id: r.id } }) });
}
