// WebSocket framing (RFC 6455) of the gateway after the handshake: control
// frames, fragments, protocol errors, the close handshake, keep-alive pings
// and writes the kernel takes only in part. Real flux, real sockets on
// 127.0.0.1: the `ws` client, and a raw TCP client for what `ws` will not
// send (unmasked frames, bad UTF-8, never answering a ping).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFlux, Client, getJson, rssBoundMb, SLOWDOWN } from './lib/flux.mjs';
import { RawClient, encodeFrame, rssKiB } from './lib/raw_ws.mjs';

let flux;
before(async () => {
  flux = await startFlux(['--domains.crypto-ticker-interval-ms=20',
    '--gateway.heartbeat-ms=600']);
});
after(async () => { await flux?.stop(); });

test('a ping is answered with a pong carrying the same payload', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.ws.ping('are-you-there');
  const [data] = await once(c.ws, 'pong');
  assert.equal(data.toString(), 'are-you-there');
  c.close();
});

test('a request sent in fragments is answered as one message', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.ws.send('{"op":"ping",', { fin: false });
  c.ws.send('"id":7}', { fin: true });
  const pong = await c.waitFor((f) => f.type === 'pong' && f.id === 7);
  assert.equal(typeof pong.ts, 'number');
  c.close();
});

test('the client\'s close is answered with its code, then the connection ends', async () => {
  const c = await Client.connect(flux.wsUrl);
  c.ws.close(4000, 'done here');
  const closed = await c.waitClose();
  assert.equal(closed.code, 4000); // the code the server echoed
});

test('an unmasked frame closes only that client with 1002', async () => {
  const good = await Client.connect(flux.wsUrl);
  good.send({ op: 'subscribe', room: 'crypto.ticker' });
  await good.waitFor((f) => f.type === 'snapshot');
  const raw = await RawClient.connect(flux.port);
  await raw.until(() => raw.texts().some((f) => f.type === 'hello'));
  raw.sendFrame(1, '{"op":"ping","id":1}', { mask: false });
  await raw.until(() => raw.ended, 8000);
  assert.equal(raw.closeFrame()?.code, 1002);
  assert.match(raw.closeFrame().reason, /not masked/);
  const before = good.frames.length;
  await good.waitFor((f) => f.type === 'event', { from: before });
  good.close();
});

test('text that is not UTF-8 closes the client with 1007', async () => {
  const raw = await RawClient.connect(flux.port);
  await raw.until(() => raw.texts().some((f) => f.type === 'hello'));
  raw.sendFrame(1, Buffer.from([0x7b, 0xc0, 0xaf, 0x7d]));
  await raw.until(() => raw.ended, 8000);
  assert.equal(raw.closeFrame()?.code, 1007);
  assert.deepEqual(raw.errors, []);
});

test('requests written at once, more than one read holds, are all answered', async () => {
  const raw = await RawClient.connect(flux.port);
  await raw.until(() => raw.texts().some((f) => f.type === 'hello'));
  // Five 30 KB requests in one write: about 150 KB arrive together.
  const frames = [];
  const orig = raw.sock.write.bind(raw.sock);
  raw.sock.write = (b) => { frames.push(b); return true; };
  for (let id = 1; id <= 5; id++)
    raw.sendFrame(1, JSON.stringify({ op: 'ping', id, pad: 'x'.repeat(30000) }));
  raw.sock.write = orig;
  raw.sock.write(Buffer.concat(frames));
  const pongs = await raw.until(() => {
    const p = raw.texts().filter((f) => f.type === 'pong');
    return p.length === 5 && p;
  });
  assert.deepEqual(pongs.map((p) => p.id), [1, 2, 3, 4, 5]);
  raw.sock.destroy();
});

test('the server pings a silent client and drops it when no pong comes', async () => {
  // `ws` answers pings by itself: that client stays.
  const alive = await Client.connect(flux.wsUrl);
  const raw = await RawClient.connect(flux.port);
  raw.sock.on('data', () => {}); // reads, never answers
  const started = Date.now();
  await raw.until(() => raw.frames.some((f) => f.opcode === 9), 5000);
  await raw.until(() => raw.ended, 5000);
  const took = Date.now() - started;
  assert.ok(took < 4000, `dropped after ${took} ms (heartbeat 600 ms)`);
  await sleep(1500); // well past two heartbeats
  assert.equal(alive.closed, null, 'the answering client is still connected');
  alive.send({ op: 'ping', id: 3 });
  await alive.waitFor((f) => f.type === 'pong' && f.id === 3);
  alive.close();
});

