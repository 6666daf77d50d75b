// migration.test.mjs — the Migration page (SPEC §7, §9) in a browser, against the real binary:
// run.sh imports tests/browser/legacy-export.json with `accessd legacy import` into the running
// server's database, and this file logs in as that organization's admin, stages both strategies,
// reads the staging area side by side, and deploys. Hostile names from the export must stay text.
//
// Environment (set by run.sh): ACCESSD_URL, ACCESSD_LEGACY_EMAIL, ACCESSD_LEGACY_PASSWORD.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const BASE = process.env.ACCESSD_URL;
const ADMIN = { email: process.env.ACCESSD_LEGACY_EMAIL, password: process.env.ACCESSD_LEGACY_PASSWORD };
const CI_TOKEN = '2QHVKQJeojt6Ae9e4iiOhycHrdGbrowser'; // the export's workspace SAT (role editor)
const PAT = '2Xk9PpQ1mN3vB7cR5tY8wZ0aL4ebrowser'; // bob's read_write PAT

let browser;
let page;
const problems = [];

before(async () => {
  assert.ok(BASE && ADMIN.email, 'ACCESSD_URL and ACCESSD_LEGACY_EMAIL are set (run through run.sh)');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(10000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => {
    problems.push(`unexpected ${d.type()} dialog: ${d.message()}`);
    await d.dismiss();
  });
});

after(async () => {
  if (browser) await browser.close();
});

const dialog = () => page.locator('dialog[open]');
const staging = () => page.locator('main section.card', { hasText: 'Staging area' });
const memberRow = (name) => staging().locator('tbody tr', { hasText: name });

async function bearer(token, path) {
  const r = await fetch(`${BASE}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  return r.status;
}

test('the legacy admin sees the Migration page and an empty staging area', async () => {
  await page.goto(BASE + '/');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
  await page.locator('.sidebar').getByRole('link', { name: 'Migration' }).click();
  await page.getByRole('heading', { name: 'Migration', level: 1 }).waitFor();
  await staging().getByText('Nothing is staged').waitFor();
});

test('start fresh lists what each member would lose', async () => {
  await page.getByRole('button', { name: 'Import: start fresh' }).click();
  await staging().getByText(/decisions would change/).waitFor();
  // Bob (connections_editor + transformations_edit) loses editing what he may edit now,
  // including the allow-listed source with the hostile name, which stays text.
  const bob = memberRow('Bob <i>Builder</i>');
  await bob.waitFor();
  const text = await bob.textContent();
  assert.match(text, /Connections editor · Transformations edit · left out of 1 edit allow-list/);
  assert.match(text, /Can no longer edit source “Web <img src=x onerror=alert\(1\)>”/);
  assert.match(text, /Can no longer edit transformation “Enrich”/);
  assert.doesNotMatch(text, /Can no longer edit source “Mobile app”/, 'he may not edit it today');
  assert.match(text, /View only/);
  // Vic (viewer) loses nothing; the SAT keeps its permissions whatever the strategy.
  assert.match(await memberRow('vic@legacy.test').textContent(), /Nothing/);
  const sat = memberRow('CI deploys');
  assert.match(await sat.textContent(), /Editor/);
  assert.match(await sat.textContent(), /Nothing/);
  // Bob's PAT keeps its scope, shown with his email and the workspace's name.
  const pat = staging().locator('tbody tr', { hasText: 'laptop' });
  assert.match(await pat.textContent(), /bob@legacy\.test.*Prod.*read_write/);
  assert.equal(await page.locator('img').count(), 0);
});

test('use existing policies changes no decision; the legacy roles become policies', async () => {
  await page.getByRole('button', { name: 'Import: use existing policies' }).click();
  await staging().getByText('Every decision stays the same after deploying.').waitFor();
  const text = await memberRow('Bob <i>Builder</i>').textContent();
  assert.match(text, /Sources: Edit \(1 resource \+ future\), Connect/);
  assert.match(text, /Transformations: Edit, Connect, Create & Delete/);
});

test('reset empties the staging area', async () => {
  await page.getByRole('button', { name: 'Reset staging' }).click();
  await staging().getByText('Nothing is staged').waitFor();
  await page.getByRole('button', { name: 'Import: use existing policies' }).click();
  await staging().getByText('Every decision stays the same after deploying.').waitFor();
});

test('deploy asks first, then the organization is on policies and legacy tokens still work', async () => {
  assert.equal(await bearer(CI_TOKEN, '/v2/workspace'), 200);
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  assert.match(await dialog().textContent(), /cannot be undone/);
  await dialog().getByRole('button', { name: 'Cancel' }).click();
  await dialog().waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await dialog().getByRole('button', { name: 'Deploy' }).click();
  await page.getByText('This organization already uses access policies.').waitFor();
  assert.equal(await page.locator('.sidebar').getByRole('link', { name: 'Migration' }).count(), 0);
  // The imported tokens keep working after the migration.
  assert.equal(await bearer(CI_TOKEN, '/v2/workspace'), 200);
  assert.equal(await bearer(PAT, '/v2/workspace'), 200);
  assert.deepEqual(problems, []);
});
