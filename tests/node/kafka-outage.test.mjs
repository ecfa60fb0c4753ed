// A broker outage while events flow: the nodes report degraded, keep serving
// snapshots, recover by themselves, and clients see every event exactly
// once, in order, with no gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  brokerForFile, Producer, Client, record, until, actorsOf, readyz,
  subscribeWhenExists, eventsOf, getJson,
} from './lib/kafka.mjs';

const run = `${process.pid}-${Date.now()}`;

function portOpen(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}
const kafka = brokerForFile('outage');
const { flux } = kafka;

function assertExactlyOnceInOrder(got, from, to, who) {
  const expected = [];
  for (let i = from; i <= to; i += 1) expected.push(i);
  if (got.length !== expected.length || got.some((v, i) => v !== expected[i])) {
    const dups = got.filter((v, i) => got.indexOf(v) !== i);
    const missing = expected.filter((v) => !got.includes(v));
    assert.fail(`${who}: expected ${from}..${to} exactly once in order; got ${got.length} events, `
      + `duplicates ${JSON.stringify(dups.slice(0, 20))}, missing ${JSON.stringify(missing.slice(0, 20))}`);
  }
}

test('broker outage: degraded, snapshots served, self-recovery, exactly once in order', async (t) => {
  const topic = `flux.outage.${run}`;
  const common = [`--bus.topic=${topic}`, `--bus.group=gw-outage-${run}`, '--bus.partitions=2'];
  // History and queue budget sized for a long outage: the backlog arrives
  // as one burst, and the resumed client needs every event since it left.
  const gateway = await flux([...common, '--node.role=gateway', '--rooms.history=100000',
    '--session.queue-budget-bytes=67108864']);
  const pollers = await flux([...common, '--node.role=pollers',
    '--domains.crypto-ticker-interval-ms=100']);
  for (const f of [gateway, pollers])
    await until(async () => (await readyz(f.url)).status === 200,
      { what: 'node ready', timeoutMs: 60000 });

  // A room fed by our own producer with sequence numbers. Each event has
  // its own key: a session may conflate same-key updates of a client whose
  // queue is over half its budget (the backlog burst after the outage), and
  // this test is about the bus losing nothing, not about conflation.
  const room = 'seq.outage';
  const producer = new Producer(kafka.broker.bootstrap, topic);
  let n = 0;
  const send = () => {
    n += 1;
    producer.send(room, record({ id: `seq-${run}-${n}`, room, key: `s${n}`, data: { seq: n } }));
  };
  const maxSeq = (snap) => Math.max(...Object.values(snap.data).map((v) => v.seq));
  try {
    send();
    const a = await Client.connect(gateway.wsUrl); // stays connected throughout
    await subscribeWhenExists(a, room);
    const snapA = await a.waitFor((f) => f.type === 'snapshot' && f.room === room);
    assert.equal(snapA.data.s1.seq, 1);
    const b = await Client.connect(gateway.wsUrl); // leaves and resumes later
    await subscribeWhenExists(b, room);
    const ticker = await Client.connect(gateway.wsUrl);
    ticker.send({ op: 'subscribe', room: 'crypto.ticker', id: 1 });
    await ticker.waitFor((f) => f.type === 'subscribed');

    const timer = setInterval(send, 25); // ~40 events/s
    try {
      await a.waitFor((f) => f.type === 'event' && f.data?.seq >= 40, { timeoutMs: 60000 });
      b.close();

      // The broker goes away.
      const tStop = Date.now();
      await kafka.broker.stop();
      const down = await until(async () => {
        const r = await readyz(gateway.url);
        return r.status === 503 && /kafka: broker down/.test(r.body.problems.kafka ?? '') ? r : null;
      }, { what: 'gateway /readyz 503 broker down', timeoutMs: 20000 });
      t.diagnostic(`gateway not ready: ${down.body.problems.kafka}`);
      // Degraded, not down: it keeps serving (below).
      assert.equal(down.body.state, 'degraded');
      assert.equal(down.body.ready, false);
      const pollersDown = await until(async () => {
        const r = await readyz(pollers.url);
        return r.status === 503 ? r : null;
      }, { what: 'pollers /readyz 503', timeoutMs: 20000 });
      assert.equal(pollersDown.body.state, 'degraded');
      assert.match(pollersDown.body.problems.kafka, /kafka: /);
      // Still serving: /stats, and snapshots to a new client.
      const stats = await getJson(`${gateway.url}/stats`);
      assert.equal(stats.status, 200);
      assert.equal(stats.body.node.state, 'degraded');
      assert.match(stats.body.node.problems.kafka, /kafka: broker down/);
      const metricsDown = await (await fetch(`${gateway.url}/metrics`)).text();
      assert.match(metricsDown, /^flux_node_status_degraded\{name="node"\} 1$/m);
      assert.match(metricsDown, /^flux_node_status_ok\{name="node"\} 0$/m);
      const [consumerDown] = stats.body.node.actors.filter((x) => x.kind === 'kafka_consumer');
      assert.equal(consumerDown.broker_state, 'down');
      const c = await Client.connect(gateway.wsUrl);
      c.send({ op: 'subscribe', room, id: 5 });
      const snapC = await c.waitFor((f) => f.type === 'snapshot' && f.room === room);
      assert.ok(maxSeq(snapC) >= 40, 'snapshot served during the outage');
      c.close();
      await sleep(4000);
      const [pDown] = await actorsOf(pollers.url, 'kafka_producer');
      t.diagnostic(`pollers' producer during the outage: queue_depth ${pDown.queue_depth}, `
        + `buffered ${pDown.buffered}, in_flight ${pDown.in_flight}`);
      assert.equal(pDown.broker_state, 'down');

      // The broker comes back; nobody restarts Flux.
      const tStart = Date.now();
      let tPortOpen = 0;
      let tGatewayReady = 0;
      const watch = (async () => { // when the port opens, when we are ready
        while (!tGatewayReady && Date.now() - tStart < 150000) {
          if (!tPortOpen && await portOpen(kafka.broker.port)) tPortOpen = Date.now();
          if (tPortOpen && (await readyz(gateway.url)).status === 200) tGatewayReady = Date.now();
          await sleep(100);
        }
      })();
      await kafka.broker.start();
      const tStarted = Date.now();
      await until(async () => (await readyz(gateway.url)).status === 200,
        { what: 'gateway ready again', timeoutMs: 60000, intervalMs: 100 });
      await watch;
      await until(async () => (await readyz(pollers.url)).status === 200,
        { what: 'pollers ready again', timeoutMs: 60000, intervalMs: 100 });
      for (const f of [gateway, pollers]) {
        const r = await readyz(f.url);
        assert.equal(r.body.state, 'ok');
        assert.deepEqual(r.body.problems, {});
        assert.equal((await getJson(`${f.url}/stats`)).body.node.state, 'ok');
      }
      const metricsUp = await (await fetch(`${gateway.url}/metrics`)).text();
      assert.match(metricsUp, /^flux_node_status_ok\{name="node"\} 1$/m);
      t.diagnostic(`outage: broker down for ${tPortOpen - tStop} ms (stop to port open); `
        + `gateway ready ${tGatewayReady - tPortOpen} ms after the port opened `
        + `(kafka-local start returned ${tStarted - tPortOpen} ms after it)`);
      await sleep(2000); // events keep flowing after the recovery
    } finally {
      clearInterval(timer);
    }
    const total = n;
    assert.equal(await producer.close(), 0, `producer delivered everything: ${producer.stderr}`);
    assert.equal(producer.delivered.length, total);

    // The client that stayed connected: 2..total, each once, in order.
    await a.waitFor((f) => f.type === 'event' && f.data?.seq === total, { timeoutMs: 60000 });
    await sleep(300);
    const gotA = eventsOf(a, room);
    assertExactlyOnceInOrder(gotA.map((f) => f.data.seq), 2, total, 'connected client');
    for (let i = 1; i < gotA.length; i += 1) assert.ok(gotA[i].pos > gotA[i - 1].pos);

    // The client that reconnects with its last position.
    const lastB = eventsOf(b, room).at(-1);
    const b2 = await Client.connect(gateway.wsUrl);
    const sub = await subscribeWhenExists(b2, room, { resume: { epoch: lastB.epoch, pos: lastB.pos } });
    assert.equal(sub.resumed, true, `resumed: ${JSON.stringify(sub)}`);
    await b2.waitFor((f) => f.type === 'event' && f.data?.seq === total, { timeoutMs: 30000 });
    await sleep(300);
    assertExactlyOnceInOrder(eventsOf(b2, room).map((f) => f.data.seq), lastB.data.seq + 1,
      total, 'resumed client');
    t.diagnostic(`events: ${total} sent, connected client got ${gotA.length} + snapshot, `
      + `resumed client missed ${sub.missed} and got ${eventsOf(b2, room).length}`);

    // The pollers' buffered events all went out: nothing dropped or failed.
    const producerStats = await until(async () => {
      const [s] = await actorsOf(pollers.url, 'kafka_producer');
      return s.queue_depth === 0 ? s : null;
    }, { what: 'producer queue drained', timeoutMs: 30000 });
    assert.equal(producerStats.delivery_failures, 0);
    assert.equal(producerStats.dropped, 0);
    assert.equal(producerStats.delivered, producerStats.received);
    assert.ok(producerStats.outages >= 1);
    // The producer confirmed every delivery to the bus, which keeps nothing.
    const busStats = await until(async () => {
      const [s] = await actorsOf(pollers.url, 'bus');
      return s.unconfirmed === 0 ? s : null;
    }, { what: 'bus holds no unconfirmed event', timeoutMs: 10000 });
    assert.equal(busStats.confirmed, busStats.published);
    assert.equal(busStats.replayed, 0);
    t.diagnostic(`pollers' producer: received ${producerStats.received}, delivered `
      + `${producerStats.delivered}, last outage ${producerStats.last_outage_ms} ms`);
    // Their ticker events reached the gateway's client once each, in order.
    const tick = eventsOf(ticker, 'crypto.ticker');
    assert.ok(tick.length > 50);
    assert.equal(new Set(tick.map((f) => f.id)).size, tick.length, 'no duplicate ticker event');
    for (let i = 1; i < tick.length; i += 1) assert.ok(tick[i].pos > tick[i - 1].pos);
    const [consumer] = await actorsOf(gateway.url, 'kafka_consumer');
    assert.equal(consumer.broker_state, 'up');
    assert.ok(consumer.outages >= 1);
    a.close();
    ticker.close();
  } finally {
    producer.kill();
  }
});
