// Network view: a person's strongest contacts, the ties among them and a few
// second-degree contacts, drawn with cytoscape.js (loaded on first use from
// /vendor/, cached by the service worker). Built from edgesOf(), which costs
// each person's degree, so it stays quick on large graphs. The list beside
// the canvas is the keyboard way through the same graph.
import { $, h, fmt, showError } from '../dom.js';

const FIRST = 25; // strongest direct contacts shown
const SECOND = 2; // strongest outside contacts shown per direct contact
const MAX_NODES = 70;

let cytoscapeModule;
const loadCytoscape = () => (cytoscapeModule ??= import('../vendor/cytoscape/cytoscape.esm.min.mjs').then((m) => m.default));

/** Nodes and edges around `center` (exported for tests of the view's data). */
export function neighbourhood(graph, center) {
  const level = new Map([[center, 0]]);
  const edges = new Map();
  const first = graph.edgesOf(center).slice(0, FIRST);
  for (const e of first) {
    level.set(e.fromPersonId === center ? e.toPersonId : e.fromPersonId, 1);
    edges.set(e.id, e);
  }
  const outside = [];
  for (const [id, l] of [...level]) {
    if (l !== 1) continue;
    let added = 0;
    for (const e of graph.edgesOf(id)) {
      const other = e.fromPersonId === id ? e.toPersonId : e.fromPersonId;
      if (level.has(other) && level.get(other) <= 1) edges.set(e.id, e);
      else if (added < SECOND) { outside.push([other, e]); added++; }
    }
  }
  for (const [other, e] of outside) {
    if (level.size >= MAX_NODES && !level.has(other)) continue;
    if (!level.has(other)) level.set(other, 2);
    edges.set(e.id, e);
  }
  return { level, edges: [...edges.values()] };
}

export function mountNetwork(ctx) {
  let cy = null;
  let center = null;
  let refocus = false; // re-centred from the list: focus the new centre's heading

  async function render() {
    $('network-error').replaceChildren();
    // A centre merged away since: its survivor.
    const id = ctx.current(center ?? ctx.me ?? ctx.graph.listPeople({ limit: 1 }).items[0]?.id);
    if (!id) {
      $('network-center').textContent = 'the graph is empty';
      return;
    }
    let data;
    try {
      data = neighbourhood(ctx.graph, id);
    } catch (e) {
      // Nothing of the previous centre stays beside the error; the tab goes
      // back to the default centre next time.
      center = null;
      $('network-center').textContent = '';
      $('network-list').replaceChildren();
      cy?.destroy();
      cy = null;
      showError($('network-error'), e);
      return;
    }
    $('network-center').textContent = ctx.index.label(id);
    if (refocus) {
      refocus = false;
      $('network-h').focus();
    }
    const label = (pid) => ctx.index.label(pid);
    const direct = data.edges.filter((e) => e.fromPersonId === id || e.toPersonId === id);
    $('network-list').replaceChildren(...direct.map((e) => {
      const other = e.fromPersonId === id ? e.toPersonId : e.fromPersonId;
      return h('li', {},
        h('button', { type: 'button', class: 'result', 'data-testid': 'network-contact', onclick: () => { refocus = true; ctx.navigate(`network/${other}`); } },
          `${label(other)} — ${fmt(e.strength)}`),
        ' ', h('a', { href: `#/person/${other}`, 'aria-label': `Person page of ${label(other)}` }, 'page'));
    }));
    let cytoscape;
    try {
      cytoscape = await loadCytoscape();
    } catch (e) {
      showError($('network-error'), e, 'The network library did not load: ');
      return;
    }
    cy?.destroy();
    cy = cytoscape({
      container: $('network-canvas'),
      elements: [
        ...[...data.level].map(([pid, l]) => ({ data: { id: pid, label: label(pid), level: l }, classes: `l${l}` })),
        ...data.edges.map((e) => ({ data: { id: e.id, source: e.fromPersonId, target: e.toPersonId, strength: e.strength } })),
      ],
      style: [
        { selector: 'node', style: { label: 'data(label)', 'font-size': 10, 'background-color': '#7aa7d6', width: 14, height: 14, color: '#1d232b', 'text-valign': 'bottom', 'text-margin-y': 3 } },
        { selector: 'node.l0', style: { 'background-color': '#d9480f', width: 26, height: 26, 'font-size': 13, 'font-weight': 'bold' } },
        { selector: 'node.l2', style: { 'background-color': '#c3ccd6', 'font-size': 8 } },
        { selector: 'edge', style: { width: 'mapData(strength, 0, 1, 0.5, 7)', 'line-color': '#6b7d90', opacity: 'mapData(strength, 0, 1, 0.25, 0.9)', 'curve-style': 'haystack' } },
      ],
      layout: { name: 'concentric', concentric: (n) => 3 - n.data('level'), levelWidth: () => 1, minNodeSpacing: 12, animate: false },
    });
    cy.on('tap', 'node', (evt) => {
      const pid = evt.target.id();
      if (pid !== id) ctx.navigate(`network/${pid}`);
    });
    $('network-canvas').dataset.nodes = String(cy.nodes().length);
    $('network-canvas').dataset.edges = String(cy.edges().length);
    $('network-canvas').setAttribute('aria-label', `Network of ${label(id)}: ${cy.nodes().length} people, ${cy.edges().length} ties (the list beside it has the direct contacts)`);
  }

  return {
    show(id) {
      if (id) center = id;
      return render();
    },
  };
}
