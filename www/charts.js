// SVG charts: the factor breakdown of an edge's strength and the
// explanation waterfall of a duplicate suggestion. Plain SVG built through
// the DOM; every label is a text node.
import { s, fmt } from './dom.js';

const LABEL_W = 110;
const NUM_W = 110;

/**
 * Bar chart of strengthFactors: per factor its value (light bar, 0..1)
 * and its contribution to the strength (dark bar, same scale; the
 * contributions add up to the strength).
 */
export function factorChart(factors, { width = 420 } = {}) {
  const rowH = 18;
  const barW = width - LABEL_W - NUM_W;
  const height = factors.length * rowH + 6;
  const total = factors.reduce((a, f) => a + f.contribution, 0);
  const svg = s('svg', {
    class: 'chart factors', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `Strength ${fmt(total)}: ` + factors.map((f) => `${f.name} value ${fmt(f.value)}, contributes ${fmt(f.contribution, 3)}`).join('; '),
  });
  factors.forEach((f, i) => {
    const y = i * rowH + 3;
    svg.append(
      s('text', { x: 0, y: y + 12, class: 'label' }, f.name.replace(/_/g, ' ')),
      s('rect', { x: LABEL_W, y: y + 1, width: barW, height: rowH - 4, class: 'track' }),
      s('rect', { x: LABEL_W, y: y + 1, width: Math.max(0, Math.min(1, f.value)) * barW, height: rowH - 4, class: 'value' }),
      s('rect', { x: LABEL_W, y: y + 5, width: Math.max(0, Math.min(1, f.contribution)) * barW, height: rowH - 12, class: 'contribution' }),
      s('text', { x: LABEL_W + barW + 6, y: y + 12, class: 'num' }, `${fmt(f.value)} → +${fmt(f.contribution, 3)}`),
    );
  });
  return svg;
}

/**
 * Waterfall of a match explanation, in log2 odds: the prior weight, then
 * each field's weight as a step up (towards "same") or down, then the final
 * match weight with its probability.
 */
export function waterfall(suggestion, { width = 560 } = {}) {
  const steps = [{ label: 'prior', from: 0, to: suggestion.priorWeight, kind: 'prior' }];
  let acc = suggestion.priorWeight;
  for (const f of suggestion.fields) {
    steps.push({ label: `${f.field} (${f.level})`, from: acc, to: acc + f.weight, kind: f.weight >= 0 ? 'up' : 'down', weight: f.weight });
    acc += f.weight;
  }
  steps.push({ label: 'match weight', from: 0, to: suggestion.matchWeight, kind: 'total' });
  const lo = Math.min(0, ...steps.map((x) => Math.min(x.from, x.to)));
  const hi = Math.max(0, ...steps.map((x) => Math.max(x.from, x.to)));
  const rowH = 20;
  const plotW = width - LABEL_W - 40 - NUM_W;
  const x = (v) => LABEL_W + 40 + ((v - lo) / (hi - lo || 1)) * plotW;
  const height = steps.length * rowH + 24;
  const svg = s('svg', {
    class: 'chart waterfall', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `Match explanation: prior ${fmt(suggestion.priorWeight)}, ` +
      suggestion.fields.map((f) => `${f.field} ${f.level} ${f.weight >= 0 ? '+' : ''}${fmt(f.weight)}`).join(', ') +
      `, total ${fmt(suggestion.matchWeight)} log2 odds, probability ${fmt(suggestion.probability, 4)}`,
  });
  svg.append(s('line', { x1: x(0), x2: x(0), y1: 0, y2: steps.length * rowH, class: 'axis' }));
  steps.forEach((st, i) => {
    const y = i * rowH;
    const [a, b] = [Math.min(st.from, st.to), Math.max(st.from, st.to)];
    svg.append(
      s('text', { x: 0, y: y + 14, class: 'label' }, st.label.length > 24 ? `${st.label.slice(0, 23)}…` : st.label),
      s('rect', { x: x(a), y: y + 3, width: Math.max(1, x(b) - x(a)), height: rowH - 6, class: `step ${st.kind}` }),
      s('text', { x: width - NUM_W + 6, y: y + 14, class: 'num' },
        st.kind === 'up' || st.kind === 'down' ? `${st.weight >= 0 ? '+' : ''}${fmt(st.weight)}` : fmt(st.to)),
    );
    if (i > 0 && i < steps.length - 1) {
      // Connector from the previous step's end to this step's start.
      svg.append(s('line', { x1: x(st.from), x2: x(st.from), y1: y - 3, y2: y + 3, class: 'connector' }));
    }
  });
  svg.append(s('text', { x: LABEL_W + 40, y: steps.length * rowH + 16, class: 'num' },
    `log2 odds ${fmt(lo, 1)} … ${fmt(hi, 1)}; probability ${fmt(suggestion.probability, 4)}`));
  return svg;
}

/** A small horizontal strength meter (0..1). */
export function strengthMeter(strength, { width = 80 } = {}) {
  return s('svg', { class: 'meter', width, height: 10, viewBox: `0 0 ${width} 10`, 'aria-hidden': 'true' },
    s('rect', { x: 0, y: 0, width, height: 10, class: 'track' }),
    s('rect', { x: 0, y: 0, width: Math.max(0, Math.min(1, strength)) * width, height: 10, class: 'value' }));
}
