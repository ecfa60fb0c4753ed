// Test helpers for Flux on Kafka: a real single-node broker per test file
// (scripts/kafka-local on free ports with its own run dir, stopped and wiped
// at the end, and by a watchdog if the test process dies), a record
// producer and reader (tests/kafka_tool.cpp), and small polling helpers.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, after } from 'node:test';
import { FLUX_BIN, Client, getJson, startFlux } from './flux.mjs';

export const SOURCE_DIR = process.env.FLUX_SOURCE_DIR
  ?? path.resolve(import.meta.dirname, '../../..');
export const KAFKA_TOOL = process.env.FLUX_KAFKA_TOOL
  ?? path.join(path.dirname(FLUX_BIN), 'tests', 'flux_kafka_tool');
const KAFKA_LOCAL = path.join(SOURCE_DIR, 'scripts', 'kafka-local');

// A free port for a listener, below the kernel's ephemeral range (so that
// no outgoing connection takes it between our check and the broker's bind).
function tryListen(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export async function freePort() {
  for (let i = 0; i < 200; i += 1) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await tryListen(port)) return port;
  }
  throw new Error('no free port found');
}

// Runs a command; resolves with its exit code and output (bounded in time).
export function run(cmd, args, { env = process.env, timeoutMs = 60000, input } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, signal, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

// Starts a broker of our own: scripts/kafka-local with free ports and a
// run dir unique to this process. stop()/start() keep its data (an outage);
// destroy() stops it and deletes the run dir.
export async function startBroker(name) {
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const broker = await makeBroker(name, attempt);
    try {
      await broker.start();
      return broker;
    } catch (e) {
      lastError = e; // e.g. a port taken meanwhile: new ports, new dir
      await broker.destroy().catch(() => {});
    }
  }
  throw lastError;
}

