// The Socket.IO v4 endpoint, driven by the real socket.io-client 4.x.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { startFlux, getJson } from './lib/flux.mjs';

let flux;
before(async () => {
  flux = await startFlux(['--domains.crypto-ticker-interval-ms=40',
    '--gateway.auth-token=s3cret', '--rooms.history=1000']);
});
after(async () => { await flux?.stop(); });

const connect = (opts = {}) => io(flux.url, {
  transports: ['websocket'], reconnection: false, auth: { token: 's3cret' }, ...opts });

// Collects the events of one room in arrival order.
function collect(socket) {
  const got = { snapshot: [], event: [], error: [] };
  for (const name of Object.keys(got)) socket.on(name, (f) => got[name].push(f));
  return got;
}

async function until(pred, ms = 10000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

test('connect, subscribe with ack, receive the snapshot and live events', async () => {
  const s = connect();
  await once(s, 'connect');
  assert.ok(s.id, 'has a socket id');
  const got = collect(s);
  const ack = await s.timeout(5000).emitWithAck('subscribe', { room: 'crypto.ticker' });
  assert.equal(ack.type, 'subscribed');
  assert.equal(ack.room, 'crypto.ticker');
  assert.equal(ack.resumed, false);
  await until(() => got.snapshot.length === 1 && got.event.length >= 10);
  assert.equal(got.snapshot[0].room, 'crypto.ticker');
  for (let i = 1; i < got.event.length; i++) assert.ok(got.event[i].pos > got.event[i - 1].pos);
  // Other requests answer through their ack as well.
  const pong = await s.timeout(5000).emitWithAck('ping');
  assert.equal(pong.type, 'pong');
  const rooms = await s.timeout(5000).emitWithAck('rooms');
  assert.ok(rooms.rooms.some((r) => r.name === 'weather.london'));
  const bad = await s.timeout(5000).emitWithAck('subscribe', { room: 'no.such.room' });
  assert.equal(bad.type, 'error');
  assert.equal(bad.code, 'unknown_room');
  const un = await s.timeout(5000).emitWithAck('unsubscribe', { room: 'crypto.ticker' });
  assert.equal(un.type, 'unsubscribed');
  s.disconnect();
});

test('a Socket.IO subscriber that keeps up gets events straight from the room, in order', async () => {
  const s = connect();
  await once(s, 'connect');
  const got = collect(s);
  await s.timeout(5000).emitWithAck('subscribe', { room: 'crypto.ticker' });
  await until(() => got.event.length >= 5);
  const room = () => getJson(`${flux.url}/stats`).then(({ body }) =>
    body.node.actors.find((a) => a.kind === 'room' && a.name === 'crypto.ticker'));
  let r = await room();
  for (let i = 0; i < 50 && r.direct_subscribers < 1; i++) { await sleep(50); r = await room(); }
  assert.ok(r.direct_subscribers >= 1, JSON.stringify(r));
  const before = r.direct_bursts;
  const from = got.event.length;
  await until(() => got.event.length >= from + 20);
  r = await room();
  assert.ok(r.direct_bursts > before, 'bursts go through the direct line');
  for (let i = 1; i < got.event.length; i++) assert.ok(got.event[i].pos > got.event[i - 1].pos);
  for (const e of got.event) assert.equal(e.room, 'crypto.ticker');
  s.disconnect();
});

test('reconnect and resume: the ack says the gap was recovered, and the missed events follow', async () => {
  const witness = connect();
  await once(witness, 'connect');
  const wgot = collect(witness);
  await witness.timeout(5000).emitWithAck('subscribe', { room: 'crypto.ticker' });

  const s = connect();
  await once(s, 'connect');
  const got = collect(s);
  await s.timeout(5000).emitWithAck('subscribe', { room: 'crypto.ticker' });
  await until(() => got.event.length >= 5);
  s.disconnect();
  const last = got.event[got.event.length - 1];
  await sleep(500);

  const again = connect();
  await once(again, 'connect');
  const got2 = collect(again);
  const ack = await again.timeout(5000).emitWithAck('subscribe',
    { room: 'crypto.ticker', resume: { epoch: last.epoch, pos: last.pos } });
  assert.equal(ack.resumed, true);
  assert.ok(ack.missed >= 3, `missed ${ack.missed}`);
  await until(() => got2.event.length >= ack.missed + 3);
  assert.equal(got2.snapshot.length, 0);
  const upTo = got2.event[got2.event.length - 1].pos;
  await until(() => wgot.event.some((e) => e.pos >= upTo));
  const expected = wgot.event.filter((e) => e.pos > last.pos && e.pos <= upTo).map((e) => e.id);
  assert.deepEqual(got2.event.map((e) => e.id), expected);
  witness.disconnect();
  again.disconnect();
});

test('a wrong token gets CONNECT_ERROR', async () => {
  const s = connect({ auth: { token: 'wrong' } });
  const [err] = await once(s, 'connect_error');
  assert.match(err.message, /Not authorized/);
  s.close();
});

test('an unknown namespace gets CONNECT_ERROR', async () => {
  const s = io(`${flux.url}/admin`, { transports: ['websocket'], reconnection: false,
    auth: { token: 's3cret' } });
  const [err] = await once(s, 'connect_error');
  assert.match(err.message, /Invalid namespace/);
  s.close();
});

test('server-side disconnect reaches the client (shutdown of a second server)', async () => {
  const other = await startFlux([]);
  const s = io(other.url, { transports: ['websocket'], reconnection: false });
  await once(s, 'connect');
  const closed = once(s, 'disconnect');
  await other.stop();
  const [reason] = await closed;
  assert.ok(['transport close', 'io server disconnect'].includes(reason), reason);
});

// Heartbeat tests use their own server with a short but not tight ping
// interval and a generous timeout, so that a loaded machine does not make
// an answering client look dead.
const PING_INTERVAL = 500;
const PING_TIMEOUT = 2000;
const MAX_FRAME = 32768;
const pingFlux = () => startFlux([`--session.ping-interval-ms=${PING_INTERVAL}`,
  `--session.ping-timeout-ms=${PING_TIMEOUT}`, `--gateway.max-frame-bytes=${MAX_FRAME}`]);

test('the open packet carries a sid, no upgrades, and the configured ping and payload limits', async () => {
  const other = await pingFlux();
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${other.port}/socket.io/?EIO=4&transport=websocket`);
    const [first] = await once(ws, 'message');
    const text = first.toString();
    assert.equal(text[0], '0', 'Engine.IO open packet');
    const open = JSON.parse(text.slice(1));
    assert.equal(typeof open.sid, 'string');
    assert.ok(open.sid.length > 0);
    assert.deepEqual(open.upgrades, []);
    assert.equal(open.pingInterval, PING_INTERVAL);
    assert.equal(open.pingTimeout, PING_TIMEOUT);
    assert.equal(open.maxPayload, MAX_FRAME);
    ws.close();
  } finally { await other.stop(); }
});

test('the server pings and the client answers: the connection outlives several ping intervals', async () => {
  const other = await pingFlux();
  try {
    const s = io(other.url, { transports: ['websocket'], reconnection: false });
    await once(s, 'connect');
    let pings = 0;
    s.io.engine.on('ping', () => pings++);
    const t0 = Date.now();
    // Past pingInterval + pingTimeout a client that did not answer would be
    // gone (see the next test); this one answers, so it stays.
    await until(() => pings >= 3 && Date.now() - t0 > 2 * (PING_INTERVAL + PING_TIMEOUT), 30000);
    assert.ok(s.connected, `still connected after ${pings} pings`);
    s.disconnect();
  } finally { await other.stop(); }
});

test('a client that stops answering pings is closed', async () => {
  const other = await pingFlux();
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${other.port}/socket.io/?EIO=4&transport=websocket`);
    const msgs = [];
    ws.on('message', (m) => msgs.push(m.toString()));
    await once(ws, 'open');
    ws.send('40');
    const t0 = Date.now();
    await once(ws, 'close');
    const elapsed = Date.now() - t0;
    assert.ok(msgs[0].startsWith('0{'), 'open packet first');
    assert.ok(msgs.includes('2'), 'was pinged');
    assert.ok(elapsed < 20000, `closed after ${elapsed} ms`);
  } finally { await other.stop(); }
});

