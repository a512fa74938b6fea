// Bundled by Vite from the package name, as an application would.
import { Graph } from '@wig/graph';

const out = document.getElementById('result');
try {
  const g = await Graph.open(`vite-${crypto.randomUUID()}`);
  await g.upsertPeople([{ names: ['Ada'] }, { names: ['Bob'] }]);
  let code = '';
  try {
    await g.upsertPerson({ emails: ['nope@'] });
  } catch (e) {
    code = `${e.code} ${e.field}`;
  }
  out.textContent = `ok ${g.stats().people} ${code}`;
} catch (e) {
  out.textContent = `failed: ${e.message}`;
}
out.dataset.done = '1';
