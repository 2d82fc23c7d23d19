import { epochMs } from '@ates/service-kit';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Sql } from 'postgres';
import type { Logger } from '@ates/service-kit';
import { Backoff, errorMessage } from '../util/backoff.ts';
import { Pulse } from '../util/pulse.ts';
import { isTransientDbError } from '../util/transient.ts';
import { OUTBOX_CHANNEL } from './enqueue.ts';
import { countUnpublished, deletePublishedBefore } from './maintenance.ts';
import { relayBatch, type BatchOptions } from './publish-batch.ts';

export interface OutboxRelayOptions {
  sql: Sql;
  nats: NatsConnection;
  /** Prefix of every published subject (tests, side-by-side environments). */
  namespace?: string;
  logger: Logger;
  /**
   * Rows per step: selected, published and marked in one transaction. A larger step spreads
   * its select, update and commit over more events. Default 2000.
   */
  batchSize?: number;
  /** Publishes in flight at once (a sliding window within each step). Default 500. */
  publishWindow?: number;
  /** Polling fallback when no NOTIFY arrives (e.g. the LISTEN connection is down). */
  pollIntervalMs?: number;
  /**
   * A publish in flight when its stream's leader dies, or sent while the stream has none, gets
   * no answer: give up after this long (default 1 s; with a full window of 500 in flight an ack
   * comes within tens of milliseconds here, docs/performance.md) and publish again to the new
   * leader; the message id makes the repeat harmless.
   */
  publishTimeoutMs?: number;
  /** How long published rows are kept for `outbox republish --since`. Default 7 days. */
  retentionMs?: number;
  cleanupIntervalMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Relays with the same key (in one database) elect one publisher at a time. */
  lockKey?: string;
  /**
   * A step taking longer is abandoned and the next one starts. postgres.js 3.4.9 can leave a
   * pooled connection that died mid-write hanging forever; the abandoned step cannot publish
   * twice, since a new step only publishes when it gets the lock. Default 60 s.
   */
  stepTimeoutMs?: number;
  afterPublish?: BatchOptions['afterPublish'];
}

export interface OutboxRelay {
  /**
   * Stops after the batch in flight (its acknowledged rows are marked), then, if the relay was
   * healthy, publishes once more what was committed meanwhile (the events of the requests a
   * shutdown just drained), within `flushMs` (default 5 s). Whatever is left goes at next start.
   */
  stop(options?: { flushMs?: number }): Promise<void>;
  /** Resolves when no unpublished row is left. */
  drained(options?: { timeoutMs?: number }): Promise<void>;
  stats(): { published: number; duplicates: number; batches: number };
}

