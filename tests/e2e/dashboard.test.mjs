// End to end: the dashboard in headless Chromium, each test in a fresh
// profile (its own IndexedDB). Import a vCard (dropped) and an .ics (picked)
// → duplicates with explanations → merge → undo (and a refused undo) → intro
// paths; imported markup stays text; keyboard use; offline after the first
// load; sync settings. Screenshots go to test-results/dashboard/ (git-ignored).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';
import { launch, openDashboard as openBrowserDashboard } from './browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const artifacts = join(root, 'test-results/dashboard');
mkdirSync(artifacts, { recursive: true });
const fixtures = join(root, 'tests/fixtures/dashboard');
const XSS_NAME = '<img src=x onerror=window.__xss=1>';

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.close());

const base = (s = server) => `http://127.0.0.1:${s.address().port}/`;

const openDashboard = (context, url = base()) => openBrowserDashboard(context, url);

const count = async (page, what) => Number(await page.textContent(`[data-testid=count-${what}]`));
const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
const importAvailable = (page) => page.evaluate(() => typeof window.wigDashboard.graph.importContacts === 'function' && typeof window.wigDashboard.graph.importInteractions === 'function');

/** Drops a fixture file on the drop zone, as a user dragging it from the desktop would. */
async function dropFile(page, path, type) {
  const text = readFileSync(path, 'utf8');
  const name = path.split('/').pop();
  const transfer = await page.evaluateHandle(({ text, name, type }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], name, { type }));
    return dt;
  }, { text, name, type });
  await page.dispatchEvent('[data-testid=dropzone]', 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer: transfer });
}

