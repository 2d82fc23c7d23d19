/**
 * The outbox relay alone: COUNT events committed to an outbox (as producers do, in
 * transactions of 500), then the real relay started; events published per second until the
 * outbox is drained. Against B_js publish, this is what the relay adds to JetStream's cost.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  connectNats,
  enqueueEvents,
  ensureStreams,
  makeEvent,
  startOutboxRelay,
  removeStreams,
  streamName,
  type AnyEventEnvelope,
} from '@ates/events';
import { connectDatabase, createLogger, dropDatabase, ensureDatabase, withDatabase } from '@ates/service-kit';
import { deadLetters, inbox, outbox } from '@ates/events/tables';
import { createEventTables } from '../../packages/events/test/support/event-tables.ts';
import { selfCpuMs } from '../lib/cpu.ts';
import { vacuumAnalyze } from '../lib/db/maintenance.ts';
import { perSecond } from '../lib/stats.ts';
import { natsUrl, postgresBase } from './system.ts';

function assigned(): AnyEventEnvelope {
  const taskId = randomUUID();
  return makeEvent({
    type: 'task.assigned',
    version: 1 as const,
    producer: 'tasks',
    aggregateId: taskId,
    data: {
      taskId,
      assigneeId: randomUUID(),
      previousAssigneeId: null,
      assignmentNo: 1,
      title: 'Bench task',
      jiraId: null,
      assignedAt: new Date().toISOString(),
    },
  });
}

export async function measureRelay(
  count: number,
  step?: { batchSize: number; publishWindow: number },
): Promise<{ perSec: number; ms: number; cpuMsPerEvent: number }> {
  const id = `${process.pid}_${randomBytes(2).toString('hex')}`;
  const namespace = `benchrelay${id.replace('_', '')}`;
  const url = withDatabase(postgresBase, `ates_bench_events_${id}_relay`);
  const logger = createLogger({ service: 'bench-relay', level: process.env.LOG_LEVEL ?? 'warn' });
  await ensureDatabase(url);
  await createEventTables(url);
  const database = connectDatabase(
    url,
    { outbox, inbox, deadLetters },
    { max: 4, applicationName: 'ates-bench' },
  );
  const nats = await connectNats(natsUrl, { name: 'ates-bench-relay' });
  const jsm = await jetstreamManager(nats);
  try {
    await ensureStreams(jsm, namespace);
    for (let i = 0; i < count; i += 500) {
      const events = Array.from({ length: Math.min(500, count - i) }, assigned);
      await database.sql.begin((tx) => enqueueEvents(tx, events));
    }
    await vacuumAnalyze(database.sql, ['outbox']);
    const started = performance.now();
    const cpu = selfCpuMs();
    const relay = startOutboxRelay({ sql: database.sql, nats, namespace, logger, ...step });
    await relay.drained({ timeoutMs: 300_000 });
    const ms = performance.now() - started;
    const cpuMsPerEvent = Number(((selfCpuMs() - cpu) / count).toFixed(4));
    const { published } = relay.stats();
    await relay.stop();
    const info = await jsm.streams.info(streamName(namespace, 'tasks'));
    if (published !== count || info.state.messages !== count)
      throw new Error(`relay published ${published}, the stream holds ${info.state.messages}, not ${count}`);
    return { perSec: perSecond(count, ms), ms: Math.round(ms), cpuMsPerEvent };
  } finally {
    await removeStreams(jsm, namespace).catch(() => undefined);
    await nats.close();
    await database.close();
    await dropDatabase(url);
  }
}

if (process.argv[1] === import.meta.filename) {
  console.log(await measureRelay(Number(process.env.COUNT ?? 20_000)));
}
