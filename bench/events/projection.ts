/**
 * The analytics projection alone: COUNT `transaction.applied` events (fees and rewards over
 * ACCOUNTS accounts, a few billing days) published to the accounting stream, then the real
 * projection (its durable consumers and handlers, in this process) started on a fresh read
 * model; events applied per second until it has caught up, checked against the sums sent.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import {
  connectNats,
  ensureStreams,
  HEADER_AGGREGATE,
  makeEvent,
  removeStreams,
  withNamespace,
} from '@ates/events';
import {
  applyMigrations,
  connectDatabase,
  createLogger,
  dropDatabase,
  withDatabase,
} from '@ates/service-kit';
import { migrationsFolder } from '@ates/analytics';
import * as tables from '../../subgraphs/analytics/src/db/tables.ts';
import { startProjection } from '../../subgraphs/analytics/src/events/start-projection.ts';
import { perSecond } from '../lib/stats.ts';
import { earningsSums } from './db/pipeline-reads.ts';
import { natsUrl, postgresBase } from './system.ts';

const ACCOUNTS = 100;
const DAYS = ['2026-03-02', '2026-03-03', '2026-03-04'];

export async function measureProjection(
  count: number,
  batch?: { maxBatch: number; prefetch: number },
): Promise<{ perSec: number; ms: number }> {
  const id = `${process.pid}_${randomBytes(2).toString('hex')}`;
  const namespace = `benchproj${id.replace('_', '')}`;
  const url = withDatabase(postgresBase, `ates_bench_events_${id}_projection`);
  const logger = createLogger({ service: 'bench-projection', level: process.env.LOG_LEVEL ?? 'warn' });
  await applyMigrations(url, migrationsFolder);
  const database = connectDatabase(url, tables, { max: 4, applicationName: 'ates-bench' });
  const nats = await connectNats(natsUrl, { name: 'ates-bench-projection' });
  const jsm = await jetstreamManager(nats);
  try {
    await ensureStreams(jsm, namespace);
    const js = jetstream(nats);
    const accounts = Array.from({ length: ACCOUNTS }, () => ({
      accountId: randomUUID(),
      userId: randomUUID(),
    }));
    let fees = 0;
    let rewards = 0;
    for (let i = 0; i < count; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, count - i) }, (_, j) => {
          const n = i + j;
          const account = accounts[n % ACCOUNTS]!;
          const reward = n % 4 === 3;
          const amount = reward ? 2000 + (n % 2000) : -(1000 + (n % 1000));
          if (reward) rewards += amount;
          else fees -= amount;
          const event = makeEvent({
            type: 'transaction.applied',
            version: 1,
            producer: 'accounting',
            aggregateId: account.accountId,
            data: {
              transactionId: randomUUID(),
              ...account,
              kind: reward ? 'TASK_REWARD' : 'ASSIGN_FEE',
              amount,
              taskId: randomUUID(),
              day: DAYS[Math.floor((n / count) * DAYS.length)]!,
              balanceAfter: 0,
              description: `bench ${n}`,
              appliedAt: new Date().toISOString(),
            },
          });
          const headers = natsHeaders();
          headers.set(HEADER_AGGREGATE, account.accountId);
          return js.publish(
            withNamespace(namespace, 'accounting.transaction.applied'),
            JSON.stringify(event),
            {
              msgID: event.id,
              headers,
            },
          );
        }),
      );
    }
    const started = performance.now();
    const projection = await startProjection({
      nats,
      namespace,
      db: database.db,
      timeZone: 'UTC',
      logger,
      ...(batch ? { batch } : {}),
    });
    await projection.caughtUp({ timeoutMs: 600_000 });
    const ms = performance.now() - started;
    await projection.stop();
    const sums = await earningsSums(database.sql);
    if (sums?.fees !== String(fees) || sums.rewards !== String(rewards) || sums.n !== count)
      throw new Error(
        `projection disagrees: ${JSON.stringify(sums)} vs fees ${fees}, rewards ${rewards}, ${count}`,
      );
    return { perSec: perSecond(count, ms), ms: Math.round(ms) };
  } finally {
    await removeStreams(jsm, namespace).catch(() => undefined);
    await nats.close();
    await database.close();
    await dropDatabase(url);
  }
}

if (process.argv[1] === import.meta.filename) {
  console.log(await measureProjection(Number(process.env.COUNT ?? 10_000)));
}