test('import a vCard and an .ics → duplicates with explanations → merge → undo → intro paths', async () => {
  const context = await launch();
  try {
    const { page, errors } = await openDashboard(context);
    const peopleBefore = await count(page, 'people');
    await page.click('#tab-import');
    await page.waitForSelector('[data-testid=view-import]:not([hidden])');

    assert.equal(await importAvailable(page), true, 'this build has the importers');
    await dropFile(page, join(fixtures, 'contacts.vcf'), 'text/vcard');
    await page.setInputFiles('[data-testid=file-input]', join(fixtures, 'calendar.ics'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=import-file]').length === 2);
    assert.deepEqual(await page.locator('[data-testid=import-format]').evaluateAll((s) => s.map((x) => x.value)), ['vcard', 'ics']);
    await shot(page, '01-import-queued');
    await page.click('#import-start');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=file-report]').length === 2, null, { timeout: 60_000 });
    await shot(page, '02-import-report');
    const reports = page.locator('[data-testid=file-report]');
    assert.equal(await reports.nth(0).getAttribute('data-format'), 'vcard', await reports.nth(0).textContent());
    assert.equal(await reports.nth(1).getAttribute('data-format'), 'ics', await reports.nth(1).textContent());
    assert.equal(Number(await reports.nth(0).locator('[data-testid=report-people]').textContent()) >= 5, true);
    assert.ok(Number(await reports.nth(1).locator('[data-testid=report-interactions]').textContent()) >= 20);
    // The broken card (a bad email) is reported with a line inside it; the rest imported.
    const vcf = readFileSync(join(fixtures, 'contacts.vcf'), 'utf8').split(/\r?\n/);
    const fn = vcf.indexOf('FN:Broken Card');
    const broken = [vcf.lastIndexOf('BEGIN:VCARD', fn) + 1, vcf.indexOf('END:VCARD', fn) + 1]; // 1-based, the card's lines
    const lines = (await reports.nth(0).locator('[data-testid=malformed] tbody tr td:first-child').allTextContents()).map(Number);
    assert.ok(lines.some((l) => l >= broken[0] && l <= broken[1]), `malformed lines ${lines} not in ${broken}`);
    assert.ok(await reports.nth(1).locator('[data-testid=malformed] tbody tr').count() >= 1, 'the event without a start is reported');
    const peopleImported = await count(page, 'people');
    assert.ok(peopleImported >= peopleBefore + 5, `${peopleBefore} → ${peopleImported}`);

    // Duplicates: the two Ada records, explained field by field.
    await page.click('#tab-duplicates');
    await page.click('#dup-find');
    const ada = page.locator('[data-testid=suggestion]', { hasText: 'Augusta Ada Lovelace' });
    await ada.waitFor({ timeout: 30_000 });
    const fieldRows = await ada.locator('[data-testid=suggestion-fields] tbody tr').count();
    assert.ok(fieldRows >= 2);
    assert.equal(await ada.locator('svg.waterfall rect.step').count(), fieldRows + 2, 'prior + one step per field + total');
    assert.match(await ada.locator('[data-testid=suggestion-fields]').textContent(), /email/i);
    const probability = Number((await ada.locator('svg.waterfall').getAttribute('aria-label')).match(/probability ([\d.]+)/)[1]);
    assert.ok(probability >= 0.9 && probability <= 1, String(probability));
    await shot(page, '03-duplicates');

    // Accept = merge: one person fewer, one merge in the history.
    await ada.locator('[data-testid=accept]').click();
    await page.waitForSelector('[data-testid=merge] [data-testid=undo]');
    assert.equal(await count(page, 'people'), peopleImported - 1);
    assert.match(await page.textContent('[data-testid=merge-history] li:first-child'), /Lovelace.*→.*Lovelace/);
    assert.equal(await page.locator('[data-testid=suggestion]', { hasText: 'Augusta Ada Lovelace' }).count(), 0);
    await shot(page, '04-merged');

    // Undo: both records back.
    await page.click('[data-testid=merge-history] li:first-child [data-testid=undo]');
    await page.waitForSelector('[data-testid=merge-history] li.undone');
    assert.equal(await count(page, 'people'), peopleImported);
    await shot(page, '05-undone');

    // Merge again, edit the survivor, then undo: refused with UNMERGE_CONFLICT, shown.
    await page.click('#dup-find');
    await page.locator('[data-testid=suggestion]', { hasText: 'Augusta Ada Lovelace' }).locator('[data-testid=accept]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=merge] [data-testid=undo]').length === 1);
    await page.evaluate(async () => {
      const g = window.wigDashboard.graph;
      const [m] = g.listMerges();
      const target = g.getPerson(m.targetId);
      await g.upsertPerson({ id: target.id, names: target.names, emails: target.emails, phones: target.phones, organizationId: target.organizationId, title: 'Countess of Lovelace' });
    });
    await page.click('[data-testid=merge-history] li:first-child [data-testid=undo]');
    await page.waitForSelector('[data-testid=merge-error] [data-code=UNMERGE_CONFLICT]');
    assert.equal(await count(page, 'people'), peopleImported - 1, 'nothing undone');
    await shot(page, '06-unmerge-conflict');

    // Intro paths: me = Mary (remembered), to Charles: through Ada, weakest link marked.
    await page.click('#tab-paths');
    await page.fill('#me-search', 'Mary Somerville');
    await page.click('[data-testid=me-results] [data-testid=result]');
    assert.equal(await page.textContent('[data-testid=me-name]'), 'Mary Somerville');
    await page.fill('#target-search', 'Charles Babbage');
    await page.locator('[data-testid=target-results] [data-testid=result]', { hasText: 'charles@' }).click();
    await page.waitForSelector('[data-testid=path]');
    const best = page.locator('[data-testid=path]').first();
    const chain = await best.locator('.node').allTextContents();
    // The survivor of the merge shows its first name, whichever record it was.
    assert.equal(chain.length, 3, chain.join(' → '));
    assert.equal(chain[0], 'Mary Somerville');
    assert.match(chain[1], /Ada Lovelace/);
    assert.equal(chain[2], 'Charles Babbage');
    assert.equal(await best.locator('[data-testid=weakest-hop]').count(), 1);
    assert.match(await best.textContent(), /weakest link/);
    for (const p of await page.locator('[data-testid=path]').all()) assert.equal(await p.locator('[data-testid=weakest-hop]').count(), 1);
    await shot(page, '07-intro-paths');

    // To an organization: anyone at the Royal Society (John).
    await page.fill('#target-search', 'Royal Society');
    await page.locator('[data-testid=target-results] [data-testid=result]', { hasText: '(organization)' }).click();
    await page.waitForSelector('[data-testid=path]');
    assert.match(await page.textContent('[data-testid=path-target]'), /Royal Society \(anyone there\)/);
    assert.deepEqual(await page.locator('[data-testid=path]').first().locator('.node').allTextContents(), ['Mary Somerville', 'John Herschel']);

    // "Me" survives a reload.
    await page.reload();
    await page.waitForSelector('[data-testid=status][data-state=ready]');
    assert.equal(await page.textContent('[data-testid=me-name]'), 'Mary Somerville');

    // The person page: all names after the merge, edges with factor charts.
    await page.click('#tab-people');
    await page.fill('#search', 'analytical engines lovelace');
    await page.click('[data-testid=people] a');
    await page.waitForSelector('[data-testid=person-edges] [data-testid=edge]');
    const facts = await page.textContent('[data-testid=person-facts]');
    assert.match(facts, /Ada Lovelace/);
    assert.match(facts, /Augusta Ada Lovelace/);
    assert.ok(await page.locator('[data-testid=edge] svg.factors').count() >= 1);
    const strengths = (await page.locator('[data-testid=edge-strength]').allTextContents()).map(Number);
    assert.deepEqual(strengths, [...strengths].sort((a, b) => b - a), 'strongest first');
    await shot(page, '08-person');

    // The network view around her, drawn by cytoscape.
    await page.click('#tab-network');
    await page.waitForSelector('#network-canvas[data-nodes] canvas');
    assert.ok(Number(await page.getAttribute('#network-canvas', 'data-nodes')) >= 3);
    await shot(page, '09-network');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the importers\' sample files: reports, duplicate review from the report, idempotent re-import, an intro path', async () => {
  const context = await launch();
  try {
    const { page, errors } = await openDashboard(context);
    assert.equal(await importAvailable(page), true, 'this build has the importers');
    const importBoth = async (how) => {
      await page.click('#tab-import');
      if (how === 'button') {
        await page.click('[data-testid=import-samples]');
      } else {
        await dropFile(page, join(root, 'tests/fixtures/import/sample.vcf'), 'text/vcard');
        await page.setInputFiles('[data-testid=file-input]', join(root, 'tests/fixtures/import/sample.ics'));
      }
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=import-file]').length === 2);
      await page.click('#import-start');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=file-report][data-state=done]').length === 2, null, { timeout: 60_000 });
      const read = (i, k) => page.locator('[data-testid=file-report]').nth(i).locator(`[data-testid=report-${k}]`).textContent().then(Number);
      return { people: await read(0, 'people'), records: await read(0, 'records-read'), unchanged: await read(0, 'unchanged'), malformed: await read(0, 'malformed-lines'), interactions: await read(1, 'interactions') };
    };
    const first = await importBoth('drop and pick');
    assert.deepEqual(first, { people: 10, records: 10, unchanged: 0, malformed: 0, interactions: 12 });
    await shot(page, '20-sample-import');
    // The report leads to the review queue.
    await page.evaluate(() => { document.getElementById('dup-threshold').value = '0.5'; });
    await page.click('[data-testid=review-duplicates]');
    await page.locator('[data-testid=suggestion]', { hasText: 'Chen' }).waitFor({ timeout: 30_000 });
    assert.ok(await page.locator('[data-testid=suggestion] svg.waterfall').count() >= 2);
    await shot(page, '21-sample-duplicates');
    // Reject one: it leaves the queue, is stored, and a new run does not suggest it again.
    const sofia = page.locator('[data-testid=suggestion]', { hasText: 'Sof' }).first();
    const pair = await sofia.locator('[data-testid=suggestion-names]').textContent();
    await sofia.locator('[data-testid=reject]').click();
    await page.waitForFunction((p) => ![...document.querySelectorAll('[data-testid=suggestion-names]')].some((e) => e.textContent === p), pair);
    assert.equal(await page.evaluate(() => window.wigDashboard.graph.rejectedPairs().length), 1);
    await page.click('#dup-find');
    await page.waitForFunction(() => /suggestion/.test(document.querySelector('[data-testid=dup-summary]').textContent));
    assert.equal(await page.locator('[data-testid=suggestion-names]', { hasText: pair }).count(), 0, `${pair} suggested again`);
    assert.ok(await page.locator('[data-testid=suggestion]', { hasText: 'Chen' }).count() >= 1);
    // The same files again, from the screen's sample button: nothing changes.
    const again = await importBoth('button');
    assert.deepEqual(again, { people: 0, records: 10, unchanged: 10, malformed: 0, interactions: 0 });
    // Alex reaches Dana.
    await page.click('#tab-paths');
    await page.fill('#me-search', 'Alex Rivera');
    await page.click('[data-testid=me-results] [data-testid=result]');
    await page.fill('#target-search', 'Dana Whitfield');
    await page.locator('[data-testid=target-results] [data-testid=result]', { hasText: 'Dana' }).first().click();
    await page.waitForSelector('[data-testid=path]');
    const chain = await page.locator('[data-testid=path]').first().locator('.node').allTextContents();
    assert.equal(chain[0], 'Alex Rivera');
    assert.equal(chain.at(-1), 'Dana Whitfield');
    await shot(page, '22-sample-path');
    assert.equal(await page.locator('main img').count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a large import shows progress and can be cancelled; what was written stays and is reported', async () => {
  const context = await launch();
  try {
    const { page, errors } = await openDashboard(context);
    const before = await count(page, 'people');
    await page.click('#tab-import');
    // 40,000 cards (about 6 MB), made in the page and dropped.
    await page.evaluate(() => {
      const cards = [];
      for (let i = 0; i < 40000; i++) cards.push(`BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bulk Person ${i}\r\nEMAIL:bulk${i}@bulk.example\r\nORG:Bulk Co ${i % 97}\r\nEND:VCARD\r\n`);
      const dt = new DataTransfer();
      dt.items.add(new File(cards, 'bulk.vcf', { type: 'text/vcard' }));
      const zone = document.querySelector('[data-testid=dropzone]');
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector('[data-testid=import-file]');
    await page.click('#import-start');
    await page.waitForFunction(() => document.querySelector('[data-testid=import-progress]').value > 0, null, { timeout: 60_000 });
    await page.click('#import-cancel');
    const report = page.locator('[data-testid=file-report]');
    await report.waitFor({ timeout: 60_000 });
    assert.equal(await report.getAttribute('data-state'), 'cancelled', await report.textContent());
    assert.match(await report.textContent(), /CANCELLED/);
    const written = Number(await report.locator('[data-testid=report-people]').textContent());
    assert.ok(written > 0 && written < 40000, `written before the cancel: ${written}`);
    assert.equal(await count(page, 'people'), before + written, 'the header counts what the report says was written');
    await shot(page, '23-import-cancelled');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('an imported name with markup renders as text everywhere', async () => {
  const context = await launch();
  try {
    const { page, errors } = await openDashboard(context);
    await page.click('#tab-import');
    await page.setInputFiles('[data-testid=file-input]', join(fixtures, 'contacts.vcf'));
    await page.click('#import-start');
    await page.waitForSelector('[data-testid=file-report]');
    const noMarkup = async (where) => {
      assert.equal(await page.locator('main img, main script:not([src])').count(), 0, `${where}: an element was created from data`);
      assert.equal(await page.evaluate(() => window.__xss), undefined, `${where}: script ran`);
    };
    await page.click('#tab-people');
    await page.fill('#search', 'onerror');
    assert.deepEqual(await page.locator('[data-testid=people] tr td:first-child').allTextContents(), [XSS_NAME]);
    await noMarkup('people list');
    // A note with markup, through the API (the vCard importer leaves NOTE out).
    await page.evaluate(async () => {
      const g = window.wigDashboard.graph;
      const p = g.listPeople({ limit: 10000 }).items.find((x) => x.emails.includes('mallory@example.com'));
      await g.upsertPerson({ id: p.id, names: p.names, emails: p.emails, metadata: { note: '<script>window.__xss=2</script><b onmouseover=window.__xss=3>hi</b>' } });
      window.wigDashboard.changed();
    });
    await page.click('[data-testid=people] a');
    await page.waitForSelector('[data-testid=person-name]');
    assert.equal(await page.textContent('[data-testid=person-name]'), XSS_NAME);
    assert.match(await page.textContent('[data-testid=person-facts]'), /note: <script>window\.__xss=2<\/script><b onmouseover/);
    assert.equal(await page.locator('main b').count(), 0);
    await noMarkup('person page');
    await page.click('text=Network view');
    await page.waitForSelector('[data-testid=network-center]');
    assert.equal(await page.textContent('[data-testid=network-center]'), XSS_NAME);
    await noMarkup('network view');
    await page.click('#tab-paths');
    await page.fill('#target-search', 'onerror');
    assert.match(await page.textContent('[data-testid=target-results]'), /<img src=x onerror=window\.__xss=1>/);
    await noMarkup('path search');
    await shot(page, '10-markup-as-text');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a CSV from a Japanese Windows (Shift_JIS, no label): the page says it is not UTF-8, and the encoding chosen reads its columns and names', async () => {
  const context = await launch();
  try {
    const { page, errors } = await openDashboard(context);
    await page.click('#tab-import');
    // "名前,メール\r\n山田 太郎,taro@x.example\r\n" as Outlook writes it there.
    const buffer = Buffer.from('96bc914f2c8381815b838b0d0a8e5293632091be98592c7461726f40782e6578616d706c650d0a', 'hex');
    await page.setInputFiles('[data-testid=file-input]', { name: 'outlook.csv', mimeType: 'text/csv', buffer });
    await page.waitForSelector('[data-testid=import-encoding-hint]');
    await page.selectOption('[data-testid=import-encoding]', 'shift_jis');
    await page.locator('[data-testid=import-encoding-hint]').waitFor({ state: 'detached' });
    await page.selectOption('[aria-label="Field for column 名前"]', 'name');
    await page.selectOption('[aria-label="Field for column メール"]', 'email');
    await page.click('#import-start');
    await page.waitForSelector('[data-testid=file-report][data-state=done]');
    assert.equal(await page.textContent('[data-testid=report-people]'), '1');
    await page.click('#tab-people');
    await page.fill('#search', '山田');
    assert.deepEqual(await page.locator('[data-testid=people] tr td:first-child').allTextContents(), ['山田 太郎']);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

// A view switched to by a key press is shown within 5 s (read at once, the
// switch's render could still be pending: a flaky check on a busy machine).
const shown = (page, testid) => page.locator(`[data-testid=${testid}]`).waitFor({ state: 'visible', timeout: 5000 });

test('keyboard: tabs with arrow keys, search, Enter opens a person, Escape goes back, focus visible', async () => {
  const context = await launch();
  try {
    const { page, errors } = await openDashboard(context);
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('href') || document.activeElement?.tagName);
    // Tab from the top: skip link, then the selected tab (roving tabindex).
    await page.keyboard.press('Tab');
    assert.equal(await focused(), '#main');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'tab-people');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focused(), 'tab-import');
    await shown(page, 'view-import');
    await page.keyboard.press('End');
    assert.equal(await focused(), 'tab-sync');
    await shown(page, 'view-sync');
    await page.keyboard.press('Home');
    assert.equal(await focused(), 'tab-people');
    await shown(page, 'view-people');
    // Into the panel: the search box, then the results.
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'search');
    await page.keyboard.type('lovelace');
    const first = await page.locator('[data-testid=people] a').first().textContent();
    let guard = 0;
    while (!(await page.evaluate(() => document.activeElement?.matches('[data-testid=people] a'))) && guard++ < 10) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=view-person]:not([hidden])');
    assert.equal(await focused(), 'person-name');
    assert.equal(await page.textContent('[data-testid=person-name]'), first);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=view-people]:not([hidden])');
    // The drop zone opens the file picker with Enter.
    await page.click('#tab-import');
    await page.focus('[data-testid=dropzone]');
    // Listening on the input (registered before the key press) rather than for
    // Playwright's filechooser event, which was not raised reliably here.
    await page.evaluate(() => {
      const input = document.querySelector('[data-testid=file-input]');
      input.addEventListener('click', (e) => { e.preventDefault(); window.__picker = { multiple: input.multiple }; }, { once: true });
    });
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__picker, null, { timeout: 10_000 });
    assert.deepEqual(await page.evaluate(() => window.__picker), { multiple: true }, 'Enter on the drop zone opens the (multiple) file picker');
    await shot(page, '11-keyboard');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('offline after the first load: the service worker serves the shell, the package and cytoscape', async () => {
  const own = await startServer();
  const context = await launch();
  try {
    const url = base(own);
    const { page, errors } = await openDashboard(context, url);
    // The page marks itself once the worker has cached what it loaded.
    await page.waitForSelector('html[data-offline-ready=true]', { timeout: 30_000 });
    const cached = await page.evaluate(async () => (await (await caches.open('wig-dashboard-v2')).keys()).map((k) => new URL(k.url).pathname));
    for (const path of ['/', '/pkg/dist/wig_graph_bg.wasm', '/vendor/cytoscape/cytoscape.esm.min.mjs']) assert.ok(cached.includes(path), `${path} cached`);
    const people = await count(page, 'people');
    own.closeAllConnections();
    await new Promise((r) => own.close(r));
    await page.reload();
    await page.waitForSelector('[data-testid=status][data-state=ready]', { timeout: 60_000 });
    assert.match(await page.textContent('[data-testid=status]'), /opened from IndexedDB/);
    assert.equal(await count(page, 'people'), people);
    await page.click('#tab-network');
    await page.waitForSelector('#network-canvas[data-nodes] canvas', { timeout: 30_000 });
    await shot(page, '12-offline-network');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    own.close();
  }
});

test('two tabs on one graph: writes at once are all stored once, and each tab shows the other\'s', async () => {
  const context = await launch();
  try {
    const { page: a, errors: errorsA } = await openDashboard(context);
    const { page: b, errors: errorsB } = await openDashboard(context);
    const start = await count(a, 'people');
    // 30 writes from each tab, fired together (Web Locks serialise them).
    const burst = (page, tag) => page.evaluate(async (tag) => {
      const r = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => window.wigDashboard.graph.upsertPerson({ names: [`${tag} ${i}`] })));
      return r.filter((x) => x.status === 'rejected').map((x) => x.reason?.code ?? String(x.reason));
    }, tag);
    const [refusedA, refusedB] = await Promise.all([burst(a, 'Tab A'), burst(b, 'Tab B')]);
    assert.deepEqual([refusedA, refusedB], [[], []]);
    for (const page of [a, b]) await page.waitForFunction((n) => window.wigDashboard.graph.stats().people === n, start + 60);
    // A tab hears of the other's write ('change'), reads the graph again and
    // re-renders its counts.
    await a.evaluate(() => window.wigDashboard.graph.upsertPerson({ names: ['One more'] }));
    await b.waitForFunction((n) => document.querySelector('[data-testid=count-people]').textContent === String(n), start + 61);
    const { page: fresh } = await openDashboard(context);
    assert.equal(await count(fresh, 'people'), start + 61);
    assert.deepEqual([...errorsA, ...errorsB], []);
  } finally {
    await context.close();
  }
});

test('hostile links and names, refused settings, a graph deleted in another tab: the page stays usable and says what happened', async () => {
  const own = await startServer({ config: { sync: { url: 'http://127.0.0.1:9/preset', token: 'SECRET-DEMO-TOKEN' } } });
  const context = await launch();
  try {
    // A cut link (`%` with nothing after it) opens the people list.
    const { page: a, errors } = await openDashboard(context, `${base(own)}#/person/%`);
    assert.equal(await a.isVisible('#view-people'), true);
    await a.evaluate(() => { location.hash = '#/%E0%A4%A'; });
    await a.waitForFunction(() => !document.getElementById('view-people').hidden);
    // A right-to-left override in a name does not turn the sentences around it.
    const [mallory, bob] = await a.evaluate(async () => {
      const g = window.wigDashboard.graph;
      const [m, b] = await g.upsertPeople([{ names: ['Mallory \u202Eyrollam'] }, { names: ['Bob Benign'] }]);
      await g.upsertEdge({ fromPersonId: m.id, toPersonId: b.id, strength: 0.9 });
      window.wigDashboard.changed();
      return [m.id, b.id];
    });
    assert.equal(await a.evaluate((id) => window.wigDashboard.index.label(id), mallory), 'Mallory [U+202E]yrollam');
    await a.evaluate(([m, b]) => { window.wigDashboard.setMe(m); window.wigDashboard.navigate(`paths/${b}`); }, [mallory, bob]);
    await a.waitForFunction(() => /path/.test(document.getElementById('path-target').textContent));
    assert.doesNotMatch(await a.textContent('#path-target'), /\u202e/);
    // Nor the person page's heading and facts, nor the organization column.
    await a.evaluate((id) => window.wigDashboard.navigate(`person/${id}`), mallory);
    await a.waitForSelector('[data-testid=person-name]');
    assert.equal(await a.textContent('[data-testid=person-name]'), 'Mallory [U+202E]yrollam');
    assert.doesNotMatch(await a.textContent('#view-person'), /\u202e/);
    // An empty threshold is the default one, not 0 (every candidate pair).
    await a.click('#tab-duplicates');
    const byDefault = await a.evaluate(() => window.wigDashboard.graph.findDuplicates().suggestions.length);
    await a.fill('#dup-threshold', '');
    await a.click('#dup-find');
    await a.waitForFunction(() => /suggestion/.test(document.querySelector('[data-testid=dup-summary]').textContent));
    assert.match(await a.textContent('[data-testid=dup-summary]'), new RegExp(`^${byDefault} suggestion`));
    // A refused threshold clears the cards of the run before.
    await a.fill('#dup-threshold', '2');
    await a.click('#dup-find');
    await a.waitForSelector('#dup-error [data-code=INVALID_INPUT]');
    assert.equal(await a.locator('[data-testid=suggestion]').count(), 0);
    // A refused sync URL is not saved.
    await a.click('#tab-sync');
    await a.fill('#sync-url', 'ftp://127.0.0.1/');
    await a.click('#sync-save');
    await a.waitForSelector('[data-testid=sync-error]');
    assert.equal(await a.evaluate(() => localStorage.getItem('wig-sync-settings')), null);
    // The demo's config (its token) is never kept by the service worker.
    await a.waitForSelector('html[data-offline-ready=true]', { timeout: 30_000 });
    await a.evaluate(() => fetch('/config.json'));
    const cached = await a.evaluate(async () => (await (await caches.open('wig-dashboard-v2')).keys()).map((k) => new URL(k.url).pathname));
    assert.ok(!cached.includes('/config.json'), cached.join());
    // Deleting the graph in another tab: this one says so and offers a reload.
    const { page: b } = await openDashboard(context, base(own));
    a.once('dialog', (d) => d.accept());
    await a.click('#tab-people');
    await a.click('#reset');
    await b.waitForSelector('[data-testid=reload]', { timeout: 60_000 });
    assert.match(await b.textContent('[data-testid=status]'), /deleted in another tab/);
    await Promise.all([b.waitForNavigation(), b.click('[data-testid=reload]')]);
    await b.waitForSelector('[data-testid=status][data-state=ready]', { timeout: 60_000 });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    own.close();
  }
});

test('a person is edited on their page: a refused value is named and nothing saved, then the edit is saved', async () => {
  const context = await launch();
  try {
    const { page, errors } = await openDashboard(context);
    const id = await page.evaluate(async () => {
      const p = await window.wigDashboard.graph.upsertPerson({ names: ['Edith Editable'], emails: ['edith@example.org'], metadata: { met: 'RustConf' } });
      window.wigDashboard.changed();
      return p.id;
    });
    await page.evaluate((id) => window.wigDashboard.navigate(`person/${id}`), id);
    await page.click('[data-testid=person-edit]');
    await page.fill('[data-testid=edit-emails]', 'edith@example.org\nnot-an-email@');
    await page.fill('[data-testid=edit-title]', 'CTO');
    await page.fill('[data-testid=edit-note]', 'Prefers mornings.');
    // A write elsewhere (here: a refresh as after a sync) keeps what was typed.
    await page.evaluate(() => window.wigDashboard.changed());
    assert.equal(await page.inputValue('[data-testid=edit-title]'), 'CTO');
    await page.click('[data-testid=edit-save]');
    await page.waitForSelector('#view-person [data-code=INVALID_EMAIL]');
    assert.match(await page.textContent('#view-person [data-code=INVALID_EMAIL]'), /emails\[1\]/);
    assert.equal(await page.evaluate((id) => window.wigDashboard.graph.getPerson(id).title, id), null, 'nothing saved');
    await page.fill('[data-testid=edit-emails]', 'edith@example.org\nedith@work.example');
    await page.click('[data-testid=edit-save]');
    await page.waitForSelector('[data-testid=person-facts]');
    const saved = await page.evaluate((id) => window.wigDashboard.graph.getPerson(id), id);
    assert.deepEqual([saved.emails, saved.title, saved.metadata], [['edith@example.org', 'edith@work.example'], 'CTO', { met: 'RustConf', note: 'Prefers mornings.' }]);
    assert.match(await page.textContent('[data-testid=person-facts]'), /Prefers mornings/);
    // A cleared note stays cleared (an empty note, which an import does not fill again).
    await page.click('[data-testid=person-edit]');
    await page.fill('[data-testid=edit-note]', '');
    await page.click('[data-testid=edit-save]');
    await page.waitForSelector('[data-testid=person-facts]');
    assert.equal(await page.evaluate((id) => window.wigDashboard.graph.getPerson(id).metadata.note, id), '');
    assert.doesNotMatch(await page.textContent('[data-testid=person-facts]'), /note:/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('duplicate organizations are reviewed and merged like people', async () => {
  const context = await launch();
  try {
    const { page, errors } = await openDashboard(context);
    const [keep, drop] = await page.evaluate(async () => {
      const g = window.wigDashboard.graph;
      const a = await g.upsertOrganization({ name: 'Initech LLC', domain: 'initech.example' });
      const b = await g.upsertOrganization({ name: 'Initech', domain: 'initech.example' });
      window.wigDashboard.changed();
      return [a.id, b.id];
    });
    await page.click('#tab-duplicates');
    await page.selectOption('#dup-kind', 'organizations');
    await page.click('#dup-find');
    const card = page.locator('[data-testid=suggestion]', { hasText: 'Initech' }).first();
    await card.waitFor();
    assert.match(await card.textContent(), /Initech LLC ↔ Initech|Initech ↔ Initech LLC/);
    await card.locator('[data-testid=accept]').click();
    await page.waitForFunction(() => /Merged/.test(document.querySelector('[data-testid=status]').textContent));
    const merged = await page.evaluate(([a, b]) => [a, b].map((id) => window.wigDashboard.graph.getOrganization(id).mergedInto ?? null), [keep, drop]);
    assert.ok(merged.filter((m) => m !== null).length === 1, JSON.stringify(merged));
    assert.match(await page.textContent('[data-testid=merge-history]'), /Initech.*→ Initech|organization/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('sync settings: preset by the demo’s /config.json, saved, and the state of this build shown', async () => {
  const own = await startServer({ config: { sync: { url: 'http://127.0.0.1:9/preset', token: 'preset-token' } } });
  const context = await launch();
  try {
    const { page, errors } = await openDashboard(context, base(own));
    await page.click('#tab-sync');
    assert.equal(await page.inputValue('#sync-url'), 'http://127.0.0.1:9/preset');
    assert.equal(await page.inputValue('#sync-token'), 'preset-token');
    const hasSync = await page.evaluate(() => typeof window.wigDashboard.wig.createSync === 'function');
    await page.fill('#sync-url', 'http://127.0.0.1:9/');
    await page.fill('#sync-token', 'not-a-real-token');
    await page.click('#sync-save');
    assert.deepEqual(await page.evaluate(() => JSON.parse(localStorage.getItem('wig-sync-settings'))), { url: 'http://127.0.0.1:9/', token: 'not-a-real-token', interval: 0 });
    assert.equal(hasSync, true, 'this build has createSync');
    // Nothing listens on port 9: the failure is reported, not swallowed.
    await page.click('#sync-now');
    await page.waitForSelector('[data-testid=sync-error]', { timeout: 60_000 });
    assert.equal(await page.getAttribute('[data-testid=sync-status]', 'data-state'), 'error', await page.textContent('[data-testid=sync-status]'));
    await page.reload();
    await page.waitForSelector('[data-testid=status][data-state=ready]');
    await page.click('#tab-sync');
    assert.equal(await page.inputValue('#sync-url'), 'http://127.0.0.1:9/');
    await shot(page, '13-sync');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    own.close();
  }
});
