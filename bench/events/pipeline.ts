/**
 * Load test of the event pipeline: outbox (enqueue in producer transactions) → relay →
 * JetStream → consumer (inbox + effect in one transaction), against raw Postgres inserts and
 * raw JetStream publish/consume measured in the same run. Run by hand:
 *
 *   node --import tsx bench/events/pipeline.ts [--events 20000] [--tx 100]
 *
 * Prints a summary and writes bench/results/events.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { count as countRows } from 'drizzle-orm';
import { createLogger } from '@ates/service-kit';
import { enqueueEvents, startConsumer, startOutboxRelay, type EventHandlers } from '@ates/events';
import { rawJetStreamConsume, rawJetStreamPublish, rawPostgresInsert } from './baselines.ts';
import { benchEvent, createBenchEnv, effects, rate, type BenchEnv, type schema } from './setup.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    tx: { type: 'string', default: '100' },
    batch: { type: 'string', default: '500' },
  },
});
const EVENTS = Number(values.events);
const TX_SIZE = Number(values.tx);
const RELAY_BATCH = Number(values.batch);
const logger = createLogger({ service: 'bench', level: process.env.LOG_LEVEL ?? 'warn' });

const handlers: EventHandlers<typeof schema> = {
  'user.created': {
    1: async (event, { tx }) => {
      await tx.insert(effects).values({ eventId: event.id, type: event.type, version: event.version });
    },
  },
};

async function resetPipeline(env: BenchEnv) {
  await env.jsm.streams.purge(`${env.namespace.toUpperCase()}_USERS`);
  await env.database.sql`truncate outbox, inbox, effects, dead_letters`;
}

/** Producer transactions of TX_SIZE events while the relay and the consumer run; until every effect committed. */
async function pipeline(env: BenchEnv, concurrency: number) {
  await resetPipeline(env);
  const relay = startOutboxRelay({
    sql: env.database.sql,
    nats: env.nats,
    namespace: env.namespace,
    logger,
    batchSize: RELAY_BATCH,
  });
  const consumer = await startConsumer({
    nats: env.nats,
    namespace: env.namespace,
    name: `bench-c${concurrency}`,
    domain: 'users',
    db: env.database.db,
    handlers,
    logger,
    concurrency,
    prefetch: 500,
  });
  const started = performance.now();
  for (let i = 0; i < EVENTS; i += TX_SIZE) {
    const events = Array.from({ length: Math.min(TX_SIZE, EVENTS - i) }, benchEvent);
    await env.database.db.transaction((tx) => enqueueEvents(tx, events));
  }
  const enqueued = performance.now() - started;
  await relay.drained({ timeoutMs: 600_000 });
  const published = performance.now() - started;
  await consumer.caughtUp({ timeoutMs: 600_000 });
  const applied = performance.now() - started;
  await consumer.stop();
  await relay.stop();
  const [row] = await env.database.db.select({ n: countRows() }).from(effects);
  if (row?.n !== EVENTS) throw new Error(`expected ${EVENTS} effects, found ${row?.n}`);
  return {
    concurrency,
    seconds: Math.round(applied) / 1000,
    enqueuePerSec: rate(EVENTS, enqueued),
    publishedPerSec: rate(EVENTS, published),
    endToEndPerSec: rate(EVENTS, applied),
  };
}

/** The relay alone: a full outbox drained to JetStream (its capacity, not the producers' pace). */
async function relayOnly(env: BenchEnv) {
  await resetPipeline(env);
  for (let i = 0; i < EVENTS; i += TX_SIZE) {
    const events = Array.from({ length: Math.min(TX_SIZE, EVENTS - i) }, benchEvent);
    await env.database.db.transaction((tx) => enqueueEvents(tx, events));
  }
  const started = performance.now();
  const relay = startOutboxRelay({
    sql: env.database.sql,
    nats: env.nats,
    namespace: env.namespace,
    logger,
    batchSize: RELAY_BATCH,
  });
  await relay.drained({ timeoutMs: 600_000 });
  const ms = performance.now() - started;
  await relay.stop();
  return rate(EVENTS, ms);
}

const env = await createBenchEnv();
try {
  const [pg] = await env.database.sql<{ v: string }[]>`select current_setting('server_version') as v`;
  const raw = {
    postgresMultiRowInsertRowsPerSec: await rawPostgresInsert(env, EVENTS, TX_SIZE),
    jetstreamAsyncPublishPerSec: await rawJetStreamPublish(env, EVENTS, RELAY_BATCH),
    jetstreamPullConsumeAckPerSec: await rawJetStreamConsume(env, EVENTS),
  };
  const relayPublishPerSec = await relayOnly(env);
  const runs = [await pipeline(env, 1), await pipeline(env, 8)];
  const best = Math.max(...runs.map((r) => r.endToEndPerSec));
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const result = {
    at: new Date().toISOString(),
    node: process.version,
    natsServer: env.nats.info?.version,
    postgres: pg?.v,
    events: EVENTS,
    eventsPerProducerTx: TX_SIZE,
    relayBatch: RELAY_BATCH,
    raw,
    relayOnlyPublishPerSec: relayPublishPerSec,
    pipeline: runs,
    ratios: {
      endToEndVsJetstreamPublish: ratio(best, raw.jetstreamAsyncPublishPerSec),
      endToEndVsPostgresInsert: ratio(best, raw.postgresMultiRowInsertRowsPerSec),
      relayVsJetstreamPublish: ratio(relayPublishPerSec, raw.jetstreamAsyncPublishPerSec),
      producerVsPostgresInsert: ratio(
        Math.max(...runs.map((r) => r.enqueuePerSec)),
        raw.postgresMultiRowInsertRowsPerSec,
      ),
      endToEndVsJetstreamConsume: ratio(best, raw.jetstreamPullConsumeAckPerSec),
    },
  };
  const file = path.resolve(import.meta.dirname, '../results/events.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
} finally {
  await env.close();
}
