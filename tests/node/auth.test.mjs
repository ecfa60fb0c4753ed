// Per-user tokens on the native protocol (docs/auth.md): each refused kind
// with its reason, HS256/RS256/ES256 and key rotation by kid, room
// permissions on subscribe and resume, anonymous rooms, auth.required,
// refresh without a gap, expiry, and a narrowing refresh. Tokens are signed
// here with `jose`, never by Flux's own code; keys are made with Node's
// crypto.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT, UnsecuredJWT, importPKCS8 } from 'jose';
import { startFlux, Client, getJson } from './lib/flux.mjs';

const SECRET = 'flux-auth-test-secret-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'flux-auth-'));
const pem = (k) => k.export({ type: 'spki', format: 'pem' });
const rsa1 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
for (const [name, k] of [['r1', rsa1], ['r2', rsa2], ['e1', ec]])
  writeFileSync(join(dir, `${name}.pem`), pem(k.publicKey));
const now = () => Math.floor(Date.now() / 1000);

// A token for `sub` with `claims`, signed by `key` (the secret by default).
async function token(claims = {}, { alg = 'HS256', key, kid, sub = 'ann', exp } = {}) {
  const header = { alg, typ: 'JWT', ...(kid ? { kid } : {}) };
  const jwt = new SignJWT({ rooms: ['crypto.*'], ...claims }).setProtectedHeader(header)
    .setSubject(sub).setIssuedAt().setExpirationTime(exp ?? now() + 600);
  if (!key) return jwt.sign(new TextEncoder().encode(SECRET));
  const priv = await importPKCS8(key.privateKey.export({ type: 'pkcs8', format: 'pem' }), alg);
  return jwt.sign(priv);
}

let flux;
before(async () => {
  flux = await startFlux(['--domains.crypto-ticker-interval-ms=40',
    `--auth.jwt-secret=${SECRET}`, '--auth.jwt-audience=flux', '--auth.jwt-issuer=test-idp',
    `--auth.jwt-public-keys=["${join(dir, 'r1.pem')}","${join(dir, 'r2.pem')}","e1=${join(dir, 'e1.pem')}"]`,
    '--auth.anonymous-rooms=["weather.*"]', '--auth.clock-skew-ms=1000',
    '--auth.refresh-warning-ms=2000', '--auth.expiry-grace-ms=800', '--rooms.history=1000']);
});
after(async () => { await flux?.stop(); rmSync(dir, { recursive: true, force: true }); });

const good = { aud: 'flux', iss: 'test-idp' };

async function authed(claims = {}, opts = {}) {
  const c = await Client.connect(flux.wsUrl);
  assert.equal(c.frames[0].auth, 'optional');
  c.send({ op: 'auth', id: 1, token: await token({ ...good, ...claims }, opts) });
  const f = await c.waitFor((x) => x.id === 1);
  assert.equal(f.type, 'authed', JSON.stringify(f));
  return c;
}

test('HS256, RS256 and ES256 tokens are accepted, keys picked by kid', async () => {
  for (const opts of [{}, { alg: 'RS256', key: rsa1, kid: 'r1' }, { alg: 'RS256', key: rsa2, kid: 'r2' },
    { alg: 'RS256', key: rsa2 } /* no kid: every RSA key is tried */, { alg: 'ES256', key: ec, kid: 'e1' }]) {
    const c = await authed({}, opts);
    const a = c.frames.find((f) => f.type === 'authed');
    assert.equal(a.sub, 'ann');
    assert.deepEqual(a.rooms, ['crypto.*']);
    assert.deepEqual(a.anonymous_rooms, ['weather.*']);
    assert.ok(a.exp > now());
    c.close();
  }
});

