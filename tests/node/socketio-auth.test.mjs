// Per-user tokens over Socket.IO (docs/auth.md), with the real
// socket.io-client: CONNECT's auth {token}, the `authed` event, room
// permissions through acks, refresh with an `auth` event, token_expiring,
// refusals as CONNECT_ERROR, and the 4003 close after too many. Tokens are
// signed with `jose`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { startFlux } from './lib/flux.mjs';

const SECRET = 'flux-socketio-auth-secret-0123456789';
const now = () => Math.floor(Date.now() / 1000);
const token = ({ rooms = ['crypto.*'], sub = 'ann', exp = now() + 600 } = {}) =>
  new SignJWT({ rooms }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub)
    .setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));

let flux;
before(async () => {
  flux = await startFlux(['--domains.crypto-ticker-interval-ms=40', `--auth.jwt-secret=${SECRET}`,
    '--auth.anonymous-rooms=["weather.*"]', '--auth.refresh-warning-ms=2500', '--auth.clock-skew-ms=0']);
});
after(async () => { await flux?.stop(); });

const connect = (auth) => io(flux.url, { transports: ['websocket'], reconnection: false, auth });

async function until(pred, ms = 10000) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

test('CONNECT with a token: authed, its rooms open, others forbidden through the ack', async () => {
  const s = connect({ token: await token() });
  const authed = once(s, 'authed');
  await once(s, 'connect');
  const [who] = await authed;
  assert.equal(who.sub, 'ann');
  assert.deepEqual(who.rooms, ['crypto.*']);
  const snapshots = [];
  s.on('snapshot', (f) => snapshots.push(f));
  const ok = await s.timeout(5000).emitWithAck('subscribe', { room: 'crypto.ticker' });
  assert.equal(ok.type, 'subscribed');
  const no = await s.timeout(5000).emitWithAck('subscribe', { room: 'news.top' });
  assert.equal(no.type, 'error');
  assert.equal(no.code, 'forbidden');
  assert.equal(no.room, 'news.top');
  const anon = await s.timeout(5000).emitWithAck('subscribe', { room: 'weather.london' });
  assert.equal(anon.type, 'subscribed');
  await until(() => snapshots.some((f) => f.room === 'crypto.ticker'));
  s.disconnect();
});

test('without a token only the anonymous rooms', async () => {
  const s = connect(undefined);
  await once(s, 'connect');
  const no = await s.timeout(5000).emitWithAck('subscribe', { room: 'crypto.ticker' });
  assert.equal(no.code, 'forbidden');
  const ok = await s.timeout(5000).emitWithAck('subscribe', { room: 'weather.london' });
  assert.equal(ok.type, 'subscribed');
  s.disconnect();
});

test('a bad token is refused as CONNECT_ERROR with its reason', async () => {
  const s = connect({ token: (await token()).slice(0, -4) + 'AAAA' });
  const [err] = await once(s, 'connect_error');
  assert.match(err.message, /^unauthorized: bad signature/);
  s.close();
  const e = connect({ token: await token({ exp: now() - 5 }) });
  const [expired] = await once(e, 'connect_error');
  assert.match(expired.message, /^token_expired: token expired/);
  e.close();
});

test('refresh with an auth event keeps the subscription; token_expiring comes first', async () => {
  const s = connect({ token: await token({ exp: now() + 3 }) });
  // The warning can come at once (exp is whole seconds, under 3 s away).
  const warned = once(s, 'token_expiring');
  await once(s, 'connect');
  const events = [];
  s.on('event', (f) => events.push(f));
  await s.timeout(5000).emitWithAck('subscribe', { room: 'crypto.ticker' });
  const [warn] = await warned;
  assert.ok(warn.exp >= now());
  const a = await s.timeout(5000).emitWithAck('auth', { token: await token() });
  assert.equal(a.type, 'authed');
  assert.ok(a.exp > now() + 300);
  let expired = false;
  s.on('error', (f) => { if (f.code === 'token_expired') expired = true; });
  await sleep(3500);
  assert.ok(s.connected, 'still connected past the first exp');
  assert.equal(expired, false);
  const n = events.length;
  await until(() => events.length > n + 3);
  for (let i = 1; i < events.length; i++) assert.ok(events[i].pos > events[i - 1].pos);
  // Another subject cannot take over the connection.
  const other = await s.timeout(5000).emitWithAck('auth', { token: await token({ sub: 'eve' }) });
  assert.equal(other.code, 'unauthorized');
  s.disconnect();
});

test('more than auth.max-failures refused CONNECTs close with 4003', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${flux.port}/socket.io/?EIO=4&transport=websocket`);
  const msgs = [];
  let closed = null;
  ws.on('message', (m) => msgs.push(m.toString()));
  ws.on('close', (code, reason) => { closed = { code, reason: reason.toString() }; });
  await once(ws, 'open');
  for (let i = 0; i < 10 && !closed; i++) {
    const n = msgs.filter((m) => m.startsWith('44')).length;
    ws.send(`40{"token":"x.y.${i}"}`);
    await until(() => closed || msgs.filter((m) => m.startsWith('44')).length > n, 5000);
  }
  await until(() => closed, 5000);
  assert.equal(closed.code, 4003);
  assert.equal(msgs.filter((m) => m.startsWith('44')).length, 4, msgs.join(' | '));
  assert.ok(msgs.filter((m) => m.startsWith('44')).every((m) => /unauthorized: malformed token/.test(m)));
});

test('auth.required: a CONNECT without a token is refused', async () => {
  const strict = await startFlux([`--auth.jwt-secret=${SECRET}`, '--auth.required']);
  try {
    const s = io(strict.url, { transports: ['websocket'], reconnection: false });
    const [err] = await once(s, 'connect_error');
    assert.match(err.message, /^unauthorized: a token is required/);
    s.close();
    const ok = io(strict.url, { transports: ['websocket'], reconnection: false,
      auth: { token: await token({ rooms: ['weather.*'] }) } });
    await once(ok, 'connect');
    const sub = await ok.timeout(5000).emitWithAck('subscribe', { room: 'weather.london' });
    assert.equal(sub.type, 'subscribed');
    ok.disconnect();
  } finally { await strict.stop(); }
});
