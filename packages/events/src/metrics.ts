import type { JetStreamManager } from '@nats-io/jetstream';
import type { Sql } from 'postgres';
import { memoizeFor, type Sample, type ServiceMetrics, epochMs } from '@ates/service-kit';
import type { RunningConsumer } from './consumer/consumer.ts';
import { countUnpublished } from './outbox/maintenance.ts';
import type { DeadLetterStatus } from './tables.ts';

export interface EventMetricsOptions {
  /** The service's database when it has an outbox: `ates_outbox_backlog`. */
  outbox?: Sql;
  /** The service's database when it consumes: `ates_dead_letters`. */
  deadLetters?: Sql;
  /** Its durable consumers: `ates_consumer_lag_messages`, `ates_consumer_ack_pending_messages`. */
  consumers?: readonly RunningConsumer[];
  /** Streams to report (`ates_stream_bytes`, `_messages`, `ates_stream_oldest_event_age_seconds`). */
  streams?: { jsm: JetStreamManager; names: readonly string[] };
  /** A consumer's lag costs a JetStream round trip each: reused for this long. Default 2 s. */
  lagCacheMs?: number;
  /** The consumers' clock (tests). Default the system clock. */
  now?: () => number;
}

/** The backlog is counted up to this many rows, so a scrape stays cheap during an outage. */
export const OUTBOX_BACKLOG_LIMIT = 100_000;

const DEAD_LETTER_STATUSES: DeadLetterStatus[] = ['dead', 'replayed'];

/**
 * The event pipeline's health, read on scrape: outbox rows waiting for JetStream, what each
 * durable consumer has not applied yet, and dead letters by consumer and status. All three are
 * 0 on a healthy, idle system (dead letters: 0 in status `dead`).
 */
export function registerEventMetrics(metrics: ServiceMetrics, options: EventMetricsOptions): void {
  const { outbox, deadLetters, consumers = [], now = epochMs, streams } = options;
  if (streams) registerStreamMetrics(metrics, streams, options.lagCacheMs ?? 2000, now);
  if (outbox) {
    metrics.scrapedGauge({
      name: 'ates_outbox_backlog',
      help: `Outbox rows not yet acknowledged by JetStream (counted up to ${OUTBOX_BACKLOG_LIMIT})`,
      collect: async () => [{ value: await countUnpublished(outbox, OUTBOX_BACKLOG_LIMIT) }],
    });
  }
  if (consumers.length > 0) {
    const lags = memoizeFor(options.lagCacheMs ?? 2000, () =>
      Promise.all(
        consumers.map(async (c) => ({ labels: { consumer: c.name, stream: c.stream }, ...(await c.lag()) })),
      ),
    );
    metrics.scrapedGauge({
      name: 'ates_consumer_lag_messages',
      help: 'Messages of a durable consumer not applied yet: JetStream num_pending + num_ack_pending',
      labelNames: ['consumer', 'stream'],
      collect: async () =>
        (await lags()).map(({ labels, pending, ackPending }) => ({ labels, value: pending + ackPending })),
    });
    metrics.scrapedGauge({
      name: 'ates_consumer_last_delivery_age_seconds',
      help: 'Seconds since this process last received a message of the durable consumer (since start before the first): with lag > 0, a stall',
      labelNames: ['consumer', 'stream'],
      collect: () =>
        consumers.map((c) => ({
          labels: { consumer: c.name, stream: c.stream },
          value: Math.max(0, (now() - c.lastDeliveryAt()) / 1000),
        })),
    });
    metrics.scrapedGauge({
      name: 'ates_consumer_ack_pending_messages',
      help: 'Messages delivered to a durable consumer and not acknowledged yet (in flight or awaiting redelivery)',
      labelNames: ['consumer', 'stream'],
      collect: async () => (await lags()).map(({ labels, ackPending }) => ({ labels, value: ackPending })),
    });
  }
  if (deadLetters) {
    metrics.scrapedGauge({
      name: 'ates_dead_letters',
      help: 'Dead letters by consumer and status (dead: waiting for an operator; replayed: sent again)',
      labelNames: ['consumer', 'status'],
      collect: async () => {
        const rows = await deadLetters<{ consumer: string; status: string; n: number }[]>`
          select consumer, status, count(*)::int as n from dead_letters group by consumer, status`;
        // Every known consumer reports 0 rather than nothing, so an alert on `dead > 0` sees it.
        const counts = new Map<string, Sample>();
        for (const c of consumers)
          for (const status of DEAD_LETTER_STATUSES)
            counts.set(`${c.name}\0${status}`, { labels: { consumer: c.name, status }, value: 0 });
        for (const r of rows)
          counts.set(`${r.consumer}\0${r.status}`, {
            labels: { consumer: r.consumer, status: r.status },
            value: r.n,
          });
        return [...counts.values()];
      },
    });
  }
}

/** What each stream holds against its limits: how close the horizon is (docs/operations.md). */
function registerStreamMetrics(
  metrics: ServiceMetrics,
  { jsm, names }: { jsm: JetStreamManager; names: readonly string[] },
  cacheMs: number,
  now: () => number,
): void {
  const states = memoizeFor(cacheMs, () =>
    Promise.all(names.map(async (stream) => ({ stream, state: (await jsm.streams.info(stream)).state }))),
  );
  metrics.scrapedGauge({
    name: 'ates_stream_bytes',
    help: 'Bytes a JetStream stream holds (bounded by its max_bytes)',
    labelNames: ['stream'],
    collect: async () =>
      (await states()).map(({ stream, state }) => ({ labels: { stream }, value: state.bytes })),
  });
  metrics.scrapedGauge({
    name: 'ates_stream_messages',
    help: 'Messages a JetStream stream holds',
    labelNames: ['stream'],
    collect: async () =>
      (await states()).map(({ stream, state }) => ({ labels: { stream }, value: state.messages })),
  });
  metrics.scrapedGauge({
    name: 'ates_stream_oldest_event_age_seconds',
    help: 'Age of the oldest event a stream still holds: how far a replay or rebuild reaches back (0 when empty)',
    labelNames: ['stream'],
    collect: async () =>
      (await states()).map(({ stream, state }) => ({
        labels: { stream },
        value: state.messages === 0 ? 0 : Math.max(0, (now() - Date.parse(state.first_ts)) / 1000),
      })),
  });
}
