// Two gateway nodes clustered over CAF networking (mutual TLS, certificates
// from one CA made by the test) on one real Kafka broker:
// one consumer group splits the partitions, each node forwards what it
// consumes to the other, so both serve every room. When a node dies its
// partitions move to the survivor, whose peer view shows it down, and the
// dead node's clients resume there by position with no gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  brokerForFile, Producer, Client, record, until, actorsOf, readyz,
  subscribeWhenExists, eventsOf, getJson, freePort,
} from './lib/kafka.mjs';
import { makeTestPki } from './lib/certs.mjs';

const run = `${process.pid}-${Date.now()}`;
const kafka = brokerForFile('cluster');
const { flux } = kafka;
const pki = makeTestPki();

// The cluster actor's status on a node's /stats.
async function clusterOf(url) { return (await actorsOf(url, 'cluster'))[0]; }

async function assignedPartitions(url) {
  const [consumer] = await actorsOf(url, 'kafka_consumer');
  return (consumer?.partitions ?? []).map((p) => p.partition).sort();
}

// Seq numbers a client got for a room (after `from`), in arrival order.
function seqs(client, room, from = 0) {
  return eventsOf(client, room).map((f) => f.data.seq).filter((s) => s > from);
}

function range(from, to) {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

test('clustered gateways: every node serves every room; a dead node\'s clients resume on its peer', async (t) => {
  const topic = `flux.cluster.${run}`;
  const group = `gw-cluster-${run}`;
  const [pa, pb] = [await freePort(), await freePort()];
  const common = ['--node.role=gateway', `--bus.topic=${topic}`, `--bus.group=${group}`,
    '--bus.partitions=4', '--rooms.history=1000'];
  const argsA = [...common, `--cluster.listen=127.0.0.1:${pa}`, `--cluster.peers=127.0.0.1:${pb}`,
    '--cluster.node-name=gw-a', ...pki.tlsArgs('node-a')];
  const argsB = [...common, `--cluster.listen=127.0.0.1:${pb}`, `--cluster.peers=127.0.0.1:${pa}`,
    '--cluster.node-name=gw-b', ...pki.tlsArgs('node-b')];
  let a = await flux(argsA);
  const b = await flux(argsB);
  for (const f of [a, b])
    await until(async () => (await readyz(f.url)).status === 200,
      { what: 'gateway ready', timeoutMs: 60000 });
  await until(async () => (await clusterOf(a.url)).peers_up === 1
    && (await clusterOf(b.url)).peers_up === 1, { what: 'peers up', timeoutMs: 30000 });
  // The group split the 4 partitions between the two nodes.
  const split = await until(async () => {
    const [pa_, pb_] = [await assignedPartitions(a.url), await assignedPartitions(b.url)];
    return pa_.length > 0 && pb_.length > 0 && pa_.length + pb_.length === 4 ? [pa_, pb_] : null;
  }, { what: 'partitions split between the nodes', timeoutMs: 60000 });
  t.diagnostic(`partitions: gw-a ${JSON.stringify(split[0])}, gw-b ${JSON.stringify(split[1])}`);

  const rooms = range(0, 15).map((i) => `cluster.r${i}`);
  const producer = new Producer(kafka.broker.bootstrap, topic);
  let sent = 0;
  const produce = (seq) => {
    for (const room of rooms) {
      producer.send(room, record({ id: `${room}-${seq}`, room, key: 'n', data: { seq } }));
      sent += 1;
    }
  };
  try {
    produce(1); // creates the rooms (on demand) on both nodes
    await producer.waitReports(sent);

    const onA = await Client.connect(a.wsUrl);
    const onB = await Client.connect(b.wsUrl);
    for (const room of rooms) {
      await subscribeWhenExists(onA, room);
      await subscribeWhenExists(onB, room);
    }
    for (let seq = 2; seq <= 20; seq += 1) produce(seq);
    await producer.waitReports(sent);
    for (const c of [onA, onB])
      await c.waitFor(() => rooms.every((r) => seqs(c, r).includes(20)), { timeoutMs: 30000 });
    await sleep(300);
    // A room's partition is in its epoch ("k<hash>-<partition>").
    const partitionOf = new Map(rooms.map((r) => [r, Number(eventsOf(onB, r)[0].epoch.split('-')[1])]));
    assert.ok(rooms.some((r) => split[0].includes(partitionOf.get(r)))
      && rooms.some((r) => split[1].includes(partitionOf.get(r))), 'rooms on both nodes\' partitions');
    for (const room of rooms) {
      assert.deepEqual(seqs(onA, room, 1), range(2, 20), `gw-a, ${room} (partition ${partitionOf.get(room)})`);
      assert.deepEqual(seqs(onB, room, 1), range(2, 20), `gw-b, ${room}`);
      // Positions are offsets: the same event has the same position on both.
      const posA = eventsOf(onA, room).filter((f) => f.data.seq >= 2).map((f) => `${f.epoch}/${f.pos}`);
      const posB = eventsOf(onB, room).filter((f) => f.data.seq >= 2).map((f) => `${f.epoch}/${f.pos}`);
      assert.deepEqual(posA, posB, `${room}: same positions on both nodes`);
    }
    const [ca, cb] = [await clusterOf(a.url), await clusterOf(b.url)];
    assert.ok(ca.forwarded_out > 0 && ca.forwarded_in > 0, `gw-a forwards both ways: ${JSON.stringify(ca)}`);
    assert.ok(cb.forwarded_out > 0 && cb.forwarded_in > 0, `gw-b forwards both ways: ${JSON.stringify(cb)}`);
    assert.equal(ca.forwarded_out + cb.forwarded_out, 20 * rooms.length,
      'every record consumed once in the group and forwarded once');

    // Cluster-wide stats from either node: both nodes' own /stats.
    const { status, body } = await getJson(`${a.url}/stats?scope=cluster`);
    assert.equal(status, 200);
    assert.equal(body.cluster, 'gw-a');
    assert.deepEqual(body.nodes.map((n) => [n.name, n.state]), [['gw-a', 'self'], ['gw-b', 'up']]);
    assert.ok(body.nodes[1].stats.actors.some((x) => x.kind === 'cluster' && x.name === 'gw-b'));
    const notClustered = await getJson(`${a.url}/stats`);
    assert.ok(notClustered.body.node.actors.some((x) => x.kind === 'cluster'), '/stats lists the cluster actor');

    // gw-a dies without a word (SIGKILL: it does not leave the group).
    const lastOnA = new Map(rooms.map((r) => [r, eventsOf(onA, r).at(-1)]));
    await a.stop('SIGKILL');
    await until(async () => {
      const peer = (await clusterOf(b.url)).peers.find((p) => p.name === 'gw-a');
      return peer?.state === 'down' ? peer : null;
    }, { what: 'gw-b sees gw-a down', timeoutMs: 15000 });
    assert.equal((await readyz(b.url)).status, 200, 'a peer down does not make gw-b unready');
    for (let seq = 21; seq <= 30; seq += 1) produce(seq);
    await producer.waitReports(sent);
    assert.equal(producer.failed.length, 0);
    // The group gives gw-a's partitions to gw-b (after the session timeout).
    await until(async () => (await assignedPartitions(b.url)).length === 4,
      { what: 'gw-b owns every partition', timeoutMs: 60000 });
    await onB.waitFor(() => rooms.every((r) => seqs(onB, r).includes(30)), { timeoutMs: 30000 });
    await sleep(300);
    for (const room of rooms)
      assert.deepEqual(seqs(onB, room, 1), range(2, 30), `gw-b after failover, ${room}: once, in order`);

    // gw-a's client comes back on gw-b and resumes each room where it was.
    const back = await Client.connect(b.wsUrl);
    for (const room of rooms) {
      const last = lastOnA.get(room);
      const sub = await subscribeWhenExists(back, room, { resume: { epoch: last.epoch, pos: last.pos } });
      assert.equal(sub.resumed, true, `${room} resumed: ${JSON.stringify(sub)}`);
    }
    await back.waitFor(() => rooms.every((r) => seqs(back, r).includes(30)), { timeoutMs: 30000 });
    await sleep(300);
    for (const room of rooms)
      assert.deepEqual(seqs(back, room), range(lastOnA.get(room).data.seq + 1, 30),
        `resumed on gw-b, ${room}: exactly the missed events`);

    // gw-a restarts on its address: gw-b dials it again, and gw-a serves
    // every room again, its own partitions and the forwarded ones.
    a = await flux(argsA);
    await until(async () => {
      const peer = (await clusterOf(b.url)).peers.find((p) => p.address === `127.0.0.1:${pa}`);
      return peer?.state === 'up' && peer.connects >= 2 ? peer : null;
    }, { what: 'gw-b sees gw-a up again', timeoutMs: 30000 });
    await until(async () => (await assignedPartitions(a.url)).length > 0,
      { what: 'gw-a owns partitions again', timeoutMs: 60000 });
    produce(31); // the restarted node's rooms come back with their next event
    await producer.waitReports(sent);
    const again = await Client.connect(a.wsUrl);
    for (const room of rooms) await subscribeWhenExists(again, room);
    for (let seq = 32; seq <= 35; seq += 1) produce(seq);
    await producer.waitReports(sent);
    await again.waitFor(() => rooms.every((r) => seqs(again, r).includes(35)), { timeoutMs: 30000 });
    for (const room of rooms)
      assert.deepEqual(seqs(again, room, 31), range(32, 35), `restarted gw-a, ${room}`);
    for (const c of [onA, onB, back, again]) c.close();
  } finally {
    producer.kill();
  }
});
