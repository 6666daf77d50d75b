// dashboard.test.mjs — browser tests of the accessd dashboard (SPEC §9), run by run.sh against the
// real binary: Debian's Chromium driven through playwright-core, no mocks. The steps run in order
// and build on each other (log in, create a workspace, generate tokens, ...), like a person would.
//
// Environment (set by run.sh): ACCESSD_URL, ACCESSD_ADMIN_EMAIL, ACCESSD_ADMIN_PASSWORD, and
// optionally ACCESSD_SCREENSHOTS (a directory to save screenshots into).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.ACCESSD_URL;
const ADMIN = { email: process.env.ACCESSD_ADMIN_EMAIL, password: process.env.ACCESSD_ADMIN_PASSWORD };
const MEMBER = { email: 'member@example.test', password: 'member-password-123', name: 'Mia Member' };
const XSS = '<img src=x onerror=alert(1)>';
const SHOTS = process.env.ACCESSD_SCREENSHOTS || '';
const TOKEN_RE = (kind) => new RegExp(`^acd_${kind}_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$`);

let browser;
let context;
let page;
const problems = []; // console errors, page errors, CSP violations, dialogs (alert = XSS)

function watch(p, who) {
  p.on('console', (m) => {
    // 4xx answers are expected in some steps (a wrong password); the browser logs them.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) {
      problems.push(`${who} console: ${m.text()}`);
    }
  });
  p.on('pageerror', (e) => problems.push(`${who} page error: ${e.message}`));
  p.on('dialog', async (d) => {
    problems.push(`${who} unexpected ${d.type()} dialog: ${d.message()}`);
    await d.dismiss();
  });
}