test('each kind of bad token is refused with its reason, and the token is never logged', async () => {
  const pubPem = pem(rsa1.publicKey);
  const confused = await new SignJWT({ ...good, rooms: ['*'] }).setProtectedHeader({ alg: 'HS256', kid: 'r1' })
    .setSubject('mallory').setExpirationTime(now() + 600).sign(new TextEncoder().encode(pubPem));
  const cases = [
    ['alg none', new UnsecuredJWT({ ...good, sub: 'x', exp: now() + 600 }).encode(), /alg none/],
    ['HS256 keyed with the RSA public key', confused, /bad signature/],
    ['RS256 under the wrong kid', await token(good, { alg: 'RS256', key: rsa2, kid: 'r1' }), /bad signature/],
    ['unknown kid', await token(good, { alg: 'RS256', key: rsa1, kid: 'zz' }), /unknown key id/],
    ['ES256 under an RSA kid', await token(good, { alg: 'ES256', key: ec, kid: 'r1' }), /not allowed for key 'r1'/],
    ['bad signature', (await token(good)).slice(0, -4) + 'AAAA', /bad signature/],
    ['malformed', 'abc.def', /malformed/],
    ['wrong audience', await token({ ...good, aud: 'other' }), /wrong audience/],
    ['wrong issuer', await token({ ...good, iss: 'evil' }), /wrong issuer/],
    ['expired', await token(good, { exp: now() - 60 }), /expired/],
    ['not yet valid', await token({ ...good, nbf: now() + 120 }), /not valid before/],
  ];
  for (const [what, tok, reason] of cases) {
    const c = await Client.connect(flux.wsUrl);
    c.send({ op: 'auth', id: 7, token: tok });
    const f = await c.waitFor((x) => x.id === 7);
    assert.equal(f.type, 'error', what);
    assert.equal(f.code, what === 'expired' ? 'token_expired' : 'unauthorized', what);
    assert.match(f.message, reason, what);
    assert.ok(!f.message.includes(tok), what);
    c.close();
  }
  await sleep(100);
  const logged = flux.logs.join('\n');
  assert.match(logged, /token refused/);
  for (const [, tok] of cases) assert.ok(!logged.includes(tok.slice(0, 40)), 'no token in the log');
});

