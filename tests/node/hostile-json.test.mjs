// Hostile JSON through the real binary: nesting that would overflow a
// recursive parser, a NUL followed by garbage, text that is not UTF-8 (raw
// or as a lone surrogate escape) and a truncated op name that must stay
// UTF-8. Each gets a clear error; the client and the process survive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFlux, Client } from './lib/flux.mjs';

const TOKEN = 'deep-token';
let flux;

before(async () => {
  flux = await startFlux([`--ingest.token=${TOKEN}`,
    '--ingest.rooms=["ops.deep:snapshot"]', '--ingest.max-body-bytes=2000000',
    '--gateway.max-frame-bytes=1048576']);
});
after(async () => { await flux?.stop(); });

async function post(body) {
  const res = await fetch(`${flux.url}/ingest/ops.deep`, { method: 'POST', body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: json, text };
}

async function assertAlive() {
  assert.equal(flux.child.exitCode, null, 'flux exited');
  assert.equal(flux.child.signalCode, null, 'flux was killed by a signal');
  const res = await fetch(`${flux.url}/healthz`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
}

test('an ingest body of 1,000,000 [ gets 400 and the process survives', async () => {
  const r = await post('['.repeat(1000000));
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.error, /^invalid JSON: nested deeper than 64 levels$/);
  assert.equal(r.body.accepted, 0);
  await assertAlive();
});

test('an ingest body with a NUL and garbage after a valid event gets 400', async () => {
  const r = await post(`${JSON.stringify({ id: 'nul-1', data: { v: 1 } })}\u0000garbage`);
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.error, /^invalid JSON: a NUL byte at offset \d+$/);
  await assertAlive();
});

test('an ingest body that is not UTF-8 gets 400 and never reaches subscribers', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'ops.deep' });
  await c.waitFor((f) => f.type === 'snapshot' && f.room === 'ops.deep');
  const raw = Buffer.concat([Buffer.from('{"id":"bad-utf8","data":{"t":"'),
    Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]);
  const r = await post(raw);
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.error, /^invalid JSON at offset \d+: Invalid encoding in string\.$/);
  // A lone surrogate escape would decode to bytes that are not UTF-8 either.
  const s = await post('{"id":"bad-surrogate","data":{"t":"\\udc00"}}');
  assert.equal(s.status, 400, s.text);
  assert.match(s.body.error, /lone UTF-16 surrogate/);
  const ok = await post(JSON.stringify({ id: 'fine', data: { t: '€' } }));
  assert.equal(ok.status, 202, ok.text);
  const e = await c.waitFor((f) => f.type === 'event' && f.room === 'ops.deep');
  assert.equal(e.id, 'fine', 'the refused bodies published nothing');
  assert.equal(c.closed, null);
  c.close();
});

test('a WebSocket frame of 300,000 [ gets bad_json and the connection survives', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send('['.repeat(300000));
  const err = await c.waitFor((f) => f.type === 'error');
  assert.equal(err.code, 'bad_json');
  assert.match(err.message, /nested deeper than 64 levels/);
  c.send({ op: 'ping', id: 1 });
  assert.equal((await c.waitFor((f) => f.type === 'pong')).id, 1);
  c.close();
  await assertAlive();
});

test('a request followed by a NUL and garbage gets bad_json, not an answer', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send('{"op":"ping","id":7}\u0000garbage');
  const f = await c.waitFor((x) => x.type === 'error' || x.type === 'pong');
  assert.equal(f.type, 'error', JSON.stringify(f));
  assert.equal(f.code, 'bad_json');
  assert.match(f.message, /a NUL byte at offset 20/);
  c.close();
});

test('error messages stay UTF-8: a cut op name and a lone surrogate escape', async () => {
  const c = await Client.connect(flux.wsUrl);
  // 31 "a" + "€" (3 bytes): cutting at byte 32 would split the euro sign.
  c.send({ op: `${'a'.repeat(31)}€`, id: 1 });
  const cut = await c.waitFor((f) => f.type === 'error' && f.id === 1);
  assert.equal(cut.code, 'unknown_op');
  assert.equal(cut.message, `unknown op '${'a'.repeat(31)}'`);
  c.send('{"op":"\\udc00","id":2}');
  const lone = await c.waitFor((f) => f.type === 'error' && f.id === null);
  assert.equal(lone.code, 'bad_json');
  c.send({ op: 'ping', id: 3 });
  assert.equal((await c.waitFor((f) => f.type === 'pong')).id, 3);
  assert.equal(c.closed, null, 'the client never saw invalid UTF-8');
  c.close();
  await assertAlive();
});
