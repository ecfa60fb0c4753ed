// Flux on a real Kafka broker: pollers and gateway as two processes, outside
// producers, malformed and duplicate records, topic creation errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFlux, FLUX_BIN } from './lib/flux.mjs';
import {
  brokerForFile, Producer, Client, record, fetchRecords, topicOffsets, until,
  actorsOf, readyz, subscribeWhenExists, eventsOf, freePort,
} from './lib/kafka.mjs';

const run = `${process.pid}-${Date.now()}`;
const kafka = brokerForFile('main');
const { flux } = kafka;

// The broker processes (kafka.Kafka) whose command line names this
// broker's run dir.
function brokerPids(dir) {
  const pids = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd;
    try { cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8'); } catch { continue; }
    const args = cmd.split('\0');
    if (args.includes('kafka.Kafka') && cmd.includes(dir)) pids.push(Number(name));
  }
  return pids;
}

test('kafka-local start on a running broker does not start a second one', async () => {
  const pidOf = (r) => Number(/running \(pid (\d+)\)/.exec(r.stdout)?.[1]);
  const pid = pidOf(await kafka.broker.status());
  assert.ok(pid > 0, 'status names the pid');
  assert.deepEqual(brokerPids(kafka.broker.dir), [pid], 'one broker process');
  const again = await kafka.broker.start();
  assert.match(again.stdout, new RegExp(`already running \\(pid ${pid}\\)`));
  assert.equal(pidOf(await kafka.broker.status()), pid, 'the same broker');
  assert.deepEqual(brokerPids(kafka.broker.dir), [pid], 'still one broker process');
});

test('pollers -> Kafka -> gateway -> WebSocket, in order, positions are offsets', async () => {
  const topic = `flux.rt.${run}`;
  const group = `gw-rt-${run}`;
  const common = [`--bus.topic=${topic}`, `--bus.group=${group}`, '--bus.partitions=3'];
  const pollers = await flux([...common, '--node.role=pollers',
    '--domains.crypto-ticker-interval-ms=100']);
  const gateway = await flux([...common, '--node.role=gateway']);
  await until(async () => (await readyz(gateway.url)).status === 200,
    { what: 'gateway ready', timeoutMs: 60000 });
  await until(async () => (await readyz(pollers.url)).status === 200,
    { what: 'pollers ready', timeoutMs: 60000 });

  // Roles: the gateway runs no pollers and does not produce; the pollers
  // node does not consume.
  assert.equal((await actorsOf(gateway.url, 'poller')).length, 0);
  assert.equal((await actorsOf(gateway.url, 'kafka_producer')).length, 0);
  assert.equal((await actorsOf(pollers.url, 'kafka_consumer')).length, 0);
  assert.ok((await actorsOf(pollers.url, 'poller')).length > 0);

  const c = await Client.connect(gateway.wsUrl);
  c.send({ op: 'subscribe', room: 'crypto.ticker', id: 1 });
  await c.waitFor((f) => f.type === 'subscribed' && f.id === 1);
  const events = await c.waitForCount((f) => f.type === 'event' && f.room === 'crypto.ticker',
    20, { timeoutMs: 30000 });
  const epoch = events[0].epoch;
  assert.match(epoch, /^k[0-9a-f]{8}-\d+$/, 'epoch from cluster, topic and partition');
  for (let i = 1; i < events.length; i += 1) {
    assert.equal(events[i].epoch, epoch);
    assert.ok(events[i].pos > events[i - 1].pos, 'positions increase');
  }
  // A position is the record's offset in the room's partition.
  const partition = Number(epoch.split('-')[1]);
  for (const e of [events[0], events[events.length - 1]]) {
    const [rec] = await fetchRecords(kafka.broker.bootstrap, topic, partition, e.pos, 1);
    assert.equal(rec.offset, e.pos);
    assert.equal(rec.key, 'crypto.ticker', 'keyed by room');
    assert.equal(JSON.parse(rec.value).id, e.id);
  }
  // The topic was created with the configured partitions.
  const offsets = await topicOffsets(kafka.broker.bootstrap, topic);
  assert.equal(offsets.length, 3);

  // /stats: the producer counts deliveries; the consumer shows its
  // partitions with committed offsets and lag.
  const [producer] = await actorsOf(pollers.url, 'kafka_producer');
  assert.ok(producer.delivered > 0);
  assert.equal(producer.delivery_failures, 0);
  assert.equal(producer.broker_state, 'up');
  assert.ok('queue_depth' in producer);
  const consumer = await until(async () => {
    const [s] = await actorsOf(gateway.url, 'kafka_consumer');
    const p = s.partitions.find((x) => x.partition === partition);
    return p && p.committed_offset > 0 ? s : null;
  }, { what: 'a committed offset on /stats', timeoutMs: 30000 });
  assert.equal(consumer.broker_state, 'up');
  assert.equal(consumer.group, group);
  const p = consumer.partitions.find((x) => x.partition === partition);
  assert.equal(p.epoch, epoch);
  assert.ok(p.lag >= 0 && p.high_watermark >= p.committed_offset);
  const [bus] = await actorsOf(gateway.url, 'bus');
  assert.equal(bus.name, 'kafka');
  assert.equal(bus.role, 'gateway');
  c.close();
  await pollers.stop();
  await gateway.stop();
});