test('a token whose alg no configured key is for is refused before libjwt sees it', async () => {
  // A node with only public keys: an HS256 token keyed with the public PEM
  // (algorithm confusion) must not be checked as HMAC at all.
  const keysOnly = await startFlux([`--auth.jwt-public-keys=["${join(dir, 'r1.pem')}"]`]);
  try {
    const forged = await new SignJWT({ rooms: ['*'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory')
      .setExpirationTime(now() + 600).sign(new TextEncoder().encode(pem(rsa1.publicKey)));
    const c = await Client.connect(keysOnly.wsUrl);
    c.send({ op: 'auth', id: 1, token: forged });
    const f = await c.waitFor((x) => x.id === 1);
    assert.equal(f.code, 'unauthorized');
    assert.match(f.message, /algorithm 'HS256' is not allowed/);
    c.close();
  } finally { await keysOnly.stop(); }
});

test('subscribe and resume are checked against the token; anonymous rooms stay open', async () => {
  const anon = await Client.connect(flux.wsUrl);
  anon.send({ op: 'subscribe', id: 1, room: 'weather.london' });
  assert.equal((await anon.waitFor((f) => f.id === 1)).type, 'subscribed');
  anon.send({ op: 'subscribe', id: 2, room: 'crypto.ticker' });
  const refused = await anon.waitFor((f) => f.id === 2);
  assert.equal(refused.code, 'forbidden');
  assert.equal(refused.room, 'crypto.ticker');
  assert.match(refused.message, /needs a token/);
  // A room that does not exist is refused the same way: nothing is told.
  anon.send({ op: 'subscribe', id: 3, room: 'crypto.nothing' });
  assert.equal((await anon.waitFor((f) => f.id === 3)).code, 'forbidden');
  // The room list names only the rooms the client may see.
  anon.send({ op: 'rooms', id: 4 });
  const listed = (await anon.waitFor((f) => f.id === 4)).rooms.map((r) => r.name);
  assert.ok(listed.includes('weather.london'));
  assert.ok(listed.every((r) => r.startsWith('weather.')), listed.join());

  const c = await authed({ rooms: ['crypto.*'] });
  c.send({ op: 'subscribe', id: 2, room: 'crypto.ticker' });
  const sub = await c.waitFor((f) => f.id === 2);
  assert.equal(sub.type, 'subscribed');
  await c.waitForCount((f) => f.type === 'event' && f.room === 'crypto.ticker', 3);
  c.send({ op: 'subscribe', id: 3, room: 'weather.london' }); // anonymous: open to all
  assert.equal((await c.waitFor((f) => f.id === 3)).type, 'subscribed');
  // A resume of a room outside the token returns nothing of it.
  const { body } = await getJson(`${flux.url}/stats`);
  const news = body.node.actors.find((a) => a.kind === 'room' && a.name === 'news.top');
  c.send({ op: 'subscribe', id: 4, room: 'news.top', resume: { epoch: sub.epoch, pos: 0 } });
  const r = await c.waitFor((f) => f.id === 4);
  assert.equal(r.code, 'forbidden');
  assert.ok(news, 'news.top exists');
  await sleep(300);
  assert.ok(!c.frames.some((f) => f.room === 'news.top' && (f.type === 'event' || f.type === 'snapshot')));
  // /stats names the user of the session.
  const stats = await getJson(`${flux.url}/stats`);
  const mine = stats.body.node.actors.filter((a) => a.kind === 'session' && a.sub === 'ann');
  assert.ok(mine.some((s) => s.subscriptions.includes('crypto.ticker')));
  anon.close(); c.close();
});

test('a refresh keeps the stream gap-free; another subject is refused', async () => {
  const c = await authed({ rooms: ['crypto.*'] });
  const control = await authed({ rooms: ['crypto.*'] }, { sub: 'bob' });
  for (const x of [c, control]) x.send({ op: 'subscribe', id: 2, room: 'crypto.ticker' });
  await c.waitFor((f) => f.id === 2);
  await control.waitFor((f) => f.id === 2);
  await c.waitForCount((f) => f.type === 'event', 5);
  for (let i = 0; i < 3; i++) {
    c.send({ op: 'auth', id: 10 + i, token: await token({ ...good, rooms: ['crypto.*'] }) });
    assert.equal((await c.waitFor((f) => f.id === 10 + i)).type, 'authed');
    await sleep(150);
  }
  c.send({ op: 'auth', id: 20, token: await token({ ...good }, { sub: 'eve' }) });
  const other = await c.waitFor((f) => f.id === 20);
  assert.equal(other.code, 'unauthorized');
  assert.match(other.message, /same subject/);
  await sleep(300);
  const last = Math.max(...c.frames.filter((f) => f.type === 'event').map((f) => f.pos));
  await control.waitFor((f) => f.type === 'event' && f.pos >= last);
  const pos = (x) => x.frames.filter((f) => f.type === 'event' && f.pos <= last).map((f) => f.pos);
  const mine = pos(c);
  const first = mine[0];
  assert.deepEqual(mine, pos(control).filter((p) => p >= first), 'the same events, none missed or repeated');
  assert.ok(mine.length >= 10);
  c.close(); control.close();
});

test('expiry warns, then token_expired, then 4001 after the grace', async () => {
  const exp = now() + 4;
  const c = await authed({}, { exp });
  const t0 = Date.now();
  const warn = await c.waitFor((f) => f.type === 'token_expiring', { timeoutMs: 8000 });
  assert.equal(warn.exp, exp);
  const expired = await c.waitFor((f) => f.code === 'token_expired', { timeoutMs: 8000 });
  assert.ok(Date.now() >= (exp - 1) * 1000, 'not before exp');
  assert.equal(expired.type, 'error');
  const closed = await c.waitClose({ timeoutMs: 5000 });
  assert.equal(closed.code, 4001);
  assert.ok(Date.now() - t0 < 9000);
});

test('a refresh within the warning keeps the connection past the first exp', async () => {
  const c = await authed({}, { exp: now() + 3 });
  c.send({ op: 'subscribe', id: 2, room: 'crypto.ticker' });
  await c.waitFor((f) => f.type === 'token_expiring', { timeoutMs: 8000 });
  c.send({ op: 'auth', id: 3, token: await token(good, { exp: now() + 600 }) });
  assert.equal((await c.waitFor((f) => f.id === 3)).type, 'authed');
  await sleep(4500);
  assert.equal(c.closed, null);
  assert.ok(!c.frames.some((f) => f.code === 'token_expired'));
  const n = c.frames.filter((f) => f.type === 'event').length;
  await c.waitFor(() => c.frames.filter((f) => f.type === 'event').length > n + 3);
  c.close();
});

test('a narrowing refresh ends only the room it lost', async () => {
  const c = await authed({ rooms: ['crypto.*', 'news.*'] });
  c.send({ op: 'subscribe', id: 2, room: 'crypto.ticker' });
  c.send({ op: 'subscribe', id: 3, room: 'news.top' });
  await c.waitFor((f) => f.id === 2);
  await c.waitFor((f) => f.id === 3);
  c.send({ op: 'auth', id: 4, token: await token({ ...good, rooms: ['crypto.*'] }) });
  const lost = await c.waitFor((f) => f.code === 'forbidden');
  assert.equal(lost.room, 'news.top');
  assert.equal((await c.waitFor((f) => f.id === 4)).type, 'authed');
  const n = c.frames.length;
  await c.waitFor((f) => f.type === 'event' && f.room === 'crypto.ticker', { from: n });
  const { body } = await getJson(`${flux.url}/stats`);
  const me = body.node.actors.find((a) => a.kind === 'session' && a.sub === 'ann'
    && a.subscriptions.includes('crypto.ticker'));
  assert.deepEqual(me.subscriptions, ['crypto.ticker']);
  c.close();
});

test('more than auth.max-failures refused tokens close the connection with 4003', async () => {
  const c = await Client.connect(flux.wsUrl);
  for (let i = 0; i < 4; i++) c.send({ op: 'auth', id: i, token: 'x.y.z' });
  const closed = await c.waitClose();
  assert.equal(closed.code, 4003);
  assert.equal(c.frames.filter((f) => f.code === 'unauthorized').length, 4);
});

test('?token= on /ws authenticates; a bad one is refused with 4001', async () => {
  const c = await Client.connect(`${flux.wsUrl}?token=${await token(good)}`);
  await c.waitFor((f) => f.type === 'authed');
  c.send({ op: 'subscribe', id: 2, room: 'crypto.ticker' });
  assert.equal((await c.waitFor((f) => f.id === 2)).type, 'subscribed');
  c.close();
  const bad = new Client(`${flux.wsUrl}?token=${(await token(good)).slice(0, -3)}xyz`);
  const closed = await bad.waitClose();
  assert.equal(closed.code, 4001);
  assert.equal(bad.frames.find((f) => f.type === 'error').code, 'unauthorized');
});

test('auth.required: nothing but ping and auth before a token, 4001 without one', async () => {
  const strict = await startFlux([`--auth.jwt-secret=${SECRET}`, '--auth.required',
    '--auth.timeout-ms=800']);
  try {
    const c = await Client.connect(strict.wsUrl);
    assert.equal(c.frames[0].auth, 'required');
    c.send({ op: 'subscribe', id: 1, room: 'weather.london' });
    assert.equal((await c.waitFor((f) => f.id === 1)).code, 'unauthorized');
    c.send({ op: 'rooms', id: 2 });
    assert.equal((await c.waitFor((f) => f.id === 2)).code, 'unauthorized');
    c.send({ op: 'ping', id: 3 });
    assert.equal((await c.waitFor((f) => f.id === 3)).type, 'pong');
    assert.equal((await c.waitClose()).code, 4001);
    const ok = await Client.connect(strict.wsUrl);
    ok.send({ op: 'auth', id: 1, token: await token({ rooms: ['weather.*'] }) });
    assert.equal((await ok.waitFor((f) => f.id === 1)).type, 'authed');
    ok.send({ op: 'subscribe', id: 2, room: 'weather.london' });
    assert.equal((await ok.waitFor((f) => f.id === 2)).type, 'subscribed');
    await sleep(1200);
    assert.equal(ok.closed, null, 'an authenticated client stays');
    ok.close();
  } finally { await strict.stop(); }
});
