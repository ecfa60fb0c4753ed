// The dashboard's protocol client and room-state rules (web/src/lib), in
// Node: the pure parts directly, the client against the real flux binary.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Client, startFlux } from './lib/flux.mjs';
import { applyFrame, createRoomState, denyAccess, resumeOf } from '../../web/src/lib/store.js';
import { patternCovers, tokenExp, TokenAuth } from '../../web/src/lib/auth.js';
import { withoutToken } from '../../web/src/lib/token-store.js';
import { backoffDelay, FluxClient } from '../../web/src/lib/client.js';
import { ago, cityFromRoom, pct, price, safeUrl } from '../../web/src/lib/format.js';

describe('room state', () => {
  it('a snapshot replaces, an update merges by key, a status sets the stale flag', () => {
    const st = createRoomState('crypto.ticker');
    assert.equal(resumeOf(st), undefined);
    applyFrame(st, { type: 'snapshot', room: 'crypto.ticker', epoch: 'e1', pos: 10, ts: 1000,
      data: { 'BTC-USD': { price: 1 } }, status: null });
    assert.deepEqual(st.data, { 'BTC-USD': { price: 1 } });
    assert.deepEqual(resumeOf(st), { epoch: 'e1', pos: 10 });
    const ch = applyFrame(st, { type: 'event', epoch: 'e1', pos: 12, kind: 'update', key: 'ETH-USD', ts: 1100, data: { price: 2 } });
    assert.deepEqual(ch, { kind: 'update', key: 'ETH-USD' });
    assert.deepEqual(Object.keys(st.data), ['BTC-USD', 'ETH-USD']);
    assert.equal(st.updatedAt, 1100);
    applyFrame(st, { type: 'event', epoch: 'e1', pos: 13, kind: 'status', ts: 1200,
      data: { stale: true, source: 'sim', since: 900, reason: 'timeout' } });
    assert.deepEqual(st.status, { stale: true, source: 'sim', since: 900, reason: 'timeout' });
    assert.ok(st.data['ETH-USD'], 'a status keeps the data');
    applyFrame(st, { type: 'event', epoch: 'e1', pos: 14, kind: 'status', ts: 1300, data: { stale: false, source: 'sim' } });
    assert.equal(st.status.stale, false);
    applyFrame(st, { type: 'event', epoch: 'e1', pos: 15, kind: 'snapshot', ts: 1400, data: { 'SOL-USD': { price: 3 } } });
    assert.deepEqual(Object.keys(st.data), ['SOL-USD']);
    assert.deepEqual(resumeOf(st), { epoch: 'e1', pos: 15 });
  });

  it('ignores events already seen in the same epoch, accepts a new epoch', () => {
    const st = createRoomState('news.top');
    applyFrame(st, { type: 'event', epoch: 'e1', pos: 5, kind: 'snapshot', ts: 1, data: { items: [1] } });
    assert.equal(applyFrame(st, { type: 'event', epoch: 'e1', pos: 5, kind: 'snapshot', ts: 2, data: { items: [2] } }), null);
    assert.equal(applyFrame(st, { type: 'event', epoch: 'e1', pos: 3, kind: 'snapshot', ts: 2, data: { items: [3] } }), null);
    assert.deepEqual(st.data, { items: [1] });
    assert.ok(applyFrame(st, { type: 'event', epoch: 'e2', pos: 0, kind: 'snapshot', ts: 3, data: { items: [4] } }));
    assert.deepEqual(st.data, { items: [4] });
  });

  it('a snapshot without data (a room that got nothing yet) keeps the last data', () => {
    const st = createRoomState('weather.london');
    applyFrame(st, { type: 'snapshot', epoch: 'e1', pos: 1, ts: 1, data: { city: 'London' },
      status: { stale: true, since: 1, reason: 'x' } });
    applyFrame(st, { type: 'snapshot', epoch: 'e2', pos: 0, ts: 2, data: null, status: null });
    assert.deepEqual(st.data, { city: 'London' });
    assert.equal(st.hasData, true);
    assert.equal(st.status, null, 'the new snapshot clears the stale status');
    assert.deepEqual(resumeOf(st), { epoch: 'e2', pos: 0 });
  });
});