test('socket.io-client reconnects by itself after a restart on the same port, re-subscribes and gets events again', async () => {
  const args = ['--domains.crypto-ticker-interval-ms=40'];
  const first = await startFlux(args);
  let second;
  const s = io(first.url, { transports: ['websocket'], reconnection: true,
    reconnectionDelay: 100, reconnectionDelayMax: 500 });
  try {
    const got = collect(s);
    const acks = [];
    let reconnects = 0;
    s.io.on('reconnect', () => reconnects++); // the Manager's own reconnection
    // The app's own pattern: (re-)subscribe on every connect.
    s.on('connect', () => {
      s.timeout(5000).emitWithAck('subscribe', { room: 'crypto.ticker' })
        .then((ack) => acks.push(ack), (err) => acks.push({ type: 'failed', err }));
    });
    await until(() => acks.length === 1 && got.event.length >= 3);
    const gone = once(s, 'disconnect');
    assert.equal(await first.stop(), 0);
    await gone;
    assert.equal(s.connected, false);
    const events = got.event.length;
    const snapshots = got.snapshot.length;
    second = await startFlux([...args, `--gateway.port=${first.port}`]);
    assert.equal(second.port, first.port);
    await until(() => acks.length === 2 && got.event.length >= events + 3, 30000);
    assert.ok(s.connected);
    assert.equal(reconnects, 1, 'reconnected by itself');
    assert.equal(acks[1].type, 'subscribed');
    assert.equal(acks[1].room, 'crypto.ticker');
    assert.ok(got.snapshot.length > snapshots, 'a fresh snapshot after the reconnect');
    const fresh = got.event.slice(events);
    for (let i = 1; i < fresh.length; i++) assert.ok(fresh[i].pos > fresh[i - 1].pos);
  } finally {
    s.close();
    await first.stop();
    await second?.stop();
  }
});

