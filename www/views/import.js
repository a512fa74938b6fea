// Import: drop files (or pick them), the format detected from the extension
// and the first lines with a select to override, then graph.importContacts /
// graph.importInteractions with a progress bar and a cancel button, and the
// report: counts and malformed lines with their line numbers.
import { $, h, showError } from '../dom.js';

export const FORMATS = {
  vcard: { kind: 'contacts', label: 'vCard (.vcf)' },
  'google-csv': { kind: 'contacts', label: 'Google Contacts CSV' },
  'linkedin-csv': { kind: 'contacts', label: 'LinkedIn Connections.csv' },
  csv: { kind: 'contacts', label: 'CSV (columns by header)' },
  ics: { kind: 'interactions', label: 'Calendar (.ics)' },
  mbox: { kind: 'interactions', label: 'Mail headers (.mbox)' },
};

/** Guesses the format from the file name and its first bytes (text). */
/** Fields a generic CSV column can be mapped to (as the importer names them). */
export const CSV_FIELDS = ['name', 'givenName', 'middleName', 'familyName', 'nickname', 'email', 'phone', 'organization', 'title', 'linkedin', 'twitter', 'github', 'url', 'address', 'birthDate', 'note', 'id'];
const GUESS = [
  [/^(full )?name$|display name/, 'name'], [/first|given/, 'givenName'], [/middle/, 'middleName'], [/last|family|surname/, 'familyName'],
  [/nick/, 'nickname'], [/e-?mail|^mail( address)?$/, 'email'], [/phone|mobile|tel/, 'phone'], [/company|organi[sz]ation|employer/, 'organization'],
  [/title|position|role/, 'title'], [/linkedin/, 'linkedin'], [/twitter/, 'twitter'], [/github/, 'github'], [/url|website|homepage/, 'url'],
  [/address|city/, 'address'], [/birth/, 'birthDate'], [/notes?$|remarks?|comments?/, 'note'],
];

/** The header cells of a CSV (first line; quotes honoured, no multi-line headers). */
// The delimiter as the importer sniffs it (src/import/csv_contacts.rs): the
// most frequent of ',', ';' and tab outside quotes, ',' on a tie.
function sniffDelimiter(line) {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && c in counts) counts[c]++;
  }
  return [',', ';', '\t'].reduce((best, d) => (counts[d] > counts[best] ? d : best), ',');
}

// Excel's first line `sep=;` names the delimiter and is not the header
// (as the importer reads it: excel_separator_line in csv_contacts.rs).
const EXCEL_SEPARATOR = /^\uFEFF?("?)sep=(\t|[!#-\/:-@\[-`{-~])\1([,]|\2)*$/i;

export function csvHeader(head) {
  const lines = head.split(/\r?\n/);
  const sep = EXCEL_SEPARATOR.exec(lines[0] ?? '');
  const line = (sep ? lines[1] : lines[0]) ?? '';
  const delimiter = sep ? sep[2] : sniffDelimiter(line);
  const cells = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) { cells.push(cell); cell = ''; } else cell += c;
  }
  cells.push(cell);
  return cells.map((x) => x.trim()).filter(Boolean);
}

/**
 * A file's first bytes as text, for guessing its format and CSV header: in
 * UTF-16 when its byte order mark or its NUL bytes say so (as the package
 * itself tells, src/import/utf16.rs), else UTF-8.
 */
export function headText(bytes, encoding = '') {
  // A charset the user chose for the file (the import's `encoding`); a
  // UTF-8 byte order mark wins, as the package reads it.
  if (encoding && !(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) return new TextDecoder(encoding).decode(bytes);
  const label = (() => {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
    let even = 0;
    let odd = 0;
    const units = Math.floor(Math.min(bytes.length, 256) / 2);
    for (let i = 0; i < 2 * units; i += 2) {
      if (bytes[i] === 0) even++;
      if (bytes[i + 1] === 0) odd++;
    }
    const many = (n) => n >= 2 && n * 8 >= units; // a stray NUL or two is no pattern
    if (many(odd) && odd >= 4 * even) return 'utf-16le';
    if (many(even) && even >= 4 * odd) return 'utf-16be';
    return 'utf-8';
  })();
  return new TextDecoder(label).decode(bytes);
}

/**
 * Charsets a file may be in without saying so (the import's `encoding`):
 * what Outlook and Excel write on Windows in these languages.
 */
export const ENCODINGS = [
  ['', 'Automatic (UTF-8, UTF-16, or as labelled)'],
  ['windows-1252', 'Western (Windows-1252)'],
  ['windows-1250', 'Central European (Windows-1250)'],
  ['windows-1251', 'Cyrillic (Windows-1251)'],
  ['windows-1253', 'Greek (Windows-1253)'],
  ['windows-1254', 'Turkish (Windows-1254)'],
  ['shift_jis', 'Japanese (Shift_JIS)'],
  ['gbk', 'Chinese, simplified (GBK)'],
  ['big5', 'Chinese, traditional (Big5)'],
  ['euc-kr', 'Korean (EUC-KR)'],
];

/** Whether a file's first bytes are text in UTF-8 (or UTF-16, told by its marks or NULs). */
export function looksUnicode(bytes, head = headText(bytes)) {
  if (head !== new TextDecoder('utf-8').decode(bytes)) return true; // UTF-16
  // The last character may be cut off at the end of the slice read.
  const whole = bytes.length < 4096 ? bytes : bytes.subarray(0, bytes.length - 3);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(whole);
    return true;
  } catch {
    return false;
  }
}

