// Integration tests: the real flux binary on 127.0.0.1, real WebSocket and
// HTTP clients (native protocol v1, docs/protocol.md).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFlux, Client, getJson } from './lib/flux.mjs';

let flux;
before(async () => {
  flux = await startFlux(['--domains.crypto-ticker-interval-ms=40',
    '--domains.weather-interval-ms=200', '--rooms.history=1000']);
});
after(async () => { await flux?.stop(); });

const isEvent = (room) => (f) => f.type === 'event' && f.room === room;

test('a subscriber gets the snapshot at once, then live events with increasing positions', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'crypto.ticker', id: 1 });
  const sub = await c.waitFor((f) => f.type === 'subscribed' && f.id === 1);
  assert.equal(sub.room, 'crypto.ticker');
  assert.equal(sub.resumed, false);
  const snap = await c.waitFor((f) => f.type === 'snapshot');
  assert.equal(snap.class, 'stream');
  assert.ok(snap.data && Object.keys(snap.data).length > 0, 'snapshot has data');
  assert.ok(c.frames.indexOf(snap) > c.frames.indexOf(sub), 'snapshot follows subscribed');
  const events = await c.waitForCount(isEvent('crypto.ticker'), 20);
  assert.ok(events[0].pos > snap.pos, 'live events come after the snapshot position');
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].pos > events[i - 1].pos, 'positions increase');
    assert.equal(events[i].epoch, snap.epoch);
  }
  for (const e of events) {
    assert.equal(e.kind, 'update');
    assert.equal(typeof e.data.price, 'number');
    assert.equal(e.key, e.data.product);
  }
  // A snapshot room: weather has a full snapshot right away.
  c.send({ op: 'subscribe', room: 'weather.london', id: 2 });
  const w = await c.waitFor((f) => f.type === 'snapshot' && f.room === 'weather.london');
  assert.equal(w.data.city, 'London');
  assert.equal(typeof w.data.temperature_c, 'number');
  c.close();
});

test('a client that reconnects with its last position gets exactly the missed events', async () => {
  const witness = await Client.connect(flux.wsUrl);
  witness.send({ op: 'subscribe', room: 'crypto.ticker' });
  await witness.waitFor((f) => f.type === 'snapshot');

  const first = await Client.connect(flux.wsUrl);
  first.send({ op: 'subscribe', room: 'crypto.ticker' });
  await first.waitForCount(isEvent('crypto.ticker'), 5);
  first.close();
  await first.waitClose();
  const seen = first.frames.filter(isEvent('crypto.ticker'));
  const last = seen[seen.length - 1];

  await sleep(600); // events flow while the client is away
  const again = await Client.connect(flux.wsUrl);
  again.send({ op: 'subscribe', room: 'crypto.ticker', id: 9,
    resume: { epoch: last.epoch, pos: last.pos } });
  const sub = await again.waitFor((f) => f.type === 'subscribed' && f.id === 9);
  assert.equal(sub.resumed, true, `resumed (reason ${sub.reason})`);
  assert.ok(sub.missed >= 5, `missed ${sub.missed} events while away`);
  await again.waitForCount(isEvent('crypto.ticker'), sub.missed + 5);
  assert.ok(!again.frames.some((f) => f.type === 'snapshot'), 'no snapshot on resume');
  const got = again.frames.filter(isEvent('crypto.ticker'));

  // The witness saw everything; the resumed client must have exactly the
  // witness's events after `last.pos`, in the same order, none twice.
  await witness.waitFor((f) => f.type === 'event' && f.pos >= got[got.length - 1].pos);
  const expected = witness.frames.filter((f) => isEvent('crypto.ticker')(f)
    && f.pos > last.pos && f.pos <= got[got.length - 1].pos);
  assert.deepEqual(got.map((f) => f.id), expected.map((f) => f.id));
  assert.deepEqual(got.map((f) => f.pos), expected.map((f) => f.pos));
  assert.equal(new Set(got.map((f) => f.id)).size, got.length, 'no duplicates');
  witness.close();
  again.close();
});

test('resume from another epoch gets a fresh snapshot and says why', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'crypto.ticker', id: 1, resume: { epoch: 'old-epoch', pos: 5 } });
  const sub = await c.waitFor((f) => f.type === 'subscribed');
  assert.equal(sub.resumed, false);
  assert.equal(sub.reason, 'epoch_changed');
  await c.waitFor((f) => f.type === 'snapshot');
  c.close();
});

