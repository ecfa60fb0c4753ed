// Crypto: two tabs, Top Movers (crypto.movers) and Live Ticker (crypto.ticker).
// Both panels stay rendered and only their visibility toggles, so switching
// tabs never reloads or blanks anything.
import { flash, h, mount, setText } from '../lib/dom.js';
import { compactUsd, direction, pct, price } from '../lib/format.js';
import { createCard, gateBody } from './card.js';

const MOVERS = 'crypto.movers';
const TICKER = 'crypto.ticker';
const TAB_KEY = 'flux.crypto.tab';
const HISTORY = 60; // prices kept per product for the sparkline
const HISTORY_KEY = 'flux.crypto.history';

// Sparkline history survives a reload of the tab (sessionStorage).
function loadHistory() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(HISTORY_KEY) ?? 'null');
    if (saved && typeof saved === 'object') return new Map(Object.entries(saved).filter(([, v]) => Array.isArray(v)));
  } catch { /* ignore */ }
  return new Map();
}

function loadTab() {
  try { return localStorage.getItem(TAB_KEY) === 'ticker' ? 'ticker' : 'movers'; } catch { return 'movers'; }
}

function panelSkeleton(key) {
  return h('div', { class: 'skeleton', testid: `${key}-skeleton`, 'aria-busy': 'true' },
    Array.from({ length: 8 }, (_, i) => h('div', { class: `sk-line sk-${i % 3}` })));
}

/** Points of a sparkline for `values` in a w×h box (2 px padding). */
export function sparkPoints(values, w = 120, hgt = 32) {
  if (!values.length) return '';
  if (values.length === 1) return `0,${hgt / 2} ${w},${hgt / 2}`;
  const min = Math.min(...values), max = Math.max(...values);
  const span = max - min || 1;
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  return values.map((v, i) => {
    const x = values.length > 1 ? i * step : w / 2;
    const y = max === min ? hgt / 2 : 2 + (hgt - 4) * (1 - (v - min) / span);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  }).join(' ');
}

