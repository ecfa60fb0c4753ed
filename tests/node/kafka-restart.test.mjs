// A gateway restart: a second gateway process in the same consumer group
// continues from the committed offsets, with the same epoch, so a client
// resumes across processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFlux } from './lib/flux.mjs';
import {
  startBroker, Producer, Client, record, until, actorsOf, readyz,
  subscribeWhenExists, eventsOf, topicOffsets,
} from './lib/kafka.mjs';

const run = `${process.pid}-${Date.now()}`;
let broker;
const procs = [];

async function flux(args) {
  const f = await startFlux(['--bus.kind=kafka', `--bus.brokers=${broker.bootstrap}`,
    '--log.format=json', ...args], { timeoutMs: 20000 });
  procs.push(f);
  return f;
}

before(async () => { broker = await startBroker('restart'); });
after(async () => {
  for (const p of procs) await p.stop().catch(() => {});
  if (broker) await broker.destroy();
});

test('a second gateway in the same group continues from the committed offsets', async (t) => {
  const topic = `flux.restart.${run}`;
  const group = `gw-restart-${run}`;
  const args = [`--bus.topic=${topic}`, `--bus.group=${group}`, '--bus.partitions=2',
    '--node.role=gateway'];
  const room = 'seq.restart';
  const producer = new Producer(broker.bootstrap, topic);
  const ev = (n) => record({ id: `restart-${run}-${n}`, room, key: 'seq', data: { seq: n } });
  try {
    const first = await flux(args);
    await until(async () => (await readyz(first.url)).status === 200,
      { what: 'first gateway ready', timeoutMs: 60000 });
    producer.send(room, ev(1));
    const c = await Client.connect(first.wsUrl);
    await subscribeWhenExists(c, room);
    for (let i = 2; i <= 50; i += 1) producer.send(room, ev(i));
    await c.waitFor((f) => f.type === 'event' && f.data.seq === 50, { timeoutMs: 20000 });
    const last = eventsOf(c, room).at(-1);
    const partition = Number(last.epoch.split('-')[1]);
    // Everything handed to the room is committed (stored on commit, then
    // auto-committed) before we stop it.
    await until(async () => {
      const o = await topicOffsets(broker.bootstrap, topic, group);
      return o[partition].committed === last.pos + 1;
    }, { what: 'offset after event 50 committed', timeoutMs: 30000 });
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
    // It read from the committed offset, not from the beginning.
    const [consumer] = await actorsOf(second.url, 'kafka_consumer');
    const p = consumer.partitions.find((x) => x.partition === partition);
    assert.equal(p.delivered, 30, 'only the 30 uncommitted records were read');
    assert.equal(p.epoch, last.epoch);
    t.diagnostic(`second gateway read ${p.delivered} records from offset ${last.pos + 1}`);
    c2.close();
    await second.stop();
  } finally {
    producer.kill();
  }
});
