// The real connectors (domains.mode=live) against a local fixture server
// that answers in each API's documented format (tests/fixtures/upstream.mjs):
// normalized events on the documented rooms, TLS against a test CA, gzip,
// WebSocket ticker coalescing, news dedup, missing keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlux, Client, getJson } from './lib/flux.mjs';
import { startUpstream } from '../fixtures/upstream.mjs';

let up;
let flux;
let started;

before(async () => {
  up = await startUpstream();
  up.setMode('markets', 'gzip');
  process.env.FINNHUB_API_KEY = 'test-key';
  process.env.NEWSDATA_API_KEY = 'test-news-key';
  started = Date.now();
  flux = await startFlux([
    '--domains.mode=live',
    '--domains.cities=["London","Tokyo","Reykjavik:64.15:-21.94"]',
    `--connectors.ca-file=${up.caFile}`,
    `--connectors.open-meteo-url=${up.https}`,
    `--connectors.coingecko-url=${up.http}`,
    `--connectors.coinbase-url=${up.wss}`, // WebSocket over TLS (test CA)
    `--connectors.finnhub-url=${up.http}`,
    `--connectors.newsdata-url=${up.http}`,
    // The Atom feed by host name (SNI), Open-Meteo by IP address (no SNI).
    `--connectors.news-feeds=["${up.http}/feeds/rss.xml","${up.httpsLocalhost}/feeds/atom.xml"]`,
    '--connectors.ticker-products=["BTC-USD","ETH-USD","SOL-USD"]',
    '--connectors.stock-symbols=["AAPL","MSFT","NVDA","AMZN","GOOGL","TSLA","JPM","BOGUS"]',
    '--connectors.weather-interval-ms=300', '--connectors.markets-interval-ms=300',
    '--connectors.stocks-interval-ms=300', '--connectors.news-interval-ms=300',
    '--connectors.ticker-flush-ms=200', '--connectors.finnhub-calls-per-min=6000',
  ]);
  delete process.env.FINNHUB_API_KEY;
  delete process.env.NEWSDATA_API_KEY;
});
after(async () => { await flux?.stop(); await up?.stop(); });

async function snapshotOf(room, ready = () => true) {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room });
  const f = await c.waitFor((x) => ((x.type === 'snapshot' && x.room === room && x.data
    && Object.keys(x.data).length > 0) || (x.type === 'event' && x.room === room && x.kind === 'snapshot'))
    && ready(x.data), { timeoutMs: 15000 });
  c.close();
  return f.data;
}

