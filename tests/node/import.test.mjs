// Node tests of importContacts / importInteractions through the built
// package: every source kind (string, Uint8Array, Blob, ReadableStream),
// progress, idempotent re-import after reopening from (fake) IndexedDB,
// malformed lines, typed errors and cancellation.
import 'fake-indexeddb/auto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Graph, isWigError } from '@wig/graph';

const fixture = (name) => readFileSync(new URL(`../fixtures/import/${name}`, import.meta.url));
const all = { limit: 10000, includeDeleted: true };
const names = (g) => g.listPeople(all).items.map((p) => p.names[0]).sort();

async function rejects(promise, code, field) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${code}`);
  assert.ok(isWigError(error), `a WigError: ${error}`);
  assert.equal(error.code, code, error.message);
  if (field !== undefined) assert.equal(error.field, field, error.message);
  return error;
}

test('vCard then ics: people, duplicates, meetings, strengths, an intro path', async () => {
  const g = await Graph.open(`import-${randomUUID()}`, { storage: 'memory' });
  const progress = [];
  const people = await g.importContacts(fixture('sample.vcf').toString('utf8'), {
    format: 'vcard',
    onProgress: (p) => progress.push(p),
  });
  assert.equal(people.format, 'vcard');
  assert.equal(people.people, 10);
  assert.deepEqual(people.errors, []);
  assert.ok(people.duplicateSuggestions >= 2, JSON.stringify(people));
  assert.ok(progress.length >= 1 && progress.at(-1).records === 10);
  assert.ok(names(g).includes('Mallory <img src=x onerror=alert(1)>'), 'a hostile name is kept as text');

  const { suggestions } = g.findDuplicates({ threshold: 0.5 });
  const pairs = suggestions.map((s) => [g.getPerson(s.a).names[0], g.getPerson(s.b).names[0]].sort().join(' / '));
  assert.ok(pairs.includes('Bob Chen / Robert Chen'), pairs.join(', '));
  assert.ok(pairs.includes('Sofia Garcia / Sofía García'), pairs.join(', '));

  const meetings = await g.importInteractions(new Blob([fixture('sample.ics')]), { format: 'ics' });
  assert.equal(meetings.interactions, 12);
  assert.ok(meetings.strengthsUpdated >= 8, JSON.stringify(meetings));
  const byName = (n) => g.listPeople(all).items.find((p) => p.names.includes(n));
  const paths = g.introPaths(byName('Alex Rivera').id, byName('Dana Whitfield').id, { k: 3 });
  assert.ok(paths.length >= 1, 'Alex reaches Dana');
  await g.close();
});

test('re-importing after reopening from IndexedDB changes nothing', async () => {
  const name = `import-idb-${randomUUID()}`;
  let g = await Graph.open(name);
  const bytes = new Uint8Array(fixture('contacts.vcf'));
  const first = await g.importContacts(bytes, { format: 'vcard', sourceName: 'phone' });
  assert.equal(first.people, 6);
  await g.close();
  g = await Graph.open(name);
  const stats = g.stats();
  const again = await g.importContacts(bytes, { format: 'vcard', sourceName: 'phone' });
  assert.equal(again.people, 0);
  assert.equal(again.unchanged, first.records);
  assert.deepEqual(g.stats(), stats, 'no new records, audit or outbox entries');
  await g.close();
  await Graph.delete(name);
});

test('every source kind, CSV formats, mbox direction', async () => {
  const g = await Graph.open(`import-${randomUUID()}`, { storage: 'memory' });
  const stream = new Blob([fixture('google.csv')]).stream();
  const google = await g.importContacts(stream, { format: 'google-csv' });
  assert.equal(google.people, 3);
  const linkedin = await g.importContacts(Uint8Array.from(fixture('linkedin.csv')).buffer, { format: 'linkedin-csv' });
  assert.equal(linkedin.records, 3);
  const mapped = await g.importContacts(fixture('mapped.csv').toString('utf8'), {
    format: 'csv',
    mapping: { 'Contact ID': 'id', 'Full name': 'name', Mail: 'email', Company: 'organization', Mobile: 'phone' },
  });
  assert.equal(mapped.people, 2);
  const mail = await g.importInteractions(fixture('mail.mbox'), { format: 'mbox', ownerEmails: ['margaret@apollo.example'] });
  assert.equal(mail.interactions, 2);
  assert.equal(mail.skipped, 1);
  const sent = g.listInteractions(all).items.find((i) => i.sourceId === 'CAF=abc123@mail.apollo.example');
  assert.equal(sent.metadata.ownerDirection, 'outgoing');
  assert.ok(!JSON.stringify(g.listInteractions(all).items).includes('private'), 'no message body stored');
  await g.close();
});

test('legacy multi-byte charsets decode by the runtime\'s TextDecoder (Shift_JIS, Big5, EUC-KR)', async () => {
  const g = await Graph.open(`import-${randomUUID()}`, { storage: 'memory' });
  const ascii = (s) => [...Buffer.from(s, 'latin1')];
  // 山田 太郎 (quoted-printable Shift_JIS), ソニー raw (ソ ends in 0x5C, a backslash),
  // 陳大文 in Big5, 김민준 in EUC-KR under Outlook's label.
  const bytes = Uint8Array.from([
    ...ascii('BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:=8ER=93c =91=BE=98Y\r\nORG;CHARSET=SHIFT_JIS:'),
    0x83, 0x5c, 0x83, 0x6a, 0x81, 0x5b,
    ...ascii('\r\nEMAIL:taro@example.jp\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=BIG5:'),
    0xb3, 0xaf, 0xa4, 0x6a, 0xa4, 0xe5,
    ...ascii('\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ks_c_5601-1987:'),
    0xb1, 0xe8, 0xb9, 0xce, 0xc1, 0xd8,
    ...ascii('\r\nEND:VCARD\r\n'),
  ]);
  const report = await g.importContacts(bytes, { format: 'vcard' });
  assert.deepEqual(report.errors, []);
  assert.equal(report.people, 3);
  assert.deepEqual(names(g), ['김민준', '山田 太郎', '陳大文'].sort());
  const taro = g.listPeople(all).items.find((p) => p.names[0] === '山田 太郎');
  const org = g.listOrganizations({ limit: 100 }).items.find((o) => o.id === taro.organizationId);
  assert.equal(org?.name, 'ソニー');
  // Given as a string, the file is text already: a value's CHARSET no longer says what its
  // characters are (quoted-printable bytes still are in it).
  const text = await g.importContacts(
    'BEGIN:VCARD\r\nFN;CHARSET=SHIFT_JIS:佐藤 花子\r\nTITLE;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Direktorin f=FCr Technik\r\nEND:VCARD\r\n',
    { format: 'vcard' },
  );
  assert.equal(text.people, 1);
  const hanako = g.listPeople(all).items.find((p) => p.names[0] === '佐藤 花子');
  assert.equal(hanako?.title, 'Direktorin für Technik', JSON.stringify(names(g)));
  await g.close();
});

test('a UTF-16 file (Windows "Unicode") imports as text, with or without its byte order mark', async () => {
  const g = await Graph.open(`import-${randomUUID()}`, { storage: 'memory' });
  const csv = 'Name,E-mail 1 - Value\r\nZoë Ng 😀,zoe@example.org\r\n山田 太郎,taro@example.jp\r\n';
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]);
  const be = Buffer.from(csv, 'utf16le').swap16(); // big-endian, no mark
  for (const [bytes, chunked] of [[le, false], [be, true]]) {
    const source = chunked ? new Blob([bytes.subarray(0, 7), bytes.subarray(7)]) : new Uint8Array(bytes);
    const report = await g.importContacts(source, { format: 'google-csv' });
    assert.deepEqual(report.errors, []);
    assert.equal(report.records, 2);
  }
  assert.deepEqual(names(g), ['Zoë Ng 😀', '山田 太郎'].sort());
  await g.close();
});

test('`encoding` reads an unlabeled legacy file (Outlook on a Japanese Windows: Shift_JIS), cut anywhere', async () => {
  const g = await Graph.open(`import-${randomUUID()}`, { storage: 'memory' });
  // "名前,メール\r\n山田 太郎,taro@x.example\r\n" in Shift_JIS.
  const bytes = Buffer.from('96bc914f2c8381815b838b0d0a8e5293632091be98592c7461726f40782e6578616d706c650d0a', 'hex');
  const mapping = { 名前: 'name', メール: 'email' };
  const source = new Blob([bytes.subarray(0, 1), bytes.subarray(1, 14), bytes.subarray(14, 16), bytes.subarray(16)]);
  const report = await g.importContacts(source, { format: 'csv', mapping, encoding: 'Shift_JIS' });
  assert.deepEqual([report.errors, report.people], [[], 1]);
  assert.deepEqual(names(g), ['山田 太郎']);
  // Without it the bytes read as Windows-1252: no column is named 名前.
  await rejects(g.importContacts(new Uint8Array(bytes), { format: 'csv', mapping }), 'INVALID_INPUT', 'mapping');
  await rejects(g.importContacts(new Uint8Array(bytes), { format: 'csv', mapping, encoding: 'klingon' }), 'INVALID_ENUM', 'encoding');
  await rejects(g.importContacts('名前\n', { format: 'csv', mapping, encoding: 'klingon' }), 'INVALID_ENUM', 'encoding');
  await g.close();
});

test('malformed lines are reported and the rest imported; bad options are typed errors', async () => {
  const g = await Graph.open(`import-${randomUUID()}`, { storage: 'memory' });
  const r = await g.importInteractions(fixture('malformed.ics'), { format: 'ics' });
  assert.deepEqual(r.errors.map((e) => [e.line, e.code]), [[10, 'REQUIRED'], [15, 'INVALID_TIMESTAMP'], [21, 'INVALID_INPUT'], [29, 'DUPLICATE_INTERACTION'], [35, 'INVALID_INPUT']]);
  assert.equal(r.interactions, 2);
  await rejects(g.importContacts('x', { format: 'ics' }), 'INVALID_ENUM', 'format');
  await rejects(g.importContacts('x', {}), 'REQUIRED', 'format');
  await rejects(g.importContacts('a,b\n1,2\n', { format: 'linkedin-csv' }), 'INVALID_INPUT', 'format');
  await rejects(g.importContacts('x', { format: 'csv', mapping: { A: 'shoe size' } }), 'INVALID_ENUM', 'mapping.A');
  await rejects(g.importContacts('x', { format: 'vcard', typo: 1 }), 'INVALID_INPUT');
  await rejects(g.importContacts(42, { format: 'vcard' }), 'INVALID_INPUT', 'source');
  // Wrong callbacks are refused before anything is written (onProgress
  // used to throw a TypeError after the first batches).
  const vcf = fixture('contacts.vcf');
  await rejects(g.importContacts(vcf, { format: 'vcard', onProgress: 'log' }), 'INVALID_INPUT', 'onProgress');
  await rejects(g.importContacts(vcf, { format: 'vcard', signal: {} }), 'INVALID_INPUT', 'signal');
  assert.throws(() => g.findDuplicates({ onProgress: 1 }), (e) => isWigError(e) && e.field === 'onProgress');
  assert.equal(g.listPeople(all).items.length, 0, 'nothing written');
  // A failed import leaves the graph usable.
  assert.equal((await g.upsertPerson({ names: ['After'] })).names[0], 'After');
  await g.close();
});

test('an aborted import stops with CANCELLED; batches written before stay, and a re-run completes it', async () => {
  const g = await Graph.open(`import-${randomUUID()}`, { storage: 'memory' });
  let text = '';
  for (let i = 0; i < 3000; i++) text += `BEGIN:VCARD\nFN:Person ${i}\nEMAIL:p${i}@example.org\nUID:${i}\nEND:VCARD\n`;
  const bytes = new TextEncoder().encode(text);
  const controller = new AbortController();
  // Small chunks through a stream, so progress is reported several times.
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += 16384) c.enqueue(bytes.subarray(i, i + 16384));
      c.close();
    },
  });
  const error = await rejects(
    g.importContacts(stream, {
      format: 'vcard',
      batchSize: 500,
      onProgress: (p) => { if (p.records >= 1000) controller.abort(); },
      signal: controller.signal,
    }),
    'CANCELLED',
  );
  assert.ok(error.report.people >= 500 && error.report.people < 3000, JSON.stringify(error.report));
  assert.equal(g.stats().people, error.report.people);
  const rest = await g.importContacts(bytes, { format: 'vcard' });
  assert.equal(rest.people + rest.unchanged, 3000);
  assert.equal(g.stats().people, 3000);
  await g.close();
});

test('a source stream that fails mid-import: INVALID_INPUT on source, with the report of the batches written', async () => {
  const g = await Graph.open(`stream-fail-${randomUUID()}`, { storage: 'memory' });
  const cards = Array.from({ length: 10 }, (_, i) => `BEGIN:VCARD\nFN:P${i}\nEMAIL:p${i}@x.com\nEND:VCARD\n`).join('');
  let pulls = 0;
  const source = new ReadableStream({
    pull(c) {
      if (pulls++ === 0) c.enqueue(new TextEncoder().encode(cards));
      else c.error(new Error('disk gone'));
    },
  });
  let error;
  try {
    await g.importContacts(source, { format: 'vcard', batchSize: 3 });
  } catch (e) {
    error = e;
  }
  assert.ok(isWigError(error), String(error));
  assert.equal(error.code, 'INVALID_INPUT');
  assert.equal(error.field, 'source');
  assert.match(error.reason, /disk gone/);
  assert.equal(error.report.people, g.stats().people, 'the report counts what was written');
  await g.close();
});

test('an onProgress that throws stops the import: the caller gets its own error back, with the report of the batches written', async () => {
  const g = await Graph.open(`progress-throws-${randomUUID()}`, { storage: 'memory' });
  const cards = Array.from({ length: 5000 }, (_, i) => `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Imp ${i}\r\nEMAIL:imp${i}@x.com\r\nEND:VCARD\r\n`).join('');
  const stop = new Error('stop');
  let calls = 0;
  let error;
  try {
    await g.importContacts(cards, { format: 'vcard', batchSize: 1000, onProgress: () => { if (++calls === 2) throw stop; } });
  } catch (e) {
    error = e;
  }
  assert.equal(error, stop, 'the caller’s own error');
  assert.ok(error.report.people > 0, JSON.stringify(error.report));
  assert.equal(error.report.people, g.stats().people, 'the report counts what was written');
  await g.close();
});
