// Process-level behaviour of the real flux binary: shutdown, bad
// configuration, history limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFlux, Client, FLUX_BIN } from './lib/flux.mjs';

test('SIGTERM closes clients with 1001 going-away and exits 0', async () => {
  const flux = await startFlux();
  const c = await Client.connect(flux.wsUrl);
  c.send({ op: 'subscribe', room: 'crypto.ticker' });
  await c.waitFor((f) => f.type === 'snapshot');
  const code = await flux.stop('SIGTERM');
  const closed = await c.waitClose();
  assert.equal(closed.code, 1001);
  assert.equal(code, 0);
  assert.ok(flux.logs.some((l) => l.includes('"msg":"stopped"')));
});

test('SIGINT also shuts down cleanly', async () => {
  const flux = await startFlux();
  assert.equal(await flux.stop('SIGINT'), 0);
});

test('invalid configuration fails at start with a clear message', () => {
  const cases = [
    [['--gateway.port=notaport'], /invalid configuration/],
    [['--gateway.bind=nowhere'], /gateway\.bind/],
    [['--rooms.history=0'], /rooms\.history/],
    [['--log.level=chatty'], /log\.level/],
  ];
  for (const [args, pattern] of cases) {
    const r = spawnSync(FLUX_BIN, args, { encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 2, `${args} exits 2`);
    assert.match(r.stderr, pattern);
  }
});

test('--help lists the options of every group', () => {
  const r = spawnSync(FLUX_BIN, ['--help'], { encoding: 'utf8', timeout: 10000 });
  assert.equal(r.status, 0);
  const text = r.stdout + r.stderr;
  for (const opt of ['gateway.port', 'gateway.io-threads', 'scheduler.max-threads',
    'rooms.history', 'session.queue-budget-bytes', 'domains.weather-interval-ms'])
    assert.ok(text.includes(opt.split('.')[1]), `${opt} listed`);
});

test('a port already in use is a clear error', async () => {
  const flux = await startFlux();
  try {
    const r = spawnSync(FLUX_BIN, [`--gateway.port=${flux.port}`],
      { encoding: 'utf8', timeout: 15000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot bind .*:\d+/);
  } finally { await flux.stop(); }
});

test('a resume older than the room history is told gap_too_old and gets a snapshot', async () => {
  const flux = await startFlux(['--rooms.history=5', '--domains.crypto-ticker-interval-ms=20']);
  try {
    const c = await Client.connect(flux.wsUrl);
    c.send({ op: 'subscribe', room: 'crypto.ticker' });
    const first = await c.waitFor((f) => f.type === 'event');
    c.close();
    await sleep(500); // far more than 5 events pass
    const again = await Client.connect(flux.wsUrl);
    again.send({ op: 'subscribe', room: 'crypto.ticker', id: 1,
      resume: { epoch: first.epoch, pos: first.pos } });
    const sub = await again.waitFor((f) => f.type === 'subscribed');
    assert.equal(sub.resumed, false);
    assert.equal(sub.reason, 'gap_too_old');
    const snap = await again.waitFor((f) => f.type === 'snapshot');
    assert.ok(snap.pos > first.pos);
    again.close();
  } finally { await flux.stop(); }
});

test('a client over its byte budget is disconnected with 4008, others unaffected', async () => {
  // A tiny budget and a fast ticker; the slow client never reads.
  // A small kernel send buffer makes the server's own queue fill quickly.
  const flux = await startFlux(['--session.queue-budget-bytes=8192',
    '--gateway.send-buffer-bytes=4096', '--gateway.heartbeat-ms=120000',
    '--domains.crypto-ticker-interval-ms=10']);
  try {
    const good = await Client.connect(flux.wsUrl);
    good.send({ op: 'subscribe', room: 'crypto.ticker' });
    await good.waitFor((f) => f.type === 'snapshot');
    const slow = await Client.connect(flux.wsUrl);
    slow.send({ op: 'subscribe', room: 'crypto.ticker' });
    await slow.waitFor((f) => f.type === 'snapshot');
    slow.ws._socket.pause(); // stop reading: the kernel buffers fill, then ours
    const deadline = Date.now() + 60000;
    let stats;
    while (Date.now() < deadline) {
      stats = await (await fetch(`${flux.url}/stats`)).json();
      const s = stats.node.actors.filter((a) => a.kind === 'session');
      if (s.length === 1) break; // the slow session is gone
      await sleep(250);
    }
    assert.equal(stats.node.actors.filter((a) => a.kind === 'session').length, 1,
      'slow session was cut off');
    assert.ok(flux.logs.some((l) => l.includes('client too slow')));
    slow.ws._socket.resume();
    const closed = await slow.waitClose({ timeoutMs: 15000 });
    assert.equal(closed.code, 4008);
    const n = good.frames.length;
    await good.waitFor((f) => f.type === 'event', { from: n });
    good.close();
  } finally { await flux.stop(); }
});