test('Open-Meteo over HTTPS (test CA) becomes weather.<city> snapshots', async () => {
  const london = await snapshotOf('weather.london');
  assert.equal(london.city, 'London');
  assert.equal(london.lat, 51.51);
  assert.equal(london.lon, -0.13);
  for (const k of ['temperature_c', 'apparent_c', 'humidity_pct', 'wind_kph', 'wind_dir_deg',
    'weather_code', 'observed_at']) assert.equal(typeof london[k], 'number', k);
  assert.equal(london.humidity_pct, 71);
  assert.equal(london.wind_kph, 13.2);
  assert.equal(london.weather_code, 3);
  assert.equal(london.condition, 'Overcast');
  assert.ok(london.observed_at >= 1795458600000, 'observed_at from current.time (unixtime, in ms)');
  const rk = await snapshotOf('weather.reykjavik');
  assert.equal(rk.city, 'Reykjavik');
  assert.equal(rk.lat, 64.15);
  // The request asked for what the connector needs, in km/h and unix time.
  const req = up.requests('forecast:51.51')[0];
  assert.match(req.url, /current=[^&]*temperature_2m/);
  assert.match(req.url, /wind_speed_unit=kmh/);
  assert.match(req.url, /timeformat=unixtime/);
  assert.match(req.headers['user-agent'], /^flux\//);
  assert.equal(req.sni, null, 'no SNI for an IP address (RFC 6066)');
});

test('TLS by host name sends SNI and verifies the certificate for that name', async () => {
  await snapshotOf('news.top');
  const atom = up.requests('atom');
  assert.ok(atom.length > 0, 'the Atom feed was fetched over https://localhost');
  assert.equal(atom[0].sni, 'localhost');
  assert.match(atom[0].headers.host, /^localhost:\d+$/);
});

test('CoinGecko markets (gzip) become crypto.movers', async () => {
  const m = await snapshotOf('crypto.movers');
  assert.equal(m.top.length, 10);
  assert.equal(m.top[0].id, 'bitcoin');
  assert.equal(m.top[0].symbol, 'BTC');
  assert.equal(m.top[0].name, 'Bitcoin');
  for (const k of ['price', 'change_1h_pct', 'change_24h_pct', 'market_cap', 'volume_24h'])
    assert.equal(typeof m.top[0][k], 'number', k);
  assert.ok(!m.top.some((c) => c.id === 'delisted-coin'), 'coins without a price are skipped');
  for (const k of ['gainers_1h', 'losers_1h', 'gainers_24h', 'losers_24h']) assert.equal(m[k].length, 5, k);
  assert.equal(m.gainers_1h[0].id, 'dogecoin');
  assert.equal(m.losers_1h[0].id, 'avalanche-2');
  assert.equal(m.gainers_24h[0].id, 'dogecoin');
  assert.equal(m.losers_24h[0].id, 'avalanche-2');
  assert.equal(typeof m.as_of, 'number');
  assert.match(up.requests('markets')[0].headers['accept-encoding'] ?? '', /gzip/);
});

test('Finnhub quotes become stocks.movers; an unknown symbol is left out', async () => {
  // The budget (5 calls at once) quotes the symbols over a few fetches:
  // wait for the snapshot that has all seven known symbols.
  const s = await snapshotOf('stocks.movers',
    (d) => new Set([...d.gainers, ...d.losers].map((q) => q.symbol)).size === 7);
  assert.equal(s.gainers.length, 5);
  assert.equal(s.losers.length, 5);
  const all = [...s.gainers, ...s.losers];
  assert.ok(!all.some((q) => q.symbol === 'BOGUS'));
  const pct = s.gainers.map((q) => q.change_pct);
  assert.deepEqual(pct, [...pct].sort((a, b) => b - a), 'gainers sorted by change_pct');
  assert.equal(s.gainers[0].symbol, 'GOOGL');
  assert.equal(s.losers[0].symbol, 'TSLA');
  for (const k of ['price', 'change', 'change_pct', 'open', 'high', 'low', 'prev_close'])
    assert.equal(typeof s.gainers[0][k], 'number', k);
  assert.equal(s.gainers[0].prev_close, 160.2);
  const q = up.requests('quote')[0];
  assert.equal(q.headers['x-finnhub-token'], 'test-key');
  assert.ok(!q.url.includes('test-key'), 'the key travels in a header, not the URL');
  assert.ok(flux.logs.some((l) => l.includes('unknown symbol') && l.includes('BOGUS')));
});

test('RSS, Atom and NewsData.io merge into news.top, deduplicated by link', async () => {
  const n = await snapshotOf('news.top');
  const urls = n.items.map((i) => i.url);
  assert.equal(new Set(urls).size, urls.length, 'no duplicate links');
  assert.ok(!urls.includes('https://news.example.com/markets-rally/'), 'the NewsData copy is merged away');
  assert.ok(urls.includes('https://news.example.com/markets-rally'));
  assert.ok(urls.includes('https://news.example.org/ports'));
  assert.ok(urls.includes('https://blog.example.net/release-2'), 'Atom rel=alternate link');
  assert.ok(urls.includes('https://news.example.com/guid-only'), 'RSS guid as permalink');
  const rally = n.items.find((i) => i.url.endsWith('markets-rally'));
  assert.equal(rally.title, 'Markets rally as rates hold', 'markup stripped');
  assert.equal(rally.source, 'Example Times');
  assert.equal(rally.published_at, Date.UTC(2026, 0, 1, 10, 0, 0));
  const pact = n.items.find((i) => i.url.endsWith('/pact'));
  assert.equal(pact.title, 'Tech & trade: a new pact');
  assert.equal(pact.published_at, Date.UTC(2026, 0, 1, 10, 30, 0), 'RFC 822 offset applied');
  const release = n.items.find((i) => i.url.endsWith('release-2'));
  assert.equal(release.title, 'Release 2.0 ships');
  assert.equal(release.source, 'Example Atom Blog');
  assert.equal(release.published_at, Date.UTC(2026, 0, 1, 13, 0, 0), '<published> wins');
  const ports = n.items.find((i) => i.url.endsWith('/ports'));
  assert.equal(ports.source, 'Example Wire');
  assert.equal(ports.published_at, Date.UTC(2026, 0, 1, 12, 0, 0));
  const times = n.items.map((i) => i.published_at);
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
  assert.ok(n.items.length <= 10);
  for (const i of n.items) assert.match(i.id, /^n-[0-9a-f]{12}$/);
});

test('the Coinbase feed (wss://) becomes crypto.ticker updates, coalesced per product', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'crypto.ticker' });
  const events = await c.waitForCount((f) => f.type === 'event' && f.room === 'crypto.ticker', 12,
    { timeoutMs: 15000 });
  for (const e of events) {
    assert.equal(e.kind, 'update');
    assert.equal(e.key, e.data.product);
    assert.ok(['BTC-USD', 'ETH-USD', 'SOL-USD'].includes(e.key));
    for (const k of ['price', 'open_24h', 'high_24h', 'low_24h', 'volume_24h', 'change_24h_pct', 'time'])
      assert.equal(typeof e.data[k], 'number', k);
  }
  const btc = events.find((e) => e.key === 'BTC-USD');
  assert.equal(btc.data.open_24h, 65660);
  assert.equal(btc.data.change_24h_pct, Math.round((btc.data.price / 65660 - 1) * 10000) / 100);
  // The fixture sends 3 ticks per product every 50 ms (60 a second); flux
  // flushes every 200 ms with the latest tick of each product: at most one
  // event per product per flush.
  const from = c.frames.length;
  const seq0 = up.feed.seq;
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 2000));
  const window = c.frames.slice(from).filter((f) => f.type === 'event' && f.room === 'crypto.ticker');
  const elapsed = Date.now() - t0;
  const ticks = up.feed.seq - seq0;
  for (const p of ['BTC-USD', 'ETH-USD', 'SOL-USD']) {
    const n = window.filter((e) => e.key === p).length;
    assert.ok(n >= 3, `${p}: ${n} events in ${elapsed} ms`);
    assert.ok(n <= Math.ceil(elapsed / 200) + 2, `${p}: ${n} events in ${elapsed} ms, one per flush at most`);
  }
  assert.ok(ticks > window.length * 3, `${ticks} ticks coalesced into ${window.length} events`);
  assert.equal(up.feed.subscribes >= 1, true);
  const stats = await getJson(`${flux.url}/stats`);
  const poller = JSON.stringify(stats.body).includes('coinbase.ticker');
  assert.ok(poller, 'the ticker poller is on /stats');
  c.close();
});

