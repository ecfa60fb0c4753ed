// Room limits against hostile or just large input, on the real binary:
// a stream room's keys are bounded (rooms.max-keys, least recently updated
// evicted, counted on /stats), so distinct-key ingest does not grow memory;
// a snapshot larger than the session budget still reaches a client that
// reads (in pieces: a snapshot, then the other keys as update events); and
// a resume from a position the room has not reached is refused with
// `ahead_of_room` and a fresh snapshot instead of hanging.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFlux, Client, getJson, rssBoundMb } from './lib/flux.mjs';

const TOKEN = 'limits-token';
const MAX_KEYS = 5000;
let flux;

before(async () => {
  flux = await startFlux([`--ingest.token=${TOKEN}`,
    '--ingest.rooms=["big.stream:stream","churn.stream:stream"]',
    '--ingest.max-body-bytes=4194304', '--ingest.max-events=1000',
    `--rooms.max-keys=${MAX_KEYS}`, '--bus.retention-records=1000']);
});
after(async () => { await flux?.stop(); });

// Posts like a well-behaved source: on 429 (ingest backpressure) it waits
// and retries, a bounded number of times.
async function post(room, events) {
  const body = JSON.stringify(events);
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${flux.url}/ingest/${room}`, { method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body });
    const text = await res.text();
    if (res.status === 429 && attempt < 200) { await sleep(50); continue; }
    assert.equal(res.status, 202, text);
    return;
  }
}

// `count` updates to distinct keys `${prefix}-${i}`, `pad` bytes of payload each.
async function ingestKeys(room, prefix, count, pad, from = 0) {
  for (let start = from; start < from + count; start += 1000) {
    const batch = [];
    for (let i = start; i < Math.min(start + 1000, from + count); i += 1)
      batch.push({ kind: 'update', key: `${prefix}-${i}`, data: { i, pad: 'x'.repeat(pad) } });
    await post(room, batch);
  }
}

async function roomStats(name) {
  const { body } = await getJson(`${flux.url}/stats`);
  return body.node.actors.find((a) => a.kind === 'room' && a.name === name);
}

async function untilApplied(name, events, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await roomStats(name);
    if (r && r.events >= events) return r;
    if (Date.now() > end) throw new Error(`room ${name} applied ${r?.events} of ${events} events`);
    await sleep(50);
  }
}

function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

// Applies a room's snapshot and events the way a client does (events not
// after the last position are ignored); returns the state once the client
// has everything up to the subscribed position.
async function stateAfterSubscribe(c, room, id) {
  const sub = await c.waitFor((f) => f.type === 'subscribed' && f.id === id, { timeoutMs: 20000 });
  let data = null;
  let pos = null;
  let idx = c.frames.indexOf(sub) + 1;
  while (pos === null || pos < sub.pos) {
    const f = await c.waitFor((x) => x.room === room && (x.type === 'snapshot' || x.type === 'event'),
      { from: idx, timeoutMs: 20000 });
    idx = c.frames.indexOf(f, idx) + 1;
    if (f.type === 'snapshot') {
      data = { ...(f.data ?? {}) };
      pos = f.pos;
    } else if (f.pos > pos) {
      if (f.kind === 'update') data[f.key] = f.data;
      pos = f.pos;
    }
  }
  return { sub, data };
}

test('a snapshot larger than the session budget reaches a fresh subscriber that reads, and it stays connected', async () => {
  const keys = 4000; // x ~430 B: about 1.7 MB, over the 1 MiB budget
  await ingestKeys('big.stream', 'k', keys, 400);
  await untilApplied('big.stream', keys);
  for (let round = 0; round < 2; round += 1) { // and again: a reconnecting dashboard
    const c = await Client.connect(flux.wsUrl);
    c.send({ op: 'subscribe', room: 'big.stream', id: 1 });
    const { sub, data } = await stateAfterSubscribe(c, 'big.stream', 1);
    assert.equal(sub.resumed, false);
    assert.equal(Object.keys(data).length, keys, 'every key arrived');
    for (let i = 0; i < keys; i += 1) assert.equal(data[`k-${i}`].i, i);
    await sleep(300);
    assert.equal(c.closed, null, `still connected (closed: ${JSON.stringify(c.closed)})`);
    c.close();
  }
  assert.equal((await roomStats('big.stream')).keys, keys);
});

test('distinct-key ingest keeps at most rooms.max-keys keys and RSS stays bounded', async () => {
  const pad = 2000;
  // Warm up: the room fills to its bound and the allocator has seen bodies.
  await ingestKeys('churn.stream', 'warm', MAX_KEYS, pad);
  await untilApplied('churn.stream', MAX_KEYS);
  const before = rssBytes(flux.child.pid);
  const total = 50000; // 50 requests of 1000 updates, each to a new key
  const started = Date.now();
  await ingestKeys('churn.stream', 'key', total, pad);
  const r = await untilApplied('churn.stream', MAX_KEYS + total, 60000);
  const after = rssBytes(flux.child.pid);
  const grew = after - before;
  console.log(`# churn: ${total} distinct keys x ${pad} B in ${Date.now() - started} ms; `
    + `RSS ${(before / 1048576).toFixed(1)} MiB -> ${(after / 1048576).toFixed(1)} MiB`);
  // Unbounded, 50,000 keys x 2 KB would add over 100 MB.
  assert.ok(grew < rssBoundMb(40) * 1048576, `RSS grew by ${grew} bytes`);
  assert.equal(r.keys, MAX_KEYS, 'the room holds rooms.max-keys keys');
  assert.equal(r.evicted_keys, total, 'every key beyond the bound evicted one, counted');
  // The newest keys are the ones kept.
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'churn.stream', id: 1 });
  const { data } = await stateAfterSubscribe(c, 'churn.stream', 1);
  assert.equal(Object.keys(data).length, MAX_KEYS);
  assert.ok(data[`key-${total - 1}`], 'the newest key is kept');
  assert.equal(data['warm-0'], undefined, 'the least recently updated key is evicted');
  c.close();
});

for (const [what, ahead] of [['1000 positions', (pos) => String(pos + 1000)],
  ['INT64_MAX', () => '9223372036854775807']]) {
  test(`a resume ${what} ahead of the room is refused with ahead_of_room and a snapshot, then events flow`, async () => {
    await post('big.stream', [{ kind: 'update', key: 'resume-probe', data: { n: 0 } }]);
    const c = await Client.connect(flux.wsUrl);
    c.send({ op: 'subscribe', room: 'big.stream', id: 1 });
    const first = await c.waitFor((f) => f.type === 'subscribed' && f.id === 1);
    c.close();
    const c2 = await Client.connect(flux.wsUrl);
    // Raw JSON text: INT64_MAX is not a safe JavaScript number.
    c2.send(`{"op":"subscribe","room":"big.stream","id":2,"resume":{"epoch":${JSON.stringify(first.epoch)},"pos":${ahead(first.pos)}}}`);
    const sub = await c2.waitFor((f) => f.type === 'subscribed' && f.id === 2);
    assert.equal(sub.resumed, false);
    assert.equal(sub.reason, 'ahead_of_room');
    assert.equal(sub.missed, 0);
    await c2.waitFor((f) => f.type === 'snapshot' && f.room === 'big.stream', { timeoutMs: 20000 });
    const n = Date.now();
    await post('big.stream', [{ kind: 'update', key: 'resume-probe', data: { n } }]);
    const e = await c2.waitFor((f) => f.type === 'event' && f.key === 'resume-probe' && f.data.n === n);
    assert.ok(e.pos > first.pos);
    c2.close();
  });
}
