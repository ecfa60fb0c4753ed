// The dashboard in a real browser: Debian's Chromium, headless, driven by
// playwright-core, against the real flux binary serving web/dist.
//
// Needs: /usr/bin/chromium (apt-get install chromium), playwright-core
// (npm ci in tests/node) and a built dashboard (npm ci && npm run build in
// web/). A missing piece FAILS the test with a message saying what to do;
// nothing is skipped. Screenshots go to tests/artifacts/ (ignored by git).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { startFlux, bounded } from './lib/flux.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE_DIR = process.env.FLUX_SOURCE_DIR ?? path.resolve(HERE, '../..');
const WEB_ROOT = path.join(SOURCE_DIR, 'web', 'dist');
const ARTIFACTS = path.join(SOURCE_DIR, 'tests', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];
const FLUX_ARGS = [`--gateway.web-root=${WEB_ROOT}`, '--domains.weather-interval-ms=500',
  '--domains.news-interval-ms=1000', '--domains.stocks-interval-ms=1000',
  '--domains.crypto-markets-interval-ms=1000', '--domains.crypto-ticker-interval-ms=250'];
const CARDS = ['weather', 'news', 'stocks', 'crypto'];

const sel = (testid, extra = '') => `[data-testid="${testid}"]${extra}`;
// A relative time as the dashboard writes it (web/src/lib/format.js ago()).
const AGO = /^(just now|\d+ (s|min|h|d) ago)$/;
const UPDATED = /^updated (just now|\d+ (s|min|h|d) ago)$/;