test('garbage gets an error frame and other clients keep receiving', async () => {
  const good = await Client.connect(flux.wsUrl);
  good.send({ op: 'subscribe', room: 'crypto.ticker' });
  await good.waitFor((f) => f.type === 'snapshot');

  const bad = await Client.connect(flux.wsUrl);
  bad.send('this is not json');
  bad.send('[1,2,3]');
  bad.send({ op: 'explode', id: 'x1' });
  bad.send({ op: 'subscribe', room: 'no.such.room', id: 'x2' });
  bad.send({ op: 'subscribe', room: 'Bad Name!', id: 'x3' });
  const errors = await bad.waitForCount((f) => f.type === 'error', 5);
  // unknown_room needs a round trip to the directory, so it may come last.
  assert.deepEqual(errors.map((e) => e.code).sort(),
    ['bad_json', 'bad_request', 'bad_request', 'unknown_op', 'unknown_room']);
  assert.equal(errors.find((e) => e.code === 'unknown_op').id, 'x1');
  const unknown = errors.find((e) => e.code === 'unknown_room');
  assert.equal(unknown.id, 'x2');
  assert.equal(unknown.room, 'no.such.room');
  // The bad client's connection still works.
  bad.send({ op: 'ping', id: 5 });
  const pong = await bad.waitFor((f) => f.type === 'pong');
  assert.equal(pong.id, 5);

  const before = good.frames.length;
  await good.waitFor((f) => f.type === 'event', { from: before });
  good.close();
  bad.close();
});

test('an oversized message closes only that client with 1009', async () => {
  const good = await Client.connect(flux.wsUrl);
  good.send({ op: 'subscribe', room: 'crypto.ticker' });
  await good.waitFor((f) => f.type === 'snapshot');
  const big = await Client.connect(flux.wsUrl);
  const hello = big.frames.find((f) => f.type === 'hello');
  big.send('x'.repeat(hello.max_frame + 1));
  const closed = await big.waitClose();
  assert.equal(closed.code, 1009);
  const before = good.frames.length;
  await good.waitFor((f) => f.type === 'event', { from: before });
  const health = await getJson(`${flux.url}/healthz`);
  assert.equal(health.status, 200);
  good.close();
});

test('unsubscribe stops the room\'s events', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'crypto.ticker' });
  await c.waitForCount(isEvent('crypto.ticker'), 2);
  c.send({ op: 'unsubscribe', room: 'crypto.ticker', id: 4 });
  await c.waitFor((f) => f.type === 'unsubscribed' && f.id === 4);
  const n = c.frames.length;
  await sleep(400); // ~10 ticker events would have come
  assert.equal(c.frames.slice(n).filter(isEvent('crypto.ticker')).length, 0);
  c.close();
});

test('rooms lists the rooms with their class', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'rooms', id: 'r' });
  const r = await c.waitFor((f) => f.type === 'rooms');
  const names = r.rooms.map((x) => x.name);
  for (const n of ['crypto.ticker', 'crypto.movers', 'stocks.movers', 'news.top', 'weather.london'])
    assert.ok(names.includes(n), `${n} listed`);
  assert.equal(r.rooms.find((x) => x.name === 'crypto.ticker').class, 'stream');
  c.close();
});

test('/stats lists the session and room actors with their counters', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'news.top' });
  await c.waitFor((f) => f.type === 'snapshot');
  const { status, body } = await getJson(`${flux.url}/stats`);
  assert.equal(status, 200);
  assert.ok(body.process.rss_bytes > 0);
  assert.ok(body.process.uptime_s >= 0);
  assert.ok(body.process.connections >= 1);
  const actors = body.node.actors;
  const sessions = actors.filter((a) => a.kind === 'session');
  const me = sessions.find((s) => s.subscriptions.includes('news.top'));
  assert.ok(me, 'our session is listed with its subscription');
  for (const field of ['mailbox', 'handled', 'restarts', 'queued_bytes', 'frames_out'])
    assert.equal(typeof me[field], 'number', field);
  const room = actors.find((a) => a.kind === 'room' && a.name === 'news.top');
  assert.ok(room.subscribers >= 1);
  assert.ok(room.last_pos >= 0);
  assert.equal(body.node.counts.room >= 10, true);
  assert.ok(actors.some((a) => a.kind === 'poller' && a.name === 'sim.crypto.ticker' && a.fetches > 0));
  assert.ok(actors.some((a) => a.kind === 'supervisor'));
  assert.ok(actors.some((a) => a.kind === 'bus'));
  c.close();
});

