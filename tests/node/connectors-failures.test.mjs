// Failure isolation: a failing upstream makes only its own rooms stale. A
// WebSocket client subscribed to the failing room gets a status event
// (stale:true, since, reason) while other rooms keep flowing, the last good
// snapshot stays available, and recovery clears the stale state by itself.
// Failure modes: 500, timeout, truncated, malformed, oversized bodies, TLS
// with an untrusted certificate, and a WebSocket feed that drops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlux, Client } from './lib/flux.mjs';
import { startUpstream } from '../fixtures/upstream.mjs';

let up;
let flux;

before(async () => {
  up = await startUpstream();
  flux = await startFlux([
    '--domains.mode=live',
    '--domains.cities=["London","Tokyo"]',
    `--connectors.ca-file=${up.caFile}`,
    `--connectors.open-meteo-url=${up.https}`,
    `--connectors.coingecko-url=${up.badTls}`, // certificate from another CA
    `--connectors.coinbase-url=${up.ws}`,
    `--connectors.news-feeds=["${up.http}/feeds/rss.xml"]`,
    '--connectors.ticker-products=["BTC-USD","ETH-USD"]',
    '--connectors.weather-interval-ms=150', '--connectors.markets-interval-ms=300',
    '--connectors.news-interval-ms=1000', '--connectors.ticker-flush-ms=150',
    '--connectors.ticker-idle-timeout-ms=1500',
    '--connectors.max-response-bytes=65536',
    '--connectors.breaker-failures=1000', // breaker: connectors-resilience
    '--connectors.max-backoff-ms=400',
    // Covers up to four HTTPS handshakes (the redirect case) on a loaded
    // machine; the hang case only needs it to be reached.
    '--domains.fetch-timeout-ms=3000',
    '--connectors.open-meteo-calls-per-min=0', // unpaced: weather every 150 ms
  ]);
});
after(async () => { await flux?.stop(); await up?.stop(); });

const isStatus = (room, stale) => (f) => f.type === 'event' && f.room === room
  && f.kind === 'status' && f.data.stale === stale;
const isSnap = (room) => (f) => f.type === 'event' && f.room === room && f.kind === 'snapshot';

async function subscribed(rooms) {
  const c = await Client.connect(flux.wsUrl);
  for (const room of rooms) {
    c.send({ op: 'subscribe', room });
    await c.waitFor((f) => f.type === 'snapshot' && f.room === room, { timeoutMs: 10000 });
  }
  return c;
}

test('a failing city goes stale with since and reason; the other city keeps flowing; recovery clears it', async () => {
  const c = await subscribed(['weather.london', 'weather.tokyo']);
  await c.waitFor(isSnap('weather.london'), { timeoutMs: 10000 });
  const before = Date.now();
  up.setMode('forecast:51.51', 'status:500');
  const stale = await c.waitFor(isStatus('weather.london', true), { timeoutMs: 10000 });
  assert.equal(stale.data.source, 'open-meteo.london');
  assert.equal(typeof stale.data.since, 'number');
  assert.ok(stale.data.since <= Date.now() && stale.data.since > before - 60000, 'since: last success');
  assert.match(stale.data.reason, /HTTP 500/);
  // Tokyo keeps flowing while London is stale.
  const at = c.frames.indexOf(stale);
  await c.waitForCount((f) => c.frames.indexOf(f) > at && isSnap('weather.tokyo')(f), 3, { timeoutMs: 10000 });
  assert.ok(!c.frames.some(isStatus('weather.tokyo', true)), 'tokyo never stale');
  // A client arriving now still gets London's last good snapshot.
  const late = await Client.connect(flux.wsUrl);
  late.send({ op: 'subscribe', room: 'weather.london' });
  const snap = await late.waitFor((f) => f.type === 'snapshot' && f.room === 'weather.london');
  assert.equal(snap.data.city, 'London');
  late.close();
  // Recovery.
  up.setMode('forecast:51.51', 'ok');
  const fresh = await c.waitFor(isStatus('weather.london', false), { timeoutMs: 10000 });
  assert.equal(fresh.data.source, 'open-meteo.london');
  await c.waitFor((f) => c.frames.indexOf(f) > c.frames.indexOf(fresh) && isSnap('weather.london')(f),
    { timeoutMs: 10000 });
  c.close();
});

test('timeouts, truncated, malformed and oversized answers each stale the room with a clear reason', async () => {
  const c = await subscribed(['weather.tokyo']);
  const cases = [
    ['hang', /timeout/],
    ['truncated', /truncated/],
    ['malformed', /invalid JSON/],
    ['oversized:200000', /over 65536 bytes/],
    ['status:503', /HTTP 503/],
    ['redirect:4', /too many redirects \(more than 3\)/],
  ];
  for (const [mode, reason] of cases) {
    const from = c.frames.length;
    up.setMode('forecast:35.68', mode);
    const stale = await c.waitFor(isStatus('weather.tokyo', true), { timeoutMs: 10000, from });
    assert.match(stale.data.reason, reason, `${mode}: ${stale.data.reason}`);
    up.setMode('forecast:35.68', 'ok');
    await c.waitFor(isStatus('weather.tokyo', false), { timeoutMs: 10000, from });
  }
  c.close();
});