export function guessField(header) {
  const h = header.toLowerCase();
  return GUESS.find(([re]) => re.test(h))?.[1] ?? '';
}

export function detectFormat(name, head) {
  const ext = name.toLowerCase().split('.').pop();
  if (ext === 'vcf' || ext === 'vcard' || /^\s*BEGIN:VCARD/i.test(head)) return 'vcard';
  if (ext === 'ics' || /^\s*BEGIN:VCALENDAR/i.test(head)) return 'ics';
  if (ext === 'mbox' || /^From \S/.test(head)) return 'mbox';
  // CSV: look at the header line (LinkedIn exports may start with a few "Notes" lines).
  const lines = head.split(/\r?\n/).slice(0, 6).map((l) => l.toLowerCase());
  if (lines.some((l) => l.includes('e-mail 1 - value') || (l.includes('given name') && l.includes('family name')))) return 'google-csv';
  if (lines.some((l) => l.includes('first name') && l.includes('last name') && (l.includes('connected on') || l.includes('position')))) return 'linkedin-csv';
  return 'csv';
}

/** The import calls this build of @wig/graph offers (an import branch may be absent). */
export function importSupport(graph) {
  return { contacts: typeof graph?.importContacts === 'function', interactions: typeof graph?.importInteractions === 'function' };
}

