// RFC 6455 conformance of the gateway's own framing, table-driven: one row
// per case of what Autobahn's cases 1-7 check (framing, pings and pongs,
// reserved bits, opcodes, fragmentation, UTF-8, closing). Autobahn itself
// cannot be installed here, so each row is sent from a raw TCP client to the
// real binary. Every row checks what the server answers (the close code it
// sends, or that the frames were accepted: a later ping gets its pong and a
// close 1000 its echo), that nothing the server sent breaks the RFC (masked,
// RSV bits, invalid UTF-8, frames after its close), and that a fresh client
// is served afterwards.
//
// Flux does not echo messages: a text message is a request (a JSON ping is
// answered with {"type":"pong","id":N}); binary messages are refused with
// 1003 (unsupported data); the largest message is gateway.max-frame-bytes
// (64 KiB by default), past it 1009.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFlux } from './lib/flux.mjs';
import { RawClient, encodeFrame, closePayload } from './lib/raw_ws.mjs';

const TEXT = 1, BINARY = 2, CONT = 0, CLOSE = 8, PING = 9, PONG = 10;
const MAX = 64 * 1024; // gateway.max-frame-bytes default

let flux;
before(async () => { flux = await startFlux(['--gateway.heartbeat-ms=5000']); });
after(async () => { await flux?.stop(); });

// A JSON ping request of exactly `n` bytes (n >= 30), answered with id.
function request(n, id = 7) {
  const head = `{"op":"ping","id":${id},"pad":"`;
  const s = head + 'x'.repeat(n - head.length - 2) + '"}';
  assert.equal(Buffer.byteLength(s), n);
  return Buffer.from(s);
}
const f = (op, payload, opts) => encodeFrame(op, payload ?? Buffer.alloc(0), opts);
// Sent a few bytes per write (`size`), each write on its own tick.
const chopped = (bufs, size = 1) => ({ chop: size, bytes: Buffer.concat(bufs) });
const answeredPing = (id) => (c) => c.texts().some((m) => m.type === 'pong' && m.id === id);

// What a row expects: `close` (the code the server closes with), or `ok`
// (the frames were accepted) with `pongs` (payloads the server must pong)
// and `answer` (a predicate over the client, e.g. the request was served).
const rows = [];
const row = (id, what, send, expect) => rows.push({ id, what, send, expect });

// -- 1. framing: payload sizes --------------------------------------------
for (const n of [0, 125, 126, 127, 65535, MAX]) {
  const payload = n >= 30 ? request(n, n) : Buffer.alloc(n, 'x');
  row(`1.1 text ${n}`, `text message of ${n} bytes is accepted`, [f(TEXT, payload)],
    { ok: true, answer: n >= 30 ? answeredPing(n)
      : (c) => c.texts().some((m) => m.type === 'error') });
}
row('1.1 text max+1', 'text over gateway.max-frame-bytes', [f(TEXT, Buffer.alloc(MAX + 1, 'x'))],
  { close: 1009 });
row('1.1 chopped', 'text of 65535 bytes sent 997 bytes at a time', [chopped([f(TEXT, request(65535, 3))], 997)],
  { ok: true, answer: answeredPing(3) });
for (const n of [0, 125, 126, 65535, MAX])
  row(`1.2 binary ${n}`, `binary message of ${n} bytes (refused: unsupported data)`,
    [f(BINARY, Buffer.alloc(n, 0xfe))], { close: 1003 });
row('1.x unmasked', 'client frame without a mask', [f(TEXT, request(40), { mask: false })], { close: 1002 });
row('1.x length 16-bit form for 5 bytes', 'length not in its minimal form',
  [f(TEXT, Buffer.from('hello'), { lengthForm: '16' })], { close: 1002 });
row('1.x length 64-bit form for 200 bytes', 'length not in its minimal form',
  [f(TEXT, request(200), { lengthForm: '64' })], { close: 1002 });
row('1.x length MSB set', '64-bit length with the most significant bit set',
  [f(TEXT, Buffer.alloc(16, 'x'), { length: (1n << 63n) + 16n })], { close: 1002 });