test('a client that stops reading gets every frame whole once it reads again', async () => {
  // 20 MB/s into one room and a 4 KB send buffer: while the client does not
  // read, writes go out in parts and wait for the socket to drain. A
  // sanitizer build gets a fifth of the rate (its /stats answered 503 under
  // the full one), still far more than the 4 KB buffer holds.
  const busy = await startFlux([`--bench.rate=${10000 / SLOWDOWN}`, '--bench.payload-bytes=2000',
    '--bench.rooms=1', '--gateway.send-buffer-bytes=4096']);
  try {
    const raw = await RawClient.connect(busy.port);
    await raw.until(() => raw.texts().some((f) => f.type === 'hello'));
    raw.sendFrame(1, JSON.stringify({ op: 'subscribe', room: 'bench.0', id: 1 }));
    await raw.until(() => raw.texts().some((f) => f.type === 'snapshot'));
    raw.sock.pause();
    await sleep(1500);
    raw.sock.resume();
    const seen = raw.texts().length;
    await raw.until(() => raw.texts().length > seen + 200);
    assert.deepEqual(raw.errors, []);
    for (const f of raw.frames) assert.ok(f.fin, 'every server frame is a whole message');
    const events = raw.texts().filter((f) => f.type === 'event');
    for (let i = 1; i < events.length; i++)
      assert.ok(events[i].pos > events[i - 1].pos, 'positions increase');
    const stats = await getJson(`${busy.url}/stats`);
    assert.equal(stats.status, 200);
    raw.sock.destroy();
  } finally {
    await busy.stop();
  }
});

test('a continuation whose 64-bit length wraps the size checks closes only that client with 1002', async () => {
  // Issue 11 item 1: 10 bytes of a text, then a continuation announcing
  // 2^64 - 10 bytes. The sums `length + buffered` and `header + length`
  // wrapped around, and unmasking wrote past the buffer: a segfault.
  const good = await Client.connect(flux.wsUrl);
  good.send({ op: 'subscribe', room: 'crypto.ticker' });
  await good.waitFor((f) => f.type === 'snapshot');
  const raw = await RawClient.connect(flux.port);
  await raw.hello();
  raw.sendRaw(Buffer.concat([encodeFrame(1, Buffer.alloc(10, 'x'), { fin: false }),
    encodeFrame(0, Buffer.alloc(256, 'x'), { length: (1n << 64n) - 10n })]));
  const closed = await raw.closed();
  assert.equal(closed?.code, 1002);
  assert.deepEqual(raw.errors, []);
  await sleep(100);
  assert.equal(flux.child.exitCode, null, 'flux is still running');
  assert.equal(flux.child.signalCode, null, 'flux is still running');
  const before = good.frames.length;
  await good.waitFor((f) => f.type === 'event', { from: before });
  const fresh = await Client.connect(flux.wsUrl);
  fresh.close();
  good.close();
});

// Resolves when the socket drains or closes, or after `ms`.
function drained(sock, ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      sock.off('drain', done);
      sock.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    sock.on('drain', done);
    sock.on('close', done);
  });
}

// Writes `batches` copies of `bytes`, waiting for the socket to drain
// between them; stops at the deadline or when the socket ends.
async function flood(raw, bytes, batches, deadline, onBatch = async () => {}) {
  for (let i = 0; i < batches && Date.now() < deadline && !raw.ended; i++) {
    if (!raw.sock.write(bytes)) await drained(raw.sock, 1000);
    await onBatch(i);
  }
}

test('a ping flood from a client that never reads keeps the server\'s memory bounded', async () => {
  // Issue 11 item 3: every ping queued a pong outside the session's byte
  // budget (15 MB -> 666 MB in 7 s). A long heartbeat, so the client is not
  // dropped while it floods: only the pong queue's bound is measured.
  const node = await startFlux(['--gateway.heartbeat-ms=60000']);
  try {
    const raw = await RawClient.connect(node.port, { read: false });
    await sleep(300);
    const base = await rssKiB(node.child.pid);
    let peak = base;
    const ping = encodeFrame(9, Buffer.alloc(125, 0x70));
    const batch = Buffer.concat(Array(1000).fill(ping)); // 1,000 pings, 131 KB
    await flood(raw, batch, 300, Date.now() + 20000, async (i) => {
      if (i % 10 === 9) peak = Math.max(peak, await rssKiB(node.child.pid));
    });
    await sleep(500);
    peak = Math.max(peak, await rssKiB(node.child.pid));
    assert.ok(peak - base < rssBoundMb(30) * 1024,
      `RSS grew by ${Math.round((peak - base) / 1024)} MB during 300,000 pings`);
    // The node still serves others.
    const c = await Client.connect(node.wsUrl);
    c.send({ op: 'ping', id: 1 });
    await c.waitFor((f) => f.type === 'pong' && f.id === 1);
    c.close();
    raw.destroy();
  } finally {
    await node.stop();
  }
});

