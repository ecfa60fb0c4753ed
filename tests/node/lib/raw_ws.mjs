// A raw WebSocket client over node:net for the tests that need frames the
// `ws` package will not send (unmasked, reserved bits or opcodes, bad UTF-8,
// lying lengths) or behaviour it will not show (never reading, never
// answering a ping). It does the HTTP upgrade itself and parses the
// server's frames strictly, recording what breaks RFC 6455 in `errors`.
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { once } from 'node:events';

// A client frame: FIN, RSV bits and mask as given; `length` overrides the
// announced payload length (to lie about it); `lengthForm` forces the 16-
// or 64-bit form ('16', '64').
export function encodeFrame(opcode, payload = Buffer.alloc(0),
  { fin = true, mask = true, rsv = 0, length, lengthForm } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const n = length ?? BigInt(data.length);
  const big = BigInt(n);
  const m = mask ? 0x80 : 0;
  const head = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const form = lengthForm ?? (big < 126n ? '7' : big <= 0xffffn ? '16' : '64');
  if (form === '7') head.push(m | Number(big));
  else if (form === '16') head.push(m | 126, Number(big >> 8n) & 0xff, Number(big) & 0xff);
  else {
    head.push(m | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((big >> BigInt(8 * i)) & 0xffn));
  }
  const key = crypto.randomBytes(4);
  const body = Buffer.from(data);
  if (mask) for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from(head), mask ? key : Buffer.alloc(0), body]);
}

// A close frame's payload: code (2 bytes) and reason.
export function closePayload(code, reason = Buffer.alloc(0)) {
  const r = Buffer.isBuffer(reason) ? reason : Buffer.from(reason);
  const b = Buffer.alloc(2 + r.length);
  b.writeUInt16BE(code, 0);
  r.copy(b, 2);
  return b;
}

export class RawClient {
  static async connect(port, { path = '/ws', read = true } = {}) {
    const c = new RawClient();
    c.sock = net.connect(port, '127.0.0.1');
    await once(c.sock, 'connect');
    const key = crypto.randomBytes(16).toString('base64');
    c.sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n`
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
    // A client that never reads: the kernel's buffers fill and stay full.
    if (!read) c.sock.pause();
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
      const payload = Buffer.from(this.buf.subarray(off, off + len));
      const opcode = b0 & 0x0f;
      if (opcode === 1 || opcode === 8) {
        const text = opcode === 8 ? payload.subarray(2) : payload;
        try { new TextDecoder('utf-8', { fatal: true }).decode(text); }
        catch { this.errors.push(`server sent invalid UTF-8 (opcode ${opcode})`); }
      }
      if (this.frames.some((f) => f.opcode === 8)) this.errors.push('frame after the close frame');
      this.frames.push({ fin: !!(b0 & 0x80), opcode, payload });
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

  // Resolves once the server's hello arrived (the session is running).
  hello() { return this.until(() => this.texts().some((f) => f.type === 'hello')); }

  sendFrame(opcode, payload, opts) { this.sock.write(encodeFrame(opcode, payload, opts)); }

  sendRaw(bytes) { this.sock.write(bytes); }

  texts() {
    return this.frames.filter((f) => f.opcode === 1)
      .flatMap((f) => { const v = JSON.parse(f.payload.toString()); return Array.isArray(v) ? v : [v]; });
  }

  closeFrame() {
    const f = this.frames.find((x) => x.opcode === 8);
    if (!f) return undefined;
    if (f.payload.length === 0) return { code: 1005, reason: '' };
    return { code: f.payload.readUInt16BE(0), reason: f.payload.subarray(2).toString() };
  }

  // Waits for the server's close frame and the end of the stream.
  async closed(timeoutMs = 8000) {
    await this.until(() => this.ended, timeoutMs);
    return this.closeFrame();
  }

  destroy() { this.sock.destroy(); }
}

// VmRSS of a process in KiB (Linux).
export async function rssKiB(pid) {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}
