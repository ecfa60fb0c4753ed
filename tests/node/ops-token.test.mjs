// The operators' endpoints (docs/auth-ingest-ops.md): with ops.token,
// /stats and /metrics need exactly "Bearer <token>" (none: 401 with a
// challenge; wrong or not exact: 403), while /healthz, /readyz and the
// dashboard stay open. Without one, on 127.0.0.1, they are open as before.
// A non-loopback bind is decided in tests/ops_test.cpp (no test binds one).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { startFlux, FLUX_BIN } from './lib/flux.mjs';

const OPS = 'ops-token-0123456789';

async function rawGet(port, path, authLine) {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  let text = '';
  sock.on('data', (d) => { text += d; });
  sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${authLine}\r\nConnection: close\r\n\r\n`);
  await Promise.race([once(sock, 'close'), new Promise((r) => setTimeout(r, 3000))]);
  sock.destroy();
  return Number((/^HTTP\/1\.1 (\d{3})/.exec(text) ?? [])[1] ?? 0);
}

const opsLine = (flux) => flux.logs.map((l) => { try { return JSON.parse(l); } catch { return {}; } })
  .find((r) => r.msg === 'ops endpoints');

describe('with ops.token', () => {
  let flux;
  before(async () => { flux = await startFlux([`--ops.token=${OPS}`]); });
  after(async () => { await flux?.stop(); });

  test('/stats and /metrics: none 401, wrong 403, right 200', async () => {
    assert.equal(opsLine(flux).access, 'token');
    for (const path of ['/stats', '/stats?scope=cluster', '/metrics']) {
      const none = await fetch(`${flux.url}${path}`);
      assert.equal(none.status, 401, path);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="flux-ops"');
      assert.match((await none.json()).error, /Authorization: Bearer/);
      const wrong = await fetch(`${flux.url}${path}`, { headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.status, 403, path);
      const body = await wrong.text();
      assert.match(body, /wrong ops token/);
      assert.ok(!body.includes(OPS));
      const head = await fetch(`${flux.url}${path}`, { method: 'HEAD' });
      assert.equal(head.status, 401, `HEAD ${path}`);
    }
    const stats = await fetch(`${flux.url}/stats`, { headers: { authorization: `Bearer ${OPS}` } });
    assert.equal(stats.status, 200);
    assert.ok((await stats.json()).node.actors.length > 0);
    const metrics = await fetch(`${flux.url}/metrics`, { headers: { authorization: `Bearer ${OPS}` } });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /flux_node_status_ok\{name="node"\} 1/);
  });

  test('the token is exact as sent (raw requests)', async () => {
    assert.equal(await rawGet(flux.port, '/metrics', `Bearer ${OPS}`), 200);
    for (const auth of [`Bearer ${OPS} `, `Bearer ${OPS}\t`, `Bearer ${OPS}\r\n `, `Bearer  ${OPS}`,
      `bearer ${OPS}`, `Bearer ${OPS}\r\nAuthorization: Bearer ${OPS}`])
      assert.equal(await rawGet(flux.port, '/metrics', auth), 403, JSON.stringify(auth));
  });

  test('probes and the dashboard stay open', async () => {
    assert.equal((await fetch(`${flux.url}/healthz`)).status, 200);
    const ready = await fetch(`${flux.url}/readyz`);
    assert.ok([200, 503].includes(ready.status));
    assert.equal(typeof (await ready.json()).ready, 'boolean');
    assert.equal((await fetch(`${flux.url}/`)).status, 200);
  });
});

describe('without ops.token on 127.0.0.1', () => {
  let flux;
  before(async () => { flux = await startFlux([]); });
  after(async () => { await flux?.stop(); });

  test('/stats and /metrics are open, as before', async () => {
    assert.equal(opsLine(flux).access, 'open');
    assert.ok(!flux.logs.some((l) => /ops endpoints .*open without a token/.test(l)));
    assert.equal((await fetch(`${flux.url}/stats`)).status, 200);
    assert.equal((await fetch(`${flux.url}/metrics`)).status, 200);
  });
});

test('ops.open with ops.token, or a token with a space, stops flux at start', () => {
  for (const [args, pattern] of [[['--ops.open', '--ops.token=x'], /exclude each other/],
    [['--ops.token=two words'], /ops\.token must be visible ASCII/]]) {
    const r = spawnSync(FLUX_BIN, args, { encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});