export function mountImport(ctx) {
  let queue = []; // { file, format, select }
  let controller = null;

  function supported(format) {
    return importSupport(ctx.graph)[FORMATS[format].kind];
  }

  function showAvailability() {
    const s = importSupport(ctx.graph);
    const missing = Object.entries(s).filter(([, ok]) => !ok).map(([k]) => k);
    $('import-unavailable').hidden = missing.length === 0;
    $('import-unavailable').replaceChildren(h('p', { class: 'warning', 'data-testid': 'import-unavailable' },
      `Importing ${missing.join(' and ')} is not available in this build of @wig/graph.`));
  }

  async function add(files) {
    for (const file of files) {
      const bytes = new Uint8Array(await file.slice(0, 4096).arrayBuffer());
      const head = headText(bytes);
      const format = detectFormat(file.name, head);
      const select = h('select', { 'aria-label': `Format of ${file.name}`, 'data-testid': 'import-format' },
        Object.entries(FORMATS).map(([value, f]) => h('option', { value, selected: value === format }, f.label)));
      const item = { file, format, select, encoding: '', unicode: looksUnicode(bytes, head), header: [], mapping: null };
      const readHeader = () => {
        item.header = csvHeader(headText(bytes, item.encoding));
        item.mapping = Object.fromEntries(item.header.map((col) => [col, guessField(col)]));
      };
      readHeader();
      // The charset of a file that does not say (its columns are read again in it).
      item.encodingSelect = h('select', { 'aria-label': `Encoding of ${file.name}`, 'data-testid': 'import-encoding' },
        ENCODINGS.map(([value, label]) => h('option', { value, selected: value === '' }, label)));
      item.encodingSelect.addEventListener('change', () => { item.encoding = item.encodingSelect.value; readHeader(); renderQueue(); });
      select.addEventListener('change', () => { item.format = select.value; renderQueue(); });
      queue.push(item);
    }
    renderQueue();
  }

  function renderQueue() {
    $('import-files').replaceChildren(...queue.map((item) => h('li', { 'data-testid': 'import-file' },
      h('span', { class: 'file-name' }, item.file.name), ' ',
      h('span', { class: 'muted' }, `${(item.file.size / 1024).toFixed(1)} KB`), ' ',
      item.select, ' ', item.encodingSelect,
      item.unicode || item.encoding ? null : h('span', { class: 'warning', 'data-testid': 'import-encoding-hint' },
        ' not UTF-8: if names look wrong, choose the file\'s encoding'),
      supported(item.format) ? null : h('span', { class: 'warning' }, ' not available in this build'),
      ' ',
      h('button', { type: 'button', 'aria-label': `Remove ${item.file.name}`, onclick: () => { queue = queue.filter((x) => x !== item); renderQueue(); } }, 'Remove'),
      item.format === 'csv' ? mappingTable(item) : null,
      item.format === 'mbox' ? ownerEmailsInput(item) : null)));
    $('import-start').disabled = controller !== null || queue.length === 0 || !queue.some((x) => supported(x.format));
  }

  // Generic CSV: which column is which field (guessed from the header, editable).
  function mappingTable(item) {
    return h('table', { class: 'mapping', 'data-testid': 'csv-mapping' },
      h('caption', {}, `Columns of ${item.file.name}`),
      // The mapping is by header text, so a repeated header (two `Email`
      // columns) is one row: it sets every column of that name.
      h('tbody', {}, [...new Set(item.header)].map((col) => {
        const select = h('select', { 'aria-label': `Field for column ${col}` },
          h('option', { value: '', selected: !item.mapping[col] }, '(ignore)'),
          CSV_FIELDS.map((f) => h('option', { value: f, selected: item.mapping[col] === f }, f)));
        select.addEventListener('change', () => { item.mapping[col] = select.value; });
        const count = item.header.filter((c) => c === col).length;
        return h('tr', {}, h('th', { scope: 'row' }, col, count > 1 ? h('span', { class: 'muted' }, ` (${count} columns)`) : null), h('td', {}, select));
      })));
  }

  // mbox: your own addresses tell outgoing from incoming mail; "me" gives a default.
  function ownerEmailsInput(item) {
    if (item.ownerEmails === undefined) {
      const me = ctx.me ? ctx.graph.getPerson(ctx.me) : null;
      item.ownerEmails = me?.emails.join(', ') ?? '';
    }
    const input = h('input', { type: 'text', value: item.ownerEmails, 'aria-label': `Your email addresses in ${item.file.name}`, placeholder: 'you@example.com, …' });
    input.addEventListener('input', () => { item.ownerEmails = input.value; });
    return h('label', { class: 'owner' }, ' Your addresses ', input);
  }

  function progress(done, total, label) {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    $('import-progress').value = fraction;
    $('import-progress-text').textContent = `${label}: ${Math.round(fraction * 100)} %`;
  }

  async function run() {
    const items = queue.filter((x) => supported(x.format));
    queue = queue.filter((x) => !supported(x.format));
    controller = new AbortController();
    $('import-report').replaceChildren(); // the last run's report would read as this one's
    $('import-cancel').disabled = false;
    renderQueue();
    const reports = [];
    let suggestions = 0;
    let next = items.length; // the first file not started (a cancel stops the run)
    for (const [i, item] of items.entries()) {
      // Cancelled while the file before was finishing: this one never starts.
      if (controller.signal.aborted) {
        next = i;
        break;
      }
      const label = `${item.file.name} (${i + 1} of ${items.length})`;
      progress(0, 1, label);
      const options = {
        format: item.format,
        signal: controller.signal,
        onProgress: (p) => progress(p.bytesDone, p.bytesTotal ?? item.file.size, `${label}, ${p.records.toLocaleString('en')} records`),
      };
      if (item.format === 'csv') options.mapping = Object.fromEntries(Object.entries(item.mapping).filter(([, f]) => f));
      if (item.format === 'mbox') options.ownerEmails = (item.ownerEmails ?? '').split(/[\s,;]+/).filter(Boolean);
      if (item.encoding) options.encoding = item.encoding;
      const call = FORMATS[item.format].kind === 'contacts' ? 'importContacts' : 'importInteractions';
      try {
        const report = await ctx.graph[call](item.file, options);
        progress(1, 1, label);
        reports.push({ item, report });
        suggestions += report.duplicateSuggestions ?? 0;
      } catch (e) {
        // A cancelled import carries the report of the batches it wrote.
        reports.push({ item, error: e, report: e?.report });
        suggestions += e?.report?.duplicateSuggestions ?? 0;
        if (e?.code === 'CANCELLED' || controller.signal.aborted) {
          next = i + 1;
          break;
        }
      }
    }
    // Files a cancel kept from starting stay queued, to run again.
    queue = [...items.slice(next), ...queue];
    controller = null;
    $('import-cancel').disabled = true;
    renderQueue();
    renderReports(reports, suggestions);
    ctx.changed();
    ctx.views.duplicates.reset();
    // A file with nothing in it read (the wrong format, empty) is not "imported".
    // (Entries read but left out on purpose, e.g. meetings still to come, count as read.)
    const read = (r) => r.report.records + (r.report.skipped ?? 0) + (r.report.cancelled ?? 0) > 0;
    const done = reports.filter((r) => !r.error && read(r)).length;
    const empty = reports.filter((r) => !r.error && !read(r)).length;
    const cancelled = reports.some((r) => r.error?.code === 'CANCELLED') || next < items.length;
    const waiting = items.length - next;
    if (cancelled) $('import-progress-text').textContent = `cancelled at ${$('import-progress-text').textContent.replace(/^.*: /, '')}`;
    ctx.status(`${cancelled ? 'Import cancelled' : 'Import finished'}: ${done} of ${items.length} files imported`
      + `${empty ? `; nothing could be read from ${empty} (check the format)` : ''}`
      + `${cancelled ? ' (batches written before the cancel stay)' : ''}`
      + `${waiting ? `; ${waiting} not started, still queued` : ''}.`, 'ready');
  }

  function renderReports(reports, suggestions) {
    const out = reports.map(({ item, report, error }) => {
      const box = h('div');
      if (error) showError(box, error, error?.code === 'CANCELLED' ? 'Cancelled — what was written before stays: ' : 'Import failed: ');
      if (!report) return h('article', { class: 'report', 'data-testid': 'file-report', dataset: { format: item.format, state: 'failed' } }, h('h3', {}, item.file.name), box);
      const rows = [
        ['records read', report.records], ['people', report.people], ['organizations', report.organizations],
        ['interactions', report.interactions], ['unchanged', report.unchanged], ['skipped', report.skipped], ['strengths updated', report.strengthsUpdated],
        ['duplicate suggestions', report.duplicateSuggestions], ['malformed lines', (report.errors?.length ?? 0) + (report.errorsOmitted ?? 0)],
      ].filter(([, v]) => v !== undefined);
      const errors = report.errors ?? [];
      return h('article', { class: 'report', 'data-testid': 'file-report', dataset: { format: item.format, state: error ? 'cancelled' : 'done' } },
        h('h3', {}, `${item.file.name} — ${FORMATS[item.format].label}`),
        error ? box : null,
        h('dl', { class: 'counts small' }, rows.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', { 'data-testid': `report-${k.replace(/ /g, '-')}` }, String(v))))),
        errors.length
          ? h('table', { class: 'malformed', 'data-testid': 'malformed' },
            h('caption', {}, `Malformed lines in ${item.file.name} (skipped; the rest was imported)`),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Line'), h('th', { scope: 'col' }, 'Code'), h('th', { scope: 'col' }, 'Reason'))),
            h('tbody', {}, errors.slice(0, 200).map((e) => h('tr', {}, h('td', {}, String(e.line ?? '–')), h('td', {}, e.code ?? ''), h('td', {}, e.reason ?? e.message ?? '')))))
          : null);
    });
    if (suggestions > 0) {
      out.push(h('p', {}, h('button', {
        type: 'button', 'data-testid': 'review-duplicates',
        onclick: () => { ctx.navigate('duplicates'); ctx.views.duplicates.find(); },
      }, `Review ${suggestions} duplicate suggestion${suggestions === 1 ? '' : 's'}`)));
    }
    $('import-report').replaceChildren(...out);
  }

  const zone = $('dropzone');
  zone.addEventListener('click', () => $('file-input').click());
  zone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('file-input').click(); }
  });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    add([...(e.dataTransfer?.files ?? [])]);
  });
  $('file-input').addEventListener('change', (e) => {
    add([...e.target.files]);
    e.target.value = '';
  });
  $('import-samples').addEventListener('click', async () => {
    try {
      const files = [];
      for (const name of ['sample.vcf', 'sample.ics']) {
        const res = await fetch(`./samples/${name}`);
        if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
        files.push(new File([await res.blob()], name));
      }
      await add(files);
      $('import-start').focus();
    } catch (e) {
      showError($('import-report'), e, 'The sample files are not served here: ');
    }
  });
  $('import-start').addEventListener('click', () => run().catch((e) => showError($('import-report'), e)));
  $('import-cancel').addEventListener('click', () => controller?.abort());

  return {
    show() {
      showAvailability();
      renderQueue();
    },
  };
}
