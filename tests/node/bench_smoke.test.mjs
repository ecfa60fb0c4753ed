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