test('malformed packets close only that connection', async () => {
  const good = connect();
  await once(good, 'connect');
  const ggot = collect(good);
  await good.timeout(5000).emitWithAck('subscribe', { room: 'crypto.ticker' });
  for (const bad of ['9', '42not-json', '42{"a":1}', '4', '42["subscribe"]x', '451-["x",{}]']) {
    const ws = new WebSocket(`ws://127.0.0.1:${flux.port}/socket.io/?EIO=4&transport=websocket`);
    await once(ws, 'open');
    ws.send('40{"token":"s3cret"}');
    await sleep(50);
    ws.send(bad);
    const [code] = await once(ws, 'close');
    assert.equal(code, 1002, `closed with protocol error for ${bad}`);
  }
  // An event before CONNECT is refused too.
  const ws = new WebSocket(`ws://127.0.0.1:${flux.port}/socket.io/?EIO=4&transport=websocket`);
  await once(ws, 'open');
  ws.send('42["ping"]');
  const [code] = await once(ws, 'close');
  assert.equal(code, 1002);
  const n = ggot.event.length;
  await until(() => ggot.event.length > n);
  good.disconnect();
});

test('HTTP long-polling is refused with a clear 400', async () => {
  const res = await fetch(`${flux.url}/socket.io/?EIO=4&transport=polling`);
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.match(body.message, /only the websocket transport/);
  const v3 = await fetch(`${flux.url}/socket.io/?EIO=3&transport=websocket`);
  assert.equal(v3.status, 400);
});

test('the native endpoint requires the token when one is configured', async () => {
  const denied = new WebSocket(`ws://127.0.0.1:${flux.port}/ws`);
  const [err] = await once(denied, 'error');
  assert.match(String(err.message), /401/);
  const ok = new WebSocket(`ws://127.0.0.1:${flux.port}/ws?token=s3cret`);
  await once(ok, 'open');
  ok.close();
});

