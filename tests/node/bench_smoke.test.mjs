// Smoke test of the load generator: flux with the fixed-rate bench source,
// flux-bench with 50 clients for 3 s; it must deliver events with a sane
// end-to-end latency and exit by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startFlux, FLUX_BIN } from './lib/flux.mjs';

const BENCH_BIN = path.join(path.dirname(FLUX_BIN), 'bench', 'flux-bench');

function runBench(args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(BENCH_BIN, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`flux-bench failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

test('flux-bench measures delivery and latency from the bench source', { timeout: 30000 }, async () => {
  assert.ok(existsSync(BENCH_BIN), `no flux-bench next to flux: ${BENCH_BIN}`);
  const flux = await startFlux(['--bench.rate=200', '--bench.rooms=1']);
  try {
    const started = Date.now();
    const out = await runBench([`--port=${flux.port}`, '--clients=50', '--warmup=1',
      '--duration=3', '--rate=200', `--server-pid=${flux.child.pid}`, '--validate',
      '--deadline=15', '--quiet'], 25000);
    const elapsed = Date.now() - started;
    const [jsonLine, human] = out.trim().split('\n');
    const r = JSON.parse(jsonLine);
    assert.match(human, /^flux-bench native stream: 50\/50 ready/);
    assert.equal(r.tool, 'flux-bench');
    assert.equal(r.ready, 50);
    assert.equal(r.failed, 0);
    assert.equal(r.deadline_hit, false);
    // 200 events/s to 50 clients: 10,000 deliveries per second expected.
    assert.ok(r.events > 0, 'no events delivered');
    assert.ok(r.events_per_s > 0.5 * r.expected_per_s,
      `delivered ${r.events_per_s}/s, expected ${r.expected_per_s}/s`);
    assert.equal(r.events_without_t_us, 0);
    // Latency from the event's creation (t_us) to receipt: positive, bounded.
    assert.equal(r.latency_ms.samples, r.events);
    assert.equal(r.latency_negative, 0);
    assert.ok(r.latency_ms.p50 > 0 && r.latency_ms.p50 < 1000, `p50 ${r.latency_ms.p50} ms`);
    assert.ok(r.latency_ms.p99 >= r.latency_ms.p50 && r.latency_ms.p99 < 5000,
      `p99 ${r.latency_ms.p99} ms`);
    assert.ok(r.bytes > 0);
    assert.ok(r.snapshot_ms.samples === 50);
    assert.ok(r.server.rss_end_kb > 0, 'server RSS not sampled');
    // The fast scanner agrees with a full JSON parse of every message.
    assert.equal(r.validate.mismatch, 0);
    assert.equal(r.validate.bad_json, 0);
    assert.ok(elapsed < 15000, `flux-bench took ${elapsed} ms`);
  } finally {
    await flux.stop();
  }
});

// Churn with tokens (flux-bench --auth-token-file, the issue 13 benchmark):
// every client authenticates before it subscribes to a room that needs the
// token; a bad token and no token are counted as failures with their code.
test('flux-bench churn presents tokens; refusals are failures', { timeout: 30000 }, async () => {
  const { SignJWT } = await import('jose');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const secret = 'flux-bench-smoke-secret-0123456789abcdef';
  const dir = mkdtempSync(path.join(tmpdir(), 'flux-bench-auth-'));
  const now = Math.floor(Date.now() / 1000);
  const sign = (key, i) => new SignJWT({ rooms: ['bench.*'] }).setProtectedHeader({ alg: 'HS256' })
    .setSubject(`u${i}`).setIssuedAt(now).setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(key));
  const good = path.join(dir, 'good.tokens');
  const bad = path.join(dir, 'bad.tokens');
  writeFileSync(good, (await Promise.all([0, 1, 2].map((i) => sign(secret, i)))).join('\n') + '\n');
  writeFileSync(bad, await sign('another-secret-of-at-least-32-bytes!!', 0) + '\n');
  const flux = await startFlux(['--bench.rate=100', '--bench.rooms=1',
    `--auth.jwt-secret=${secret}`, '--auth.anonymous-rooms=["weather.*"]']);
  const churn = async (extra) => JSON.parse((await runBench([`--port=${flux.port}`, '--mode=churn',
    '--churn-rate=40', '--duration=1', '--deadline=15', '--quiet', ...extra], 25000)).split('\n')[0]);
  try {
    const ok = await churn([`--auth-token-file=${good}`]);
    assert.ok(ok.churn.completed > 0 && ok.churn.failed === 0, JSON.stringify(ok.churn));
    assert.equal(ok.auth.authed, ok.churn.completed);
    assert.equal(ok.auth.refused, 0);
    assert.equal(ok.auth.auth_ms.samples, ok.churn.completed);
    const refused = await churn([`--auth-token-file=${bad}`]);
    assert.equal(refused.churn.completed, 0);
    assert.equal(refused.auth.refused, refused.churn.failed);
    assert.deepEqual(Object.keys(refused.fail_reasons), ['auth refused: unauthorized']);
    const anonymous = await churn([]);
    assert.equal(anonymous.churn.completed, 0);
    assert.deepEqual(Object.keys(anonymous.fail_reasons), ['error frame before the snapshot: forbidden']);
  } finally {
    await flux.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
