// The seed stack's reference server for benchmarks: Node + Socket.IO 4 (and
// kafkajs), the stack Flux replaces. It serves the same scenarios as Flux's
// bench source (domains/bench_source.cpp) so that flux-bench can drive both:
//
//   - a fixed-rate ticker: --rate events/s, round-robin over the rooms
//     bench.0 … bench.<rooms-1>, each event's data carrying "t_us" (wall
//     clock µs at creation) and padding up to --payload-bytes;
//   - or, with --kafka-brokers, the events consumed from a Kafka topic
//     (the record format of docs/events.md) through kafkajs;
//   - a client emits "subscribe" {room} and gets "subscribed", then
//     "snapshot" (latest update per key), then live "event"s: the native
//     frames of docs/protocol.md as Socket.IO events named by their type.
//
// Usage: node server.mjs [--port=0] [--host=127.0.0.1] [--rate=0] [--rooms=1]
//          [--payload-bytes=64] [--interval-ms=5] [--start-file=PATH]
//          [--kafka-brokers=127.0.0.1:9092 --kafka-topic=flux.events]
// Prints one JSON line {"msg":"listening","port":N} on stdout when ready.
import { existsSync } from 'node:fs';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Server } from 'socket.io';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) throw new Error(`bad argument ${a}`);
  return [m[1], m[2] ?? 'true'];
}));
const opt = {
  host: args.host ?? '127.0.0.1',
  port: Number(args.port ?? 0),
  rate: Number(args.rate ?? 0),
  rooms: Math.max(1, Number(args.rooms ?? 1)),
  payloadBytes: Number(args['payload-bytes'] ?? 64),
  intervalMs: Math.max(1, Number(args['interval-ms'] ?? 5)),
  kafkaBrokers: args['kafka-brokers'] ?? '',
  kafkaTopic: args['kafka-topic'] ?? 'flux.events',
  kafkaGroup: args['kafka-group'] ?? `flux-reference-${process.pid}`,
  // Emit nothing until this file exists (flux-bench --ready-file).
  startFile: args['start-file'] ?? '',
};

const epoch = randomBytes(6).toString('hex');
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

// Room state: the position and the latest data per key (stream rooms).
const rooms = new Map();
function room(name) {
  let r = rooms.get(name);
  if (!r) {
    r = { pos: -1, ts: 0, latest: new Map() };
    rooms.set(name, r);
  }
  return r;
}
for (let i = 0; i < opt.rooms; ++i) room(`bench.${i}`);

const httpServer = http.createServer((req, res) => {
  if (req.url === '/healthz') { res.end('ok'); return; }
  res.statusCode = 404;
  res.end();
});
const io = new Server(httpServer, {
  transports: ['websocket', 'polling'],
  perMessageDeflate: false,
  cors: { origin: '*' },
});

io.on('connection', (socket) => {
  socket.on('subscribe', (req, ack) => {
    const name = typeof req === 'string' ? req : req?.room;
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) {
      socket.emit('error', { type: 'error', code: 'bad_request', message: 'bad room' });
      return;
    }
    const r = room(name);
    socket.join(name);
    const subscribed = { type: 'subscribed', room: name, epoch, pos: r.pos,
      resumed: false, reason: null, missed: 0 };
    if (typeof ack === 'function') ack(subscribed);
    else socket.emit('subscribed', subscribed);
    const data = r.latest.size ? Object.fromEntries(r.latest) : null;
    socket.emit('snapshot', { type: 'snapshot', room: name, class: 'stream', epoch,
      pos: r.pos, ts: r.ts, data, status: null });
  });
  socket.on('unsubscribe', (req) => {
    const name = typeof req === 'string' ? req : req?.room;
    if (typeof name === 'string') socket.leave(name);
  });
});

function publish(name, id, kind, key, ts, data) {
  const r = room(name);
  r.pos += 1;
  r.ts = ts;
  if (kind === 'update') r.latest.set(key, data);
  io.to(name).emit('event', { type: 'event', room: name, epoch, pos: r.pos, id,
    kind, key, ts, data });
}

// The fixed-rate ticker: every tick emits the events owed since the start,
// the same rule as Flux's bench source.
let tickerTimer = null;
if (opt.rate > 0) {
  const pad = opt.payloadBytes > 50 ? 'x'.repeat(opt.payloadBytes - 50) : '';
  const prefix = `bench-${randomBytes(4).toString('hex')}-`;
  let start = -1;
  let emitted = 0;
  const cap = Math.ceil(opt.rate); // at most one second's worth per tick
  tickerTimer = setInterval(() => {
    if (start < 0) {
      if (opt.startFile && !existsSync(opt.startFile)) return;
      start = performance.now();
    }
    const due = Math.floor((performance.now() - start) / 1000 * opt.rate);
    if (due - emitted > cap) emitted = due - cap;
    const ts = Date.now();
    while (emitted < due) {
      const seq = emitted++;
      const data = pad ? { seq, t_us: nowUs(), pad } : { seq, t_us: nowUs() };
      publish(`bench.${seq % opt.rooms}`, prefix + seq, 'update', 'tick', ts, data);
    }
  }, opt.intervalMs);
}

// Kafka: the same topic and record format Flux consumes.
let consumer = null;
async function startKafka() {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'flux-reference', brokers: opt.kafkaBrokers.split(','),
    logLevel: logLevel.WARN });
  consumer = kafka.consumer({ groupId: opt.kafkaGroup });
  await consumer.connect();
  await consumer.subscribe({ topic: opt.kafkaTopic, fromBeginning: false });
  await consumer.run({
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        let rec;
        try { rec = JSON.parse(m.value.toString()); } catch { continue; }
        if (typeof rec?.room !== 'string' || rec.data === undefined) continue;
        publish(rec.room, rec.id, rec.kind ?? 'snapshot', rec.key ?? '', rec.ts ?? Date.now(),
          rec.data);
      }
    },
  });
}

httpServer.listen(opt.port, opt.host, async () => {
  if (opt.kafkaBrokers) {
    try { await startKafka(); } catch (e) {
      console.error(`kafka: ${e.message}`);
      process.exit(1);
    }
  }
  const { port } = httpServer.address();
  console.log(JSON.stringify({ msg: 'listening', port, pid: process.pid, epoch }));
});

async function stop() {
  clearInterval(tickerTimer);
  if (consumer) await consumer.disconnect().catch(() => {});
  io.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
