// People list (search by name, email or organization; 50 a page over the
// in-memory index) and the person page (every name, email and phone; edges
// strongest first, each with its factor breakdown as a bar chart).
import { $, h, fmt, showError, nextFrame } from '../dom.js';
import { factorChart, strengthMeter } from '../charts.js';

const PAGE = 50;
const EDGES_PAGE = 25;

export function mountPeople(ctx) {
  let matches = new Int32Array(0);
  let page = 0;

  const row = (r) => h('tr', {},
    h('td', {}, h('a', { href: `#/person/${r.id}`, class: 'person-link' }, r.label)),
    h('td', {}, r.email),
    h('td', {}, r.organization));

  function render() {
    const index = ctx.index;
    const pages = Math.max(1, Math.ceil(matches.length / PAGE));
    page = Math.min(page, pages - 1);
    const rows = [];
    for (let i = page * PAGE; i < Math.min(matches.length, (page + 1) * PAGE); i++) rows.push(row(index.row(matches[i])));
    $('people').replaceChildren(...rows);
    $('people-count').textContent = `${matches.length.toLocaleString('en')} of ${index.size.toLocaleString('en')} people`;
    $('page-info').textContent = `page ${page + 1} of ${pages}`;
    $('prev-page').disabled = page === 0;
    $('next-page').disabled = page >= pages - 1;
  }

  function search() {
    matches = ctx.index.search($('search').value);
    page = 0;
    render();
  }

  // After a write (here, in another tab, a sync): the same search again,
  // on the page the user was reading (render keeps it in range).
  function again() {
    matches = ctx.index.search($('search').value);
    render();
  }

  // While the index is built in the background (a large graph), the first
  // page comes straight from listPeople; typing or paging builds it at once.
  function showUnindexed() {
    const { items } = ctx.graph.listPeople({ limit: PAGE });
    $('people').replaceChildren(...items.map((p) => row({
      id: p.id, label: p.names[0] ?? p.emails[0] ?? p.phones[0] ?? '(no name)', email: p.emails[0] ?? '', organization: ctx.index.organizationName(p.organizationId),
    })));
    $('people-count').textContent = `indexing ${ctx.graph.stats().people.toLocaleString('en')} people for search…`;
    $('page-info').textContent = 'page 1';
    $('prev-page').disabled = true;
    $('next-page').disabled = items.length < PAGE;
    ctx.index.warm().then(() => {
      if (!$('view-people').hidden && !$('search').value.trim() && page === 0) search();
    });
  }

  function showFirstPage() {
    if (ctx.index.stale && !$('search').value.trim() && page === 0) showUnindexed();
    else search();
  }

  $('search').addEventListener('input', search);
  $('prev-page').addEventListener('click', () => { page--; render(); });
  $('next-page').addEventListener('click', () => { page++; render(); });
  $('recompute').addEventListener('click', () => recompute(ctx, $('people-count')));

  const personView = mountPerson(ctx);
  return {
    personView,
    show() {
      if (ctx.index) showFirstPage();
    },
    refresh() {
      if (!$('view-people').hidden) (page === 0 ? showFirstPage() : again());
      if (!$('view-person').hidden) personView.refresh();
    },
  };
}

async function recompute(ctx, target) {
  ctx.status('Recomputing strengths from interactions…', 'busy');
  await nextFrame();
  try {
    const r = await ctx.graph.recomputeStrengths();
    ctx.changed();
    ctx.status(`Strengths recomputed: ${r.edgesUpdated} edges updated, ${r.edgesCreated} created, ${r.edgesUnchanged} unchanged from ${r.interactionsUsed} interactions.`, 'ready');
  } catch (e) {
    ctx.status('Recompute failed.', 'ready');
    showError(target, e);
  }
}

function list(label, values) {
  return [h('dt', {}, label), h('dd', {}, values.length ? h('ul', { class: 'plain' }, values.map((v) => h('li', {}, v))) : '–')];
}