describe('tokens (auth.js, token-store.js)', () => {
  // an unsigned JWT-shaped string: the client only reads exp, it never verifies
  const jwt = (payload) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

  it('reads exp, matches room patterns as the gateway does, strips ?token=', () => {
    assert.equal(tokenExp(jwt({ sub: 'a', exp: 1795462509 })), 1795462509);
    assert.equal(tokenExp('not a token'), null);
    assert.ok(patternCovers('*', 'news.top'));
    assert.ok(patternCovers('crypto.*', 'crypto.ticker'));
    assert.ok(!patternCovers('crypto.*', 'crypto'));
    assert.ok(!patternCovers('weather.london', 'weather.tokyo'));
    assert.equal(withoutToken('http://h/?token=abc&x=1#k'), '/?x=1#k');
    assert.equal(withoutToken('http://h/?token=abc'), '/');
    assert.equal(withoutToken('http://h/?x=1'), null);
  });

  it('a forbidden room loses its data', () => {
    const st = createRoomState('news.top');
    applyFrame(st, { type: 'snapshot', epoch: 'e', pos: 1, ts: 1, data: { items: [] } });
    denyAccess(st);
    assert.equal(st.forbidden, true);
    assert.equal(st.hasData, false);
    assert.equal(st.data, null);
    assert.equal(resumeOf(st), undefined);
  });

  it('reconnects after 4001 only with a hook or a token that may still be valid; never after 4003', () => {
    const t = 1_800_000_000_000;
    const live = new TokenAuth({ token: jwt({ exp: t / 1000 + 60 }), now: () => t });
    assert.equal(live.mayReconnect(4001), true);
    assert.equal(live.mayReconnect(4003), false);
    assert.equal(live.status.state, 'denied');
    const gone = new TokenAuth({ token: jwt({ exp: t / 1000 - 1 }), now: () => t });
    assert.equal(gone.mayReconnect(4001), false);
    assert.equal(gone.status.state, 'expired');
    const none = new TokenAuth({ now: () => t });
    assert.equal(none.mayReconnect(4001), false);
    assert.equal(none.status.state, 'required');
    const hooked = new TokenAuth({ token: jwt({ exp: t / 1000 - 1 }), now: () => t, hook: () => async () => 'x' });
    assert.equal(hooked.mayReconnect(4001), true);
  });

  it('asks the hook only when the held token will not do, and reports a failing hook', async () => {
    const t = 1_800_000_000_000;
    const calls = [];
    let answer = async () => 'new';
    const auth = new TokenAuth({ token: jwt({ exp: t / 1000 + 60 }), now: () => t,
      hook: () => (info) => { calls.push(info.reason); return answer(); } });
    assert.equal(await auth.tokenFor('connect'), auth.token, 'a valid held token: no hook call');
    assert.equal(await auth.tokenFor('expiring'), 'new');
    answer = async () => { throw new Error('IdP down'); };
    assert.equal(await auth.tokenFor('expired'), null);
    assert.equal(auth.status.state, 'renew_failed');
    assert.match(auth.status.message, /IdP down/);
    assert.deepEqual(calls, ['expiring', 'expired']);
    const saved = [];
    auth.accepted('new', { sub: 'ann', exp: t / 1000 + 600, rooms: ['crypto.*'], anonymous_rooms: ['news.top'] });
    assert.equal(auth.status.state, 'authed');
    assert.ok(auth.covers('crypto.ticker') && auth.covers('news.top') && !auth.covers('stocks.movers'));
    const noHook = new TokenAuth({ store: { save: (x) => saved.push(x), forget: () => saved.push(null) } });
    noHook.accepted('a', { sub: 's', exp: 1 });
    noHook.refused('a', { code: 'unauthorized', message: 'bad signature' }, true);
    assert.deepEqual(saved, ['a', null], 'a refused token is forgotten');
    assert.match(noHook.status.message, /bad signature/);
  });
});