test('outside producer: records reach clients; malformed ones are skipped and counted; a duplicate reaches the client once', async () => {
  const topic = `flux.ext.${run}`;
  const gateway = await flux([`--bus.topic=${topic}`, `--bus.group=gw-ext-${run}`,
    '--bus.partitions=2', '--node.role=gateway']);
  await until(async () => (await readyz(gateway.url)).status === 200,
    { what: 'gateway ready', timeoutMs: 60000 });
  const room = 'ext.orders';
  const producer = new Producer(kafka.broker.bootstrap, topic);
  try {
    const ev = (n) => record({ id: `ext-${run}-${n}`, room, data: { n } });
    producer.send(room, ev(1));
    await producer.waitReports(1);
    const c = await Client.connect(gateway.wsUrl);
    await subscribeWhenExists(c, room);
    const snap = await c.waitFor((f) => f.type === 'snapshot' && f.room === room);
    assert.deepEqual(snap.data, { n: { n: 1 } });
    const [before] = await actorsOf(gateway.url, 'room_directory');

    // Two kinds of malformed record, two of each.
    producer.send(room, 'this is not JSON');
    producer.send(room, JSON.stringify({ room, ts: 1, data: {} })); // no id
    producer.send(room, 'neither is this {');
    producer.send(room, JSON.stringify({ room, ts: 2, data: {} })); // no id
    producer.send(room, ev(2));
    producer.send(room, ev(2)); // the same record again (same id)
    producer.send(room, ev(3));
    const reports = await producer.waitReports(8);
    assert.equal(producer.failed.length, 0);
    const offsets = reports.slice(3).map((r) => r.offset);

    await c.waitFor((f) => f.type === 'event' && f.room === room && f.data.n === 3,
      { timeoutMs: 20000 });
    await sleep(500); // room for a late duplicate to show up (it must not)
    const got = eventsOf(c, room).map((f) => f.data.n);
    assert.deepEqual(got, [2, 3], 'each event once, in order, malformed skipped');
    const e2 = eventsOf(c, room)[0];
    assert.equal(e2.pos, offsets[2], 'position is the offset of the first copy');

    const [dir] = await actorsOf(gateway.url, 'room_directory');
    assert.equal(dir.malformed - before.malformed, 4, 'malformed records counted');
    // Logged once per kind of problem (JSON lines on stderr).
    const skipped = gateway.logs.map((l) => { try { return JSON.parse(l); } catch { return {}; } })
      .filter((l) => l.msg === 'skipping malformed record');
    assert.deepEqual(skipped.map((l) => l.reason).sort(),
      ['invalid JSON', "missing or invalid field 'id'"], JSON.stringify(skipped));
    assert.ok(skipped.every((l) => l.level === 'warn' && l.component === 'room_directory'));
    // The partition did not stall: everything, malformed included, is
    // committed.
    const partition = reports[7].partition;
    await until(async () => {
      const o = await topicOffsets(kafka.broker.bootstrap, topic, `gw-ext-${run}`);
      return o[partition].committed === o[partition].high;
    }, { what: 'all records committed', timeoutMs: 30000 });
    // Caught up: /stats shows no lag on any assigned partition.
    const caughtUp = await until(async () => {
      const [s] = await actorsOf(gateway.url, 'kafka_consumer');
      const p = s.partitions.find((x) => x.partition === partition);
      return p && p.high_watermark === reports[7].offset + 1 && s.partitions.every((x) => x.lag === 0)
        && s.lag === 0 ? s : null;
    }, { what: 'consumer lag 0 on every partition', timeoutMs: 30000 });
    assert.equal(caughtUp.partitions.length, 2);
    c.close();
  } finally {
    producer.kill();
    await gateway.stop();
  }
});

