// The cluster port's mutual TLS with real processes, a real Kafka broker and
// certificates the test makes with the openssl CLI: two nodes with
// certificates from the cluster's CA join; a third whose certificate comes
// from a foreign CA is refused both ways (it dials them, one of them dials
// it), and the records only it consumes (its own topic) never reach a room
// of the other two, though it hands every one of them to its cluster actor
// to forward. A clustered node with neither TLS files nor an explicit
// --cluster.plaintext does not start; a plaintext one warns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  brokerForFile, Producer, Client, record, until, actorsOf, readyz,
  subscribeWhenExists, eventsOf, getJson, freePort, run,
} from './lib/kafka.mjs';
import { FLUX_BIN } from './lib/flux.mjs';
import { makeTestPki } from './lib/certs.mjs';

const run_ = `${process.pid}-${Date.now()}`;
const kafka = brokerForFile('cluster-tls');
const { flux } = kafka;
const pki = makeTestPki();

async function clusterOf(url) { return (await actorsOf(url, 'cluster'))[0]; }
async function roomNames(url) { return (await actorsOf(url, 'room')).map((r) => r.name); }

test('cluster TLS: nodes of one CA join; a foreign certificate is refused and its records reach no room', async (t) => {
  const [topic, foreignTopic] = [`flux.tls.${run_}`, `flux.tls-foreign.${run_}`];
  const [pa, pb, pc] = [await freePort(), await freePort(), await freePort()];
  const common = ['--node.role=gateway', '--bus.partitions=2', '--rooms.history=1000'];
  const a = await flux([...common, `--bus.topic=${topic}`, `--bus.group=gw-tls-${run_}`,
    `--cluster.listen=127.0.0.1:${pa}`, `--cluster.peers=["127.0.0.1:${pb}","127.0.0.1:${pc}"]`,
    '--cluster.node-name=gw-a', ...pki.tlsArgs('node-a')]);
  const b = await flux([...common, `--bus.topic=${topic}`, `--bus.group=gw-tls-${run_}`,
    `--cluster.listen=127.0.0.1:${pb}`, `--cluster.peers=127.0.0.1:${pa}`,
    '--cluster.node-name=gw-b', ...pki.tlsArgs('node-b')]);
  // The foreign node reads a topic of its own: a record of it can reach a
  // room of gw-a or gw-b only by being forwarded.
  const c = await flux([...common, `--bus.topic=${foreignTopic}`, `--bus.group=gw-foreign-${run_}`,
    `--cluster.listen=127.0.0.1:${pc}`, `--cluster.peers=["127.0.0.1:${pa}","127.0.0.1:${pb}"]`,
    '--cluster.node-name=gw-foreign', ...pki.tlsArgs('foreign', 'foreign-ca')]);
  for (const f of [a, b, c])
    await until(async () => (await readyz(f.url)).status === 200,
      { what: 'gateway ready', timeoutMs: 60000 });
  await until(async () => (await clusterOf(a.url)).peers_up === 1
    && (await clusterOf(b.url)).peers_up === 1, { what: 'gw-a and gw-b up', timeoutMs: 30000 });

  const ours = new Producer(kafka.broker.bootstrap, topic);
  const theirs = new Producer(kafka.broker.bootstrap, foreignTopic);
  try {
    ours.send('tls.shared', record({ id: 'ours-1', room: 'tls.shared', data: { seq: 1, from: 'ours' } }));
    await ours.waitReports(1);
    const onA = await Client.connect(a.wsUrl);
    const onB = await Client.connect(b.wsUrl);
    for (const cl of [onA, onB]) await subscribeWhenExists(cl, 'tls.shared');
    // The foreign node consumes these: one for a room the others have, one
    // for a room only it has.
    let foreignSent = 0;
    for (let seq = 1; seq <= 10; seq += 1) {
      theirs.send('tls.shared', record({ id: `theirs-${seq}`, room: 'tls.shared', data: { seq: 1000 + seq, from: 'foreign' } }));
      theirs.send('tls.foreign-only', record({ id: `only-${seq}`, room: 'tls.foreign-only', data: { seq } }));
      foreignSent += 2;
    }
    await theirs.waitReports(foreignSent);
    // Control: it did consume them and hand them to its cluster actor.
    const onC = await Client.connect(c.wsUrl);
    await subscribeWhenExists(onC, 'tls.foreign-only');
    await until(async () => (await clusterOf(c.url)).forwarded_out >= foreignSent,
      { what: 'the foreign node forwarding what it consumed', timeoutMs: 30000 });
    for (let seq = 2; seq <= 10; seq += 1)
      ours.send('tls.shared', record({ id: `ours-${seq}`, room: 'tls.shared', data: { seq, from: 'ours' } }));
    await ours.waitReports(10);
    for (const cl of [onA, onB])
      await cl.waitFor(() => eventsOf(cl, 'tls.shared').some((f) => f.data.seq === 10), { timeoutMs: 30000 });
    await sleep(3000); // the foreign node keeps dialling (and being dialled) meanwhile

    for (const [name, cl, url] of [['gw-a', onA, a.url], ['gw-b', onB, b.url]]) {
      assert.deepEqual(eventsOf(cl, 'tls.shared').map((f) => f.data.seq).filter((s) => s > 1),
        [2, 3, 4, 5, 6, 7, 8, 9, 10], `${name}: only our topic's events`);
      assert.ok(!(await roomNames(url)).includes('tls.foreign-only'), `${name} never had the foreign room`);
    }
    const [ca, cb, cc] = [await clusterOf(a.url), await clusterOf(b.url), await clusterOf(c.url)];
    t.diagnostic(`gw-a's view of the foreign node: ${JSON.stringify(ca.peers.find((p) => p.address === `127.0.0.1:${pc}`))}`);
    t.diagnostic(`the foreign node's view of gw-a: ${JSON.stringify(cc.peers.find((p) => p.address === `127.0.0.1:${pa}`))}`);
    assert.equal(cc.peers_up, 0, 'the foreign node has no peer up');
    assert.ok(cc.peers.every((p) => p.connects === 0 && p.forwarded_out === 0), JSON.stringify(cc.peers));
    for (const [name, st] of [['gw-a', ca], ['gw-b', cb]]) {
      assert.equal(st.peers_up, 1, `${name}: one peer up`);
      assert.ok(st.peers.every((p) => p.state !== 'up' || ['gw-a', 'gw-b'].includes(p.name)),
        `${name} lists only gw-a/gw-b up: ${JSON.stringify(st.peers)}`);
      assert.ok(!st.peers.some((p) => p.name === 'gw-foreign'), `${name} never heard the foreign hello`);
    }
    const foreignPeer = ca.peers.find((p) => p.address === `127.0.0.1:${pc}`);
    assert.equal(foreignPeer.connects, 0, 'gw-a never got through to the foreign node');
    assert.equal(ca.forwarded_in + cb.forwarded_in, ca.forwarded_out + cb.forwarded_out,
      'every record forwarded in came from the other good node');

    const { status, body } = await getJson(`${a.url}/stats?scope=cluster`);
    assert.equal(status, 200);
    const up = body.nodes.filter((n) => n.state === 'self' || n.state === 'up').map((n) => n.name);
    assert.deepEqual(up, ['gw-a', 'gw-b'], JSON.stringify(body.nodes.map((n) => [n.name, n.address, n.state])));
    const fromB = await getJson(`${b.url}/stats?scope=cluster`);
    assert.deepEqual(fromB.body.nodes.filter((n) => n.state === 'self' || n.state === 'up').map((n) => n.name),
      ['gw-b', 'gw-a']);
    for (const cl of [onA, onB, onC]) cl.close();
  } finally {
    ours.kill();
    theirs.kill();
  }
});

