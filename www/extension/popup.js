// The popup: asks the page's content script who the profile is about, asks
// the service worker how "me" is connected to them, and shows the answer.
// Everything from the page or the graph is rendered as text (textContent),
// never as HTML.
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
let lastResult = null;

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

const strength = (s) => s.toFixed(2);
const percent = (p) => `${Math.round(p * 100)}%`;

function setStatus(state, text) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

/** The tab to look at: ?tab=ID (the popup opened as a page, e.g. by tests), else the active tab. */
async function targetTabId() {
  if (params.has('tab')) {
    const id = Number(params.get('tab'));
    if (!Number.isSafeInteger(id) || id < 0) throw Object.assign(new Error(`INVALID_INPUT: tab: not a tab id: ${params.get('tab')}`), { code: 'INVALID_INPUT', field: 'tab' });
    return id;
  }
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

async function ask(message) {
  const answer = await chrome.runtime.sendMessage(message);
  if (!answer) throw new Error('the service worker did not answer');
  if (!answer.ok) throw Object.assign(new Error(answer.error.message), answer.error);
  return answer.result;
}

function renderMatch(result) {
  const box = $('match');
  const { match, profile } = result;
  if (match.by === 'profileUrl') {
    box.replaceChildren(el('p', `Matched by LinkedIn profile URL (linkedin.com/in/${match.handle}).`));
    return;
  }
  const items = match.fields
    .filter((f) => f.level !== 'missing')
    .map((f) => {
      const values = f.valueA || f.valueB ? ` — page “${f.valueA ?? ''}”, graph “${f.valueB ?? ''}”` : '';
      return el('li', `${f.field}: ${f.level} (${f.weight >= 0 ? '+' : ''}${f.weight.toFixed(1)})${values}`);
    });
  const parts = [el('p', `Matched by name and company: ${percent(match.probability)} likely the same person.`), el('ul', null, { class: 'why', 'aria-label': 'Why: each field’s evidence' })];
  parts[1].append(...items);
  if (profile.company && !match.companyKnown) parts.push(el('p', `The company “${profile.company}” is not in your graph; matched on the name alone.`));
  box.replaceChildren(...parts);
}

function renderPath(path, i) {
  const li = el('li', null, { tabindex: '0', 'data-testid': 'path' });
  const hops = path.hopStrengths.length;
  const weakest = path.weakestHop?.index;
  li.setAttribute(
    'aria-label',
    `Path ${i + 1}: ${path.people.map((p) => p.name).join(', then ')}; ${hops} hop${hops === 1 ? '' : 's'}, score ${strength(path.score)}` +
      (path.weakestHop ? `, weakest link ${strength(path.weakestHop.strength)}` : ''),
  );
  li.append(el('p', `${hops} hop${hops === 1 ? '' : 's'} · score ${strength(path.score)}${path.weakestHop ? ` · weakest link ${strength(path.weakestHop.strength)}` : ''}`, { class: 'summary' }));
  const chain = el('ul', null, { class: 'chain' });
  path.people.forEach((person, j) => {
    chain.append(el('li', person.name, { 'data-testid': 'path-person' }));
    if (j < hops) {
      const hop = path.hops[j];
      const why = hop.why.length ? ` — ${hop.why.map((w) => w.name.replace(/_/g, ' ')).join(', ')}` : '';
      const label = ` —${strength(path.hopStrengths[j])}${j === weakest ? ' weakest' : ''}→ `;
      chain.append(el('li', label, { class: j === weakest ? 'hop weakest' : 'hop', 'data-testid': 'hop-strength', title: `${hop.relationshipType.replace(/_/g, ' ')}${why}` }));
    }
  });
  li.append(chain);
  return li;
}

function render(result) {
  lastResult = result;
  $('me').textContent = result.me ? `From ${result.me.name}${result.me.organization ? ` (${result.me.organization})` : ''}` : '';
  $('set-me').hidden = !(result.status === 'matched');
  const section = $('result');
  if (result.status === 'no-me') {
    section.hidden = true;
    setStatus('error', 'Your own person (“me”) is not in the graph any more. Open a profile of yourself and choose “This is me”.');
    return;
  }
  if (result.status === 'not-found') {
    section.hidden = true;
    const where = result.profile.company ? ` at ${result.profile.company}` : '';
    const near = result.nearMisses.length ? ` Closest: ${result.nearMisses.map((n) => `${n.name} (${percent(n.probability)})`).join(', ')}.` : '';
    setStatus('not-found', `Not found: ${result.profile.name}${where} is not in your graph (no matching profile URL, name or company).${near}`);
    return;
  }
  section.hidden = false;
  $('result-heading').textContent = result.person.name;
  $('person-details').textContent = [result.person.title, result.person.organization].filter(Boolean).join(' · ');
  renderMatch(result);
  const paths = $('paths');
  if (result.status === 'is-me') {
    paths.replaceChildren();
    setStatus('is-me', 'This is you.');
  } else if (result.paths.length === 0) {
    paths.replaceChildren();
    setStatus('no-path', `In your graph, but no path within ${result.maxHops} hops.`);
  } else {
    paths.replaceChildren(...result.paths.map(renderPath));
    setStatus('matched', `${result.paths.length} intro path${result.paths.length === 1 ? '' : 's'} to ${result.person.name}.`);
  }
  $('result-heading').focus();
}

async function showGraphInfo() {
  const { stats } = await ask({ type: 'wig:stats' });
  $('graph-info').textContent = `Your graph (in this browser): ${stats.people} people, ${stats.edges} connections.`;
}

async function run() {
  setStatus('busy', 'Reading the page…');
  const tabId = await targetTabId();
  let profile = null;
  if (tabId !== undefined) {
    try {
      profile = await chrome.tabs.sendMessage(tabId, { type: 'wig:extract' });
    } catch {
      profile = null; // no content script in that tab: not a profile page
    }
  }
  if (!profile?.name) {
    $('result').hidden = true;
    setStatus('no-profile', 'Open a profile page (linkedin.com/in/…) to see how you are connected.');
    return;
  }
  setStatus('busy', `Looking up ${profile.name}…`);
  render(await ask({ type: 'wig:lookup', profile }));
}

function fail(e) {
  $('result').hidden = true;
  // `reason` alone: a WigError's message already starts with its code and field.
  setStatus('error', `Error${e.code ? ` ${e.code}` : ''}${e.field ? ` (${e.field})` : ''}: ${e.reason ?? e.message}`);
}

$('refresh').addEventListener('click', () => run().catch(fail));
$('set-me').addEventListener('click', async () => {
  try {
    await ask({ type: 'wig:set-me', personId: lastResult.person.id });
    await run();
  } catch (e) {
    fail(e);
  }
});
showGraphInfo().catch((e) => ($('graph-info').textContent = `The graph could not be opened: ${e.code ?? ''} ${e.message}`));
run().catch(fail);
