import {
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  type JetStreamManager,
} from '@nats-io/jetstream';
import path from 'node:path';
import { connectNats, ensureStreams, resetConsumer, streamName, type Domain } from '@ates/events';
import { applyMigrations, connectDatabase, type Logger, epochMs } from '@ates/service-kit';
import { dropReadModel } from '../db/read-model-repository.ts';
import * as tables from '../db/tables.ts';
import { CONSUMERS } from '../events/projections.ts';
import { startProjection } from '../events/start-projection.ts';
import { progressOf, type RebuildProgress } from './progress.ts';

export type { RebuildProgress };

export interface RebuildOptions {
  /** The primary analytics database. */
  databaseUrl: string;
  natsUrl: string;
  namespace?: string;
  timeZone: string;
  logger: Logger;
  /** Called every `progressEveryMs` and once at the end. */
  onProgress?: (progress: RebuildProgress) => void;
  progressEveryMs?: number;
}

const STREAMS: ReadonlyArray<{ domain: Domain; consumer: string }> = [
  { domain: 'accounting', consumer: CONSUMERS.accounting },
  { domain: 'tasks', consumer: CONSUMERS.tasks },
];

const notFound = (error: unknown) =>
  error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound;

/** Events the consumers have yet to apply (pending on the server or awaiting their ack). */
async function remaining(jsm: JetStreamManager, namespace: string | undefined): Promise<number> {
  let left = 0;
  for (const { domain, consumer } of STREAMS) {
    try {
      const info = await jsm.consumers.info(streamName(namespace, domain), consumer);
      left += info.num_pending + info.num_ack_pending;
    } catch (error) {
      if (!notFound(error)) throw error;
    }
  }
  return left;
}

/**
 * A stream bounded by age or size (docs/operations.md#stream-horizon) may have discarded its first
 * events; a rebuild from it would silently lose them, so it refuses and says what to do instead.
 */
async function refuseBeyondHorizon(jsm: JetStreamManager, namespace: string | undefined): Promise<void> {
  for (const { domain } of STREAMS) {
    const name = streamName(namespace, domain);
    const { state } = await jsm.streams.info(name);
    if (state.first_seq > 1)
      throw new Error(
        `${name} no longer holds events 1–${state.first_seq - 1} (its horizon: ${state.first_ts}): a rebuild ` +
          'would lose them. Restore analytics from a backup instead (pnpm restore <folder> --service analytics): ' +
          'it replays the tail since the backup by itself.',
      );
  }
}

/**
 * Drops the read model and replays the tasks and accounting streams from their first event
 * with fresh consumers (reset through `@ates/events`), then returns once everything published
 * so far is applied. The projection does not depend on event order, so the result equals the
 * one built live. The read model's rows and the consumers' inbox are cleared in one transaction
 * under the projection lock, so a service left running either applied a batch before (cleared)
 * or after (kept, and skipped by the replay): nothing counts twice. See docs/analytics.md.
 */
export async function rebuildReadModel(options: RebuildOptions): Promise<RebuildProgress> {
  const { logger, namespace } = options;
  await applyMigrations(options.databaseUrl, path.join(import.meta.dirname, '../../drizzle'));
  const database = connectDatabase(options.databaseUrl, tables, {
    applicationName: 'ates-analytics-rebuild',
  });
  const nats = await connectNats(options.natsUrl, { name: 'ates-analytics-rebuild' });
  try {
    const jsm = await jetstreamManager(nats);
    await ensureStreams(jsm, namespace);
    await refuseBeyondHorizon(jsm, namespace);
    const consumers = STREAMS.map((s) => s.consumer);
    await dropReadModel(database.db, consumers);
    for (const { domain, consumer } of STREAMS) {
      try {
        await resetConsumer(jsm, { stream: streamName(namespace, domain), name: consumer });
      } catch (error) {
        // Never started: the consumer about to start replays from the first event anyway.
        if (!notFound(error)) throw error;
      }
    }
    logger.info({ consumers }, 'read model dropped; replaying the streams from the start');

    const started = epochMs();
    let total = 0;
    let done = 0;
    const measure = async () => {
      const left = await remaining(jsm, namespace);
      total = Math.max(total, done + left);
      done = Math.max(done, total - left);
      return progressOf(done, total, epochMs() - started);
    };
    await measure();
    const projection = await startProjection({
      nats,
      namespace,
      db: database.db,
      timeZone: options.timeZone,
      logger,
      batch: { maxBatch: 500, prefetch: 1000 },
    });
    const timer = setInterval(() => {
      measure().then(options.onProgress, (error: unknown) =>
        logger.warn({ err: error }, 'could not read the replay progress'),
      );
    }, options.progressEveryMs ?? 250);
    try {
      await projection.caughtUp({ timeoutMs: Number.POSITIVE_INFINITY });
    } finally {
      clearInterval(timer);
      await projection.stop();
    }
    const final = await measure();
    options.onProgress?.(final);
    logger.info({ events: final.done, ms: final.elapsedMs }, 'read model rebuilt');
    return final;
  } finally {
    await nats.drain();
    await database.close();
  }
}
