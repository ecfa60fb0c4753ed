// The poller's protection of upstreams and of itself, observed from outside
// through the fixture server and /stats: circuit breaker transitions
// (closed -> open -> half-open -> open with a longer wait -> closed),
// backoff while failing, Retry-After honored, single-flight (also past the
// fetch timeout), pacing to an upstream rate limit (per call for Finnhub,
// per fetch for CoinGecko), and the WebSocket feed's breaker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFlux, getJson } from './lib/flux.mjs';
import { startUpstream } from '../fixtures/upstream.mjs';

let up;
let flux;
let started;

before(async () => {
  up = await startUpstream();
  process.env.FINNHUB_API_KEY = 'test-key';
  started = Date.now();
  flux = await startFlux([
    '--domains.mode=live',
    '--domains.cities=["London","Tokyo","Berlin","Sydney"]',
    `--connectors.open-meteo-url=${up.http}`,
    `--connectors.coingecko-url=${up.http}`,
    `--connectors.coinbase-url=${up.ws}`,
    `--connectors.finnhub-url=${up.http}`,
    `--connectors.news-feeds=["${up.http}/feeds/rss.xml"]`,
    '--connectors.ticker-products=["BTC-USD"]', '--connectors.ticker-flush-ms=200',
    '--connectors.stock-symbols=["AAPL","MSFT","NVDA","AMZN","GOOGL","TSLA","JPM"]',
    '--connectors.weather-interval-ms=200', '--connectors.news-interval-ms=5000',
    '--connectors.stocks-interval-ms=100', '--connectors.finnhub-calls-per-min=120',
    '--connectors.markets-interval-ms=100', '--connectors.coingecko-calls-per-min=60',
    '--connectors.breaker-failures=3', '--connectors.breaker-open-ms=1000',
    '--connectors.max-backoff-ms=4000', '--domains.fetch-timeout-ms=3000',
    '--connectors.open-meteo-calls-per-min=0', // unpaced: breaker and timing tests
  ]);
  delete process.env.FINNHUB_API_KEY;
});
after(async () => { await flux?.stop(); await up?.stop(); });

async function poller(name) {
  const { body } = await getJson(`${flux.url}/stats`);
  return body.node.actors.find((a) => a.kind === 'poller' && a.name === name);
}