test('/stats shows every connector poller with its breaker closed', async () => {
  const { body } = await getJson(`${flux.url}/stats`);
  const text = JSON.stringify(body);
  const pollers = body.node.actors.filter((a) => a.kind === 'poller');
  const names = pollers.map((p) => p.name).sort();
  for (const n of ['open-meteo.london', 'open-meteo.tokyo', 'open-meteo.reykjavik', 'coingecko.markets',
    'coinbase.ticker', 'finnhub.quotes', 'news']) assert.ok(names.includes(n), `${n} in ${names}`);
  for (const p of pollers) {
    assert.equal(p.breaker.state, 'closed', p.name);
    assert.equal(typeof p.breaker.opens, 'number');
  }
  // The fixture's feeds never change: after the first, news snapshots are
  // suppressed rather than published again.
  const news = pollers.find((p) => p.name === 'news');
  assert.ok(news.fetches >= 2 && news.suppressed >= 1, JSON.stringify(news));
  assert.equal(news.published, 1);
  // Upstream rate limits at their defaults. Open-Meteo: one bucket for
  // every city (6 a minute, a burst of one call per city).
  const elapsedS = (Date.now() - started) / 1000;
  const weather = pollers.filter((p) => p.name.startsWith('open-meteo.'));
  assert.equal(weather.length, 3);
  for (const p of weather) {
    assert.equal(p.rate_limit_per_min, 6, p.name);
    assert.equal(p.rate_limit_bucket, weather[0].rate_limit_bucket, 'one shared bucket');
  }
  assert.match(weather[0].rate_limit_bucket, /^open-meteo 127\.0\.0\.1:\d+$/);
  assert.ok(weather.some((p) => p.rate_limited > 0), 'cities polled every 300 ms are held back');
  const forecasts = up.log.filter((r) => r.key.startsWith('forecast:')).length;
  assert.ok(forecasts <= 3 + Math.ceil(elapsedS / 10), `${forecasts} forecast calls in ${elapsedS.toFixed(1)} s`);
  // News: RSS/Atom per feed host (2 a minute) and NewsData.io (2 a minute),
  // each call paced while the poller asks every 300 ms.
  const port = (u) => new URL(u).port;
  assert.deepEqual(news.upstream_limits.map((l) => l.bucket).sort(),
    [`rss 127.0.0.1:${port(up.http)}`, `rss localhost:${port(up.https)}`, 'newsdata'].sort());
  for (const l of news.upstream_limits) {
    assert.equal(l.per_min, 2, l.bucket);
    assert.ok(l.denied > 0, `${l.bucket} held back`);
  }
  for (const key of ['rss', 'atom', 'newsdata'])
    assert.ok(up.count(key) <= 1 + Math.ceil(elapsedS / 30), `${up.count(key)} ${key} calls in ${elapsedS.toFixed(1)} s`);
  const finnhub = pollers.find((p) => p.name === 'finnhub.quotes');
  assert.equal(finnhub.upstream_limits[0].bucket, 'finnhub');
  assert.equal(finnhub.upstream_limits[0].per_min, 6000);
  assert.ok(text.length > 0);
});