row('1.x length 2^63-1', 'huge 64-bit length: refused from the header',
  [f(TEXT, Buffer.alloc(16, 'x'), { length: (1n << 63n) - 1n })], { close: 1009 });
row('1.x wrapping continuation', 'FIN=0 text of 10, continuation of 2^64-10 bytes',
  [f(TEXT, Buffer.alloc(10, 'x'), { fin: false }),
    f(CONT, Buffer.alloc(64, 'x'), { length: (1n << 64n) - 10n })], { close: 1002 });
row('1.x wrapping continuation below MSB', 'FIN=0 text of 10, continuation of 2^63-5 bytes',
  [f(TEXT, Buffer.alloc(10, 'x'), { fin: false }),
    f(CONT, Buffer.alloc(64, 'x'), { length: (1n << 63n) - 5n })], { close: 1009 });

// -- 2. pings and pongs ---------------------------------------------------
row('2.1', 'ping without payload', [f(PING)], { ok: true, pongs: [''] });
row('2.2', 'ping with a text payload', [f(PING, 'Hello, world!')], { ok: true, pongs: ['Hello, world!'] });
row('2.3', 'ping with a binary payload', [f(PING, Buffer.from([0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff]))],
  { ok: true, pongs: [Buffer.from([0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0, 0xff]).toString('latin1')] });
row('2.4', 'ping with 125 bytes', [f(PING, Buffer.alloc(125, 0xfe))],
  { ok: true, pongs: [Buffer.alloc(125, 0xfe).toString('latin1')] });
row('2.5', 'ping with 126 bytes', [f(PING, Buffer.alloc(126, 0xfe))], { close: 1002 });
row('2.6', 'ping with 125 bytes, sent chopped', [chopped([f(PING, Buffer.alloc(125, 0x61))])],
  { ok: true, pongs: ['a'.repeat(125)] });
row('2.7', 'unsolicited pong without payload', [f(PONG)], { ok: true });
row('2.8', 'unsolicited pong with payload', [f(PONG, 'unsolicited')], { ok: true });
row('2.9', 'unsolicited pong, then a ping', [f(PONG, 'unsolicited'), f(PING, 'solicited')],
  { ok: true, pongs: ['solicited'] });
row('2.10', '10 pings: at least the latest is answered (RFC 6455 5.5.3)',
  Array.from({ length: 10 }, (_, i) => f(PING, `payload-${i}`)), { ok: true, pongs: ['payload-9'] });
row('2.11', '10 pings, sent chopped', [chopped(Array.from({ length: 10 }, (_, i) => f(PING, `p-${i}`)))],
  { ok: true, pongs: ['p-9'] });

// -- 3. reserved bits -----------------------------------------------------
const rsvCases = [[1, TEXT, request(40)], [2, TEXT, request(40)], [3, TEXT, request(40)],
  [4, TEXT, request(40)], [5, BINARY, Buffer.from([1, 2])], [6, PING, 'x'], [7, CLOSE, closePayload(1000)]];
for (const [rsv, op, payload] of rsvCases)
  row(`3.${rsv}`, `RSV=${rsv} on opcode ${op} (no extension negotiated)`,
    [f(TEXT, request(40, 1)), f(op, payload, { rsv })], { close: 1002 });
row('3.4 chopped', 'RSV=4 after a valid text, chopped', [chopped([f(TEXT, request(40, 1)), f(TEXT, 'x', { rsv: 4 })])],
  { close: 1002 });

// -- 4. opcodes -----------------------------------------------------------
for (const op of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
  row(`4.${op}`, `reserved opcode ${op}`, [f(op)], { close: 1002 });
  row(`4.${op} payload`, `reserved opcode ${op} with payload after a valid text`,
    [f(TEXT, request(40, 1)), f(op, 'reserved')], { close: 1002 });
}