// What the test needs; anything missing fails it (never a silent skip).
let chromium;
const problems = [];
if (!fs.existsSync(CHROMIUM))
  problems.push(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_BIN`);
if (!fs.existsSync(path.join(WEB_ROOT, 'index.html')) || !fs.existsSync(path.join(WEB_ROOT, 'assets', 'app.js')))
  problems.push(`the dashboard is not built in ${WEB_ROOT}: run 'npm ci && npm run build' in web/`);
try {
  ({ chromium } = await import('playwright-core'));
} catch (err) {
  problems.push(`playwright-core is missing: run 'npm ci' in tests/node (${err.message})`);
}

it('has Chromium, playwright-core and a built dashboard', () => {
  assert.deepEqual(problems, []);
});

describe('dashboard in Chromium', { timeout: 180000 }, () => {
  let browser;
  let page;
  let flux;
  let flux2;
  let port;
  const pageErrors = [];
  const sent = []; // requests the page sent over its WebSocket
  let sockets = 0;

  before(async () => {
    if (problems.length) throw new Error(`cannot run the browser test: ${problems.join('; ')}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    flux = await startFlux(FLUX_ARGS);
    port = flux.port;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30000 });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(10000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('websocket', (ws) => {
      sockets += 1;
      ws.on('framesent', (f) => { try { sent.push(JSON.parse(f.payload)); } catch { /* not JSON */ } });
    });
  });

  after(async () => {
    await bounded(browser?.close(), 10000, () => browser?.process?.()?.kill('SIGKILL'));
    await stopFlux(flux);
    await stopFlux(flux2);
  });

  // Every card shows data (not its skeleton), all within `timeout` ms.
  async function cardsReady(timeout, p = page) {
    const deadline = Date.now() + timeout;
    for (const c of CARDS) {
      await p.waitForSelector(sel(`card-${c}`, '[data-ready="true"]'),
        { timeout: Math.max(1, deadline - Date.now()), state: 'attached' });
    }
  }
  const badgeState = () => page.getAttribute(sel('connection-badge'), 'data-state');
  const tickerPrices = () => page.$$eval(sel('ticker-price'), (els) => els.map((e) => e.dataset.price));
  async function counts() {
    return {
      news: await page.locator(sel('news-item')).count(),
      stocks: await page.locator(sel('stock-row')).count(),
      movers: await page.locator(sel('crypto-mover-row')).count(),
      ticker: await page.locator(sel('ticker-row')).count(),
      weather: (await page.textContent(sel('weather-temp')) ?? '').trim(),
    };
  }
  function assertPopulated(c, when) {
    assert.ok(c.news >= 5, `${when}: news items (${c.news})`);
    assert.equal(c.stocks, 10, `${when}: stock rows`);
    assert.equal(c.movers, 10, `${when}: crypto mover rows`);
    assert.ok(c.ticker >= 5, `${when}: ticker rows (${c.ticker})`);
    assert.match(c.weather, /^-?\d+(\.\d)?°C$/, `${when}: weather temperature`);
  }
  // Resolves once some ticker price differs from `prices`.
  function tickerMoves(prices, timeout = 8000) {
    return page.waitForFunction((old) => {
      const now = [...document.querySelectorAll('[data-testid="ticker-price"]')].map((e) => e.dataset.price);
      return now.length > 0 && now.some((p, i) => old[i] !== undefined && p !== old[i]);
    }, prices, { timeout, polling: 100 });
  }

  it('populates all four cards within a few seconds', async () => {
    const t0 = Date.now();
    await page.goto(flux.url, { waitUntil: 'domcontentloaded' });
    await cardsReady(15000); // a cold first load on a loaded 2-core machine
    const elapsed = Date.now() - t0;
    await page.waitForSelector(sel('connection-badge', '[data-state="live"]'), { timeout: 5000 });
    assertPopulated(await counts(), 'first load');
    assert.equal(await page.locator(sel('news-link', '[target="_blank"]')).count(), await page.locator(sel('news-item')).count(),
      'every headline opens in a new tab');
    // Every headline names its source and says when it was published.
    const news = await page.$$eval(sel('news-item'), (items) => items.map((it) => {
      const time = it.querySelector('[data-testid="news-time"]');
      return { source: it.querySelector('[data-testid="news-source"]')?.textContent.trim() ?? '',
        time: time?.textContent.trim() ?? '', datetime: time?.getAttribute('datetime') ?? '' };
    }));
    for (const n of news) {
      assert.ok(n.source.length > 0, `a headline shows its source: ${JSON.stringify(n)}`);
      assert.match(n.time, AGO, `a headline shows its time: ${JSON.stringify(n)}`);
      assert.ok(Number.isFinite(Date.parse(n.datetime)), `machine-readable time: ${JSON.stringify(n)}`);
    }
    // Every card says how fresh its data is.
    for (const c of CARDS) {
      assert.equal(await page.isVisible(sel(`${c}-updated`)), true, `${c} shows its freshness`);
      assert.match((await page.textContent(sel(`${c}-updated`))).trim(), UPDATED, `${c} freshness line`);
    }
    const row = page.locator(sel('stock-row')).first();
    assert.equal(await row.locator('.ohlc').count(), 4, 'a stock row shows open, high, low and prev close');
    const subs = sent.filter((m) => m.op === 'subscribe').map((m) => m.room).sort();
    assert.deepEqual(subs, ['crypto.movers', 'crypto.ticker', 'news.top', 'stocks.movers', 'weather.london']);
    assert.equal(sockets, 1, 'one WebSocket connection');
    console.log(`# cards populated ${elapsed} ms after navigation`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-desktop.png'), fullPage: true });
  });

  it('the live ticker updates: prices change, flash and draw a sparkline', async () => {
    await page.click(sel('crypto-tab-ticker'));
    const before = await tickerPrices();
    assert.ok(before.length >= 5 && before.every((p) => Number.isFinite(Number(p))), `prices: ${before}`);
    await tickerMoves(before);
    await page.waitForSelector('[data-testid="ticker-price"].flash-up, [data-testid="ticker-price"].flash-down', { timeout: 5000, state: 'attached' });
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="ticker-sparkline"] polyline')]
      .some((p) => (p.getAttribute('points') ?? '').split(' ').length >= 3), null, { timeout: 8000 });
    assert.match(await page.locator(sel('ticker-change')).first().textContent(), /^[+−]?\d+\.\d\d%$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-ticker.png'), fullPage: true });
  });

  it('switching crypto tabs keeps the data (no reload, no blank)', async () => {
    const subsBefore = sent.filter((m) => m.op === 'subscribe').length;
    for (let i = 0; i < 3; ++i) {
      await page.click(sel('crypto-tab-movers'));
      assert.equal(await page.isVisible(sel('crypto-panel-movers')), true);
      assert.equal(await page.isHidden(sel('crypto-panel-ticker')), true);
      assert.equal(await page.locator(`${sel('crypto-mover-row')}:visible`).count(), 10, 'movers shown at once');
      assert.equal(await page.locator(sel('crypto-movers-skeleton')).count(), 0);
      const hiddenTicker = await tickerPrices();
      assert.ok(hiddenTicker.length >= 5, 'the ticker stays rendered while hidden');

      await page.click(sel('crypto-tab-ticker'));
      assert.equal(await page.isVisible(sel('crypto-panel-ticker')), true);
      assert.equal(await page.isHidden(sel('crypto-panel-movers')), true);
      assert.ok(await page.locator(`${sel('ticker-row')}:visible`).count() >= 5, 'ticker shown at once');
      assert.equal(await page.locator(sel('crypto-ticker-skeleton')).count(), 0);
      assert.equal(await page.locator(sel('crypto-mover-row')).count(), 10, 'movers stay rendered while hidden');
    }
    assert.equal(sent.filter((m) => m.op === 'subscribe').length, subsBefore, 'tabs do not re-subscribe');
    assert.equal(sockets, 1);
  });

  it('choosing another city shows that city and remembers it across a reload', async () => {
    const options = await page.$$eval(`${sel('weather-city-select')} option`, (os) => os.map((o) => o.value));
    assert.ok(options.includes('weather.tokyo') && options.length >= 6, `city options: ${options}`);
    await page.selectOption(sel('weather-city-select'), 'weather.tokyo');
    await page.waitForSelector(sel('card-weather', '[data-room="weather.tokyo"][data-ready="true"]'), { timeout: 5000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="weather-city"]')?.textContent === 'Tokyo', null, { timeout: 5000 });
    assert.ok(sent.some((m) => m.op === 'unsubscribe' && m.room === 'weather.london'), 'the old city is unsubscribed');
    assert.ok(sent.some((m) => m.op === 'subscribe' && m.room === 'weather.tokyo'), 'the new city is subscribed');
    // weather keeps updating for the new city (observed time moves on)
    const observed = await page.textContent('.wx-stats .stat:nth-child(3) dd');
    await page.waitForFunction((o) => document.querySelector('.wx-stats .stat:nth-child(3) dd')?.textContent !== o, observed, { timeout: 5000 });

    const t0 = Date.now();
    await page.reload({ waitUntil: 'domcontentloaded' });
    await cardsReady(10000);
    console.log(`# after a reload, cards populated in ${Date.now() - t0} ms`);
    assert.equal(await page.textContent(sel('weather-city')), 'Tokyo', 'the choice survives a reload');
    assert.equal(await page.inputValue(sel('weather-city-select')), 'weather.tokyo');
    assert.equal(await page.getAttribute(sel('card-crypto'), 'data-tab'), 'ticker', 'the crypto tab survives a reload');
    assertPopulated(await counts(), 'after reload');
  });

  it('a dropped connection resumes from the last position without blanking', async () => {
    await page.waitForSelector(sel('connection-badge', '[data-state="live"]'), { timeout: 5000 });
    const sentBefore = sent.length;
    const droppedAt = await page.evaluate(() => { window.__flux.client.drop(); return Date.now(); });
    await page.waitForSelector(sel('connection-badge', '[data-state="live"]'), { timeout: 10000 });
    assertPopulated(await counts(), 'right after the reconnect');
    const resubs = sent.slice(sentBefore).filter((m) => m.op === 'subscribe');
    assert.deepEqual(resubs.map((m) => m.room).sort(), ['crypto.movers', 'crypto.ticker', 'news.top', 'stocks.movers', 'weather.tokyo']);
    for (const m of resubs) assert.ok(m.resume && typeof m.resume.epoch === 'string' && Number.isInteger(m.resume.pos), `resume in ${JSON.stringify(m)}`);
    await page.waitForFunction((t) => window.__flux.client.room('crypto.ticker').lastSubscribe?.at >= t, droppedAt, { timeout: 5000 });
    const ticker = await page.evaluate(() => window.__flux.client.room('crypto.ticker').lastSubscribe);
    assert.equal(ticker.resumed, true, `ticker resumed: ${JSON.stringify(ticker)}`);
    await tickerMoves(await tickerPrices());
  });

  it('gateway stop: badge goes reconnecting then offline, cards stay; restart on the same port: live again and updating', async () => {
    const code = await Promise.race([flux.stop(),
      new Promise((resolve) => setTimeout(() => resolve('no exit within 10 s'), 10000).unref())]);
    assert.equal(code, 0, 'flux stops cleanly on SIGTERM');
    flux = null;
    await page.waitForFunction(() => ['reconnecting', 'offline'].includes(
      document.querySelector('[data-testid="connection-badge"]')?.dataset.state), null, { timeout: 5000, polling: 50 });
    assertPopulated(await counts(), 'while reconnecting');
    await page.waitForSelector(sel('connection-badge', '[data-state="offline"]'), { timeout: 10000 });
    assert.match(await page.textContent(sel('connection-badge')), /Offline/);
    assertPopulated(await counts(), 'while offline');
    for (const c of CARDS) assert.equal(await page.getAttribute(sel(`card-${c}`), 'data-ready'), 'true', `${c} stays populated`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-offline.png'), fullPage: true });
    const frozen = await tickerPrices();
    await page.waitForTimeout(600);
    assert.deepEqual(await tickerPrices(), frozen, 'nothing moves while the gateway is down');

    const t0 = Date.now();
    flux2 = await startFlux([...FLUX_ARGS, `--gateway.port=${port}`]);
    assert.equal(flux2.port, port, 'restarted on the same port');
    await page.waitForSelector(sel('connection-badge', '[data-state="live"]'), { timeout: 15000 });
    console.log(`# badge live again ${Date.now() - t0} ms after the restart began`);
    assertPopulated(await counts(), 'after the restart');
    await tickerMoves(frozen, 10000);
    const ticker = await page.evaluate(() => window.__flux.client.room('crypto.ticker').lastSubscribe);
    assert.equal(ticker.resumed, false);
    assert.equal(ticker.reason, 'epoch_changed', 'a restarted embedded log is a new epoch: fresh snapshot');
    assert.equal(await page.textContent(sel('weather-city')), 'Tokyo');
    const observed = await page.textContent('.wx-stats .stat:nth-child(3) dd');
    await page.waitForFunction((o) => document.querySelector('.wx-stats .stat:nth-child(3) dd')?.textContent !== o, observed, { timeout: 5000 });
    await page.waitForFunction(() => /^updated (just now|[0-4] s ago)$/.test(document.querySelector('[data-testid="stocks-updated"]')?.textContent ?? ''), null, { timeout: 5000 });
  });

  it('renders at phone width (375 px) without horizontal overflow, cards stacked; an unknown remembered city falls back', async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      // a remembered city the gateway no longer has falls back to a known one
      await ctx.addInitScript(() => localStorage.setItem('flux.weather.room', 'weather.atlantis'));
      const phone = await ctx.newPage();
      phone.on('pageerror', (err) => pageErrors.push(err.message));
      await phone.goto((flux2 ?? flux).url, { waitUntil: 'domcontentloaded' });
      await cardsReady(10000, phone);
      assert.equal(await phone.inputValue(sel('weather-city-select')), 'weather.london');
      assert.equal(await phone.textContent(sel('weather-city')), 'London');
      await phone.waitForTimeout(300);
      const m = await phone.evaluate(() => ({
        doc: document.documentElement.scrollWidth,
        body: document.body.scrollWidth,
        vw: window.innerWidth,
        cards: [...document.querySelectorAll('[data-testid^="card-"]')].map((el) => {
          const r = el.getBoundingClientRect();
          return { id: el.dataset.testid, left: r.left, right: r.right, top: r.top, width: r.width, scroll: el.scrollWidth - el.clientWidth };
        }),
        wide: [...document.querySelectorAll('body *')].filter((el) => {
          const r = el.getBoundingClientRect();
          return r.width > 0 && r.right > window.innerWidth + 0.5;
        }).map((el) => `${el.tagName.toLowerCase()}.${el.className?.baseVal ?? el.className}`).slice(0, 10),
      }));
      assert.equal(m.vw, 375);
      assert.ok(m.doc <= m.vw && m.body <= m.vw, `page wider than the screen: ${JSON.stringify(m)}`);
      assert.deepEqual(m.wide, [], 'no element sticks out to the right');
      const tops = m.cards.map((c) => c.top);
      for (const c of m.cards) {
        assert.ok(c.left >= 0 && c.right <= 375, `${c.id} fits: ${JSON.stringify(c)}`);
        assert.ok(c.width > 300, `${c.id} uses the width (stacked): ${c.width}`);
        assert.ok(c.scroll <= 0, `${c.id} does not scroll sideways`);
      }
      assert.equal(new Set(tops).size, tops.length, 'cards stack vertically');
      await phone.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    } finally {
      await ctx.close();
    }
  });

  it('shows a stale warning with since and reason, and clears it on recovery', async () => {
    // The simulated sources never fail, so a scripted gateway (same protocol,
    // same dashboard files) plays the source going stale and recovering.
    const fake = await startFakeGateway();
    const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      p.on('pageerror', (err) => pageErrors.push(err.message));
      await p.goto(fake.url, { waitUntil: 'domcontentloaded' });
      await cardsReady(5000, p);
      assert.equal(await p.isHidden(sel('news-stale')), true, 'no warning while fresh');
      const since = Date.now() - 90_000;
      fake.broadcast({ type: 'event', room: 'news.top', epoch: 'fake', pos: 100, id: 'st-1', kind: 'status', ts: Date.now(),
        data: { stale: true, source: 'sim.news', since, reason: 'timeout after 5000 ms' } });
      await p.waitForSelector(sel('news-stale'), { state: 'visible', timeout: 5000 });
      const text = await p.textContent(sel('news-stale'));
      assert.match(text, /timeout after 5000 ms/);
      assert.match(text, /1 min ago/);
      assert.match(text, /sim\.news/);
      assert.equal(await p.getAttribute(sel('card-news'), 'data-stale'), 'true');
      assert.equal(await p.locator(sel('news-item')).count(), 2, 'the last good data stays');
      for (const c of ['weather', 'stocks', 'crypto']) assert.equal(await p.isHidden(sel(`${c}-stale`)), true, `${c} unaffected`);
      await p.screenshot({ path: path.join(ARTIFACTS, 'dashboard-stale.png') });
      fake.broadcast({ type: 'event', room: 'news.top', epoch: 'fake', pos: 101, id: 'st-2', kind: 'status', ts: Date.now(),
        data: { stale: false, source: 'sim.news' } });
      await p.waitForSelector(sel('news-stale'), { state: 'hidden', timeout: 5000 });
      assert.equal(await p.getAttribute(sel('card-news'), 'data-stale'), 'false');

      // a room that is stale when subscribed says so in its snapshot
      fake.status['crypto.ticker'] = { stale: true, source: 'sim.crypto.ticker', since: Date.now() - 5000, reason: 'HTTP 503' };
      await p.reload({ waitUntil: 'domcontentloaded' });
      await p.waitForSelector(sel('crypto-stale'), { state: 'visible', timeout: 5000 });
      assert.match(await p.textContent(sel('crypto-stale')), /Live ticker stale.*HTTP 503/s);
    } finally {
      await p.close();
      await fake.close();
    }
  });

  it('raised no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});


// Stops a flux started here: SIGTERM, then SIGKILL if it does not exit in time.
async function stopFlux(f) {
  if (!f || f.child.exitCode !== null || f.child.signalCode !== null) return;
  await bounded(f.stop(), 10000, () => f.child.kill('SIGKILL'));
}

// A scripted stand-in for the gateway: serves web/dist and speaks the native
// protocol with fixed snapshots, so a test can push any frame to the page.
async function startFakeGateway() {
  const now = Date.now();
  const coin = (symbol, name, price) => ({ id: name.toLowerCase(), symbol, name, price, change_1h_pct: 0.1,
    change_24h_pct: -1.2, market_cap: price * 1e7, volume_24h: price * 1e5 });
  const stock = (symbol, price, prev) => ({ symbol, price, change: price - prev, change_pct: ((price - prev) / prev) * 100,
    open: prev, high: price + 1, low: prev - 1, prev_close: prev });
  const data = {
    'news.top': { items: [
      { id: 'a', title: 'Fixture headline one', source: 'Test Wire', url: 'https://news.example.com/a', published_at: now - 60_000 },
      { id: 'b', title: 'Fixture headline two', source: 'Test Wire', url: 'https://news.example.com/b', published_at: now - 120_000 }] },
    'weather.london': { city: 'London', lat: 51.51, lon: -0.13, temperature_c: 11.4, apparent_c: 10.8, humidity_pct: 71,
      wind_kph: 13.2, wind_dir_deg: 240, weather_code: 3, condition: 'Overcast', observed_at: now },
    'stocks.movers': { gainers: [stock('AAA', 101, 100)], losers: [stock('ZZZ', 99, 100)], as_of: now },
    'crypto.movers': { top: [coin('BTC', 'Bitcoin', 67000)], gainers_24h: [coin('BTC', 'Bitcoin', 67000)], losers_24h: [], as_of: now },
    'crypto.ticker': { 'BTC-USD': { product: 'BTC-USD', price: 67000, open_24h: 66000, high_24h: 67100, low_24h: 65900,
      volume_24h: 4e10, change_24h_pct: 1.5, time: now } },
  };
  const status = {};
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.map': 'application/json' };
  const server = http.createServer((req, res) => {
    let file = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (file.endsWith('/')) file += 'index.html';
    const full = path.join(WEB_ROOT, path.normalize(file));
    if (!full.startsWith(WEB_ROOT) || !fs.existsSync(full) || !fs.statSync(full).isFile()) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': types[path.extname(full)] ?? 'application/octet-stream' });
    fs.createReadStream(full).pipe(res);
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  const clients = new Set();
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.send(JSON.stringify({ type: 'hello', protocol: 1, session: 'fake-1', max_frame: 65536, heartbeat_ms: 15000 }));
    ws.on('message', (raw) => {
      const r = JSON.parse(raw.toString());
      if (r.op === 'subscribe') {
        ws.send(JSON.stringify([
          { type: 'subscribed', id: r.id, room: r.room, epoch: 'fake', pos: 1, resumed: false, reason: null, missed: 0 },
          { type: 'snapshot', room: r.room, class: r.room === 'crypto.ticker' ? 'stream' : 'snapshot', epoch: 'fake', pos: 1,
            ts: Date.now(), data: data[r.room] ?? null, status: status[r.room] ?? null }]));
      } else if (r.op === 'unsubscribe') {
        ws.send(JSON.stringify({ type: 'unsubscribed', id: r.id, room: r.room }));
      } else if (r.op === 'rooms') {
        ws.send(JSON.stringify({ type: 'rooms', id: r.id, rooms: Object.keys(data).map((name) => ({ name, class: 'snapshot' })) }));
      } else if (r.op === 'ping') {
        ws.send(JSON.stringify({ type: 'pong', id: r.id, ts: Date.now() }));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    status,
    broadcast(frame) { for (const ws of clients) ws.send(JSON.stringify(frame)); },
    async close() {
      for (const ws of clients) ws.terminate();
      wss.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
