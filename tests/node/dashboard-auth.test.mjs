// The dashboard with per-user tokens (issue 13, docs/auth.md), in Debian's
// Chromium via playwright-core against the real flux with an HS256 key (so
// no room is open without a token). Tokens are signed here with `jose`,
// never by Flux's code; they allow only the crypto rooms (`crypto.*`: the
// crypto card's crypto.movers and crypto.ticker).
//
// - ?token= is taken once: gone from the address bar (no new history entry),
//   kept in sessionStorage, sent as op auth first after hello, before any
//   subscribe; a reload authenticates from sessionStorage.
// - The crypto card is live; weather, news and stocks say "No access".
// - A page hook (window.fluxDashboard.getToken) is called on token_expiring,
//   its token goes out as op auth on the same socket, and the ticker keeps
//   updating past the first token's exp.
// - Without a hook, an expiring token is announced, and after the 4001 the
//   client stops (badge "unauthorized", banner "expired"), no reconnect loop.
//
// Needs what dashboard.test.mjs needs; anything missing FAILS the test.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import { startFlux, bounded } from './lib/flux.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE_DIR = process.env.FLUX_SOURCE_DIR ?? path.resolve(HERE, '../..');
const WEB_ROOT = path.join(SOURCE_DIR, 'web', 'dist');
const ARTIFACTS = path.join(SOURCE_DIR, 'tests', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];
const SECRET = 'flux-dashboard-auth-secret-0123456789abcdef';
const WARNING_MS = 5000; // token_expiring this long before exp
const GRACE_MS = 1000;   // 4001 this long after token_expired
const FLUX_ARGS = [`--gateway.web-root=${WEB_ROOT}`, `--auth.jwt-secret=${SECRET}`,
  `--auth.refresh-warning-ms=${WARNING_MS}`, `--auth.expiry-grace-ms=${GRACE_MS}`,
  '--domains.weather-interval-ms=500', '--domains.news-interval-ms=1000', '--domains.stocks-interval-ms=1000',
  '--domains.crypto-markets-interval-ms=1000', '--domains.crypto-ticker-interval-ms=250'];
const DENIED = ['weather', 'news', 'stocks'];

const sel = (testid, extra = '') => `[data-testid="${testid}"]${extra}`;
const nowS = () => Math.floor(Date.now() / 1000);

function token({ exp = nowS() + 600, rooms = ['crypto.*'], sub = 'ann' } = {}) {
  return new SignJWT({ rooms }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));
}

