// The dashboard's import screen reads a CSV's header to offer a column
// mapping: it must split it as the importer will (src/import/csv_contacts.rs
// sniffs ',', ';' or tab), or a ';' file maps one column and fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { csvHeader, guessField, headText } from '../../www/views/import.js';

test('csvHeader splits on the delimiter the importer sniffs', async () => {
  const mapped = await readFile(new URL('../fixtures/import/mapped.csv', import.meta.url), 'utf8');
  assert.ok(csvHeader(mapped).length > 1, csvHeader(mapped).join('|'));
  assert.deepEqual(csvHeader('Contact ID;Full name;Mail\n1;a;b'), ['Contact ID', 'Full name', 'Mail']);
  assert.deepEqual(csvHeader('a,"b;c",d'), ['a', 'b;c', 'd']);
  assert.deepEqual(csvHeader('x\ty\tz'), ['x', 'y', 'z']);
  assert.deepEqual(csvHeader('"a;b",c'), ['a;b', 'c'], 'quoted delimiters do not count');
});

test('guessField maps the usual header names, a bare "Mail" included', () => {
  assert.deepEqual(['Mail', 'E-mail', 'Email Address', 'Full name', 'Mobile', 'Company'].map(guessField), ['email', 'email', 'email', 'name', 'phone', 'organization']);
  assert.equal(guessField('Mailing list'), '');
});

test('headText reads a UTF-16 file\'s first bytes as text, with or without a byte order mark', () => {
  const header = 'Prénom,Nom,E-mail\r\n';
  const le = Buffer.from(header, 'utf16le');
  const be = Buffer.from(header, 'utf16le').swap16();
  for (const bytes of [Buffer.concat([Buffer.from([0xff, 0xfe]), le]), le, be, Buffer.from(header, 'utf8')]) {
    assert.deepEqual(csvHeader(headText(new Uint8Array(bytes))), ['Prénom', 'Nom', 'E-mail']);
  }
});

test("Excel's `sep=;` first line: the dashboard's header and the package's import agree", async () => {
  const text = 'sep=;\r\nFull name;Mail;Company\r\n"Doe, Jane";jane@x.example;Acme\r\n';
  const header = csvHeader(text);
  assert.deepEqual(header, ['Full name', 'Mail', 'Company']);
  const mapping = Object.fromEntries(header.map((h) => [h, guessField(h)]));
  const { Graph } = await import('@wig/graph');
  const g = await Graph.open('sep-line', { storage: 'memory' });
  try {
    const report = await g.importContacts(text, { format: 'csv', mapping });
    assert.deepEqual([report.errors, report.people], [[], 1]);
    const [jane] = g.listPeople({ limit: 10 }).items;
    assert.deepEqual([jane.names[0], jane.emails[0]], ['Doe, Jane', 'jane@x.example']);
  } finally {
    g.close();
  }
});