test('a topic the broker refuses to create is a clear not-ready reason', async () => {
  // One broker cannot hold three replicas.
  const f = await flux([`--bus.topic=flux.refused.${run}`, '--bus.replication-factor=3']);
  const r = await until(async () => {
    const x = await readyz(f.url);
    return x.status === 503 && /cannot create topic/.test(x.body.problems.kafka ?? '') ? x : null;
  }, { what: 'readyz with the refusal', timeoutMs: 30000 });
  assert.match(r.body.problems.kafka, /flux\.refused.*INVALID_REPLICATION_FACTOR/);
  assert.equal(r.body.state, 'not_ready', 'a refusal is not an outage');
  assert.ok(f.logs.some((l) => l.includes('refused to create the event topic')));
  // Snapshots are still served (rooms exist; nothing arrives).
  const c = await Client.connect(f.wsUrl);
  c.send({ op: 'subscribe', room: 'news.top', id: 1 });
  await c.waitFor((x) => x.type === 'snapshot');
  c.close();
  await f.stop();
});

test('no broker: the producer buffer is bounded, drops the oldest snapshots first, never blocks the pollers', async () => {
  const nobody = await freePort(); // nothing listens there
  const f = await startFlux(['--bus.kind=kafka', `--bus.brokers=127.0.0.1:${nobody}`,
    '--node.role=pollers', '--bus.buffer-events=50', '--domains.crypto-ticker-interval-ms=20',
    '--domains.stocks-interval-ms=20', '--domains.crypto-markets-interval-ms=20',
    '--domains.weather-interval-ms=20'], { timeoutMs: 20000 });
  kafka.procs.push(f);
  const r = await until(async () => {
    const x = await readyz(f.url);
    return x.status === 503 && /kafka: broker down/.test(x.body.problems.kafka ?? '') ? x : null;
  }, { what: 'readyz broker down', timeoutMs: 20000 });
  assert.match(r.body.problems.kafka, /producer/);
  // Never connected: not ready (not merely degraded).
  assert.equal(r.body.state, 'not_ready');
  const first = await until(async () => {
    const [p] = await actorsOf(f.url, 'kafka_producer');
    return p.dropped_snapshots > 0 ? p : null;
  }, { what: 'snapshots dropped', timeoutMs: 20000 });
  assert.equal(first.buffered, 50);
  assert.equal(first.delivered, 0);
  await sleep(1000);
  const [later] = await actorsOf(f.url, 'kafka_producer');
  assert.ok(later.received > first.received, 'pollers keep publishing');
  assert.equal(later.buffered, 50, 'bounded');
  assert.equal(later.received, later.buffered + later.dropped, 'every event buffered or counted');
  assert.ok(later.mailbox < 100, `producer keeps up (mailbox ${later.mailbox})`);
  const pollers = await actorsOf(f.url, 'poller');
  assert.ok(pollers.every((p) => p.mailbox < 10), 'pollers not blocked');
  assert.equal(await f.stop(), 0);
});

test('bad Kafka settings are rejected at start', () => {
  const cases = [
    [['--bus.kind=kafka', '--bus.kafka-properties=["no.such.property=1"]'], /bus\.kafka-properties: no\.such\.property/],
    [['--bus.kind=kafka', '--bus.brokers='], /bus\.brokers/],
    [['--node.role=gateway'], /needs bus\.kind=kafka/],
    [['--bus.kind=zeromq'], /bus\.kind/],
  ];
  for (const [args, pattern] of cases) {
    const r = spawnSync(FLUX_BIN, args, { encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 2, `${args} exits 2: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
});