function mountPerson(ctx) {
  const root = $('view-person');
  let current = null;
  let shownEdges = EDGES_PAGE;
  let editing = false;

  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !e.defaultPrevented) {
      e.preventDefault();
      ctx.navigate('people');
    }
  });

  function render() {
    // A re-render (this is me, recompute, show more) keeps keyboard focus:
    // on the same control if it is still there and enabled, else the heading.
    const focused = root.contains(document.activeElement) ? document.activeElement.dataset?.focusKey : undefined;
    draw();
    if (focused !== undefined) {
      (root.querySelector(`[data-focus-key="${focused}"]:not([disabled])`) ?? $('person-name'))?.focus();
    }
  }

  function draw() {
    const g = ctx.graph;
    let person;
    try {
      person = g.getPerson(current);
    } catch (e) {
      showError(root, e);
      return;
    }
    if (!person) {
      root.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'No such person.'), h('a', { href: '#/people' }, 'Back to people'));
      return;
    }
    if (person.mergedInto) {
      root.replaceChildren(h('p', {}, 'This record was merged into ', h('a', { href: `#/person/${person.mergedInto}` }, ctx.index.label(person.mergedInto)), '.'));
      return;
    }
    const name = person.names[0] ?? person.emails[0] ?? '(no name)';
    const org = person.organizationId ? g.getOrganization(person.organizationId) : null;
    const edges = g.edgesOf(person.id);
    const errorBox = h('div', { 'aria-live': 'assertive' });
    const isMe = ctx.me === person.id;
    root.replaceChildren(...[
      h('div', { class: 'toolbar' },
        h('a', { href: '#/people', class: 'back' }, '← People (Esc)'),
        h('h2', { id: 'person-name', tabindex: '-1', 'data-testid': 'person-name' }, name),
        h('button', { type: 'button', 'data-testid': 'set-me', 'data-focus-key': 'set-me', disabled: isMe, onclick: () => { ctx.setMe(person.id); render(); } }, isMe ? 'This is me' : 'This is me (remember)'),
        h('button', { type: 'button', onclick: () => ctx.navigate(`paths/${person.id}`) }, 'Intro paths to them'),
        h('button', { type: 'button', onclick: () => ctx.navigate(`network/${person.id}`) }, 'Network view'),
        h('button', { type: 'button', 'data-testid': 'person-recompute', 'data-focus-key': 'recompute', onclick: () => recompute(ctx, errorBox) }, 'Recompute strengths'),
        h('button', { type: 'button', 'data-testid': 'person-edit', 'data-focus-key': 'edit', 'aria-expanded': String(editing), onclick: () => { editing = !editing; render(); } }, editing ? 'Stop editing' : 'Edit')),
      errorBox,
      editing ? editForm(ctx, person, errorBox, () => { editing = false; render(); }) : null,
      editing ? null : h('dl', { class: 'facts', 'data-testid': 'person-facts' },
        list('Names', person.names),
        list('Emails', person.emails),
        list('Phones', person.phones),
        list('Organization', org ? [org.name] : []),
        list('Title', person.title ? [person.title] : []),
        Object.keys(person.socialHandles ?? {}).length ? list('Profiles', Object.entries(person.socialHandles).map(([k, v]) => `${k}: ${v}`)) : [],
        person.addresses?.length ? list('Addresses', person.addresses) : [],
        person.birthDate ? list('Birth date', [person.birthDate]) : [],
        // Notes and other metadata, as text (values that are not strings as JSON).
        Object.keys(person.metadata ?? {}).length
          ? list('Notes', Object.entries(person.metadata).filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`))
          : [],
        person.previousIds?.length ? list('Merged records', person.previousIds.map((id) => ctx.index.label(id))) : []),
      h('h3', {}, `Relationships (${edges.length}), strongest first`),
      h('p', { class: 'muted' }, 'Bars: each factor’s value (light, 0–1) and its contribution to the strength (dark); the contributions add up to the strength.'),
      h('ol', { class: 'edges', 'data-testid': 'person-edges' }, edges.slice(0, shownEdges).map((e) => edgeItem(ctx, person.id, e))),
      edges.length > shownEdges
        ? h('button', { type: 'button', 'data-focus-key': 'more', onclick: () => { shownEdges += EDGES_PAGE; render(); } }, `Show ${Math.min(EDGES_PAGE, edges.length - shownEdges)} more`)
        : null,
    ].filter(Boolean));
  }

  return {
    show(id) {
      if (id !== current) {
        shownEdges = EDGES_PAGE;
        editing = false;
      }
      current = id;
      render();
      $('person-name')?.focus();
    },
    // A write elsewhere (a sync, another tab) while the form is open does
    // not redraw it: what the user typed stays; saving then tells of a
    // record merged away meanwhile.
    refresh() {
      if (!editing) render();
    },
  };
}

// Editing a person: names, emails and phones one per line, title and note.
// Saved with upsertPerson (the record as read, these fields changed): the
// store checks every value and refuses the whole edit with the field named.
function editForm(ctx, person, errorBox, done) {
  const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);
  const area = (label, key, values) => h('label', {}, label, h('textarea', { name: key, rows: Math.max(2, values.length + 1), 'data-testid': `edit-${key}` }, values.join('\n')));
  const note = typeof person.metadata?.note === 'string' ? person.metadata.note : '';
  const form = h('form', { class: 'form edit', 'data-testid': 'person-form' },
    area('Names (one per line)', 'names', person.names),
    area('Emails', 'emails', person.emails),
    area('Phones', 'phones', person.phones),
    h('label', {}, 'Title', h('input', { name: 'title', value: person.title ?? '', 'data-testid': 'edit-title' })),
    h('label', {}, 'Note', h('textarea', { name: 'note', rows: 3, 'data-testid': 'edit-note' }, note)),
    h('div', { class: 'toolbar' },
      h('button', { type: 'submit', 'data-testid': 'edit-save' }, 'Save'),
      h('button', { type: 'button', onclick: done }, 'Cancel')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    errorBox.replaceChildren();
    const f = form.elements;
    const metadata = { ...(person.metadata ?? {}) };
    // Only a changed note is written. A cleared one stays as an empty note:
    // an import sets a note only where there is none, so it would come back.
    const typed = f.note.value.trim();
    if (typed !== note.trim()) metadata.note = typed;
    try {
      await ctx.graph.upsertPerson({
        ...person,
        names: lines(f.names.value),
        emails: lines(f.emails.value),
        phones: lines(f.phones.value),
        title: f.title.value.trim() || null,
        metadata: Object.keys(metadata).length ? metadata : null,
      });
      ctx.changed();
      ctx.status('Saved.', 'ready');
      done();
    } catch (err) {
      showError(errorBox, err, 'Not saved: ');
    }
  });
  return form;
}

function edgeItem(ctx, selfId, e) {
  const other = e.fromPersonId === selfId ? e.toPersonId : e.fromPersonId;
  const facts = [e.relationshipType.replace(/_/g, ' ')];
  if (e.interactionCount) facts.push(`${e.interactionCount} interactions`);
  if (e.channels?.length) facts.push(e.channels.join(', '));
  if (e.lastSeenAt) facts.push(`last ${e.lastSeenAt.slice(0, 10)}`);
  return h('li', { class: 'edge', 'data-testid': 'edge' },
    h('div', { class: 'edge-head' },
      h('a', { href: `#/person/${other}` }, ctx.index.label(other)),
      strengthMeter(e.strength),
      h('span', { class: 'strength', 'data-testid': 'edge-strength' }, fmt(e.strength)),
      h('span', { class: 'muted' }, facts.join(' · '))),
    e.strengthFactors?.length
      ? factorChart(e.strengthFactors)
      : h('p', { class: 'muted' }, 'Declared strength, no factors: no interactions of this pair have been scored (recompute strengths after adding some).'));
}
