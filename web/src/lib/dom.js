// A tiny DOM builder: h('div', {class: 'x', testid: 'y'}, child, 'text').

import { ago } from './format.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const SVG_TAGS = new Set(['svg', 'path', 'polyline', 'polygon', 'circle', 'line', 'rect', 'g', 'defs', 'linearGradient', 'stop']);

export function h(tag, props, ...children) {
  const el = SVG_TAGS.has(tag) ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.setAttribute('class', v);
      else if (k === 'testid') el.dataset.testid = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Sets text only when it differs (avoids needless layout work). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

let clockFn = () => Date.now();
/** The clock relative times are measured against (server time). */
export function setClock(fn) { clockFn = fn; }

/** Sets a relative time element; main.js keeps it current every second. */
export function setAgo(el, ts) {
  const ok = Number.isFinite(ts);
  el.dataset.ago = ok ? String(ts) : '';
  if (ok) {
    el.dateTime = new Date(ts).toISOString();
    setText(el, `${el.dataset.prefix ?? ''}${ago(ts, clockFn())}`);
  }
}

/** A relative time element ("3 s ago"). */
export function agoEl(ts, prefix = '', testid) {
  const el = h('time', { class: 'ago', testid, dataset: { prefix } });
  setAgo(el, ts);
  return el;
}

/** Restarts a CSS animation class on an element. */
export function flash(el, cls, others = []) {
  for (const o of others) el.classList.remove(o);
  el.classList.remove(cls);
  void el.offsetWidth; // reflow so the animation runs again
  el.classList.add(cls);
}
