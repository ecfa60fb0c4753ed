// A gateway restart: a second gateway process in the same consumer group
// continues from the committed offsets, with the same epoch, so a client
// resumes across processes; it re-reads the records just before them
// (bus.hydrate-records), so its rooms are not blank until the next event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  brokerForFile, Producer, Client, record, until, actorsOf, readyz,
  subscribeWhenExists, eventsOf, topicOffsets,
} from './lib/kafka.mjs';

const run = `${process.pid}-${Date.now()}`;
const kafka = brokerForFile('restart');
const { flux } = kafka;

test('a second gateway in the same group continues from the committed offsets', async (t) => {
  const topic = `flux.restart.${run}`;
  const group = `gw-restart-${run}`;
  const args = [`--bus.topic=${topic}`, `--bus.group=${group}`, '--bus.partitions=2',
    '--node.role=gateway'];
  const room = 'seq.restart';
  const producer = new Producer(kafka.broker.bootstrap, topic);
  const ev = (n) => record({ id: `restart-${run}-${n}`, room, key: 'seq', data: { seq: n } });
  try {
    const first = await flux(args);
    await until(async () => (await readyz(first.url)).status === 200,
      { what: 'first gateway ready', timeoutMs: 60000 });
    producer.send(room, ev(1));
    // A snapshot room whose source is slow: one snapshot, then nothing.
    const snapRoom = 'snap.restart';
    producer.send(snapRoom, record({ id: `snap-${run}`, room: snapRoom, kind: 'snapshot',
      data: { headline: 'before the restart' } }));
    const c = await Client.connect(first.wsUrl);
    await subscribeWhenExists(c, room);
    await subscribeWhenExists(c, snapRoom);
    for (let i = 2; i <= 50; i += 1) producer.send(room, ev(i));
    await c.waitFor((f) => f.type === 'event' && f.data.seq === 50, { timeoutMs: 20000 });
    const last = eventsOf(c, room).at(-1);
    const partition = Number(last.epoch.split('-')[1]);
    const snapshot = await c.waitFor((f) => f.type === 'snapshot' && f.room === snapRoom);
    const snapPartition = Number(snapshot.epoch.split('-')[1]);
    // Everything handed to the room is committed (stored on commit, then
    // auto-committed) before we stop it.
    await until(async () => {
      const o = await topicOffsets(kafka.broker.bootstrap, topic, group);
      return o[partition].committed === last.pos + 1
        && o[snapPartition].committed > snapshot.pos;
    }, { what: 'offsets after event 50 and the snapshot committed', timeoutMs: 30000 });
    c.close();
    assert.equal(await first.stop(), 0);

    // Events keep coming while no gateway runs.
    for (let i = 51; i <= 80; i += 1) producer.send(room, ev(i));
    await producer.waitReports(80);
    assert.equal(producer.failed.length, 0);

    const second = await flux(args);
    await until(async () => (await readyz(second.url)).status === 200,
      { what: 'second gateway ready', timeoutMs: 60000 });
    const c2 = await Client.connect(second.wsUrl);
    const sub = await subscribeWhenExists(c2, room,
      { resume: { epoch: last.epoch, pos: last.pos } });
    assert.equal(sub.resumed, true, `resumed across processes: ${JSON.stringify(sub)}`);
    assert.equal(sub.epoch, last.epoch, 'the epoch is the same in the new process');
    await c2.waitFor((f) => f.type === 'event' && f.data.seq === 80, { timeoutMs: 20000 });
    await sleep(300);
    const got = eventsOf(c2, room).map((f) => f.data.seq);
    assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => 51 + i));
    // It continued from the committed offset after re-reading the records
    // before it (here all of them: fewer than bus.hydrate-records), and
    // the re-read ones did not reach the client again.
    const [consumer] = await actorsOf(second.url, 'kafka_consumer');
    const p = consumer.partitions.find((x) => x.partition === partition);
    assert.equal(p.hydrate_until, last.pos + 1, 'hydrated up to the committed offset');
    assert.equal(p.hydrate_from, 0, 'from the start: fewer than 1000 records before it');
    const offsets = await topicOffsets(kafka.broker.bootstrap, topic, group);
    assert.equal(p.delivered, offsets[partition].high - p.hydrate_from,
      'the hydration records plus the 30 new ones, each once');
    assert.equal(p.epoch, last.epoch);
    t.diagnostic(`second gateway re-read from offset ${p.hydrate_from} and continued at ${last.pos + 1}`);
    // The slow source's room is not blank on the new process: a new client
    // gets the snapshot from before the restart, at the same position.
    const fresh = await Client.connect(second.wsUrl);
    await subscribeWhenExists(fresh, snapRoom);
    const again = await fresh.waitFor((f) => f.type === 'snapshot' && f.room === snapRoom);
    assert.deepEqual(again.data, { headline: 'before the restart' });
    assert.equal(again.pos, snapshot.pos);
    assert.equal(again.epoch, snapshot.epoch);
    // Commits never moved back while the records were re-read.
    const after = await topicOffsets(kafka.broker.bootstrap, topic, group);
    assert.ok(after[partition].committed >= last.pos + 1, JSON.stringify(after));
    fresh.close();
    c2.close();
    await second.stop();
  } finally {
    producer.kill();
  }
});