// -- 5. fragmentation -----------------------------------------------------
const req = request(60, 5);
const [r1, r2] = [req.subarray(0, 20), req.subarray(20)];
row('5.1', 'ping in 2 fragments', [f(PING, 'frag', { fin: false }), f(CONT, 'ment')], { close: 1002 });
row('5.2', 'pong in 2 fragments', [f(PONG, 'frag', { fin: false }), f(CONT, 'ment')], { close: 1002 });
row('5.3', 'text in 2 fragments', [f(TEXT, r1, { fin: false }), f(CONT, r2)], { ok: true, answer: answeredPing(5) });
row('5.5', 'text in 2 fragments, chopped', [chopped([f(TEXT, r1, { fin: false }), f(CONT, r2)])],
  { ok: true, answer: answeredPing(5) });
row('5.6', 'text in 2 fragments, a ping between', [f(TEXT, r1, { fin: false }), f(PING, 'between'), f(CONT, r2)],
  { ok: true, pongs: ['between'], answer: answeredPing(5) });
row('5.8', 'text in 2 fragments, a ping between, chopped',
  [chopped([f(TEXT, r1, { fin: false }), f(PING, 'between'), f(CONT, r2)])],
  { ok: true, pongs: ['between'], answer: answeredPing(5) });
row('5.9', 'continuation (FIN=1) without a message', [f(CONT, 'orphan')], { close: 1002 });
row('5.10', 'continuation (FIN=1) without a message, chopped', [chopped([f(CONT, 'orphan')])], { close: 1002 });
row('5.12', 'continuation (FIN=0) without a message', [f(CONT, 'orphan', { fin: false })], { close: 1002 });
row('5.15', 'a whole fragmented text, then a continuation of nothing',
  [f(TEXT, r1, { fin: false }), f(CONT, r2), f(CONT, 'x', { fin: false }), f(CONT, 'y')], { close: 1002 });
row('5.17', 'new text (FIN=0) inside a fragmented one', [f(TEXT, r1, { fin: false }), f(TEXT, 'x', { fin: false })],
  { close: 1002 });
row('5.18', 'new text (FIN=1) inside a fragmented one', [f(TEXT, r1, { fin: false }), f(TEXT, r2)],
  { close: 1002 });
row('5.19', 'text in 5 fragments with 2 pings between',
  [f(TEXT, req.subarray(0, 10), { fin: false }), f(CONT, req.subarray(10, 20), { fin: false }),
    f(PING, 'one'), f(CONT, req.subarray(20, 30), { fin: false }), f(CONT, req.subarray(30, 40), { fin: false }),
    f(PING, 'two'), f(CONT, req.subarray(40))],
  { ok: true, pongs: ['two'], answer: answeredPing(5) });
row('5.x empty fragments', 'text with empty first and last fragments',
  [f(TEXT, '', { fin: false }), f(CONT, req, { fin: false }), f(CONT, '')], { ok: true, answer: answeredPing(5) });
row('5.x fragments over the limit', 'fragments adding up past gateway.max-frame-bytes',
  [f(TEXT, Buffer.alloc(MAX / 2 + 1, 'x'), { fin: false }), f(CONT, Buffer.alloc(MAX / 2, 'x'))], { close: 1009 });

// -- 6. UTF-8 -------------------------------------------------------------
const utf8Valid = ['Hello-µ@ßöäüàá-UTF-8!!', 'κόσμε', '\u{10FFFF}\u{1F4C8}€\u0080\u07FF\u0800\uFFFF',
  '\uE000\uFFFD'];