test('missing API keys disable just those sources, with a clear log line', async () => {
  const other = await startFlux(['--domains.mode=live', '--domains.cities=["London"]',
    `--connectors.open-meteo-url=${up.http}`, `--connectors.coingecko-url=${up.http}`,
    `--connectors.coinbase-url=${up.ws}`, `--connectors.finnhub-url=${up.http}`,
    `--connectors.news-feeds=["${up.http}/feeds/rss.xml"]`, '--connectors.weather-interval-ms=300']);
  try {
    assert.ok(other.logs.some((l) => l.includes('FINNHUB_API_KEY is not set')), 'finnhub log line');
    assert.ok(other.logs.some((l) => l.includes('NEWSDATA_API_KEY is not set')), 'newsdata log line');
    const w = await (async () => {
      const c = await Client.connect(other.wsUrl);
      c.send({ op: 'subscribe', room: 'weather.london' });
      const f = await c.waitFor((x) => (x.type === 'snapshot' || x.type === 'event') && x.data?.city === 'London',
        { timeoutMs: 10000 });
      c.close();
      return f.data;
    })();
    assert.equal(w.city, 'London');
    const { body } = await getJson(`${other.url}/stats`);
    assert.ok(!JSON.stringify(body).includes('finnhub.quotes'), 'no Finnhub poller');
  } finally {
    await other.stop();
  }
});
