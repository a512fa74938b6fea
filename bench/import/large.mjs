// A generated file (vCard or iCalendar, default 50 MB) imported through the
// built package under Node (wasm, in-memory storage), fed as a
// ReadableStream of 1 MiB chunks generated on the fly. Prints one JSON row.
import { Graph, wasmMemoryBytes } from '@wig/graph';

const format = process.argv[2] ?? 'vcard';
const mb = Number(process.argv[3] ?? 50);
const batchSize = process.argv[4] ? Number(process.argv[4]) : undefined;

function entry(i) {
  if (format === 'ics') {
    const p = (n) => String(n).padStart(2, '0');
    const [a, b, c] = [i % 5000, (i * 7 + 1) % 5000, (i * 13 + 2) % 5000];
    return `BEGIN:VEVENT\r\nUID:gen-${i}@bench.example\r\nDTSTART:2025${p(1 + (i % 12))}${p(1 + (i % 28))}T${p(8 + (i % 10))}0000Z\r\nDURATION:PT30M\r\nSUMMARY:Generated meeting number ${i} with a summary long enough to be realistic\r\nORGANIZER;CN=Person ${a}:mailto:p${a}@bench.example\r\nATTENDEE;CN=Person ${b};PARTSTAT=ACCEPTED:mailto:p${b}@bench.example\r\nATTENDEE;CN=Person ${c};PARTSTAT=ACCEPTED:mailto:p${c}@bench.example\r\nEND:VEVENT\r\n`;
  }
  return `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Generated Person ${i}\r\nN:Person ${i};Generated;;;\r\nEMAIL;TYPE=WORK:person${i}@company${i % 2000}.example\r\nTEL;TYPE=CELL:+1 ${200 + (Math.floor(i / 10000) % 800)} 555 ${String(i % 10000).padStart(4, '0')}\r\nORG:Company ${i % 2000}\r\nTITLE:Engineer\r\nUID:gen-${i}\r\nEND:VCARD\r\n`;
}

const encoder = new TextEncoder();
let i = 0;
let produced = 0;
let done = false;
const target = mb * 1024 * 1024;
const stream = new ReadableStream({
  start(c) {
    if (format === 'ics') c.enqueue(encoder.encode('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n'));
  },
  pull(c) {
    if (done) return;
    if (produced >= target) {
      if (format === 'ics') c.enqueue(encoder.encode('END:VCALENDAR\r\n'));
      done = true;
      c.close();
      return;
    }
    let s = '';
    while (s.length < 1024 * 1024) s += entry(i++);
    produced += s.length;
    c.enqueue(encoder.encode(s));
  },
});

const g = await Graph.open(`bench-import-${Date.now()}`, { storage: 'memory' });
let peakHeap = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const report = (format === 'ics'
  ? await g.importInteractions(stream, { format: 'ics', batchSize, onProgress: () => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed); } })
  : await g.importContacts(stream, { format: 'vcard', batchSize, onProgress: () => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed); } }));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  system: 'wig-wasm-node',
  dataset: `generated ${format}, ${mb} MB`,
  batch_size: batchSize ?? 2000,
  bytes: report.bytes,
  entries_generated: i,
  import: {
    records: report.records, people: report.people, organizations: report.organizations, interactions: report.interactions,
    errors: report.errors.length + report.errorsOmitted, batches: report.batches, seconds_with_followups: seconds,
    cpu_seconds_with_followups: (cpu.user + cpu.system) / 1e6,
    strengths_updated: report.strengthsUpdated, duplicate_suggestions: report.duplicateSuggestions,
  },
  wasm_memory_bytes: wasmMemoryBytes(),
  peak_js_heap_bytes: peakHeap,
  peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
}));
await g.close();
