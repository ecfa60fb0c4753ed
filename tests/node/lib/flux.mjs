// Test helpers: start the real flux binary on 127.0.0.1 with a free port,
// and talk to it over real WebSocket and HTTP connections.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const FLUX_BIN = process.env.FLUX_BIN
  ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../build/flux');

// Starts flux with extra flags; resolves once it logs the port it listens on.
export async function startFlux(args = [], { timeoutMs = 15000 } = {}) {
  const child = spawn(FLUX_BIN, ['--gateway.bind=127.0.0.1', '--gateway.port=0',
    '--log.level=info', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  let stderrBuf = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(
      `flux did not start within ${timeoutMs} ms; logs:\n${logs.join('\n')}`)), timeoutMs);
    child.stderr.on('data', (chunk) => {
      stderrBuf += chunk;
      let nl;
      while ((nl = stderrBuf.indexOf('\n')) >= 0) {
        const line = stderrBuf.slice(0, nl);
        stderrBuf = stderrBuf.slice(nl + 1);
        logs.push(line);
        try {
          const rec = JSON.parse(line);
          if (rec.msg === 'listening') { clearTimeout(timer); resolve(Number(rec.port)); }
        } catch { /* human-readable line */ }
      }
    });
    child.on('exit', (code) => { clearTimeout(timer);
      reject(new Error(`flux exited with ${code}; logs:\n${logs.join('\n')}`)); });
  });
  child.stdout.resume();
  return {
    child, port, logs,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    // Stops flux with SIGTERM and resolves with its exit code.
    // A process that already ended (also by a signal) resolves at once.
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      if (child.signalCode !== null) return child.signalCode;
      child.kill(signal);
      const [code] = await once(child, 'exit');
      return code;
    },
  };
}

// A WebSocket client that flattens batches and lets tests await frames.
export class Client {
  constructor(url) {
    this.ws = new WebSocket(url);
    this.frames = [];
    this.waiters = [];
    this.closed = null;
    this.ws.on('message', (data) => {
      const parsed = JSON.parse(data.toString());
      for (const f of Array.isArray(parsed) ? parsed : [parsed]) this.frames.push(f);
      this.#wake();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
    this.ws.on('error', () => {});
  }

  static async connect(url) {
    const c = new Client(url);
    await once(c.ws, 'open');
    await c.waitFor((f) => f.type === 'hello');
    return c;
  }

  send(obj) { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }

  #wake() { for (const w of [...this.waiters]) w(); }

  // Resolves with the first frame (from index `from`) matching `pred`.
  waitFor(pred, { timeoutMs = 10000, from = 0 } = {}) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.frames.findIndex((f, idx) => idx >= from && pred(f));
        if (i >= 0) { done(); resolve(this.frames[i]); return true; }
        if (this.closed) { done(); reject(new Error(`closed ${JSON.stringify(this.closed)} while waiting`)); return true; }
        return false;
      };
      const timer = setTimeout(() => { done(); reject(new Error(
        `timed out waiting; last frames: ${JSON.stringify(this.frames.slice(-5)).slice(0, 1500)}`)); }, timeoutMs);
      const done = () => { clearTimeout(timer); this.waiters = this.waiters.filter((w) => w !== check); };
      if (!check()) this.waiters.push(check);
    });
  }

  // Resolves once `n` frames match `pred`; returns them.
  async waitForCount(pred, n, opts) {
    await this.waitFor(() => this.frames.filter(pred).length >= n, opts);
    return this.frames.filter(pred);
  }

  waitClose({ timeoutMs = 10000 } = {}) {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('not closed in time')), timeoutMs);
      this.ws.once('close', () => { clearTimeout(t); resolve(this.closed); });
    });
  }

  close() { this.ws.close(); }
}

export async function getJson(url) {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}
