// Webhook ingest: POST /ingest/{room} with one event or an array, bearer
// token, validation (schema, size, room name, declared rooms and classes),
// all or nothing, and the events reaching WebSocket subscribers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlux, Client } from './lib/flux.mjs';

const TOKEN = 's3cret-token';
let flux;

before(async () => {
  flux = await startFlux([`--ingest.token=${TOKEN}`,
    '--ingest.rooms=["ops.incidents:snapshot","ops.metrics:stream"]',
    '--ingest.max-body-bytes=100000', '--ingest.max-events=50']);
});
after(async () => { await flux?.stop(); });

async function post(room, body, { token = TOKEN, type = 'application/json', raw = false } = {}) {
  const headers = { 'content-type': type };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${flux.url}/ingest/${room}`, { method: 'POST', headers,
    body: raw ? body : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: json, text };
}

test('one event is accepted and reaches a subscriber; room defaults to the path', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'ops.incidents' });
  await c.waitFor((f) => f.type === 'snapshot' && f.room === 'ops.incidents');
  const r = await post('ops.incidents', { id: 'inc-1', ts: Date.now(),
    data: { open: 2, worst: 'db latency' } });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.body.accepted, 1);
  assert.equal(r.body.room, 'ops.incidents');
  assert.deepEqual(r.body.ids, ['inc-1']);
  const e = await c.waitFor((f) => f.type === 'event' && f.room === 'ops.incidents');
  assert.equal(e.id, 'inc-1');
  assert.equal(e.kind, 'snapshot');
  assert.deepEqual(e.data, { open: 2, worst: 'db latency' });
  // A later subscriber gets it as the snapshot.
  const late = await Client.connect(flux.wsUrl);
  late.send({ op: 'subscribe', room: 'ops.incidents' });
  const s = await late.waitFor((f) => f.type === 'snapshot' && f.room === 'ops.incidents');
  assert.deepEqual(s.data, { open: 2, worst: 'db latency' });
  c.close();
  late.close();
});

test('an array of updates to a stream room is accepted in order; id and ts may be left out', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'ops.metrics' });
  await c.waitFor((f) => f.type === 'snapshot' && f.room === 'ops.metrics');
  const items = [1, 2, 3].map((i) => ({ kind: 'update', key: `node-${i}`, data: { cpu: i * 10 } }));
  items[0].id = 'm-1';
  items[0].room = 'ops.metrics';
  const r = await post('ops.metrics', items);
  assert.equal(r.status, 202, r.text);
  assert.equal(r.body.accepted, 3);
  assert.equal(r.body.ids.length, 3);
  assert.equal(r.body.ids[0], 'm-1');
  const got = await c.waitForCount((f) => f.type === 'event' && f.room === 'ops.metrics', 3);
  assert.deepEqual(got.map((f) => f.key), ['node-1', 'node-2', 'node-3']);
  assert.deepEqual(got.map((f) => f.id), r.body.ids);
  for (const f of got) assert.ok(Math.abs(f.ts - Date.now()) < 60000, 'ts defaults to arrival');
  // Sending the same id again is deduplicated by the room.
  const again = await post('ops.metrics', { id: 'm-1', kind: 'update', key: 'node-1', data: { cpu: 99 } });
  assert.equal(again.status, 202);
  c.close();
});

test('bad input is refused with a clear reason and nothing is published (all or nothing)', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'ops.metrics' });
  await c.waitFor((f) => f.type === 'snapshot' && f.room === 'ops.metrics');
  const from = c.frames.length;
  const cases = [
    [[{ kind: 'update', key: 'a', data: 1 }, { kind: 'update', data: 2 }], 400, /event 1: an update needs field 'key'/],
    [[{ kind: 'update', key: 'a', data: 1 }, { kind: 'update', key: 'b' }], 400, /event 1: missing field 'data'/],
    [{ room: 'ops.incidents', kind: 'update', key: 'a', data: 1 }, 400, /differs from the path's room 'ops.metrics'/],
    [{ kind: 'snapshot', data: {} }, 400, /stream room/],
    [{ kind: 'bogus', key: 'a', data: 1 }, 400, /kind/],
    [{ kind: 'update', key: 'a', ts: -5, data: 1 }, 400, /ts/],
    [{ kind: 'update', key: 'a', id: '', data: 1 }, 400, /id/],
    [[], 400, /empty array/],
    ['"just a string"', 400, /event object or an array/],
    [Array.from({ length: 51 }, (_, i) => ({ kind: 'update', key: `k${i}`, data: i })), 413, /too many events/],
  ];
  for (const [body, status, reason] of cases) {
    const r = await post('ops.metrics', body, { raw: typeof body === 'string' });
    assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)} -> ${r.text}`);
    assert.match(r.body.error, reason);
    assert.equal(r.body.accepted, 0);
  }
  const bad = await post('ops.metrics', '{"kind": "update",', { raw: true });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /invalid JSON at offset \d+/);
  const text = await post('ops.metrics', 'kind=update', { raw: true, type: 'text/plain' });
  assert.equal(text.status, 415);
  // Nothing of the refused batches reached the room.
  await post('ops.metrics', { id: 'marker', kind: 'update', key: 'marker', data: 0 });
  const next = await c.waitFor((f) => f.type === 'event' && f.room === 'ops.metrics', { from });
  assert.equal(next.id, 'marker', 'the first event after the refused ones is the marker');
  c.close();
});

test('room names and declarations are checked', async () => {
  let r = await post('Bad Room', { data: 1 });
  assert.equal(r.status, 400);
  assert.match(r.body.error, /not a valid room name/);
  r = await post('weather.london', { data: 1 });
  assert.equal(r.status, 404);
  assert.match(r.body.error, /does not accept ingest: declare it in ingest.rooms/);
  r = await post('ops.incidents', { kind: 'update', key: 'x', data: 1 });
  assert.equal(r.status, 400);
  assert.match(r.body.error, /snapshot room/);
});

test('a missing or wrong token is refused', async () => {
  let r = await post('ops.incidents', { data: 1 }, { token: null });
  assert.equal(r.status, 401);
  assert.match(r.body.error, /missing Authorization: Bearer/);
  r = await post('ops.incidents', { data: 1 }, { token: 'wrong' });
  assert.equal(r.status, 403);
  assert.match(r.body.error, /wrong ingest token/);
  const get = await fetch(`${flux.url}/ingest/ops.incidents`);
  assert.equal(get.status, 405);
});

test('an oversized body is refused with 413', async () => {
  const big = { data: { pad: 'x'.repeat(150000) } };
  let r;
  try {
    r = await post('ops.incidents', big);
  } catch (e) {
    assert.fail(`the server should answer 413, not drop the connection: ${e.message}`);
  }
  assert.equal(r.status, 413);
  // Within the ingest limit, bodies larger than the other routes' 64 KiB pass.
  const medium = await post('ops.incidents', { data: { pad: 'y'.repeat(80000) } });
  assert.equal(medium.status, 202, medium.text);
});

test('with no token configured, ingest is disabled with a clear message', async () => {
  const other = await startFlux(['--ingest.rooms=["ops.incidents:snapshot"]']);
  try {
    const res = await fetch(`${other.url}/ingest/ops.incidents`, { method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body: JSON.stringify({ data: 1 }) });
    assert.equal(res.status, 404);
    assert.match((await res.json()).error, /webhook ingest is disabled: set ingest.token/);
  } finally {
    await other.stop();
  }
});