utf8Valid.forEach((s, i) => {
  const msg = Buffer.from(JSON.stringify({ op: 'ping', id: 60 + i, pad: s }));
  row(`6.2.${i + 1}`, `valid UTF-8 ${JSON.stringify(s)}`, [f(TEXT, msg)], { ok: true, answer: answeredPing(60 + i) });
});
// Split across 2 fragments at every byte of multi-byte characters (2, 3 and
// 4 bytes long): only the whole message must be UTF-8.
{
  const msg = Buffer.from(JSON.stringify({ op: 'ping', id: 70, pad: 'é€📈' }));
  const start = msg.indexOf(Buffer.from('é'));
  for (let at = start; at <= start + 9; at++)
    row(`6.x split at ${at - start}`, 'multi-byte characters split across fragments',
      [f(TEXT, msg.subarray(0, at), { fin: false }), f(CONT, msg.subarray(at))],
      { ok: true, answer: answeredPing(70) });
  // And every byte its own fragment.
  row('6.x one byte per fragment', 'each byte of the message its own fragment',
    Array.from(msg, (b, i) => f(i === 0 ? TEXT : CONT, Buffer.from([b]), { fin: i === msg.length - 1 })),
    { ok: true, answer: answeredPing(70) });
}
const utf8Invalid = [
  ['6.3.1', 'κόσμε with a surrogate', 'cebae1bdb9cf83cebcceb5eda080656469746564'],
  ['6.6.x', 'truncated 2-byte', 'ce'], ['6.6.y', 'truncated 3-byte at the end', 'cebae1bd'],
  ['6.8.1', '5-byte sequence', 'f888808080'], ['6.8.2', '6-byte sequence', 'fc8480808080'],
  ['6.9.x', 'U+110000', 'f4908080'], ['6.10.1', 'lone continuation', '80'],
  ['6.10.2', 'two continuations', '80bf'], ['6.12.x', 'lone start bytes', 'c020c120'],
  ['6.14.x', 'overlong slash (2)', 'c0af'], ['6.14.y', 'overlong slash (3)', 'e080af'],
  ['6.14.z', 'overlong slash (4)', 'f08080af'], ['6.14.w', 'overlong NUL', 'c080'],
  ['6.17.x', 'UTF-16 surrogate D800', 'eda080'], ['6.18.x', 'surrogate pair', 'eda080edb080'],
  ['6.21.x', 'FE', 'fe'], ['6.21.y', 'FF', 'ff'], ['6.21.z', 'FEFF', 'fefeffff'],
];
for (const [id, what, hex] of utf8Invalid)
  row(id, `invalid UTF-8: ${what}`, [f(TEXT, Buffer.from(hex, 'hex'))], { close: 1007 });
row('6.4.1', 'invalid UTF-8 in the middle fragment of 3',
  [f(TEXT, Buffer.from('cebae1bdb9cf83cebcceb5', 'hex'), { fin: false }),
    f(CONT, Buffer.from('f4908080', 'hex'), { fin: false }), f(CONT, Buffer.from('656469746564', 'hex'))],
  { close: 1007 });
row('6.x invalid split', 'a 3-byte character cut short across fragments',
  [f(TEXT, Buffer.from('e282', 'hex'), { fin: false }), f(CONT, Buffer.from('41', 'hex'))], { close: 1007 });

// -- 7. closing -----------------------------------------------------------
row('7.1.1', 'close 1000 is echoed', [f(CLOSE, closePayload(1000))], { close: 1000 });
row('7.1.2', 'two closes: one answer', [f(CLOSE, closePayload(1000)), f(CLOSE, closePayload(1001))], { close: 1000 });
row('7.1.3', 'a ping after the close is ignored', [f(CLOSE, closePayload(1000)), f(PING, 'late')],
  { close: 1000, noPong: true });
row('7.1.4', 'a text after the close is ignored', [f(CLOSE, closePayload(1000)), f(TEXT, request(40, 9))],
  { close: 1000, noAnswer: true });
row('7.1.5', 'close between fragments, continuation after it ignored',
  [f(TEXT, r1, { fin: false }), f(CLOSE, closePayload(1000)), f(CONT, r2)], { close: 1000, noAnswer: true });
row('7.1.6', 'large text, then close', [f(TEXT, request(60000, 11)), f(CLOSE, closePayload(1000))],
  { close: 1000 });