test('a client that floods pings and never reads is dropped by the heartbeat', async () => {
  // Its pings do not count as hearing from it: it is pinged, never answers
  // (it reads nothing) and is dropped like a silent client.
  const alive = await Client.connect(flux.wsUrl);
  const raw = await RawClient.connect(flux.port, { read: false });
  const ping = encodeFrame(9, Buffer.alloc(125, 0x70));
  const batch = Buffer.concat(Array(100).fill(ping));
  const started = Date.now();
  await flood(raw, batch, 2000, started + 8000, () => sleep(5));
  const took = Date.now() - started;
  assert.ok(raw.ended, `still connected after ${took} ms of pings (heartbeat 600 ms)`);
  assert.ok(took < 5000, `dropped after ${took} ms (heartbeat 600 ms)`);
  alive.send({ op: 'ping', id: 4 });
  await alive.waitFor((f) => f.type === 'pong' && f.id === 4);
  alive.close();
});

test('a client whose writes make no progress for a heartbeat is dropped, whatever it sends', async () => {
  // It subscribes to a busy room and never reads, but sends unsolicited
  // pongs (which count as life): the socket's buffers fill, the write is
  // stuck, and long before its (large) queue budget is spent it goes. The
  // client answers no ping before its snapshot: under a sanitizer that takes
  // longer than 600 ms, hence the scaled heartbeat.
  const heartbeat = 600 * SLOWDOWN;
  const node = await startFlux([`--gateway.heartbeat-ms=${heartbeat}`, '--gateway.send-buffer-bytes=4096',
    '--bench.rate=1000', '--bench.payload-bytes=2000', '--bench.rooms=1',
    '--session.queue-budget-bytes=268435456']);
  try {
    const raw = await RawClient.connect(node.port);
    await raw.hello();
    raw.sendFrame(1, JSON.stringify({ op: 'subscribe', room: 'bench.0', id: 1 }));
    await raw.until(() => raw.texts().some((f) => f.type === 'snapshot'));
    raw.sock.pause();
    const started = Date.now();
    // The drop shows as a write that fails.
    await flood(raw, encodeFrame(10, 'alive'), 500 * SLOWDOWN, started + 10000 * SLOWDOWN,
      () => sleep(20));
    const took = Date.now() - started;
    assert.ok(raw.ended, `still connected after ${took} ms (heartbeat ${heartbeat} ms)`);
    assert.ok(node.logs.some((l) => l.includes('reads nothing')),
      `dropped as a client that reads nothing; logs: ${node.logs.slice(-3).join('\n')}`);
  } finally {
    await node.stop();
  }
});

test('a binary message on the native endpoint is refused with 1003, never echoed', async () => {
  const raw = await RawClient.connect(flux.port);
  await raw.hello();
  raw.sendFrame(2, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])); // {"\xff\xfe"}
  const closed = await raw.closed();
  assert.equal(closed?.code, 1003);
  assert.match(closed.reason, /binary/);
  assert.deepEqual(raw.errors, []); // no invalid UTF-8 in any text frame
  assert.ok(!raw.texts().some((f) => f.type === 'error'), 'not parsed as a request');
});

test('Socket.IO over WebSocket refuses binary frames with 1003 too', async () => {
  // Flux's Socket.IO takes no binary packets (5/6 are refused), so a binary
  // frame can never be a valid attachment.
  const raw = await RawClient.connect(flux.port, { path: '/socket.io/?EIO=4&transport=websocket' });
  await raw.until(() => raw.frames.some((f) => f.opcode === 1 && f.payload[0] === 0x30)); // open
  raw.sendFrame(2, Buffer.from([0x34, 0x30, 0xff, 0xfe])); // "40" + bytes that are not UTF-8
  const closed = await raw.closed();
  assert.equal(closed?.code, 1003);
  assert.deepEqual(raw.errors, []);
});