export function cryptoCard(client) {
  let tab = loadTab();
  const tabs = {
    movers: h('button', { type: 'button', role: 'tab', id: 'crypto-tab-movers', class: 'tab', testid: 'crypto-tab-movers', 'aria-controls': 'crypto-panel-movers' }, 'Top Movers'),
    ticker: h('button', { type: 'button', role: 'tab', id: 'crypto-tab-ticker', class: 'tab', testid: 'crypto-tab-ticker', 'aria-controls': 'crypto-panel-ticker' },
      h('span', { class: 'live-dot', 'aria-hidden': 'true' }), 'Live Ticker'),
  };
  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Crypto views' }, tabs.movers, tabs.ticker);
  const card = createCard({ key: 'crypto', title: 'Crypto', actions: tablist });

  const moversBody = h('div', { class: 'panel-body' }, panelSkeleton('crypto-movers'));
  const tickerRows = h('div', { class: 'ticker-rows', testid: 'ticker-rows' });
  const tickerBody = h('div', { class: 'panel-body' }, panelSkeleton('crypto-ticker'));
  const panels = {
    movers: h('div', { role: 'tabpanel', id: 'crypto-panel-movers', class: 'panel', testid: 'crypto-panel-movers', 'aria-labelledby': 'crypto-tab-movers' }, moversBody),
    ticker: h('div', { role: 'tabpanel', id: 'crypto-panel-ticker', class: 'panel', testid: 'crypto-panel-ticker', 'aria-labelledby': 'crypto-tab-ticker' }, tickerBody),
  };
  card.setContent(panels.movers, panels.ticker);

  function select(next, focus = false) {
    tab = next;
    try { localStorage.setItem(TAB_KEY, tab); } catch { /* ignore */ }
    for (const k of ['movers', 'ticker']) {
      const on = k === tab;
      tabs[k].setAttribute('aria-selected', on ? 'true' : 'false');
      tabs[k].tabIndex = on ? 0 : -1;
      tabs[k].classList.toggle('active', on);
      panels[k].hidden = !on;
    }
    card.root.dataset.tab = tab;
    if (focus) tabs[tab].focus();
    renderMeta();
  }
  tabs.movers.addEventListener('click', () => select('movers'));
  tabs.ticker.addEventListener('click', () => select('ticker'));
  tablist.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      select(tab === 'movers' ? 'ticker' : 'movers', true);
    }
  });

  client.subscribe(MOVERS);
  client.subscribe(TICKER);

  // -- top movers ---------------------------------------------------------------

  function renderMovers() {
    const st = client.room(MOVERS);
    if (gateBody(moversBody, 'crypto-movers', st.forbidden, () => panelSkeleton('crypto-movers'))) return;
    if (!st.hasData || !st.data) return;
    const d = st.data;
    const top = Array.isArray(d.top) ? d.top : [];
    const mini = (title, list, kind) => h('div', { class: `mini mini-${kind}` },
      h('h3', { class: 'group-title' }, h('span', { class: `tri ${kind}` }), title),
      Array.isArray(list) && list.length
        ? h('ul', { class: 'mini-list' }, list.map((c) =>
          h('li', null, h('span', { class: 'sym' }, c.symbol), h('span', { class: 'num muted' }, price(c.price)),
            h('span', { class: `pill ${direction(c.change_24h_pct)}` }, pct(c.change_24h_pct)))))
        : h('p', { class: 'empty' }, 'None right now.'));
    mount(moversBody,
      h('div', { class: 'coin-table', role: 'table', 'aria-label': 'Top coins by market cap', testid: 'crypto-movers-table' },
        h('div', { class: 'coin-row head', role: 'row' },
          ['#', 'Coin', 'Price', '1h', '24h', 'Market cap', 'Volume 24h'].map((c, i) => h('span', { role: 'columnheader', class: `c${i}` }, c))),
        top.map((c, i) => h('div', { class: 'coin-row', role: 'row', testid: 'crypto-mover-row', dataset: { symbol: c.symbol } },
          h('span', { class: 'c0 muted num', role: 'cell' }, String(i + 1)),
          h('span', { class: 'c1', role: 'cell' }, h('span', { class: 'coin-name' }, c.name), h('span', { class: 'sym muted' }, c.symbol)),
          h('span', { class: 'c2 num strong', role: 'cell' }, `$${price(c.price)}`),
          h('span', { class: `c3 num ${direction(c.change_1h_pct)}`, role: 'cell' }, pct(c.change_1h_pct)),
          h('span', { class: `c4 num`, role: 'cell' }, h('span', { class: `pill ${direction(c.change_24h_pct)}` }, pct(c.change_24h_pct))),
          h('span', { class: 'c5 num muted', role: 'cell' }, compactUsd(c.market_cap)),
          h('span', { class: 'c6 num muted', role: 'cell' }, compactUsd(c.volume_24h))))),
      h('div', { class: 'minis' }, mini('24h gainers', d.gainers_24h, 'up'), mini('24h losers', d.losers_24h, 'down')));
  }

  // -- live ticker --------------------------------------------------------------

  const rows = new Map(); // product → {row, price, change, range, spark, line, area, history, last}
  const savedHistory = loadHistory();
  addEventListener('pagehide', () => {
    try {
      sessionStorage.setItem(HISTORY_KEY, JSON.stringify(Object.fromEntries([...rows].map(([k, r]) => [k, r.history]))));
    } catch { /* quota or private mode */ }
  });

  function makeRow(product) {
    const [base, quote] = product.split('-');
    const line = h('polyline', { class: 'line', points: '' });
    const area = h('polygon', { class: 'area', points: '' });
    const spark = h('svg', { class: 'spark', viewBox: '0 0 120 32', preserveAspectRatio: 'none', testid: 'ticker-sparkline', 'aria-hidden': 'true' }, area, line);
    const r = {
      history: (savedHistory.get(product) ?? []).filter(Number.isFinite).slice(-HISTORY),
      last: null,
      priceEl: h('span', { class: 'c1 num strong price', testid: 'ticker-price' }),
      changeEl: h('span', { class: 'pill' }),
      rangeEl: h('span', { class: 'c4 num muted range' }),
      spark, line, area,
    };
    r.row = h('div', { class: 'tick-row', testid: 'ticker-row', dataset: { product } },
      h('span', { class: 'c0 pair' }, h('span', { class: 'sym' }, base ?? product), h('span', { class: 'muted quote' }, quote ? ` / ${quote}` : '')),
      r.priceEl,
      h('span', { class: 'c2 spark-cell' }, spark),
      h('span', { class: 'c3 num', testid: 'ticker-change' }, r.changeEl),
      r.rangeEl);
    // rows stay in alphabetical order whenever a product first appears
    const next = [...rows.keys()].filter((k) => k > product).sort()[0];
    tickerRows.insertBefore(r.row, next ? rows.get(next).row : null);
    rows.set(product, r);
    return r;
  }

  function updateRow(product, v) {
    if (!v || typeof v !== 'object') return;
    const r = rows.get(product) ?? makeRow(product);
    const p = Number(v.price);
    if (Number.isFinite(p)) {
      if (r.last !== null && p !== r.last) {
        const up = p > r.last;
        flash(r.priceEl, up ? 'flash-up' : 'flash-down', ['flash-up', 'flash-down']);
      }
      if (r.last !== p || !r.history.length) {
        r.history.push(p);
        if (r.history.length > HISTORY) r.history.splice(0, r.history.length - HISTORY);
      }
      r.last = p;
      setText(r.priceEl, `$${price(p)}`);
      r.priceEl.dataset.price = String(p);
      const pts = sparkPoints(r.history);
      r.line.setAttribute('points', pts);
      r.area.setAttribute('points', pts ? `0,32 ${pts} 120,32` : '');
      const trend = r.history.length > 1 ? direction(r.history[r.history.length - 1] - r.history[0]) : 'flat';
      r.spark.setAttribute('class', `spark ${trend}`);
    }
    const dir = direction(v.change_24h_pct);
    setText(r.changeEl, pct(v.change_24h_pct));
    r.changeEl.className = `pill ${dir}`;
    setText(r.rangeEl, `${price(v.low_24h)} – ${price(v.high_24h)}`);
  }

  function ensureTickerShown() {
    if (tickerRows.parentNode !== tickerBody) {
      mount(tickerBody,
        h('div', { class: 'tick-row head', role: 'presentation' },
          ['Pair', 'Price', 'Trend', '24h', '24h range'].map((c, i) => h('span', { class: `c${i}` }, c))),
        tickerRows);
    }
  }

  function onTickerFrame(change, st) {
    if (!st.hasData || !st.data) return;
    ensureTickerShown();
    if (change.kind === 'update') {
      updateRow(change.key, st.data[change.key]);
      return;
    }
    if (change.kind === 'snapshot') {
      // a snapshot replaces the state: keep rows (and their history) of
      // products still there, drop the others
      const keys = Object.keys(st.data);
      for (const [k, r] of rows) if (!keys.includes(k)) { r.row.remove(); rows.delete(k); }
      for (const k of keys) updateRow(k, st.data[k]);
    }
  }

  // a forbidden ticker drops its rows (prices and history) for "no access"
  function renderTickerAccess() {
    const { forbidden } = client.room(TICKER);
    if (forbidden) {
      for (const r of rows.values()) r.row.remove();
      rows.clear();
    }
    gateBody(tickerBody, 'crypto-ticker', forbidden, () => panelSkeleton('crypto-ticker'));
  }

  client.addEventListener('frame', (e) => {
    if (e.detail.room === TICKER) onTickerFrame(e.detail.change, e.detail.state);
  });

  // -- card chrome --------------------------------------------------------------

  function renderMeta() {
    const active = client.room(tab === 'movers' ? MOVERS : TICKER);
    card.setUpdated(active.updatedAt);
    card.setStatus([
      { label: 'Top movers', status: client.room(MOVERS).status },
      { label: 'Live ticker', status: client.room(TICKER).status },
    ]);
    card.root.dataset.ready = client.room(MOVERS).hasData && client.room(TICKER).hasData ? 'true' : 'false';
    const denied = [MOVERS, TICKER].filter((r) => client.room(r).forbidden).length;
    card.root.dataset.access = ['granted', 'partial', 'forbidden'][denied];
  }

  select(tab);

  return {
    card,
    root: card.root,
    rooms: () => [MOVERS, TICKER],
    render(room) {
      if (room === MOVERS) renderMovers();
      if (room === TICKER) renderTickerAccess();
      renderMeta();
    },
  };
}