test('/healthz and /readyz answer', async () => {
  assert.deepEqual((await getJson(`${flux.url}/healthz`)).body, { status: 'ok' });
  const ready = await getJson(`${flux.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(ready.body.ready, true);
  assert.equal(ready.body.state, 'ok');
  assert.deepEqual(ready.body.problems, {});
  const stats = await getJson(`${flux.url}/stats`);
  assert.equal(stats.body.node.state, 'ok');
  assert.deepEqual(stats.body.node.problems, {});
  const text = await (await fetch(`${flux.url}/metrics`)).text();
  assert.match(text, /^flux_node_status_ok\{name="node"\} 1$/m);
  assert.match(text, /^flux_node_status_degraded\{name="node"\} 0$/m);
  assert.match(text, /^flux_node_status_not_ready\{name="node"\} 0$/m);
});

test('/metrics exposes the actors in Prometheus text format', async () => {
  const res = await fetch(`${flux.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/plain/);
  const text = await res.text();
  assert.match(text, /^# TYPE flux_room_subscribers gauge$/m);
  assert.match(text, /^flux_room_last_pos\{name="crypto\.ticker"\} \d+$/m);
  assert.match(text, /^flux_poller_fetches\{name="sim\.crypto\.ticker"\} [1-9]\d*$/m);
  assert.match(text, /^flux_room_freshness_last_ms\{name="crypto\.ticker"\} -?\d+$/m);
  assert.match(text, /^flux_process_rss_bytes [1-9]\d*$/m);
  assert.match(text, /^flux_sessions \d+$/m);
  // Every non-comment line is `name{labels} value` or `name value`.
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#')))
    assert.match(line, /^[a-z_]+(\{name="[^"]*"\})? -?[\d.e+-]+$/, line);
});

describe('with small session limits', () => {
  // 2 rooms per connection; 5 requests at once, then 1 a second; the 5th
  // invalid request closes the connection.
  let small;
  before(async () => {
    small = await startFlux(['--session.max-subscriptions=2',
      '--session.requests-per-second=1', '--session.request-burst=5',
      '--session.max-errors=5']);
  });
  after(async () => { await small?.stop(); });

  test('a subscription over session.max-subscriptions gets too_many_subscriptions', async () => {
    const c = await Client.connect(small.wsUrl);
    c.send({ op: 'subscribe', room: 'crypto.ticker', id: 1 });
    c.send({ op: 'subscribe', room: 'news.top', id: 2 });
    await c.waitFor((f) => f.type === 'subscribed' && f.id === 2);
    c.send({ op: 'subscribe', room: 'weather.london', id: 3 });
    const err = await c.waitFor((f) => f.type === 'error' && f.id === 3);
    assert.equal(err.code, 'too_many_subscriptions');
    assert.equal(err.room, 'weather.london');
    assert.ok(!c.frames.some((f) => f.room === 'weather.london' && f.type !== 'error'),
      'nothing from the refused room');
    // Freeing a slot lets the same subscription through.
    c.send({ op: 'unsubscribe', room: 'news.top', id: 4 });
    await c.waitFor((f) => f.type === 'unsubscribed' && f.id === 4);
    await sleep(1100); // a request token refills
    c.send({ op: 'subscribe', room: 'weather.london', id: 5 });
    await c.waitFor((f) => f.type === 'subscribed' && f.id === 5);
    await c.waitFor((f) => f.type === 'snapshot' && f.room === 'weather.london');
    assert.equal(c.closed, null);
    c.close();
  });

  test('requests beyond the burst get rate_limited, and the rate refills', async () => {
    const c = await Client.connect(small.wsUrl);
    for (let id = 1; id <= 8; id++) c.send({ op: 'ping', id });
    const answers = await c.waitForCount((f) => f.type === 'pong' || f.type === 'error', 8);
    const pongs = answers.filter((f) => f.type === 'pong');
    const limited = answers.filter((f) => f.type === 'error');
    assert.ok(pongs.length >= 5 && pongs.length < 8, `${pongs.length} pongs`);
    assert.deepEqual(pongs.slice(0, 5).map((f) => f.id), [1, 2, 3, 4, 5]);
    for (const e of limited) {
      assert.equal(e.code, 'rate_limited');
      assert.ok(e.id > 5, `request ${e.id} limited`);
    }
    await sleep(1100);
    c.send({ op: 'ping', id: 9 });
    const pong = await c.waitFor((f) => f.type === 'pong' && f.id === 9);
    assert.equal(pong.id, 9);
    assert.equal(c.closed, null, 'rate limiting keeps the connection');
    c.close();
  });

  test('session.max-errors invalid requests close only that client with 1008', async () => {
    const good = await Client.connect(small.wsUrl);
    good.send({ op: 'subscribe', room: 'crypto.ticker' });
    await good.waitFor((f) => f.type === 'snapshot');
    const bad = await Client.connect(small.wsUrl);
    for (let i = 0; i < 4; i++) bad.send('not json');
    await bad.waitForCount((f) => f.type === 'error' && f.code === 'bad_json', 4);
    bad.send({ op: 'ping', id: 'still-open' });
    await bad.waitFor((f) => f.type === 'pong' && f.id === 'still-open');
    bad.send('not json'); // the 5th
    const closed = await bad.waitClose();
    assert.equal(closed.code, 1008);
    const n = good.frames.length;
    await good.waitFor((f) => f.type === 'event', { from: n });
    assert.equal(good.closed, null);
    const fresh = await Client.connect(small.wsUrl);
    fresh.send({ op: 'ping', id: 1 });
    await fresh.waitFor((f) => f.type === 'pong');
    fresh.close();
    good.close();
  });
});