test('a client closed for too many invalid requests gets DISCONNECT first and does not reconnect by itself', async () => {
  const strict = await startFlux(['--session.max-errors=3']);
  try {
    const s = io(strict.url, { transports: ['websocket'], reconnection: true, reconnectionDelay: 100 });
    await once(s, 'connect');
    const errors = [];
    s.on('error', (f) => errors.push(f)); // the error frames, as events
    const gone = new Promise((resolve) => s.once('disconnect', (r) => resolve([r])));
    for (let i = 0; i < 3; i++) s.emit('subscribe', { room: `no.such.room.${i}` });
    const [reason] = await Promise.race([gone,
      sleep(10000).then(() => { throw new Error('not disconnected within 10 s'); })]);
    assert.equal(reason, 'io server disconnect', 'the server said DISCONNECT (41) before closing');
    assert.ok(errors.length >= 2 && errors.every((f) => f.code === 'unknown_room'), JSON.stringify(errors));
    await sleep(600); // well past reconnectionDelay
    assert.equal(s.connected, false, 'socket.io-client does not reconnect after a server DISCONNECT');
    s.close();
    // A well-behaved client on the same server is unaffected.
    const ok = io(strict.url, { transports: ['websocket'], reconnection: false });
    await once(ok, 'connect');
    const ack = await ok.timeout(5000).emitWithAck('subscribe', { room: 'news.top' });
    assert.equal(ack.type, 'subscribed');
    ok.close();
  } finally {
    await strict.stop();
  }
});

// -- hostile or broken clients (raw Engine.IO over `ws`) -----------------------