const DAY_MS = 24 * 3600_000;
/** No answer to the step's publishes for this long: they are waiting on a leader that is gone. */
const STUCK_PUBLISH_MS = 250;

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`relay step took over ${ms} ms; abandoned`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Starts relaying the outbox of `sql`'s database to JetStream until `stop()`. */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { sql, logger } = options;
  const log = logger.child({ component: 'outbox-relay' });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const retentionMs = options.retentionMs ?? 7 * DAY_MS;
  const cleanupIntervalMs = options.cleanupIntervalMs ?? 3600_000;
  const stepTimeoutMs = options.stepTimeoutMs ?? 60_000;
  const batch: BatchOptions = {
    sql,
    js: jetstream(options.nats),
    namespace: options.namespace,
    batchSize: options.batchSize ?? 2000,
    window: options.publishWindow ?? 500,
    lockKey: options.lockKey ?? 'ates.outbox.relay',
    publishTimeoutMs: options.publishTimeoutMs ?? 1000,
    afterPublish: options.afterPublish,
  };
  const wake = new Pulse();
  const progress = new Pulse();
  const stopped = new Pulse();
  const listenBackoff = new Backoff(500, 30_000);
  // Capped at 1 s: a JetStream leader election refuses publishes for 4–9 s, and a longer wait
  // after it would add to the time consumers see nothing.
  const backoff = new Backoff(options.minBackoffMs ?? 100, options.maxBackoffMs ?? 1000);
  const stats = { published: 0, duplicates: 0, batches: 0 };
  let stopping = false;
  let healthy = false;
  /** Gives up the publishes of the step in flight; set while a step runs. */
  let abandonStep: ((error: Error) => void) | undefined;
  let progressAt = 0;
  let lastCleanup = 0;
  let unlisten: (() => Promise<void>) | undefined;

  async function listen(): Promise<void> {
    while (!stopping && !unlisten) {
      try {
        // postgres.js re-LISTENs after a reconnect and calls onlisten again: wake up then too,
        // since notifications sent while disconnected are lost.
        const meta = await sql.listen(
          OUTBOX_CHANNEL,
          () => wake.fire(),
          () => wake.fire(),
        );
        if (stopping) return await meta.unlisten();
        unlisten = meta.unlisten;
      } catch (error) {
        log.warn({ err: errorMessage(error) }, 'LISTEN failed; polling until it works');
        await stopped.wait(listenBackoff.next());
      }
    }
  }

  async function cleanup(): Promise<void> {
    if (epochMs() - lastCleanup < cleanupIntervalMs) return;
    lastCleanup = epochMs();
    const deleted = await deletePublishedBefore(sql, new Date(epochMs() - retentionMs));
    if (deleted > 0) log.info({ deleted }, 'deleted published outbox rows past retention');
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      wake.clear();
      try {
        await cleanup();
        const abandoned = new Promise<never>((_, reject) => (abandonStep = reject));
        abandoned.catch(() => {}); // raced by each publish; nobody else waits on it
        progressAt = Number.POSITIVE_INFINITY; // publishing has not started
        const result = await withDeadline(
          relayBatch({ ...batch, abandoned, onProgress: () => (progressAt = epochMs()) }),
          stepTimeoutMs,
        ).finally(() => (abandonStep = undefined));
        stats.batches += 1;
        if (result.status === 'done') {
          stats.published += result.published;
          stats.duplicates += result.duplicates;
        }
        progress.fire();
        if (result.status === 'done' && result.error !== undefined) throw result.error;
        healthy = true;
        backoff.reset();
        // A full window means more rows are probably waiting.
        if (result.status === 'done' && result.selected === batch.batchSize) continue;
        await wake.wait(pollIntervalMs);
      } catch (error) {
        healthy = false;
        const delay = backoff.next();
        log.warn({ err: errorMessage(error), retryInMs: delay }, 'outbox relay step failed; retrying');
        progress.fire();
        await wake.wait(delay);
      }
    }
  }

  /** One last step at stop, bounded: an outage at shutdown must not hold the process. */
  async function flush(flushMs: number): Promise<void> {
    if (!healthy) return;
    try {
      const result = await withDeadline(relayBatch(batch), flushMs);
      if (result.status === 'done') {
        stats.published += result.published;
        stats.duplicates += result.duplicates;
        if (result.published > 0)
          log.info({ published: result.published }, 'published the last events before stopping');
      }
    } catch (error) {
      log.warn({ err: errorMessage(error) }, 'could not publish the last events; they go at next start');
    }
  }

  // A stream that lost its leader refuses or drops publishes until a follower wins the election
  // (4–9 s on nats-server); its new leader announces itself. Publishes of the step in flight
  // that have waited longer than an ack takes went to the old leader or to none: they are given
  // up now rather than at their timeout, and a relay waiting out its backoff tries again at
  // once. Any stream's election does it: a spare step is cheap (repeats are dropped by message
  // id), elections are rare. Where permissions deny the advisories, the timers remain.
  const elections = options.nats.subscribe('$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.*', {
    callback: (error) => {
      if (error) {
        log.warn({ err: errorMessage(error) }, 'no leader advisories; retrying on timers alone');
        return;
      }
      const stuck = abandonStep !== undefined && epochMs() - progressAt > STUCK_PUBLISH_MS;
      if (stuck) abandonStep!(new Error('a stream elected a new leader: unanswered publishes given up'));
      if (stuck || !healthy) {
        backoff.reset();
        wake.fire();
      }
    },
  });

  void listen();
  const running = loop();

  return {
    async stop({ flushMs = 5000 } = {}) {
      stopping = true;
      elections.unsubscribe();
      wake.fire();
      stopped.fire();
      await running;
      await flush(flushMs);
      await unlisten?.();
    },
    async drained({ timeoutMs = 20_000 } = {}) {
      const deadline = epochMs() + timeoutMs;
      for (;;) {
        const left = await countUnpublished(sql).catch((error: unknown) => {
          if (isTransientDbError(error)) return -1; // the relay is riding out the same outage
          throw error;
        });
        if (left === 0) return;
        if (epochMs() > deadline)
          throw new Error(
            `outbox not drained after ${timeoutMs} ms: ${left < 0 ? 'database unreachable' : `${left} rows unpublished`}`,
          );
        await progress.wait(200);
      }
    },
    stats: () => ({ ...stats }),
  };
}