async function makeBroker(name, attempt) {
  const port = await freePort();
  let controller = await freePort();
  while (controller === port) controller = await freePort();
  const dir = path.join(SOURCE_DIR, '.cache', 'kafka', `test-${name}-${process.pid}-${attempt}`);
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controller),
    KAFKA_DIR: dir,
    KAFKA_START_TIMEOUT: '120',
    KAFKA_STOP_TIMEOUT: '20',
  };
  // If this process dies without cleaning up (a crash, a CTest timeout),
  // the watchdog stops and wipes the broker.
  const watchdog = spawn('bash', ['-c',
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; "${KAFKA_LOCAL}" wipe >/dev/null 2>&1; rm -rf "${dir}"`],
  { env, detached: true, stdio: 'ignore' });
  watchdog.unref();
  const script = async (cmd, timeoutMs) => {
    const r = await run(KAFKA_LOCAL, [cmd], { env, timeoutMs });
    if (r.code !== 0)
      throw new Error(`kafka-local ${cmd} failed (${r.code}):\n${r.stdout}\n${r.stderr.slice(-3000)}`);
    return r;
  };
  return {
    bootstrap: `127.0.0.1:${port}`,
    port,
    dir,
    start: () => script('start', 150000),
    stop: () => script('stop', 60000),
    status: () => script('status', 30000),
    async destroy() {
      try { await script('wipe', 60000); } finally {
        try { process.kill(watchdog.pid); } catch { /* already gone */ }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A test file's own broker: started before its tests, destroyed after them,
// once every flux started with `kafka.flux(args)` (on that broker, JSON
// logs) or added to `kafka.procs` is stopped. `kafka.broker` is the
// startBroker() handle.
export function brokerForFile(name) {
  const procs = [];
  const kafka = {
    broker: null,
    procs,
    async flux(args) {
      const f = await startFlux(['--bus.kind=kafka', `--bus.brokers=${kafka.broker.bootstrap}`,
        '--log.format=json', ...args], { timeoutMs: 20000 });
      procs.push(f);
      return f;
    },
  };
  before(async () => { kafka.broker = await startBroker(name); });
  after(async () => {
    for (const p of procs) await p.stop().catch(() => {});
    if (kafka.broker) await kafka.broker.destroy();
  });
  return kafka;
}

// A record in the documented event format (docs/events.md).
export function record({ id, room, kind = 'update', key = 'n', ts = Date.now(), data, source = 'test' }) {
  const r = { id, room, kind, source, ts, data };
  if (kind === 'update') r.key = key;
  return JSON.stringify(r);
}

// An outside producer (flux_kafka_tool produce): idempotent, keeps and
// retries records while the broker is away.
export class Producer {
  constructor(bootstrap, topic) {
    this.child = spawn(KAFKA_TOOL, ['produce', '--brokers', bootstrap, '--topic', topic],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    this.sent = 0;
    this.reports = [];
    this.stderr = '';
    this.waiters = [];
    this.exited = once(this.child, 'exit');
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      try { this.reports.push(JSON.parse(line)); } catch { /* ignore */ }
      for (const w of [...this.waiters]) w();
    });
    this.child.stderr.on('data', (d) => { this.stderr += d; });
    // If the tool dies (e.g. a fatal producer error), writes fail with
    // EPIPE: keep that for the test's assertions instead of crashing it.
    this.writeError = null;
    this.child.stdin.on('error', (e) => { this.writeError ??= e; });
  }

  // Sends one record keyed by `key` (the room).
  send(key, value) {
    if (this.writeError || this.child.exitCode !== null) {
      this.sent += 1;
      return;
    }
    this.child.stdin.write(`${key}\t${value}\n`);
    this.sent += 1;
  }

  get delivered() { return this.reports.filter((r) => r.offset !== undefined); }
  get failed() { return this.reports.filter((r) => r.error !== undefined); }

  // Resolves once `n` delivery reports (of any outcome) arrived.
  waitReports(n, { timeoutMs = 30000 } = {}) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.reports.length >= n) { done(); resolve(this.reports.slice(0, n)); return true; }
        return false;
      };
      const timer = setTimeout(() => { done(); reject(new Error(
        `only ${this.reports.length}/${n} delivery reports; stderr: ${this.stderr.slice(-2000)}`)); }, timeoutMs);
      const done = () => { clearTimeout(timer); this.waiters = this.waiters.filter((w) => w !== check); };
      if (!check()) this.waiters.push(check);
    });
  }

  // Ends the input and waits for the tool to flush and exit.
  async close({ timeoutMs = 60000 } = {}) {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.stdin.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const [code] = await this.exited;
    clearTimeout(t);
    return code;
  }

  kill() { if (this.child.exitCode === null) this.child.kill('SIGKILL'); }
}

// Reads records with flux_kafka_tool fetch.
export async function fetchRecords(bootstrap, topic, partition, offset, count = 1) {
  const r = await run(KAFKA_TOOL, ['fetch', '--brokers', bootstrap, '--topic', topic,
    '--partition', String(partition), '--offset', String(offset), '--count', String(count),
    '--timeout-ms', '15000'], { timeoutMs: 30000 });
  if (r.code !== 0) throw new Error(`fetch failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

// Low/high watermarks and the group's committed offset per partition.
export async function topicOffsets(bootstrap, topic, group) {
  const args = ['offsets', '--brokers', bootstrap, '--topic', topic];
  if (group) args.push('--group', group);
  const r = await run(KAFKA_TOOL, args, { timeoutMs: 30000 });
  if (r.code !== 0) throw new Error(`offsets failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

// Polls `fn` until it returns a truthy value; returns it.
export async function until(fn, { timeoutMs = 30000, intervalMs = 200, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${
        last instanceof Error ? last.message : JSON.stringify(last)?.slice(0, 1500)}`);
    await sleep(intervalMs);
  }
}

// The status objects of one kind from /stats.
export async function actorsOf(url, kind) {
  const { body } = await getJson(`${url}/stats`);
  return body.node.actors.filter((a) => a.kind === kind);
}

export async function readyz(url) {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: await res.json() };
}

// Subscribes to a room that is created on demand (by its first record):
// retries while it is unknown. Resolves with the `subscribed` frame.
export async function subscribeWhenExists(client, room, { resume, timeoutMs = 30000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let id = 1000;
  for (;;) {
    id += 1;
    const from = client.frames.length;
    const req = { op: 'subscribe', room, id };
    if (resume) req.resume = resume;
    client.send(req);
    const answer = await client.waitFor((f) => f.id === id
      && (f.type === 'subscribed' || f.type === 'error'), { from, timeoutMs: 10000 });
    if (answer.type === 'subscribed') return answer;
    if (answer.code !== 'unknown_room' || Date.now() > deadline)
      throw new Error(`cannot subscribe to ${room}: ${JSON.stringify(answer)}`);
    await sleep(200);
  }
}

// Events of a room a client received, in arrival order.
export function eventsOf(client, room) {
  return client.frames.filter((f) => f.type === 'event' && f.room === room);
}

export { Client, getJson };
