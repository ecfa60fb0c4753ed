// Test helpers: start the real flux binary on 127.0.0.1 with a free port,
// and talk to it over real WebSocket and HTTP connections.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const FLUX_BIN = process.env.FLUX_BIN
  ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../build/flux');

// Under a sanitizer build (scripts/test --sanitize=..., which sets
// FLUX_TEST_SANITIZER) flux runs several times slower (TSan twice ASan) and
// ASan's quarantine holds freed memory (quarantine_size_mb=64 there): time
// bounds scale by SLOWDOWN and memory bounds get rssBoundMb's allowance, so
// the bounded-growth tests still catch growth without bound (the ping flood
// grew 650 MB).
export const SANITIZER = process.env.FLUX_TEST_SANITIZER ?? '';
export const SLOWDOWN = SANITIZER === 'thread' ? 10 : SANITIZER ? 5 : 1;
export function rssBoundMb(mb) { return SANITIZER ? mb + 96 : mb; }

// g++'s UBSan ignores log_path: sanitizer reports reach flux's stderr only.
// Copies each, from its first line on, to FLUX_SANITIZER_REPORTS/
// flux-<pid>.log, which fails the sanitizer pass even when no test noticed.
const REPORT_MARKER = /runtime error:|ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer/;
export function watchSanitizerReports(child) {
  const dir = process.env.FLUX_SANITIZER_REPORTS;
  if (!dir || !child.stderr) return;
  let file = null;
  let tail = '';
  child.stderr.on('data', (chunk) => {
    if (file) { appendFileSync(file, chunk); return; }
    tail += chunk;
    const at = tail.search(REPORT_MARKER);
    if (at < 0) { tail = tail.slice(tail.lastIndexOf('\n') + 1); return; }
    file = path.join(dir, `flux-${child.pid}.log`);
    appendFileSync(file, tail.slice(tail.lastIndexOf('\n', at) + 1));
  });
}

// Starts flux with extra flags; resolves once it logs the port it listens on.
export async function startFlux(args = [], { timeoutMs = 15000 } = {}) {
  const child = spawn(FLUX_BIN, ['--gateway.bind=127.0.0.1', '--gateway.port=0',
    '--log.level=info', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  watchSanitizerReports(child);
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
  // A flux that ends before stop() was asked for died: say how, with its
  // last log lines, so the failing assertion that follows has its cause.
  let stopping = false;
  child.on('exit', (code, signal) => {
    if (!stopping)
      console.error(`flux (pid ${child.pid}) ended unexpectedly: code ${code}, `
        + `signal ${signal}; last logs:\n${logs.slice(-30).join('\n')}`);
  });
  return {
    child, port, logs,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    // Stops flux with SIGTERM and resolves with its exit code.
    // A process that already ended (also by a signal) resolves at once.
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      if (child.signalCode !== null) return child.signalCode;
      stopping = true;
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

// Resolves when `promise` settles or after `ms` (then runs `onTimeout`).
export async function bounded(promise, ms, onTimeout = () => {}) {
  if (!promise) return;
  let timer;
  const timedOut = await Promise.race([
    promise.then(() => false, () => false),
    new Promise((resolve) => { timer = setTimeout(() => resolve(true), ms); }),
  ]);
  clearTimeout(timer);
  if (timedOut) onTimeout();
}
