// WebSocket framing (RFC 6455) of the gateway after the handshake: control
// frames, fragments, protocol errors, the close handshake, keep-alive pings
// and writes the kernel takes only in part. Real flux, real sockets on
// 127.0.0.1: the `ws` client, and a raw TCP client for what `ws` will not
// send (unmasked frames, bad UTF-8, never answering a ping).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFlux, Client, getJson } from './lib/flux.mjs';

let flux;
before(async () => {
  flux = await startFlux(['--domains.crypto-ticker-interval-ms=20',
    '--gateway.heartbeat-ms=600']);
});
after(async () => { await flux?.stop(); });

// A raw client: does the HTTP upgrade, then parses server frames strictly.
class RawClient {
  static async connect(port) {
    const c = new RawClient();
    c.sock = net.connect(port, '127.0.0.1');
    await once(c.sock, 'connect');
    const key = crypto.randomBytes(16).toString('base64');
    c.sock.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n`
      + `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    c.buf = Buffer.alloc(0);
    c.frames = [];
    c.ended = false;
    c.errors = [];
    c.waiters = [];
    c.handshake = null;
    c.sock.on('data', (d) => { c.buf = Buffer.concat([c.buf, d]); c.#parse(); });
    c.sock.on('end', () => { c.ended = true; c.#wake(); });
    c.sock.on('close', () => { c.ended = true; c.#wake(); });
    c.sock.on('error', () => {});
    await c.until(() => c.handshake);
    const accept = crypto.createHash('sha1')
      .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    assert.match(c.handshake, /^HTTP\/1\.1 101/);
    assert.ok(c.handshake.includes(`Sec-WebSocket-Accept: ${accept}`), c.handshake);
    return c;
  }

  #wake() { for (const w of [...this.waiters]) w(); }

  #parse() {
    if (!this.handshake) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.handshake = this.buf.subarray(0, end).toString();
      this.buf = this.buf.subarray(end + 4);
    }
    for (;;) {
      if (this.buf.length < 2) break;
      const b0 = this.buf[0], b1 = this.buf[1];
      if (b1 & 0x80) this.errors.push('server frame masked');
      if (b0 & 0x70) this.errors.push('RSV bits set');
      let len = b1 & 0x7f, off = 2;
      if (len === 126) { if (this.buf.length < 4) break; len = this.buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (this.buf.length < 10) break; len = Number(this.buf.readBigUInt64BE(2)); off = 10; }
      if (this.buf.length < off + len) break;
      const payload = this.buf.subarray(off, off + len);
      this.frames.push({ fin: !!(b0 & 0x80), opcode: b0 & 0x0f, payload: Buffer.from(payload) });
      this.buf = this.buf.subarray(off + len);
    }
    this.#wake();
  }

  until(pred, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = pred();
        if (v) { done(); resolve(v); return true; }
        return false;
      };
      const t = setTimeout(() => { done(); reject(new Error('timed out')); }, timeoutMs);
      const done = () => { clearTimeout(t); this.waiters = this.waiters.filter((w) => w !== check); };
      if (!check()) this.waiters.push(check);
    });
  }

  // A client frame, masked unless told otherwise.
  sendFrame(opcode, payload, { fin = true, mask = true } = {}) {
    const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
    const head = [(fin ? 0x80 : 0) | opcode];
    if (data.length < 126) head.push((mask ? 0x80 : 0) | data.length);
    else { head.push((mask ? 0x80 : 0) | 126, data.length >> 8, data.length & 0xff); }
    const key = crypto.randomBytes(4);
    const body = Buffer.from(data);
    if (mask) for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
    this.sock.write(Buffer.concat([Buffer.from(head), mask ? key : Buffer.alloc(0), body]));
  }

  texts() {
    return this.frames.filter((f) => f.opcode === 1)
      .flatMap((f) => { const v = JSON.parse(f.payload.toString()); return Array.isArray(v) ? v : [v]; });
  }

  closeFrame() {
    const f = this.frames.find((x) => x.opcode === 8);
    return f && { code: f.payload.readUInt16BE(0), reason: f.payload.subarray(2).toString() };
  }
}

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
  // read, writes go out in parts and wait for the socket to drain.
  const busy = await startFlux(['--bench.rate=10000', '--bench.payload-bytes=2000',
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