// A raw Engine.IO client: records every text frame and the close; answers
// nothing by itself (pass answerPings to answer the server's pings).
function raw(port, { query = '', answerPings = false } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket${query}`);
  const c = { ws, msgs: [], times: [], closed: null, opened: once(ws, 'open') };
  ws.on('message', (m) => {
    const text = m.toString();
    c.msgs.push(text);
    c.times.push(Date.now());
    if (answerPings && text === '2') ws.send('3');
  });
  ws.on('close', (code, reason) => { c.closed = { code, reason: reason.toString(), at: Date.now() }; });
  ws.on('error', () => {});
  return c;
}

test('a client that answers pings but never sends CONNECT is closed after the connect timeout', async () => {
  const other = await startFlux(['--gateway.socketio-connect-timeout-ms=600',
    '--session.ping-interval-ms=200', '--session.ping-timeout-ms=2000']);
  try {
    const idle = raw(other.port, { answerPings: true });
    const connected = raw(other.port, { answerPings: true });
    await idle.opened;
    await connected.opened;
    const t0 = Date.now();
    connected.ws.send('40');
    await until(() => idle.closed, 5000);
    const elapsed = idle.closed.at - t0;
    assert.equal(idle.closed.code, 1008, JSON.stringify(idle.closed));
    assert.match(idle.closed.reason, /no Socket\.IO CONNECT within 600 ms/);
    assert.ok(elapsed >= 450 && elapsed < 2500, `closed after ${elapsed} ms`);
    assert.ok(idle.msgs.filter((m) => m === '2').length >= 2, 'it was pinged and answered meanwhile');
    // One that connected in time stays, well past the timeout.
    await sleep(1000);
    assert.equal(connected.closed, null);
    assert.ok(connected.msgs.some((m) => m.startsWith('40{"sid":')));
    connected.ws.close();
  } finally { await other.stop(); }
});

test('three failed CONNECTs close the connection; the right token connects on its first try', async () => {
  const brute = raw(flux.port);
  await brute.opened;
  let refusals = 0;
  for (let i = 0; i < 10 && !brute.closed; i++) {
    brute.ws.send(`40{"token":"wrong-${i}"}`);
    await until(() => brute.closed || brute.msgs.filter((m) => m.startsWith('44')).length > refusals, 5000);
    refusals = brute.msgs.filter((m) => m.startsWith('44')).length;
  }
  await until(() => brute.closed, 5000);
  assert.equal(refusals, 3, brute.msgs.join(' | '));
  assert.ok(brute.msgs.filter((m) => m.startsWith('44')).every((m) => m === '44{"message":"Not authorized"}'));
  assert.equal(brute.closed.code, 1008);
  assert.match(brute.closed.reason, /too many failed CONNECT attempts/);
  // Two failures are forgiven: the third try with the right token works.
  const typo = raw(flux.port);
  await typo.opened;
  await until(() => typo.msgs.length >= 1, 5000); // the open packet
  for (const token of ['wrong', 'wrong-again', 's3cret']) {
    const n = typo.msgs.length;
    typo.ws.send(`40{"token":"${token}"}`);
    await until(() => typo.msgs.length > n, 5000);
  }
  assert.ok(typo.msgs.at(-1).startsWith('40{"sid":'), typo.msgs.join(' | '));
  assert.equal(typo.closed, null);
  typo.ws.close();
  // A token that is not a string, or no auth at all, is a failure too.
  const odd = raw(flux.port);
  await odd.opened;
  odd.ws.send('40{"token":12}');
  await until(() => odd.msgs.some((m) => m.startsWith('44')), 5000);
  odd.ws.close();
  // The right token is answered at once (the refusal delay is 500 ms), and
  // socket.io-client connects with it on its first try.
  const quick = raw(flux.port);
  await quick.opened;
  const t0 = Date.now();
  quick.ws.send('40{"token":"s3cret"}');
  await until(() => quick.msgs.length >= 2, 5000);
  assert.ok(quick.msgs[1].startsWith('40{"sid":'), quick.msgs[1]);
  assert.ok(quick.times[1] - t0 < 450, `answered after ${quick.times[1] - t0} ms`);
  quick.ws.close();
  const s = connect();
  const [event] = await Promise.race([once(s, 'connect').then(() => ['connect']),
    once(s, 'connect_error').then(() => ['connect_error'])]);
  assert.equal(event, 'connect');
  s.disconnect();
});

test('CONNECT and event payloads nested 100,000 deep are refused, and the server lives on', async () => {
  const other = await startFlux(['--gateway.max-frame-bytes=1048576', '--gateway.auth-token=t']);
  try {
    const deep = '['.repeat(100000) + ']'.repeat(100000);
    const a = raw(other.port);
    await a.opened;
    a.ws.send(`40{"token":"t","x":${deep}}`);
    await until(() => a.closed, 10000);
    assert.equal(a.closed.code, 1002, JSON.stringify(a.closed));
    assert.match(a.closed.reason, /CONNECT payload/);
    const b = raw(other.port);
    await b.opened;
    b.ws.send('40{"token":"t"}');
    await until(() => b.msgs.some((m) => m.startsWith('40{')), 5000);
    b.ws.send(`42["subscribe",${deep}]`);
    await until(() => b.closed, 10000);
    assert.equal(b.closed.code, 1002, JSON.stringify(b.closed));
    assert.match(b.closed.reason, /nest/);
    assert.equal(other.child.exitCode, null, 'flux still runs');
    const s = io(other.url, { transports: ['websocket'], reconnection: false, auth: { token: 't' } });
    await once(s, 'connect');
    const pong = await s.timeout(5000).emitWithAck('ping');
    assert.equal(pong.type, 'pong');
    s.disconnect();
  } finally { await other.stop(); }
});

test('a missed pong closes the connection pingTimeout after the ping, not an interval later', async () => {
  const other = await startFlux(['--session.ping-interval-ms=1000', '--session.ping-timeout-ms=300']);
  try {
    const c = raw(other.port);
    await c.opened;
    c.ws.send('40');
    await until(() => c.closed, 10000);
    const ping = c.times[c.msgs.indexOf('2')];
    assert.ok(ping, 'was pinged');
    const late = c.closed.at - ping;
    assert.ok(late >= 250 && late < 800, `closed ${late} ms after the ping (pingTimeout 300)`);
    assert.equal(c.msgs.filter((m) => m === '2').length, 1, 'one unanswered ping');
  } finally { await other.stop(); }
});

test('a WebSocket with a sid is refused: Flux has no polling, so every sid is unknown', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${flux.port}/socket.io/?EIO=4&transport=websocket&sid=abc`);
  const [, res] = await Promise.race([once(ws, 'unexpected-response'),
    once(ws, 'open').then(() => { throw new Error('upgraded with an unknown sid'); })]);
  assert.equal(res.statusCode, 400);
  let body = '';
  for await (const chunk of res) body += chunk;
  assert.deepEqual(JSON.parse(body), { code: 1, message: 'Session ID unknown' });
  ws.terminate();
  const plain = await fetch(`${flux.url}/socket.io/?EIO=4&transport=websocket&sid=s-1`);
  assert.equal(plain.status, 400);
  assert.deepEqual(await plain.json(), { code: 1, message: 'Session ID unknown' });
});

