// Duplicate review: findDuplicates' suggestions, each with its explanation
// as a waterfall and a field-by-field table; accept = merge (a keeps its
// id), reject = rejectMatch; the merge history with undo (unmerge), errors
// such as UNMERGE_CONFLICT shown with their code.
import { $, h, fmt, showError, nextFrame, shown } from '../dom.js';
import { waterfall } from '../charts.js';

const SHOWN = 20;

export function mountDuplicates(ctx) {
  let suggestions = null;
  let last = null;

  async function find() {
    // An empty field is the default threshold (as in the paths view), not 0.
    const raw = $('dup-threshold').value.trim();
    const kind = $('dup-kind').value;
    const options = { kind, ...(raw === '' ? {} : { threshold: Number(raw) }) };
    $('dup-error').replaceChildren();
    $('dup-summary').textContent = 'Finding duplicates…';
    $('dup-find').disabled = true;
    await nextFrame();
    try {
      const t0 = performance.now();
      const report = ctx.graph.findDuplicates(options);
      last = { ...report, kind, ms: performance.now() - t0 };
      suggestions = report.suggestions;
      render();
    } catch (e) {
      // The last run's cards would read as this refused run's results.
      last = null;
      suggestions = null;
      $('dup-summary').textContent = '';
      $('dup-queue').replaceChildren();
      showError($('dup-error'), e);
    } finally {
      $('dup-find').disabled = false;
    }
  }

  function summary() {
    if (!last) return '';
    const showing = suggestions.length > SHOWN ? ` (the ${SHOWN} most probable shown; review them for the next)` : '';
    return `${suggestions.length} suggestion${suggestions.length === 1 ? '' : 's'} to review${showing} — ${last.records.toLocaleString('en')} records, ` +
      `${last.candidatePairs.toLocaleString('en')} candidate pairs, ${last.trained ? 'weights trained on this graph' : 'default weights'}, ${last.ms.toFixed(0)} ms`;
  }

  function render() {
    $('dup-summary').textContent = summary();
    $('dup-queue').replaceChildren(...(suggestions ?? []).slice(0, SHOWN).map(card));
    if (suggestions && suggestions.length === 0) $('dup-queue').replaceChildren(h('li', { class: 'muted' }, 'Nothing to review.'));
    renderHistory();
  }

  // The suggestions' kind (the run's), else a person: merge history names
  // organizations from its own records.
  function label(id) {
    return last?.kind === 'organizations' ? ctx.index.organizationName(id) || id : ctx.index.label(id);
  }

  function card(sg, i) {
    const errorBox = h('div', { 'aria-live': 'assertive' });
    const heading = `${label(sg.a)} ↔ ${label(sg.b)}`;
    const headingId = `dup-h-${i}`;
    return h('li', { class: 'card', 'data-testid': 'suggestion', 'aria-labelledby': headingId },
      h('h4', { id: headingId }, h('span', { 'data-testid': 'suggestion-names' }, heading), ' ',
        h('span', { class: 'prob', 'data-testid': 'suggestion-probability', title: `log2 odds ${fmt(sg.matchWeight)}` },
          sg.probability >= 0.99995 ? 'p > 0.9999' : `p = ${fmt(sg.probability, 4)}`)),
      h('div', { class: 'explain' },
        waterfall(sg),
        h('table', { class: 'fields', 'data-testid': 'suggestion-fields' },
          h('caption', { class: 'visually-hidden' }, `Field by field: ${heading}`),
          h('thead', {}, h('tr', {}, ['Field', 'A', 'B', 'Level', 'Weight'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, sg.fields.map((f) => h('tr', {},
            h('td', {}, f.field), h('td', {}, f.valueA ?? '–'), h('td', {}, f.valueB ?? '–'), h('td', {}, f.level),
            h('td', { class: f.weight >= 0 ? 'up' : 'down' }, `${f.weight >= 0 ? '+' : ''}${fmt(f.weight)}`)))))),
      h('div', { class: 'toolbar' },
        h('button', { type: 'button', 'data-testid': 'accept', 'aria-label': `Merge ${heading}`, onclick: () => accept(sg, errorBox) },
          last?.kind === 'organizations' ? 'Same organization — merge' : 'Same person — merge'),
        h('button', { type: 'button', 'data-testid': 'reject', 'aria-label': `Not the same: ${heading}`, onclick: () => reject(sg, errorBox) }, 'Not the same')),
      errorBox);
  }

  function drop(ids) {
    suggestions = suggestions.filter((x) => !ids.has(x.a) && !ids.has(x.b));
  }

  async function accept(sg, errorBox) {
    try {
      const merge = last?.kind === 'organizations' ? 'mergeOrganizations' : 'merge';
      await ctx.graph[merge](sg.a, [sg.b], { explanation: sg });
      // Pairs involving the merged-away record are stale now.
      drop(new Set([sg.b]));
      ctx.changed();
      ctx.status(`Merged ${label(sg.b)} into ${label(sg.a)}`.replace(/\.?$/, '.'), 'ready');
      render();
      focusQueue();
    } catch (e) {
      showError(errorBox, e);
    }
  }

  async function reject(sg, errorBox) {
    try {
      await ctx.graph.rejectMatch(sg.a, sg.b);
      suggestions = suggestions.filter((x) => x !== sg);
      ctx.status(`Marked as different ${last?.kind === 'organizations' ? 'organizations' : 'people'}: ${label(sg.a)}, ${label(sg.b)}.`, 'ready');
      render();
      focusQueue();
    } catch (e) {
      showError(errorBox, e);
    }
  }

  function focusQueue() {
    // Keep keyboard users in the queue: the next card's first button.
    ($('dup-queue').querySelector('button') ?? $('dup-find')).focus();
  }

  function renderHistory() {
    let merges;
    try {
      merges = ctx.graph.listMerges();
    } catch (e) {
      showError($('merge-error'), e);
      return;
    }
    $('merge-history').replaceChildren(...merges.slice(0, 50).map((m) => {
      const before = new Map(m.peopleBefore.map((p) => [p.id, shown(p.names[0] ?? p.emails[0] ?? p.id)]));
      const name = (id) => before.get(id) ?? shown(m.organizationsBefore.find((o) => o.id === id)?.name ?? label(id));
      const what = `${m.sourceIds.map(name).join(', ')} → ${name(m.targetId)}`;
      return h('li', { class: m.undoneAt ? 'undone' : '', 'data-testid': 'merge' },
        h('span', { 'data-testid': 'merge-label' }, what), ' ',
        h('span', { class: 'muted' }, `${m.entityType} · ${m.createdAt.replace('T', ' ').slice(0, 19)}${m.undoneAt ? ' · undone' : ''}`), ' ',
        m.undoneAt ? null : h('button', { type: 'button', 'data-testid': 'undo', 'aria-label': `Undo merge ${what}`, onclick: () => undo(m) }, 'Undo'));
    }));
    if (merges.length === 0) $('merge-history').replaceChildren(h('li', { class: 'muted' }, 'No merges yet.'));
  }

  async function undo(m) {
    $('merge-error').replaceChildren();
    try {
      await ctx.graph.unmerge(m.id);
      ctx.changed();
      ctx.status('Merge undone.', 'ready');
      suggestions = null;
      $('dup-queue').replaceChildren();
      $('dup-summary').textContent = 'Merge undone: find duplicates again to review the pair.';
      renderHistory();
      $('dup-find').focus();
    } catch (e) {
      showError($('merge-error'), e, 'Undo refused: ');
    }
  }

  $('dup-find').addEventListener('click', find);
  return {
    show() {
      if (suggestions) render();
      else renderHistory();
    },
    /** After a write (here or in another tab): merged or deleted records leave the queue; the history follows. */
    refresh() {
      if ($('view-duplicates').hidden) return;
      const get = last?.kind === 'organizations' ? 'getOrganization' : 'getPerson';
      const live = (id) => {
        try {
          const r = ctx.graph[get](id);
          return Boolean(r) && !r.mergedInto && !r.deletedAt;
        } catch {
          return false;
        }
      };
      if (suggestions) {
        suggestions = suggestions.filter((sg) => live(sg.a) && live(sg.b));
        render();
      } else {
        renderHistory();
      }
    },
    /** Called after an import: its suggestions need a new run. */
    reset() {
      suggestions = null;
      last = null;
      $('dup-queue').replaceChildren();
      $('dup-summary').textContent = '';
    },
    find,
  };
}
