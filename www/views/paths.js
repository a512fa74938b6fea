// Intro-path finder: from "me" (picked once, remembered in localStorage) to
// a person or an organization; the k best paths drawn as chains, each hop
// with its strength and why, the weakest link marked.
import { $, h, fmt, showError } from '../dom.js';
import { strengthMeter } from '../charts.js';

export function mountPaths(ctx) {
  let target = null; // { kind: 'person' | 'organization', id }

  function results(list, items, onPick) {
    list.replaceChildren(...items.map((it) => h('li', {},
      h('button', { type: 'button', class: 'result', 'data-testid': 'result', onclick: () => onPick(it) }, it.text))));
  }

  function peopleMatches(query, limit = 8) {
    if (!query.trim()) return [];
    const m = ctx.index.search(query);
    const out = [];
    for (let i = 0; i < Math.min(limit, m.length); i++) {
      const r = ctx.index.row(m[i]);
      out.push({ kind: 'person', id: r.id, text: [r.label, r.email, r.organization].filter(Boolean).join(' · ') });
    }
    return out;
  }

  $('me-search').addEventListener('input', (e) => {
    results($('me-results'), peopleMatches(e.target.value), (it) => {
      ctx.setMe(it.id);
      $('me-search').value = '';
      $('me-results').replaceChildren();
      render();
      $('target-search').focus();
    });
  });
  $('target-search').addEventListener('input', (e) => {
    const q = e.target.value;
    const orgs = q.trim() ? ctx.index.searchOrganizations(q, 5).map((o) => ({ kind: 'organization', id: o.id, text: `${o.name} (organization)` })) : [];
    results($('target-results'), [...orgs, ...peopleMatches(q)], (it) => {
      target = it;
      $('target-results').replaceChildren();
      render();
      $('path-target').focus(); // the picked button is gone: keep keyboard users on the answer
    });
  });
  for (const id of ['path-k', 'path-hops', 'path-min']) $(id).addEventListener('change', () => render());
  for (const [input, list] of [['me-search', 'me-results'], ['target-search', 'target-results']]) {
    $(input).addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { $(list).replaceChildren(); e.target.value = ''; }
      if (e.key === 'ArrowDown' || e.key === 'Enter') {
        const first = $(list).querySelector('button');
        if (first) { e.preventDefault(); first.focus(); }
      }
    });
    $(list).addEventListener('keydown', (e) => {
      const buttons = [...$(list).querySelectorAll('button')];
      const i = buttons.indexOf(document.activeElement);
      if (e.key === 'ArrowDown' && i < buttons.length - 1) { e.preventDefault(); buttons[i + 1].focus(); }
      if (e.key === 'ArrowUp') { e.preventDefault(); (i > 0 ? buttons[i - 1] : $(input)).focus(); }
      if (e.key === 'Escape') { $(list).replaceChildren(); $(input).focus(); }
    });
  }

  function options() {
    // An empty field is the default; any other value goes to the API, which
    // refuses what is out of range (0 hops, 0 paths) with a typed error.
    const value = (id, fallback) => ($(id).value.trim() === '' ? fallback : Number($(id).value));
    return { k: value('path-k', 3), maxHops: value('path-hops', 4), minStrength: value('path-min', 0) };
  }

  function render() {
    $('path-error').replaceChildren();
    const me = ctx.me;
    if (!me || !target) {
      $('path-target').textContent = !me ? 'Pick yourself first (“Me”), then a person or an organization to reach.' : 'Pick a person or an organization to reach.';
      $('paths').replaceChildren();
      return;
    }
    // A target merged away since it was picked: its survivor.
    target = { ...target, id: ctx.current(target.id) };
    if (target.kind === 'person' && target.id === me) {
      $('path-target').textContent = 'That is you: pick someone else to reach.';
      $('paths').replaceChildren();
      return;
    }
    const targetName = target.kind === 'person' ? ctx.index.label(target.id) : ctx.index.organizationName(target.id);
    let paths;
    try {
      paths = target.kind === 'person'
        ? ctx.graph.introPaths(me, target.id, options())
        : ctx.graph.introPathsToOrganization(me, target.id, options());
    } catch (e) {
      $('path-target').textContent = `From ${ctx.index.label(me)} to ${targetName}${target.kind === 'organization' ? ' (anyone there)' : ''}:`;
      $('paths').replaceChildren();
      showError($('path-error'), e);
      return;
    }
    $('path-target').textContent = `From ${ctx.index.label(me)} to ${targetName}${target.kind === 'organization' ? ' (anyone there)' : ''}: ${paths.length} path${paths.length === 1 ? '' : 's'}.`;
    $('paths').replaceChildren(...paths.map((p, i) => chain(p, i)));
    if (paths.length === 0) $('paths').replaceChildren(h('li', { class: 'muted' }, 'No path within these limits.'));
  }

  function chain(path, i) {
    const items = [];
    path.personIds.forEach((id, j) => {
      items.push(h('li', { class: 'node' }, h('a', { href: `#/person/${id}` }, ctx.index.label(id))));
      const hop = path.hops[j];
      if (!hop) return;
      const weakest = path.weakestHop?.index === j;
      items.push(h('li', { class: `hop${weakest ? ' weakest' : ''}`, 'data-testid': weakest ? 'weakest-hop' : 'hop' },
        h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'),
        strengthMeter(hop.strength, { width: 60 }),
        h('span', { class: 'strength' }, `${fmt(hop.strength)}${weakest ? ' weakest link' : ''}`),
        h('span', { class: 'why' }, hop.why.length
          ? `${hop.relationshipType.replace(/_/g, ' ')}: ` + hop.why.map((w) => `${w.name.replace(/_/g, ' ')} +${fmt(w.contribution, 3)}`).join(', ')
          : `${hop.relationshipType.replace(/_/g, ' ')} (declared strength)`)));
    });
    return h('li', { class: 'path', 'data-testid': 'path' },
      h('p', { class: 'path-score' }, `Path ${i + 1}: score ${fmt(path.score, 3)} (product of hop strengths), ${path.hops.length} hop${path.hops.length === 1 ? '' : 's'}`),
      h('ol', { class: 'chain', 'aria-label': `Path ${i + 1}` }, items));
  }

  return {
    show(targetId) {
      if (targetId) target = { kind: 'person', id: targetId };
      render();
    },
  };
}