test('the Engine.IO sid and socket.id are distinct 128-bit random ids', async () => {
  const ids = [];
  for (let i = 0; i < 2; i++) {
    const s = connect();
    await once(s, 'connect');
    ids.push(s.io.engine.id, s.id);
    s.disconnect();
  }
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{22}$/, id);
  assert.equal(new Set(ids).size, 4, ids.join(' '));
});

test('2probe is answered 3probe, a plain 2 with 3', async () => {
  const c = raw(flux.port);
  await c.opened;
  c.ws.send('2probe');
  c.ws.send('2');
  await until(() => c.msgs.length >= 3, 5000);
  assert.deepEqual(c.msgs.slice(1, 3), ['3probe', '3']);
  c.ws.close();
});

test('client pings are rate limited like requests', async () => {
  const other = await startFlux(['--session.request-burst=3', '--session.requests-per-second=0.5']);
  try {
    const c = raw(other.port);
    await c.opened;
    for (let i = 0; i < 10; i++) c.ws.send('2');
    await until(() => c.msgs.length >= 11, 5000);
    assert.equal(c.msgs.filter((m) => m === '3').length, 3, c.msgs.join(' | '));
    assert.ok(c.msgs.some((m) => m.startsWith('42["error",') && m.includes('rate_limited')));
    c.ws.close();
  } finally { await other.stop(); }
});

test('a namespace with control characters or quotes, or over 128 bytes, closes the connection unechoed', async () => {
  for (const bad of ['40/ad"min\r\nX-Injected: 1,', `40/${'a'.repeat(200)},`, `40/${'b'.repeat(200)}`,
    '42/a\u0000b,["ping"]']) {
    const c = raw(flux.port);
    await c.opened;
    c.ws.send(bad);
    await until(() => c.closed, 5000);
    assert.equal(c.closed.code, 1002, `${JSON.stringify(bad)}: ${JSON.stringify(c.closed)}`);
    assert.match(c.closed.reason, /namespace/);
    assert.ok(!c.msgs.some((m) => m.startsWith('44')), c.msgs.join(' | '));
  }
  // A plain unknown namespace of 128 bytes is still answered as such.
  const ns = `/${'n'.repeat(127)}`;
  const c = raw(flux.port);
  await c.opened;
  c.ws.send(`40${ns},`);
  await until(() => c.msgs.length >= 2, 5000);
  assert.equal(c.msgs[1], `44${ns},{"message":"Invalid namespace"}`);
  c.ws.close();
});

test('huge ack ids, attachment counts and event names are refused or answered without echoing them', async () => {
  for (const bad of ['4212345678901234567["ping"]', '45999999999999999999-["x",{}]',
    '4699999999999999999999-1[]', '43["x"]']) {
    const c = raw(flux.port);
    await c.opened;
    c.ws.send('40{"token":"s3cret"}');
    await until(() => c.msgs.length >= 2, 5000);
    c.ws.send(bad);
    await until(() => c.closed, 5000);
    assert.equal(c.closed.code, 1002, `${bad}: ${JSON.stringify(c.closed)}`);
  }
  // The largest ack id (15 digits) is answered with itself.
  const c = raw(flux.port);
  await c.opened;
  c.ws.send('40{"token":"s3cret"}');
  await until(() => c.msgs.length >= 2, 5000);
  c.ws.send('42999999999999999["ping"]');
  c.ws.send(`42["${'x'.repeat(5000)}"]`);
  await until(() => c.msgs.length >= 4, 5000);
  assert.ok(c.msgs[2].startsWith('43999999999999999[{"type":"pong"'), c.msgs[2]);
  assert.ok(c.msgs[3].startsWith('42["error",') && c.msgs[3].length < 400, c.msgs[3].slice(0, 200));
  assert.match(c.msgs[3], /unknown_op/);
  c.ws.close();
});