describe('formatting and backoff', () => {
  it('formats prices, percentages, ages and names', () => {
    assert.equal(price(67012.456), '67,012.46');
    assert.equal(price(0.38009), '0.3801');
    assert.equal(pct(2.5), '+2.50%');
    assert.equal(pct(-0.5), '−0.50%');
    assert.equal(ago(10_000, 13_400), '3 s ago');
    assert.equal(ago(0, 5 * 60_000), '5 min ago');
    assert.equal(cityFromRoom('weather.sao-paulo'), 'Sao Paulo');
    assert.equal(safeUrl('javascript:alert(1)'), null);
    assert.equal(safeUrl('https://news.example.com/a'), 'https://news.example.com/a');
  });

  it('backs off exponentially with jitter, capped', () => {
    assert.equal(backoffDelay(0, 400, 5000, () => 0), 200);
    assert.equal(backoffDelay(0, 400, 5000, () => 1), 400);
    assert.equal(backoffDelay(3, 400, 5000, () => 1), 3200);
    assert.equal(backoffDelay(10, 400, 5000, () => 1), 5000);
    assert.equal(backoffDelay(10, 400, 5000, () => 0), 2500);
  });
});

describe('FluxClient against flux', { timeout: 60000 }, () => {
  let flux;
  let client;
  before(async () => { flux = await startFlux(['--domains.crypto-ticker-interval-ms=100']); });
  after(async () => { client?.stop(); await flux?.stop(); });

  const until = (pred, ms, what) => new Promise((resolve, reject) => {
    const t0 = Date.now();
    const iv = setInterval(() => {
      if (pred()) { clearInterval(iv); resolve(); } else if (Date.now() - t0 > ms) {
        clearInterval(iv); reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }
    }, 20);
  });

  it('resumes after a dropped connection with exactly the missed events', async () => {
    // an uninterrupted reference subscriber sees every event of the room
    const ref = await Client.connect(flux.wsUrl);
    ref.send({ op: 'subscribe', room: 'crypto.ticker', id: 1 });
    await ref.waitFor((f) => f.type === 'snapshot');
    client = new FluxClient(flux.wsUrl, { WebSocket, baseDelayMs: 300 });
    const events = [];
    const states = [];
    client.addEventListener('state', (e) => states.push(e.detail.state));
    client.addEventListener('frame', (e) => {
      if (e.detail.room === 'crypto.ticker' && e.detail.frame.type === 'event') events.push(e.detail.frame);
    });
    client.subscribe('crypto.ticker');
    client.start();
    await until(() => client.state === 'live' && events.length >= 5, 10000, 'live ticker events');
    client.drop();
    assert.equal(client.state, 'reconnecting');
    const before = events.length;
    await until(() => client.state === 'live', 10000, 'reconnect');
    await until(() => events.length >= before + 5, 10000, 'events after the reconnect');
    const st = client.room('crypto.ticker');
    assert.equal(st.lastSubscribe.resumed, true, JSON.stringify(st.lastSubscribe));
    assert.ok(st.lastSubscribe.missed >= 1, 'events flowed while disconnected');
    const ids = events.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    for (let i = 1; i < events.length; ++i)
      assert.ok(events[i].pos > events[i - 1].pos, `positions increase (${events[i - 1].pos} → ${events[i].pos})`);
    assert.deepEqual(states.slice(0, 3), ['live', 'reconnecting', 'live']);
    // …and the resumed client saw exactly the reference's events in its range
    const lo = events[0].pos, hi = events.at(-1).pos;
    await ref.waitFor((f) => f.type === 'event' && f.pos >= hi);
    const want = ref.frames.filter((f) => f.type === 'event' && f.pos >= lo && f.pos <= hi).map((f) => f.id);
    ref.close();
    assert.deepEqual(ids, want);
  });
});