test('up to three redirects are followed', async () => {
  const c = await subscribed(['weather.tokyo']);
  up.setMode('forecast:35.68', 'redirect:3');
  const n = up.count('forecast:35.68');
  await c.waitForCount((f) => isSnap('weather.tokyo')(f) && up.count('forecast:35.68') > n + 4, 2,
    { timeoutMs: 10000 });
  assert.ok(!c.frames.some(isStatus('weather.tokyo', true)), 'not stale');
  assert.ok(up.requests('forecast:35.68').some((r) => r.url.includes('hop=3')), 'followed to the 3rd hop');
  up.setMode('forecast:35.68', 'ok');
  c.close();
});

test('TLS with an untrusted certificate makes crypto.movers stale; weather flows', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'crypto.movers' });
  c.send({ op: 'subscribe', room: 'weather.london' });
  // It went stale at its first fetch: a subscriber that joins later sees it
  // in the snapshot's status (or in a status event if it joined earlier).
  const f = await c.waitFor((x) => isStatus('crypto.movers', true)(x)
    || (x.type === 'snapshot' && x.room === 'crypto.movers' && x.status?.stale === true),
  { timeoutMs: 10000 });
  const stale = { data: f.type === 'snapshot' ? f.status : f.data };
  assert.equal(typeof stale.data.since, 'number');
  assert.match(stale.data.reason, /TLS handshake with 127\.0\.0\.1:\d+ failed: .*certificate verify failed/);
  assert.equal(stale.data.source, 'coingecko.markets');
  await c.waitForCount(isSnap('weather.london'), 2, { timeoutMs: 10000 });
  assert.equal(up.count('markets'), 0, 'no request was sent over the untrusted connection');
  c.close();
});

test('a trusted certificate issued to another host fails host-name verification: the source goes stale', async () => {
  // Its own flux, with Open-Meteo at a server whose certificate (signed by
  // the trusted test CA) names other.example, not 127.0.0.1.
  const other = await startFlux([
    '--domains.mode=live', '--domains.cities=["London"]',
    `--connectors.ca-file=${up.caFile}`,
    `--connectors.open-meteo-url=${up.wrongHost}`,
    // Nothing else of this flux touches the fixture's other counters.
    `--connectors.coingecko-url=${up.badTls}`, '--connectors.ticker-products=[]',
    '--connectors.news-feeds=[]',
    '--connectors.weather-interval-ms=300', '--connectors.open-meteo-calls-per-min=0',
  ]);
  const served = up.count('forecast:51.51');
  try {
    const c = await Client.connect(other.wsUrl);
    c.send({ op: 'subscribe', room: 'weather.london' });
    const f = await c.waitFor((x) => isStatus('weather.london', true)(x)
      || (x.type === 'snapshot' && x.room === 'weather.london' && x.status?.stale === true),
    { timeoutMs: 10000 });
    const status = f.type === 'snapshot' ? f.status : f.data;
    assert.match(status.reason, /TLS handshake with 127\.0\.0\.1:\d+ failed: .*certificate verify failed/);
    assert.equal(up.count('forecast:51.51'), served, 'no request was sent to the wrong host');
    c.close();
  } finally {
    await other.stop();
  }
});

test('a dropped WebSocket feed stales crypto.ticker until it reconnects and re-subscribes', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'crypto.ticker' });
  c.send({ op: 'subscribe', room: 'weather.tokyo' });
  await c.waitForCount((f) => f.type === 'event' && f.room === 'crypto.ticker' && f.kind === 'update', 3,
    { timeoutMs: 10000 });
  const subscribes = up.feed.subscribes;
  up.setFeedMode('refuse'); // drop every connection and refuse new ones
  const stale = await c.waitFor(isStatus('crypto.ticker', true), { timeoutMs: 10000 });
  assert.equal(stale.data.source, 'coinbase.ticker');
  assert.match(stale.data.reason, /websocket/i);
  const at = c.frames.indexOf(stale);
  await c.waitForCount((f) => c.frames.indexOf(f) > at && isSnap('weather.tokyo')(f), 2, { timeoutMs: 10000 });
  up.setFeedMode('ok');
  const fresh = await c.waitFor(isStatus('crypto.ticker', false), { timeoutMs: 15000 });
  await c.waitFor((f) => c.frames.indexOf(f) > c.frames.indexOf(fresh) && f.type === 'event'
    && f.room === 'crypto.ticker' && f.kind === 'update', { timeoutMs: 10000 });
  assert.ok(up.feed.subscribes > subscribes, 're-subscribed after reconnecting');
  c.close();
});

test('a silent WebSocket feed is detected by the idle timeout and reconnected', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'crypto.ticker' });
  await c.waitFor((f) => f.type === 'event' && f.room === 'crypto.ticker' && f.kind === 'update',
    { timeoutMs: 10000 });
  const from = c.frames.length;
  up.setFeedMode('silent'); // no data and no pongs: idle timeout is 1500 ms
  const stale = await c.waitFor(isStatus('crypto.ticker', true), { timeoutMs: 10000, from });
  assert.match(stale.data.reason, /no data for 1500 ms|timeout/i, stale.data.reason);
  up.setFeedMode('ok');
  await c.waitFor(isStatus('crypto.ticker', false), { timeoutMs: 15000, from });
  c.close();
});
