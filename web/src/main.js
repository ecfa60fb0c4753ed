// Flux dashboard: one WebSocket to the gateway, four cards.
import './styles.css';
import { authNotice } from './auth-notice.js';
import { TokenAuth } from './lib/auth.js';
import { FluxClient } from './lib/client.js';
import { h, setClock, setText } from './lib/dom.js';
import { ago } from './lib/format.js';
import { logo } from './lib/icons.js';
import { forgetToken, saveToken, takeTokenFromAddress } from './lib/token-store.js';
import { cryptoCard } from './cards/crypto.js';
import { newsCard } from './cards/news.js';
import { stocksCard } from './cards/stocks.js';
import { weatherCard } from './cards/weather.js';

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
// The token: from ?token= once (then sessionStorage), renewed through the
// page's hook window.fluxDashboard.getToken (web/README.md).
const auth = new TokenAuth({
  token: takeTokenFromAddress(),
  hook: () => globalThis.fluxDashboard?.getToken,
  store: { save: saveToken, forget: forgetToken },
});
const client = new FluxClient(wsUrl, { auth });
const accessNotice = authNotice(auth);

// -- layout -------------------------------------------------------------------

const weather = weatherCard(client);
const news = newsCard(client);
const stocks = stocksCard(client);
const crypto = cryptoCard(client);
const cards = [weather, news, stocks, crypto];

const badgeLabel = h('span', { class: 'badge-label' });
const badgeDetail = h('span', { class: 'badge-detail' });
const badge = h('div', { class: 'badge', testid: 'connection-badge', role: 'status', 'aria-live': 'polite', dataset: { state: 'connecting' } },
  h('span', { class: 'dot', 'aria-hidden': 'true' }), badgeLabel, badgeDetail);
const sessionEl = h('span', { class: 'mono', testid: 'session-id' }, '—');
const noticeText = h('span');
const notice = h('div', { class: 'notice', testid: 'connection-notice', role: 'status', hidden: true }, noticeText);

document.getElementById('app').replaceChildren(
  h('header', { class: 'topbar' },
    h('div', { class: 'brand' }, logo(28), h('span', { class: 'brand-name' }, 'Flux'), h('span', { class: 'brand-sub' }, 'Real-time dashboard')),
    badge),
  notice,
  accessNotice.root,
  h('main', { class: 'grid' },
    h('div', { class: 'col col-a' }, weather.root, news.root),
    h('div', { class: 'col col-b' }, crypto.root, stocks.root)),
  h('footer', { class: 'footer' },
    h('span', null, 'Streaming from ', h('span', { class: 'mono' }, wsUrl.replace(/^wss?:\/\//, '').replace(/\/ws$/, '') + '/ws')),
    h('span', null, 'session ', sessionEl)));

// -- connection badge ---------------------------------------------------------

const LABELS = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline', unauthorized: 'Not authorized' };

function renderBadge() {
  const s = client.state;
  badge.dataset.state = s;
  setText(badgeLabel, LABELS[s] ?? s);
  let detail = '';
  if ((s === 'reconnecting' || s === 'offline') && client.nextRetryAt) {
    const secs = Math.max(0, Math.ceil((client.nextRetryAt - Date.now()) / 1000));
    detail = secs > 0 ? `retry in ${secs} s` : 'retrying…';
  }
  setText(badgeDetail, detail);
  // the notice appears only when an outage lasts (not for a quick blip)
  const down = s === 'offline' || (s === 'reconnecting' && Date.now() - client.since > 1500);
  notice.hidden = !down;
  if (down) {
    setText(noticeText, client.connects > 0
      ? 'Connection to the gateway lost. Showing the last data received; reconnecting automatically and resuming where it left off.'
      : 'Cannot reach the gateway yet. Retrying automatically.');
  }
  badgeDetail.hidden = !detail;
  badge.title = s === 'live'
    ? `Connected (session ${client.session ?? '?'})`
    : `Disconnected${client.lastCloseReason ? `: ${client.lastCloseReason}` : ''}`;
}

client.addEventListener('state', () => {
  renderBadge();
  document.documentElement.dataset.connection = client.state;
});

// the weather.* rooms this client may see (asked again when a refresh changes them)
function loadRooms() {
  client.request('rooms').then((answer) => {
    const names = (answer.rooms ?? []).map((r) => r.name).filter((n) => n.startsWith('weather.')).sort();
    weather.setRooms(names);
  }, () => { /* keep the current choice; asked again on the next connect */ });
}

client.addEventListener('hello', () => {
  setText(sessionEl, client.session ?? '—');
  loadRooms();
});
client.addEventListener('authed', () => { if (client.state === 'live') loadRooms(); });

client.addEventListener('servererror', (e) => {
  const { frame: f, room } = e.detail;
  if (f.code === 'unknown_room' && room) weather.onUnknownRoom(room);
  console.warn('flux:', f.code, f.message, room ?? '');
});

// -- rendering: once per animation frame for the rooms that changed -------------

const dirty = new Set();
let scheduled = false;

function flush() {
  scheduled = false;
  const rooms = [...dirty];
  dirty.clear();
  for (const card of cards) {
    const mine = card.rooms();
    for (const r of rooms) if (mine.includes(r)) card.render(r);
  }
}

client.addEventListener('flush', (e) => {
  for (const r of e.detail.rooms) dirty.add(r);
  if (!dirty.size || scheduled) return;
  scheduled = true;
  // rAF does not run in a hidden tab: fall back to a timer there
  if (document.hidden) setTimeout(flush, 250);
  else requestAnimationFrame(flush);
});

// -- the clock: relative times and the badge countdown --------------------------

function tick() {
  const now = client.now();
  for (const el of document.querySelectorAll('[data-ago]')) {
    const ts = Number(el.dataset.ago);
    if (!el.dataset.ago || !Number.isFinite(ts)) continue;
    setText(el, `${el.dataset.prefix ?? ''}${ago(ts, now)}`);
  }
  renderBadge();
}
setInterval(tick, 1000);
setClock(() => client.now());

// -- browser hints --------------------------------------------------------------

window.addEventListener('online', () => client.retryNow());
window.addEventListener('offline', () => client.goneOffline());
document.addEventListener('visibilitychange', () => { if (!document.hidden) client.retryNow(); });

for (const card of cards) for (const r of card.rooms()) card.render(r);
renderBadge();
client.start();

// for diagnostics in the console and for the browser test
window.__flux = { client, auth };
