// Ingest with JWTs (docs/auth-ingest-ops.md): a token whose `ingest` claim
// covers the room posts (and a subscriber gets the event), one whose claim
// does not gets 403 naming why, an expired or forged one 401 with the
// verifier's reason; the static ingest.token still works, exactly as
// "Bearer <token>" as it reaches the server (raw requests over 127.0.0.1).
// Tokens are signed here with `jose`, never by Flux's own code; the token
// never appears in the logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { SignJWT } from 'jose';
import { startFlux, Client } from './lib/flux.mjs';

const SECRET = 'flux-ingest-test-secret-0123456789abcdef';
const STATIC = 'static-ingest-token';
const now = () => Math.floor(Date.now() / 1000);

function jwt(claims, { sub = 'feeder', exp = now() + 600, key = SECRET } = {}) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub).setIssuedAt().setExpirationTime(exp)
    .sign(new TextEncoder().encode(key));
}

let flux;
before(async () => {
  flux = await startFlux([`--ingest.token=${STATIC}`,
    '--ingest.rooms=["ops.incidents:snapshot","news.wire:snapshot"]',
    `--auth.jwt-secret=${SECRET}`, '--auth.anonymous-rooms=["ops.*","news.*"]',
    '--auth.clock-skew-ms=1000']);
});
after(async () => { await flux?.stop(); });

async function post(room, authorization, data = { n: 1 }) {
  const res = await fetch(`${flux.url}/ingest/${room}`, { method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ data }) });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), challenge: res.headers.get('www-authenticate') };
}

// A request with the Authorization header written byte for byte.
async function rawPost(room, authLine) {
  const sock = net.connect(flux.port, '127.0.0.1');
  await once(sock, 'connect');
  let text = '';
  sock.on('data', (d) => { text += d; });
  sock.write(`POST /ingest/${room} HTTP/1.1\r\nHost: x\r\nAuthorization: ${authLine}\r\n`
    + 'Content-Type: application/json\r\nConnection: close\r\nContent-Length: 10\r\n\r\n{"data":1}');
  await Promise.race([once(sock, 'close'), new Promise((r) => setTimeout(r, 3000))]);
  sock.destroy();
  return Number((/^HTTP\/1\.1 (\d{3})/.exec(text) ?? [])[1] ?? 0);
}

const logsSince = (i) => flux.logs.slice(i).join('\n');

test('a JWT whose ingest claim covers the room posts, and a subscriber gets the event', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'ops.incidents' });
  await c.waitFor((f) => f.type === 'snapshot' && f.room === 'ops.incidents');
  const token = await jwt({ ingest: ['ops.*'] });
  const r = await post('ops.incidents', `Bearer ${token}`, { open: 3 });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.equal(r.body.accepted, 1);
  const e = await c.waitFor((f) => f.type === 'event' && f.room === 'ops.incidents');
  assert.deepEqual(e.data, { open: 3 });
  c.close();
});

test('a valid JWT whose ingest claim does not cover the room: 403 naming why, logged with its sub', async () => {
  const mark = flux.logs.length;
  const token = await jwt({ ingest: ['ops.*'], rooms: ['*'] }, { sub: 'ops-bot' });
  const r = await post('news.wire', `Bearer ${token}`);
  assert.equal(r.status, 403);
  assert.equal(r.body.accepted, 0);
  assert.match(r.body.error, /ingest claim does not cover room 'news\.wire'/);
  const none = await post('ops.incidents', `Bearer ${await jwt({ rooms: ['*'] })}`);
  assert.equal(none.status, 403);
  assert.match(none.body.error, /no ingest claim/);
  await new Promise((res) => setTimeout(res, 100));
  const logs = logsSince(mark);
  assert.match(logs, /rejected: bad credentials.*ops-bot|ops-bot.*rejected: bad credentials/);
  assert.ok(!logs.includes(token), 'the token is never logged');
});

test('an expired or forged JWT: 401 with the verifier reason, never the token', async () => {
  const mark = flux.logs.length;
  const expired = await jwt({ ingest: ['*'] }, { exp: now() - 120 });
  let r = await post('ops.incidents', `Bearer ${expired}`);
  assert.equal(r.status, 401);
  assert.match(r.body.error, /^token refused: token expired at/);
  assert.match(r.challenge, /^Bearer realm="flux-ingest"/);
  const forged = await jwt({ ingest: ['*'] }, { key: `${SECRET}-not-ours` });
  r = await post('ops.incidents', `Bearer ${forged}`);
  assert.equal(r.status, 401);
  assert.match(r.body.error, /bad signature/);
  assert.ok(!r.body.error.includes(forged));
  await new Promise((res) => setTimeout(res, 100));
  const logs = logsSince(mark);
  assert.match(logs, /token expired at/);
  assert.match(logs, /bad signature/);
  assert.ok(!logs.includes(expired) && !logs.includes(forged), 'tokens are never logged');
});

test('the static token beside JWTs, exactly "Bearer <token>" as sent', async () => {
  assert.equal((await post('news.wire', `Bearer ${STATIC}`)).status, 202);
  const wrong = await post('news.wire', `Bearer ${STATIC}x`);
  assert.equal(wrong.status, 403);
  assert.match(wrong.body.error, /wrong ingest token/);
  assert.equal(await rawPost('news.wire', `Bearer ${STATIC}`), 202);
  const token = await jwt({ ingest: ['*'] });
  for (const auth of [`Bearer ${STATIC} `, `Bearer ${STATIC}\t`, `Bearer ${STATIC}\r\n `,
    `Bearer  ${STATIC}`, `Bearer ${token} `, `Bearer ${token}\r\n\t`,
    `Bearer ${STATIC}\r\nAuthorization: Bearer ${STATIC}`])
    assert.equal(await rawPost('news.wire', auth), 403, JSON.stringify(auth));
  assert.equal(await rawPost('news.wire', `Bearer ${token}`), 202);
});
