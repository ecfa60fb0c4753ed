// The frame every card shares: title, freshness, stale warning, skeleton.
import { agoEl, h, mount, setAgo } from '../lib/dom.js';
import { clock } from '../lib/format.js';
import { lockIcon, warnIcon } from '../lib/icons.js';

function skeleton(key, lines) {
  return h('div', { class: 'skeleton', testid: `${key}-skeleton`, 'aria-busy': 'true', 'aria-label': 'Loading' },
    Array.from({ length: lines }, (_, i) => h('div', { class: `sk-line sk-${i % 3}` })));
}

/** What a card (or a panel) shows for a room outside the token. */
export function noAccess(key) {
  return h('div', { class: 'no-access', testid: `${key}-no-access`, role: 'status' },
    lockIcon(18),
    h('div', null, h('strong', null, 'No access'),
      h('p', null, 'Your access token does not include this data.')));
}

/**
 * Shows "no access" in `body` while `forbidden`, and the skeleton again
 * once it is not (data follows). Returns `forbidden`.
 */
export function gateBody(body, key, forbidden, skeletonFn) {
  const shown = body.querySelector(`[data-testid="${key}-no-access"]`) !== null;
  if (forbidden && !shown) mount(body, noAccess(key));
  else if (!forbidden && shown) mount(body, skeletonFn());
  return forbidden;
}

/**
 * createCard({key, title, actions, skeletonLines}) → {root, body, …}
 * body shows a skeleton until setContent() is first called.
 */
export function createCard({ key, title, actions = null, skeletonLines = 5, icon = null }) {
  const updated = agoEl(null, 'updated ', `${key}-updated`);
  updated.hidden = true;
  const stale = h('div', { class: 'stale', role: 'status', testid: `${key}-stale`, hidden: true });
  const body = h('div', { class: 'card-body' }, skeleton(key, skeletonLines));
  const root = h('section', { class: `card card-${key}`, testid: `card-${key}`, 'aria-label': title, dataset: { ready: 'false', stale: 'false', access: 'granted' } },
    h('header', { class: 'card-head' },
      h('div', { class: 'card-title' }, icon, h('h2', null, title), updated),
      actions ? h('div', { class: 'card-actions' }, actions) : null),
    stale,
    body);

  return {
    key, root, body,
    /** Replaces the body (the skeleton goes away for good). */
    setContent(...children) {
      mount(body, ...children);
      root.dataset.ready = 'true';
    },
    /** Back to the skeleton (only for a room never seen, e.g. a new city). */
    showSkeleton() {
      if (body.querySelector(`[data-testid="${key}-skeleton"]`)) return;
      mount(body, skeleton(key, skeletonLines));
      root.dataset.ready = 'false';
    },
    /**
     * "No access" instead of the body while `forbidden` (data-access on the
     * card says which); returns `forbidden`, so render() can stop there.
     */
    gate(forbidden) {
      root.dataset.access = forbidden ? 'forbidden' : 'granted';
      if (forbidden) {
        root.dataset.ready = 'false';
        this.setUpdated(null);
        this.setStatus([]);
      }
      return gateBody(body, key, forbidden, () => skeleton(key, skeletonLines));
    },
    /** Source time of the newest data shown. */
    setUpdated(ts) {
      updated.hidden = !Number.isFinite(ts);
      setAgo(updated, ts);
    },
    /** statuses: [{label, status}] — any stale one shows the warning. */
    setStatus(statuses) {
      const bad = statuses.filter((s) => s.status && s.status.stale);
      root.dataset.stale = bad.length ? 'true' : 'false';
      if (!bad.length) {
        if (!stale.hidden) { stale.hidden = true; stale.replaceChildren(); }
        return;
      }
      stale.hidden = false;
      mount(stale, warnIcon(16), h('div', { class: 'stale-text' },
        bad.map(({ label, status }) => h('div', null,
          h('strong', null, label ? `${label} stale` : 'Stale data'),
          ' · not refreshed since ',
          Number.isFinite(status.since) ? [h('span', { class: 'mono' }, clock(status.since)), ' (', agoEl(status.since), ')'] : 'a while',
          status.reason ? [' · ', h('span', { class: 'reason' }, status.reason)] : null,
          status.source ? h('span', { class: 'source' }, ` · ${status.source}`) : null))));
    },
  };
}