async function shot(name) {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

// A management-API client for setup steps a person would do elsewhere (accepting an invitation
// from their mail) and for checking what the dashboard did.
async function apiLogin(email, password) {
  const res = await fetch(`${BASE}/api/session`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
  assert.equal(res.status, 200, `login of ${email}`);
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const { csrfToken } = await res.json();
  return async (method, p, body) => {
    const r = await fetch(`${BASE}${p}`, { method, headers: { Cookie: cookie,
      'X-CSRF-Token': csrfToken, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
}

let adminApiClient = null;
const adminApi = async () => {
  if (!adminApiClient) adminApiClient = await apiLogin(ADMIN.email, ADMIN.password);
  return adminApiClient;
};

const launch = () => chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});

before(async () => {
  assert.ok(BASE, 'ACCESSD_URL is set (run through run.sh)');
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  page = await context.newPage();
  page.setDefaultTimeout(10000);
  watch(page, 'admin');
});

after(async () => {
  if (browser) await browser.close();
});

const dialog = () => page.locator('dialog[open]');

test('the page is served with the CSP and loads without inline code', async () => {
  const res = await page.goto(BASE + '/');
  assert.match(res.headers()['content-security-policy'], /default-src 'self'/);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  assert.match(page.url(), /#\/login$/);
});

test('a wrong password shows an error next to the form', async () => {
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  const err = page.locator('form .form-error');
  await err.waitFor();
  assert.match(await err.textContent(), /email or password is not correct/i);
  assert.equal(await page.getByLabel('Password').inputValue(), '', 'password cleared');
});

test('logs in with the form', async () => {
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Log out' }).count(), 1);
});

let prodId;
test('creates a workspace, and a typed name is rendered as text', async () => {
  for (const [name, env] of [['Prod', 'production'], [`Dev ${XSS}`, 'development']]) {
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await dialog().getByLabel('Name').fill(name);
    await dialog().getByLabel('Environment').fill(env);
    await dialog().getByRole('button', { name: 'Create workspace' }).click();
    await dialog().waitFor({ state: 'detached' });
    await page.locator('main table').getByRole('link', { name, exact: true }).waitFor();
  }
  // The sidebar lists both; the hostile name is text: no <img> anywhere, no alert.
  await page.locator('.sidebar').getByRole('link', { name: `Dev ${XSS}` }).waitFor();
  assert.equal(await page.locator('img').count(), 0);
  assert.ok((await page.locator('main').textContent()).includes(XSS));
  const href = await page.locator('main table').getByRole('link', { name: 'Prod', exact: true })
    .getAttribute('href');
  prodId = decodeURIComponent(href.split('/')[2]);
  assert.match(prodId, /\S/);
  await shot('workspaces');
});

let sourceId;
test('creates and edits a source in the workspace', async () => {
  await page.locator('.sidebar').getByRole('link', { name: 'Prod', exact: true }).click();
  await page.getByRole('heading', { name: 'Prod', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'New source' }).click();
  await dialog().getByLabel('Name').fill('Website');
  await dialog().getByLabel('Type').fill('javascript');
  await dialog().getByLabel('Config (JSON)').fill('not json');
  await dialog().getByRole('button', { name: 'Create source' }).click();
  await dialog().locator('.field-error').filter({ hasText: 'JSON object' }).waitFor();
  await dialog().getByLabel('Config (JSON)').fill('{"site": "example.test"}');
  await dialog().getByRole('button', { name: 'Create source' }).click();
  await dialog().waitFor({ state: 'detached' });
  const row = page.locator('main tbody tr', { hasText: 'Website' });
  await row.waitFor();
  sourceId = (await row.locator('code').first().textContent()).trim();
  await row.getByRole('button', { name: 'Edit' }).click();
  await dialog().getByLabel('Enabled').uncheck();
  await dialog().getByRole('button', { name: 'Save' }).click();
  await dialog().waitFor({ state: 'detached' });
  await page.locator('main tbody tr', { hasText: 'Website' }).getByText('Disabled').waitFor();
  // A destination, then a connection from the source's row.
  await page.getByRole('link', { name: 'Destinations' }).click();
  await page.getByRole('button', { name: 'New destination' }).click();
  await dialog().getByLabel('Name').fill('Warehouse');
  await dialog().getByLabel('Type').fill('webhook');
  await dialog().getByRole('button', { name: 'Create destination' }).click();
  await dialog().waitFor({ state: 'detached' });
  await page.getByRole('link', { name: 'Sources' }).click();
  await page.locator('main tbody tr', { hasText: 'Website' }).getByRole('button', { name: 'Connect' }).click();
  await dialog().getByLabel('Connect to').selectOption({ label: 'Destination: Warehouse' });
  await dialog().getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('heading', { name: 'Connections', level: 2 }).waitFor();
  await page.locator('main tbody tr', { hasText: 'Warehouse' }).waitFor();
  await shot('connections');
});

let orgKeyId;
test('generates an organization SAT, shown once with Copy and a warning', async () => {
  await page.locator('.sidebar').getByRole('link', { name: 'Access Management' }).click();
  await page.getByRole('link', { name: 'Service Access Tokens' }).click();
  await page.getByRole('link', { name: 'Organization', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Generate new token' }).click();
  await dialog().getByLabel('Name').fill(`Export ${XSS}`);
  await dialog().getByRole('button', { name: 'Generate' }).click();
  const value = dialog().locator('.secret-value');
  await value.waitFor();
  const secret = (await value.textContent()).trim();
  assert.match(secret, TOKEN_RE('sato'));
  orgKeyId = secret.split('_')[2];
  assert.match(await dialog().textContent(), /will not be shown again/);
  await shot('org-sat-secret');
  await dialog().getByRole('button', { name: 'Copy' }).click();
  await dialog().getByText(/^Copied\.$|Could not copy/).waitFor();
  const clip = await page.evaluate(() => navigator.clipboard.readText().catch(() => null));
  if (clip !== null) assert.equal(clip, secret);
  await dialog().getByRole('button', { name: 'Close' }).click();
  await dialog().waitFor({ state: 'detached' });
  // Gone for good: not in the DOM (not even hidden), and the list shows the key id instead.
  const row = page.locator('main tbody tr', { hasText: orgKeyId });
  await row.waitFor();
  assert.ok((await row.textContent()).includes(`Export ${XSS}`));
  assert.equal(await page.locator('img').count(), 0);
  assert.ok(!(await page.content()).includes(secret), 'secret gone from the DOM');
  assert.equal(await page.locator('dialog').count(), 0);
});

let wsKeyId;
let patSecret; // kept by the test (not the page) to make audited token requests later
test('generates a workspace SAT through Name → Workspace → Next → policy → Generate', async () => {
  await page.getByRole('link', { name: 'Workspace', exact: true }).click();
  await page.getByRole('heading', { name: 'Workspace tokens' }).waitFor();
  await page.getByRole('button', { name: 'Generate new token' }).click();
  await dialog().getByLabel('Name').fill('CI deploys');
  await dialog().getByLabel('Workspace').selectOption({ label: 'Prod' });
  await dialog().getByRole('button', { name: 'Next' }).click();
  await dialog().getByRole('heading', { name: 'Workspace SAT access policy' }).waitFor();
  assert.match(await dialog().textContent(), /cannot be edited later/);
  const sources = dialog().getByRole('group', { name: 'Sources' });
  await sources.getByLabel('Edit', { exact: true }).check();
  await sources.getByLabel('Chosen sources').first().check();
  await sources.getByLabel(`Website (${sourceId})`).first().check();
  await sources.getByLabel('Also include future resources').first().check();
  const dests = dialog().getByRole('group', { name: 'Destinations' });
  await dests.getByLabel('Connect', { exact: true }).check();
  await dests.getByLabel('All destinations').first().check();
  await shot('ws-sat-policy');
  await dialog().getByRole('button', { name: 'Generate' }).click();
  const value = dialog().locator('.secret-value');
  await value.waitFor();
  const secret = (await value.textContent()).trim();
  assert.match(secret, TOKEN_RE('satw'));
  wsKeyId = secret.split('_')[2];
  // The token works in its workspace, with exactly the policy chosen.
  const ws = await fetch(`${BASE}/v2/workspace`, { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(ws.status, 200);
  assert.equal((await ws.json()).workspace.id, prodId);
  await dialog().getByRole('button', { name: 'Close' }).click();
  await dialog().waitFor({ state: 'detached' });
  await page.locator('main tbody tr', { hasText: wsKeyId }).waitFor();
  assert.ok(!(await page.content()).includes(secret));
  const admin = await adminApi();
  const list = await admin('GET', '/api/service-access-tokens?level=workspace');
  const tok = list.body.tokens.find((t) => t.id === wsKeyId);
  assert.deepEqual(tok.policy.sources, { edit: { ids: [sourceId], includeFuture: true } });
  assert.deepEqual(tok.policy.destinations, { connect: true });
  assert.equal(tok.workspaceId, prodId);
});

test('reload keeps the page', async () => {
  await page.reload();
  await page.getByRole('heading', { name: 'Workspace tokens' }).waitFor();
  assert.match(page.url(), /#\/settings\/access\/tokens\/workspace$/);
});

test('deletes a token through the confirmation', async () => {
  const row = () => page.locator('main tbody tr', { hasText: wsKeyId });
  await row().getByRole('button', { name: 'Delete' }).click();
  await dialog().getByRole('button', { name: 'Cancel' }).click();
  await dialog().waitFor({ state: 'detached' });
  assert.equal(await row().count(), 1, 'Cancel keeps the token');
  await row().getByRole('button', { name: 'Delete' }).click();
  assert.match(await dialog().textContent(), /cannot be undone/);
  await dialog().getByRole('button', { name: 'Delete' }).click();
  await row().waitFor({ state: 'detached' });
  const admin = await adminApi();
  const list = await admin('GET', '/api/service-access-tokens?level=workspace');
  assert.equal(list.body.tokens.find((t) => t.id === wsKeyId), undefined);
});

test('generates a personal access token from Your Profile', async () => {
  await page.locator('.sidebar').getByRole('link', { name: 'Your Profile' }).click();
  await page.getByRole('heading', { name: 'Personal Access Tokens' }).waitFor();
  await page.getByRole('button', { name: 'Generate new token' }).click();
  await dialog().getByLabel('Token name').fill('Laptop CLI');
  await dialog().getByLabel('Workspace').selectOption({ label: 'Prod' });
  await dialog().getByLabel('Scope').selectOption({ label: 'Read-Write' });
  await dialog().getByRole('button', { name: 'Generate' }).click();
  const value = dialog().locator('.secret-value');
  await value.waitFor();
  const secret = (await value.textContent()).trim();
  assert.match(secret, TOKEN_RE('pat'));
  patSecret = secret;
  assert.match(await dialog().textContent(), /will not be shown again/);
  const res = await fetch(`${BASE}/v2/sources`, { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).sources[0].name, 'Website');
  await dialog().getByRole('button', { name: 'Close' }).click();
  const row = page.locator('main tbody tr', { hasText: secret.split('_')[2] });
  await row.waitFor();
  assert.match(await row.textContent(), /Laptop CLI.*Prod.*Read-Write/);
  assert.ok(!(await page.content()).includes(secret));
  await shot('profile-pats');
});

test('audit logs: newest first, paging, filters by workspace and actor', async () => {
  // Token requests are audited one by one: enough of them for several pages.
  const calls = await Promise.all(Array.from({ length: 70 }, () => fetch(`${BASE}/v2/sources`,
    { headers: { Authorization: `Bearer ${patSecret}` } })));
  assert.ok(calls.every((r) => r.status === 200));
  await page.locator('.sidebar').getByRole('link', { name: 'Audit Logs' }).click();
  await page.getByRole('heading', { name: 'Audit Logs' }).waitFor();
  const rows = page.locator('main tbody tr[data-id]');
  const status = page.locator('main .pager [role=status]');
  const onPage = (n) => page.waitForFunction((k) => {
    const el = document.querySelector('main .pager [role=status]');
    return el && el.textContent.startsWith(`Page ${k} `);
  }, n);
  const pageIds = () => rows.evaluateAll((els) => els.map((e) => Number(e.dataset.id)));
  await onPage(1);
  assert.match(await status.textContent(), /^Page 1 of [2-9]/);
  // The API's order is its ids (ascending by creation); the page shows them descending. (Times
  // are not compared: concurrent requests may commit a millisecond out of order.)
  const ids = await pageIds();
  assert.equal(ids.length, 50);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));

  // Walk back to the first entry: every page newest first, nothing skipped or repeated.
  const older = page.getByRole('button', { name: 'Older →' });
  let n = 1;
  while (await older.isEnabled()) {
    await older.click();
    n += 1;
    await onPage(n);
    ids.push(...await pageIds());
  }
  assert.ok(n >= 2);
  await page.getByRole('button', { name: '← Newer' }).click();
  await onPage(n - 1);
  const admin = await adminApi();
  const all = [];
  for (let cursor = ''; ;) {
    const r = await admin('GET', `/v2/audit-logs?per_page=100${cursor ? `&after_cursor=${cursor}` : ''}`);
    all.push(...r.body.data.map((x) => Number(x.id)));
    if (!r.body.paging.next) break;
    cursor = r.body.data[r.body.data.length - 1].id;
  }
  assert.deepEqual(ids, all.filter((id) => id <= ids[0]).reverse());
  await shot('audit');

  // Workspace filter: only Prod's entries.
  await page.getByLabel('Workspace').selectOption({ label: 'Prod' });
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/workspace=/);
  await onPage(1);
  const wsCells = await page.locator('main tbody tr td:nth-child(5)').evaluateAll(
    (els) => els.map((e) => e.textContent));
  assert.ok(wsCells.length > 0);
  assert.deepEqual([...new Set(wsCells)], ['Prod']);

  // Actor filter (applied by the page, reading back until a page is full).
  await page.getByLabel('Actor').fill('Laptop CLI');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/actor=/);
  await onPage(1);
  const actors = await page.locator('main tbody tr td:nth-child(2)').evaluateAll(
    (els) => els.map((e) => e.textContent));
  assert.equal(actors.length, 50);
  assert.ok(actors.every((a) => a.startsWith('Laptop CLI')), actors.join('|'));
  assert.ok(await older.isEnabled(), 'more of this actor on older pages');
});

test('manages groups, the baseline policy and invitations', async () => {
  await page.locator('.sidebar').getByRole('link', { name: 'Access Management' }).click();
  await page.getByRole('heading', { name: 'Users', level: 2 }).waitFor();
  await page.locator('main tbody tr', { hasText: ADMIN.email }).waitFor();
  await shot('users');

  await page.getByRole('link', { name: 'Groups', exact: true }).click();
  await page.getByRole('button', { name: 'Create group' }).click();
  await dialog().getByLabel('Name').fill('Editors');
  await dialog().getByLabel('Description').fill('People who edit sources');
  await dialog().getByRole('group', { name: 'Workspaces' }).getByLabel('Prod', { exact: true }).check();
  await dialog().getByRole('button', { name: 'Create group' }).click();
  await dialog().waitFor({ state: 'detached' });
  await page.locator('main tbody tr', { hasText: 'Editors' }).getByText('Prod').waitFor();

  // The group's policy in Prod, from its Policies dialog.
  await page.getByRole('button', { name: 'Policies of group Editors' }).click();
  await dialog().getByLabel('Workspace').selectOption({ label: 'Prod' });
  await dialog().getByRole('group', { name: 'Sources' }).getByLabel('Edit', { exact: true }).check();
  await dialog().getByRole('button', { name: 'Save policy' }).click();
  await dialog().getByText('Saved.').waitFor();
  await dialog().getByRole('button', { name: 'Close' }).click();
  {
    const api = await adminApi();
    const editors = (await api('GET', '/api/groups')).body.groups.find((g) => g.name === 'Editors');
    const policy = await api('GET', `/api/workspaces/${prodId}/policies/groups/${editors.id}`);
    assert.deepEqual(policy.body.sources, { edit: true });
  }

  // Baseline of Prod: edit on every destination, for every member of Prod.
  await page.getByRole('link', { name: 'Baseline Workspace Policies' }).click();
  await page.getByLabel('Workspace').selectOption({ label: 'Prod' });
  const dests = page.getByRole('group', { name: 'Destinations' });
  await dests.getByLabel('Edit', { exact: true }).check();
  await page.getByRole('button', { name: 'Save baseline policy' }).click();
  await page.getByText('Saved.').waitFor();
  const admin = await adminApi();
  const baseline = await admin('GET', `/api/workspaces/${prodId}/policies/baseline`);
  assert.deepEqual(baseline.body.destinations, { edit: true });
  assert.deepEqual(baseline.body.sources, {});
  await shot('baseline');

  // An invitation made in the dashboard, accepted through its link.
  await page.getByRole('link', { name: 'Invitations', exact: true }).click();
  await page.getByRole('button', { name: 'Invite users' }).click();
  await dialog().getByLabel('Emails').fill('invitee@example.test');
  await dialog().getByRole('group', { name: 'Workspaces' }).getByLabel('Prod', { exact: true }).check();
  await dialog().getByRole('button', { name: 'Send invitations' }).click();
  const link = (await dialog().locator('.secret-value').textContent()).trim();
  assert.match(link, /#\/accept-invitation\//);
  await dialog().getByRole('button', { name: 'Done' }).click();
  await page.locator('main tbody tr', { hasText: 'invitee@example.test' }).waitFor();
  const ctx3 = await browser.newContext();
  const p3 = await ctx3.newPage();
  watch(p3, 'invitee');
  try {
    await p3.goto(link);
    await p3.getByLabel('Display name').fill('Ivy Invitee');
    await p3.getByLabel('Password').fill('short');
    await p3.getByRole('button', { name: 'Accept invitation' }).click();
    await p3.locator('.form-error').waitFor();
    await p3.getByLabel('Password').fill('invitee-password-123');
    await p3.getByRole('button', { name: 'Accept invitation' }).click();
    await p3.getByText('Your account invitee@example.test is ready.').waitFor();
  } finally {
    await ctx3.close();
  }
});

test('a member does not see the Service Access Tokens tab, and gets disabled controls', async () => {
  const admin = await adminApi();
  const inv = await admin('POST', '/api/invitations', { emails: [MEMBER.email], role: 'member',
    workspaceIds: [prodId], groupIds: [] });
  assert.equal(inv.status, 201);
  const acc = await fetch(`${BASE}/api/invitations/accept`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: inv.body.invitations[0].token, displayName: MEMBER.name,
      password: MEMBER.password }) });
  assert.equal(acc.status, 201);

  const ctx2 = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const p2 = await ctx2.newPage();
  p2.setDefaultTimeout(10000);
  watch(p2, 'member');
  try {
    await p2.goto(`${BASE}/#/settings/access/users`);
    await p2.getByLabel('Email').fill(MEMBER.email);
    await p2.getByLabel('Password').fill(MEMBER.password);
    await p2.getByRole('button', { name: 'Log in' }).click();
    // Back where they were going, with the other tabs but not Service Access Tokens.
    await p2.getByRole('heading', { name: 'Access Management' }).waitFor();
    const tabs = p2.getByRole('navigation', { name: 'Access Management' });
    for (const t of ['Users', 'Groups', 'Baseline Workspace Policies', 'Invitations']) {
      assert.equal(await tabs.getByRole('link', { name: t, exact: true }).count(), 1, t);
    }
    assert.equal(await p2.getByText('Service Access Tokens').count(), 0);
    assert.equal(await p2.getByRole('link', { name: 'Audit Logs' }).count(), 0);
    await p2.goto(`${BASE}/#/settings/access/tokens`);
    await p2.getByText('This page does not exist.').waitFor();
    assert.equal(await p2.getByRole('button', { name: 'Generate new token' }).count(), 0);
    // View only in Prod: create/edit/delete are disabled and say what is missing.
    await p2.goto(`${BASE}/#/workspaces/${encodeURIComponent(prodId)}/sources`);
    const create = p2.getByRole('button', { name: 'New source' });
    await create.waitFor();
    assert.ok(await create.isDisabled());
    assert.match(await create.getAttribute('title'), /Missing permission: Create & Delete/);
    const edit = p2.locator('main tbody tr', { hasText: 'Website' }).getByRole('button', { name: 'Edit' });
    assert.ok(await edit.isDisabled());
    assert.match(await edit.getAttribute('title'), /Missing permission: Edit/);
    if (SHOTS) await p2.screenshot({ path: path.join(SHOTS, 'member-sources.png'), fullPage: true });
    // The baseline grants edit on destinations: that control is enabled, create is not.
    await p2.getByRole('link', { name: 'Destinations' }).click();
    const row = p2.locator('main tbody tr', { hasText: 'Warehouse' });
    await row.waitFor();
    assert.ok(await row.getByRole('button', { name: 'Edit' }).isEnabled());
    assert.ok(await p2.getByRole('button', { name: 'New destination' }).isDisabled());
    // Their profile shows their access per workspace, and where it comes from.
    await p2.goto(`${BASE}/#/profile/access`);
    await p2.getByRole('heading', { name: 'Prod' }).waitFor();
    await p2.getByText('from baseline policy').waitFor();
    if (SHOTS) await p2.screenshot({ path: path.join(SHOTS, 'member-access.png'), fullPage: true });
  } finally {
    await ctx2.close();
  }
});

test('logs out', async () => {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  assert.equal(await page.getByText('You have logged out.').count(), 1);
  await page.goto(`${BASE}/#/settings/access/users`);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  const me = await page.evaluate(async () => (await fetch('/api/me')).status);
  assert.equal(me, 401, 'the session is gone on the server too');
});

test('no console errors, page errors or dialogs', () => {
  assert.deepEqual(problems, []);
});
