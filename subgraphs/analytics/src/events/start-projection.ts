import { startConsumer, type connectNats, type RunningConsumer } from '@ates/events';
import type { Logger } from '@ates/service-kit';
import type { AnalyticsDb } from '../db/db.ts';
import { CONSUMERS, projectionBatch, projections } from './projections.ts';

export type NatsConnection = Awaited<ReturnType<typeof connectNats>>;

/**
 * A batch costs a few statements whatever its size, so a backlog is applied in large batches
 * (at 50 events a batch the projection did ~1.8k events/s, at 500 ~6k/s); under light traffic
 * a batch is whatever arrived meanwhile, so nothing waits for a batch to fill.
 */
const BATCH = { maxBatch: 500, prefetch: 1000 };

export interface ProjectionOptions {
  nats: NatsConnection;
  namespace: string | undefined;
  /** The primary database. */
  db: AnalyticsDb;
  timeZone: string;
  logger: Logger;
  /** Events per transaction at most, and pulled ahead. Default 500 and 1000. */
  batch?: { maxBatch: number; prefetch: number };
}

export interface Projection {
  consumers: RunningConsumer[];
  /** Resolves when both streams' events published so far are applied. */
  caughtUp(options?: { timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The read model's writers: one durable consumer on the tasks stream and one on the accounting
 * stream, one lane each. Their transactions take the projection lock, so they (and any other
 * replica) apply one batch at a time; a batch's events are written together (project-events.ts).
 */
export async function startProjection(options: ProjectionOptions): Promise<Projection> {
  const handlers = projections(options.timeZone);
  const common = {
    nats: options.nats,
    namespace: options.namespace,
    db: options.db,
    logger: options.logger,
    ...(options.batch ?? BATCH),
    batchHandler: projectionBatch(options.timeZone),
  };
  const consumers = [
    await startConsumer({
      ...common,
      name: CONSUMERS.accounting,
      domain: 'accounting',
      handlers: handlers.accounting,
    }),
    await startConsumer({ ...common, name: CONSUMERS.tasks, domain: 'tasks', handlers: handlers.tasks }),
  ];
  return {
    consumers,
    caughtUp: async (o) => {
      for (const consumer of consumers) await consumer.caughtUp(o);
    },
    stop: async () => {
      for (const consumer of consumers) await consumer.stop();
    },
  };
}