row('7.3.1', 'empty close is answered with 1000', [f(CLOSE)], { close: 1000 });
row('7.3.2', 'close with a 1-byte payload', [f(CLOSE, Buffer.from([0x03]))], { close: 1002 });
row('7.3.3', 'close 1000 without reason', [f(CLOSE, closePayload(1000))], { close: 1000 });
row('7.3.4', 'close 1000 with a reason', [f(CLOSE, closePayload(1000, 'Hello World!'))], { close: 1000 });
row('7.3.5', 'close 1000 with a 123-byte reason', [f(CLOSE, closePayload(1000, '*'.repeat(123)))], { close: 1000 });
row('7.3.6', 'close with a 124-byte reason (payload 126)', [f(CLOSE, closePayload(1000, '*'.repeat(124)))],
  { close: 1002 });
row('7.5.1', 'close reason that is not UTF-8',
  [f(CLOSE, closePayload(1000, Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex')))], { close: 1007 });
row('7.5.x', 'close reason cut inside a character', [f(CLOSE, closePayload(1000, Buffer.from('e282', 'hex')))],
  { close: 1007 });
row('7.5.y', 'close reason valid UTF-8', [f(CLOSE, closePayload(4000, 'κόσμε €'))], { close: 4000 });
// Valid codes (Autobahn 7.7 plus 1012-1014, registered with IANA) are echoed.
for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
  3000, 3999, 4000, 4999])
  row(`7.7 ${code}`, `valid close code ${code} is echoed`, [f(CLOSE, closePayload(code))], { close: code });
// Invalid codes (Autobahn 7.9 and 7.13, and RFC 6455 7.4: 1004-1006 and
// 1015 are reserved, 1016-2999 unassigned, 5000+ out of range).
for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])
  row(`7.9 ${code}`, `invalid close code ${code}`, [f(CLOSE, closePayload(code))], { close: 1002 });

// -- running a row ----------------------------------------------------------

async function send(c, frames) {
  for (const part of frames) {
    if (part.chop) {
      for (let i = 0; i < part.bytes.length; i += part.chop) {
        c.sendRaw(part.bytes.subarray(i, i + part.chop));
        await sleep(1);
      }
    } else {
      c.sendRaw(part);
    }
  }
}

const pongs = (c) => c.frames.filter((x) => x.opcode === PONG).map((x) => x.payload.toString('latin1'));

async function check(r) {
  const c = await RawClient.connect(flux.port);
  try {
    await c.hello();
    await send(c, r.send);
    const e = r.expect;
    if (e.ok) {
      for (const p of e.pongs ?? [])
        await c.until(() => pongs(c).includes(p), 5000).catch(() => {
          throw new Error(`no pong ${JSON.stringify(p)}; got ${JSON.stringify(pongs(c))}`);
        });
      if (e.answer) await c.until(() => e.answer(c), 5000);
      // Still open and served: a marker ping gets its pong, a close its echo.
      c.sendFrame(PING, 'marker');
      await c.until(() => pongs(c).includes('marker') || c.ended, 5000);
      assert.ok(!c.ended, `closed early: ${JSON.stringify(c.closeFrame())}`);
      c.sendFrame(CLOSE, closePayload(1000, 'done'));
      const closed = await c.closed();
      assert.equal(closed?.code, 1000);
    } else {
      const closed = await c.closed();
      assert.ok(closed, 'the server sent a close frame before ending');
      assert.equal(closed.code, e.close, `close reason: ${closed.reason}`);
      if (e.noPong) assert.deepEqual(pongs(c), []);
      if (e.noAnswer) assert.ok(!c.texts().some((m) => m.type === 'pong'), 'no request answered after the close');
    }
    assert.deepEqual(c.errors, []);
  } finally {
    c.destroy();
  }
  // A fresh client is served afterwards.
  const fresh = await RawClient.connect(flux.port);
  try {
    await fresh.hello();
    fresh.sendFrame(PING, 'fresh');
    await fresh.until(() => pongs(fresh).includes('fresh'), 5000);
  } finally {
    fresh.destroy();
  }
}

for (const r of rows)
  test(`RFC 6455 ${r.id}: ${r.what}`, async () => { await check(r); });

test('the server survived the whole table', async () => {
  assert.equal(flux.child.exitCode, null);
  assert.equal(flux.child.signalCode, null);
});