let chromium;
const problems = [];
if (!fs.existsSync(CHROMIUM))
  problems.push(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_BIN`);
if (!fs.existsSync(path.join(WEB_ROOT, 'assets', 'app.js')))
  problems.push(`the dashboard is not built in ${WEB_ROOT}: run 'npm ci && npm run build' in web/`);
try {
  ({ chromium } = await import('playwright-core'));
} catch (err) {
  problems.push(`playwright-core is missing: run 'npm ci' in tests/node (${err.message})`);
}

it('has Chromium, playwright-core and a built dashboard', () => {
  assert.deepEqual(problems, []);
});

describe('dashboard with tokens in Chromium', { timeout: 180000 }, () => {
  let browser;
  let flux;
  const pageErrors = [];

  before(async () => {
    if (problems.length) throw new Error(`cannot run the browser test: ${problems.join('; ')}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    flux = await startFlux(FLUX_ARGS);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30000 });
  });

  after(async () => {
    await bounded(browser?.close(), 10000, () => browser?.process?.()?.kill('SIGKILL'));
    if (flux && flux.child.exitCode === null && flux.child.signalCode === null)
      await bounded(flux.stop(), 10000, () => flux.child.kill('SIGKILL'));
  });

  // A fresh context (its own sessionStorage) and page, recording every
  // WebSocket with the frames it sent and received.
  async function openPage(setup = async () => {}) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    await setup(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const sockets = [];
    page.on('websocket', (ws) => {
      const s = { sent: [], received: [] };
      sockets.push(s);
      ws.on('framesent', (f) => { try { s.sent.push(JSON.parse(f.payload)); } catch { /* not JSON */ } });
      ws.on('framereceived', (f) => {
        try {
          const m = JSON.parse(f.payload);
          s.received.push(...(Array.isArray(m) ? m : [m]));
        } catch { /* not JSON */ }
      });
    });
    return { context, page, sockets };
  }

  const tickerPrices = (page) => page.$$eval(sel('ticker-price'), (els) => els.map((e) => e.dataset.price));
  function tickerMoves(page, prices, timeout = 8000) {
    return page.waitForFunction((old) => {
      const now = [...document.querySelectorAll('[data-testid="ticker-price"]')].map((e) => e.dataset.price);
      return now.length > 0 && now.some((p, i) => old[i] !== undefined && p !== old[i]);
    }, prices, { timeout, polling: 100 });
  }
  async function cryptoLive(page) {
    await page.waitForSelector(sel('card-crypto', '[data-ready="true"][data-access="granted"]'), { timeout: 15000, state: 'attached' });
    await page.waitForSelector(sel('connection-badge', '[data-state="live"]'));
    await page.click(sel('crypto-tab-ticker'));
    await page.waitForSelector(sel('ticker-row'));
    await tickerMoves(page, await tickerPrices(page));
  }
  async function assertNoAccess(page) {
    for (const c of DENIED) {
      await page.waitForSelector(sel(`card-${c}`, '[data-access="forbidden"]'), { state: 'attached' });
      const text = (await page.textContent(sel(`${c}-no-access`))).trim();
      assert.match(text, /^No access/, `${c} says no access: ${text}`);
      assert.equal(await page.isVisible(sel(`${c}-no-access`)), true, `${c}: the no-access note is visible`);
      assert.equal(await page.locator(sel(`${c}-skeleton`)).count(), 0, `${c}: not loading`);
      assert.equal(await page.getAttribute(sel(`card-${c}`), 'data-ready'), 'false', `${c}: no data shown`);
    }
  }
  // op auth is the first request after hello, and every subscribe comes after its answer
  function assertAuthFirst(s, tok) {
    const ops = s.sent.map((m) => m.op);
    assert.equal(s.sent[0]?.op, 'auth', `first request: ${JSON.stringify(ops)}`);
    assert.equal(s.sent[0].token, tok, 'the token from the address');
    const authed = s.received.findIndex((f) => f.type === 'authed');
    assert.ok(authed > 0, 'authed answered');
    assert.equal(s.received[authed].id, s.sent[0].id);
    assert.deepEqual(s.received[authed].rooms, ['crypto.*']);
    const subs = s.sent.filter((m) => m.op === 'subscribe').map((m) => m.room).sort();
    assert.deepEqual(subs, ['crypto.movers', 'crypto.ticker', 'news.top', 'stocks.movers', 'weather.london']);
  }

  it('takes ?token= once: crypto is live, the other cards say "No access"', async () => {
    const { context, page, sockets } = await openPage();
    const tok = await token();
    await page.goto(`${flux.url}/?token=${tok}#board`, { waitUntil: 'domcontentloaded' });
    await cryptoLive(page);
    await assertNoAccess(page);

    // the address bar lost the token (and only it), without a new history entry
    const url = new URL(page.url());
    assert.equal(url.searchParams.has('token'), false, `address: ${page.url()}`);
    assert.equal(url.pathname + url.search + url.hash, '/#board');
    // about:blank and the dashboard: replaceState added no entry (pushState would make it 3)
    assert.equal(await page.evaluate(() => history.length), 2);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('flux.token')), tok);

    assert.equal(sockets.length, 1);
    assertAuthFirst(sockets[0], tok);
    const forbidden = sockets[0].received.filter((f) => f.code === 'forbidden').map((f) => f.room).sort();
    assert.deepEqual(forbidden, ['news.top', 'stocks.movers', 'weather.london']);
    assert.equal(await page.isVisible(sel('auth-notice')), false, 'no access banner for a good token');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-auth-crypto-only.png'), fullPage: true });

    // a reload has no token in the address: the one in sessionStorage is used
    await page.reload({ waitUntil: 'domcontentloaded' });
    await cryptoLive(page);
    await assertNoAccess(page);
    assert.equal(sockets.length, 2);
    assertAuthFirst(sockets[1], tok);
    await context.close();
  });

  it('refreshes through the page hook on token_expiring; the stream continues past exp', async () => {
    const fresh = [];
    const { context, page, sockets } = await openPage(async (ctx) => {
      await ctx.exposeFunction('testSignToken', async () => {
        const t = await token({ exp: nowS() + 600 });
        fresh.push(t);
        return t;
      });
      await ctx.addInitScript(() => {
        window.hookCalls = [];
        window.fluxDashboard = {
          getToken: async (info) => { window.hookCalls.push(info); return window.testSignToken(); },
        };
      });
    });
    const exp = nowS() + 8; // token_expiring about 3 s after start
    const tok = await token({ exp });
    await page.goto(`${flux.url}/?token=${tok}`, { waitUntil: 'domcontentloaded' });
    await cryptoLive(page);
    await assertNoAccess(page);

    await page.waitForFunction(() => window.hookCalls.length > 0, null, { timeout: 10000 });
    const calls = await page.evaluate(() => window.hookCalls);
    assert.equal(calls.length, 1, JSON.stringify(calls));
    assert.equal(calls[0].reason, 'expiring');
    assert.equal(calls[0].sub, 'ann');
    assert.equal(calls[0].exp, exp);
    const s = sockets[0];
    assert.ok(s.received.some((f) => f.type === 'token_expiring' && f.exp === exp), 'the server warned');
    await page.waitForFunction(() => window.__flux.auth.exp > Date.now() / 1000 + 60, null, { timeout: 5000 });
    const auths = s.sent.filter((m) => m.op === 'auth');
    assert.deepEqual(auths.map((m) => m.token), [tok, fresh[0]], 'the refreshed token went out on the same socket');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('flux.token')), fresh[0]);

    // past the first token's exp and its grace: still the same, live socket
    const wait = exp * 1000 + GRACE_MS + 1500 - Date.now();
    if (wait > 0) await sleep(wait);
    await tickerMoves(page, await tickerPrices(page));
    assert.equal(await page.getAttribute(sel('connection-badge'), 'data-state'), 'live');
    assert.equal(sockets.length, 1, 'no reconnect');
    assert.equal(s.received.filter((f) => f.code === 'token_expired').length, 0);
    assert.equal(s.received.filter((f) => f.type === 'authed').length, 2);
    // positions of the ticker continue on one subscription (no second subscribe)
    assert.equal(s.sent.filter((m) => m.op === 'subscribe' && m.room === 'crypto.ticker').length, 1);
    assert.equal(await page.isVisible(sel('auth-notice')), false);
    await assertNoAccess(page);
    await context.close();
  });

  it('a refresh that narrows the token: only the lost room says "No access"', async () => {
    // the narrower token is handed out only once the ticker was seen live
    let release;
    const released = new Promise((resolve) => { release = resolve; });
    const { context, page, sockets } = await openPage(async (ctx) => {
      await ctx.exposeFunction('testSignToken', async () => {
        await released;
        return token({ rooms: ['crypto.movers'] });
      });
      await ctx.addInitScript(() => {
        window.fluxDashboard = { getToken: () => window.testSignToken() };
      });
    });
    await page.goto(`${flux.url}/?token=${await token({ exp: nowS() + 6 })}`, { waitUntil: 'domcontentloaded' });
    await cryptoLive(page);
    release();
    await page.waitForSelector(sel('card-crypto', '[data-access="partial"]'), { timeout: 10000, state: 'attached' });
    await page.waitForSelector(sel('crypto-ticker-no-access'), { state: 'visible' });
    assert.equal(await page.locator(sel('ticker-row')).count(), 0, 'no ticker rows left');
    const s = sockets[0];
    assert.deepEqual(s.received.filter((f) => f.code === 'forbidden').map((f) => f.room).sort(),
      ['crypto.ticker', 'news.top', 'stocks.movers', 'weather.london']);
    // the movers panel is still there and still subscribed, on the same socket
    await page.click(sel('crypto-tab-movers'));
    assert.ok(await page.locator(sel('crypto-mover-row')).count() > 0);
    assert.equal(await page.locator(sel('crypto-movers-no-access')).count(), 0);
    assert.equal(sockets.length, 1);
    await context.close();
  });

  it('without a hook: announces the expiry, then stops after 4001 (no reconnect loop)', async () => {
    const { context, page, sockets } = await openPage();
    const exp = nowS() + 6; // token_expiring within about a second
    await page.goto(`${flux.url}/?token=${await token({ exp })}`, { waitUntil: 'domcontentloaded' });
    await cryptoLive(page);
    await page.waitForSelector(sel('auth-notice', '[data-state="expiring"]'), { state: 'visible' });
    assert.match(await page.textContent(sel('auth-notice')), /expires at/);

    await page.waitForSelector(sel('connection-badge', '[data-state="unauthorized"]'), { timeout: 10000, state: 'attached' });
    await page.waitForSelector(sel('auth-notice', '[data-state="expired"]'), { state: 'visible' });
    assert.match(await page.textContent(sel('auth-notice')), /expired .*stopped updating/);
    assert.match(await page.evaluate(() => window.__flux.client.lastCloseReason), /4001/);
    assert.ok(sockets[0].received.some((f) => f.code === 'token_expired'));
    await sleep(3000);
    assert.equal(sockets.length, 1, 'no reconnect with a token known to be expired');
    assert.equal(await page.getAttribute(sel('connection-badge'), 'data-state'), 'unauthorized');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-auth-expired.png'), fullPage: true });
    await context.close();
  });

  it('raised no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