async function until(fn, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('the circuit breaker opens, lets one trial through when half-open, re-opens longer, then closes', async () => {
  await until(async () => (await poller('open-meteo.berlin'))?.last_success_ms > 0, 'a first success');
  up.setMode('forecast:52.52', 'status:500');
  const open = await until(async () => {
    const p = await poller('open-meteo.berlin');
    return p.breaker.state === 'open' && p;
  }, 'breaker open');
  assert.ok(open.consecutive_failures >= 3);
  assert.ok(open.stale, 'stale while the breaker is open');
  assert.ok(open.backoff_ms > 0, 'backing off');
  assert.equal(open.breaker.failure_threshold, 3);
  assert.ok(open.breaker.open_until_ms - open.breaker.opened_at_ms === 1000, 'first open: 1000 ms');
  // Half-open: one trial, which fails: open again for twice as long.
  const reopened = await until(async () => {
    const p = await poller('open-meteo.berlin');
    return p.breaker.opens > open.breaker.opens && p.breaker.state === 'open' && p;
  }, 're-opened after the trial');
  // Judged on the breaker's own times and the fixture's arrival times, not
  // on when this test looked: no request arrived while the breaker was
  // open, and exactly one (the trial) between that opening and the next.
  const arrived = (from, to) => up.requests('forecast:52.52').filter((r) => r.t > from && r.t <= to).length;
  assert.equal(arrived(open.breaker.opened_at_ms, open.breaker.open_until_ms - 1), 0, 'no calls while open');
  const trials = reopened.breaker.opens - open.breaker.opens;
  assert.equal(arrived(open.breaker.opened_at_ms, reopened.breaker.opened_at_ms), trials,
    'exactly one trial call per half-open');
  assert.equal(reopened.fetches - open.fetches, trials, 'one trial fetch per half-open');
  if (trials === 1)
    assert.equal(reopened.breaker.open_until_ms - reopened.breaker.opened_at_ms, 2000);
  // Upstream healthy again: the next trial closes the breaker.
  up.setMode('forecast:52.52', 'ok');
  const closed = await until(async () => {
    const p = await poller('open-meteo.berlin');
    return p.breaker.state === 'closed' && !p.stale && p;
  }, 'breaker closed', 8000);
  assert.equal(closed.consecutive_failures, 0);
  assert.equal(closed.backoff_ms, 0);
  // Other cities never noticed.
  const london = await poller('open-meteo.london');
  assert.equal(london.breaker.opens, 0);
  assert.equal(london.stale, false);
});

test('429 Retry-After is honored before the next call', async () => {
  const n0 = up.count('forecast:35.68');
  up.setMode('forecast:35.68', '429:2');
  const first = await until(() => up.count('forecast:35.68') > n0
    && up.requests('forecast:35.68').at(-1), 'a 429');
  up.setMode('forecast:35.68', 'ok');
  const next = await until(() => up.requests('forecast:35.68').find((r) => r.t > first.t), 'the next call', 6000);
  const gap = next.t - first.t;
  assert.ok(gap >= 1900, `waited ${gap} ms after Retry-After: 2`);
  // "Not much longer" from the poller's own figure rather than the wall
  // clock: it scheduled the next call at Retry-After itself (the backoff
  // after one failure, 200-400 ms, is shorter), not later.
  const p = await until(async () => {
    const x = await poller('open-meteo.tokyo');
    return x.consecutive_failures === 0 && x.fetches > 0 && x;
  }, 'tokyo recovered');
  assert.ok(p.retry_after >= 1);
  assert.equal(p.last_retry_after_ms, 2000);
  assert.equal(p.last_backoff_ms, 2000, 'the next call was due at Retry-After, not later');
  assert.ok(gap < 2000 + 10000, `and came (${gap} ms)`);
});

test('single-flight: a slow upstream never sees two requests of the same source at once', async () => {
  up.setMode('forecast:-33.87', 'slow:900');
  const p0 = await poller('open-meteo.sydney');
  await sleep(3000);
  up.setMode('forecast:-33.87', 'ok');
  const p1 = await poller('open-meteo.sydney');
  assert.equal(up.maxInflight('forecast:-33.87'), 1);
  assert.ok(p1.skipped - p0.skipped >= 3, `ticks skipped while in flight: ${p1.skipped - p0.skipped}`);
  assert.equal(p1.failures, p0.failures, 'slow is not failed (under the timeout)');
});

test('single-flight past the timeout: a hanging upstream never sees a second request of the source', async () => {
  const key = 'forecast:-33.87';
  const p0 = await poller('open-meteo.sydney');
  const n0 = up.count(key);
  up.setMode(key, 'hang'); // answers nothing; the client cuts it after the poller's 3 s timeout
  // A late answer counted means the source stayed in flight past the
  // timeout (a poller that let go at the timeout would have dropped it as
  // stale without counting); the fixture's concurrency count is the outcome.
  const p1 = await until(async () => {
    const p = await poller('open-meteo.sydney');
    return p.timeouts >= p0.timeouts + 2 && p.late >= p0.late + 1 && p;
  }, 'two timeouts, one late answer', 30000);
  assert.ok(p1.stale, 'stale after the timeout');
  // (the poller's 3000 ms, or the client's deadline just after if load
  // made that one fire first)
  assert.match(p1.stale_reason, /timeout after \d+ ms/);
  assert.ok(p1.skipped > p0.skipped, 'ticks skipped while the timed-out request ran');
  assert.ok(up.count(key) >= n0 + 2, 'retried after each request ended');
  up.setMode(key, 'ok');
  await until(async () => !(await poller('open-meteo.sydney')).stale, 'fresh again', 15000);
  assert.equal(up.maxInflight(key), 1, 'never two requests of the same source at once');
});

test('Finnhub calls are paced to the configured rate, across symbols', async () => {
  // 120 calls a minute = 2 a second, at most 5 at once; unpaced, 7 symbols
  // every 100 ms would be 70 calls a second.
  const quotes = up.requests('quote');
  assert.ok(quotes.length > 0);
  const t0 = quotes[0].t;
  await sleep(Math.max(0, t0 + 3000 - Date.now()));
  const inWindow = up.requests('quote').filter((r) => r.t <= t0 + 3000).length;
  assert.ok(inWindow >= 5, `${inWindow} calls`);
  assert.ok(inWindow <= 5 + 2 * 3 + 2, `${inWindow} calls in 3 s at 2/s with a burst of 5`);
});

test('CoinGecko fetches are paced by the poller (calls per minute)', async () => {
  const runFor = (Date.now() - started) / 1000;
  const calls = up.count('markets');
  // 60 a minute: about one a second (interval 100 ms would be ten).
  assert.ok(calls <= Math.ceil(runFor) + 2, `${calls} calls in ${runFor.toFixed(1)} s`);
  const p = await poller('coingecko.markets');
  assert.ok(p.rate_limited > 0, 'ticks delayed by the rate limit');
  assert.equal(p.rate_limit_per_min, 60);
});

test("the WebSocket feed's breaker follows its reconnect loop; its poller never backs off", async () => {
  const up0 = await until(async () => {
    const p = await poller('coinbase.ticker');
    return p?.published > 0 && p;
  }, 'ticks');
  assert.equal(up0.breaker.state, 'closed', 'closed while the feed is up');
  const connections = up.feed.connections;
  up.setFeedMode('refuse'); // drops the connection and refuses new ones
  // breaker-failures=3: open after three failed connections in a row.
  const down = await until(async () => {
    const p = await poller('coinbase.ticker');
    return p.breaker.state === 'open' && p;
  }, 'breaker open while the feed is down', 15000);
  assert.ok(down.stale, 'stale while down');
  assert.equal(down.breaker.opens, up0.breaker.opens + 1);
  assert.ok(up.feed.connections >= connections + 2, 'opened after reconnect attempts failed');
  assert.ok(down.breaker.open_until_ms >= down.breaker.opened_at_ms, 'open until the next attempt');
  assert.equal(down.backoff_ms, 200, 'the poller still reads at the flush interval');
  // Open, yet the poller keeps reading the feed (nothing to protect: the
  // feed reconnects by itself), so it sees the reconnect at once.
  const still = await until(async () => {
    const p = await poller('coinbase.ticker');
    return p.fetches > down.fetches + 2 && p;
  }, 'reads while open');
  assert.equal(still.breaker.state, 'open');
  assert.equal(still.short_circuited, down.short_circuited, 'never short-circuited');
  up.setFeedMode('ok');
  const t0 = Date.now();
  const back = await until(async () => {
    const p = await poller('coinbase.ticker');
    return !p.stale && p;
  }, 'fresh again', 15000);
  assert.ok(Date.now() - t0 < 12000);
  assert.equal(back.breaker.state, 'closed', 'closed at the first flush after reconnecting');
  assert.equal(back.breaker.opens, down.breaker.opens);
});
