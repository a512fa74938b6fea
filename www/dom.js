// DOM helpers. Data only ever reaches the page as text nodes or attribute
// values set through the DOM (never innerHTML), so an imported name like
// `<img onerror=…>` stays text.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Bidi embedding, override and isolate controls: a name holding U+202E would
// turn the text around it (an intro path, "Merged A into B", a heading)
// backwards. Text shows each as a visible mark instead ("[U+202E]"): it
// does nothing, and the user sees that the value holds it (an email with
// one is not the plain address it looks like). Right-to-left letters still
// read as they should. (A textarea keeps them: it holds the data edited.)
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
export const shown = (text) => String(text).replace(BIDI_CONTROLS, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase()}]`);

function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = shown(v);
    else if (k === 'class') el.setAttribute('class', v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k in el && !(el instanceof SVGElement) && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(el.tagName === 'TEXTAREA' ? String(c) : shown(c)));
  }
  return el;
}

/** h('button', { class: 'x', onclick }, 'label', child…) — strings become text nodes. */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** The same for SVG elements. */
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

export const $ = (id) => document.getElementById(id);

/** Shows an error (a WigError's code, field and reason) in a live region. */
export function showError(target, error, prefix = '') {
  const code = error?.code ? `${error.code}${error.field ? ` (${error.field})` : ''}: ` : '';
  const reason = error?.reason ?? error?.message ?? String(error);
  target.replaceChildren(h('p', { class: 'error', role: 'alert', dataset: { code: error?.code ?? 'ERROR' } }, `${prefix}${code}${reason}`));
}

export const fmt = (x, digits = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–');

/** Lets the browser paint before a long synchronous call. */
export const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