test('cluster TLS: a clustered node needs TLS files or an explicit --cluster.plaintext, which warns', async () => {
  const port = await freePort();
  const r = await run(FLUX_BIN, ['--bus.kind=kafka', `--bus.brokers=${kafka.broker.bootstrap}`,
    '--gateway.port=0', `--cluster.listen=127.0.0.1:${port}`], { timeoutMs: 15000 });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /a clustered node needs cluster\.tls-cert, cluster\.tls-key and cluster\.tls-ca/);
  const bad = await run(FLUX_BIN, ['--bus.kind=kafka', `--bus.brokers=${kafka.broker.bootstrap}`,
    '--gateway.port=0', `--cluster.listen=127.0.0.1:${port}`, ...pki.tlsArgs('foreign')], { timeoutMs: 15000 });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /cluster\.tls-cert: .* does not verify against cluster\.tls-ca/);

  const plain = await flux(['--node.role=gateway', `--bus.topic=flux.tls-plain.${run_}`,
    `--cluster.listen=127.0.0.1:${port}`, '--cluster.plaintext']);
  const warning = await until(() => plain.logs.map((l) => { try { return JSON.parse(l); } catch { return {}; } })
    .find((l) => l.level === 'warn' && l.component === 'cluster' && /plain TCP/.test(l.msg)),
  { what: 'the plaintext warning', timeoutMs: 15000 });
  assert.match(warning.msg, /no authentication, no encryption/);
  await plain.stop();
});
