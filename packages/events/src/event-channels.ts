import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Database, Logger, ServiceMetrics } from '@ates/service-kit';
import { startConsumer, type ConsumerOptions, type RunningConsumer } from './consumer/consumer.ts';
import { registerEventMetrics } from './metrics.ts';
import { connectNats } from './nats/connect.ts';
import { ensureStreams } from './nats/streams.ts';
import { startOutboxRelay } from './outbox/relay.ts';

/** Where a service's events go and come from. */
export interface EventChannelSettings {
  natsUrl: string;
  natsNamespace?: string;
  /** Copies of each JetStream stream (`ATES_NATS_STREAM_REPLICAS`); default 1. */
  streamReplicas?: number;
}

/** What the channels hook into: a worker's runtime (`startWorker`) or a subgraph's. */
export interface EventChannelsHost<Tables extends Record<string, unknown>> {
  processName: string;
  database: Database<Tables>;
  metrics: ServiceMetrics;
  logger: Logger;
  readiness(name: string, check: () => Promise<void>): void;
  onStop(close: () => Promise<void>): void;
}

export type ConsumeOptions<Tables extends Record<string, unknown>> = Omit<
  ConsumerOptions<Tables>,
  'nats' | 'namespace' | 'logger' | 'db'
>;

export interface EventChannels<Tables extends Record<string, unknown>> {
  nats: NatsConnection;
  namespace: string | undefined;
  jsm: JetStreamManager;
  /** A durable consumer on the service's database and NATS, stopped with it. */
  consume(options: ConsumeOptions<Tables>): Promise<RunningConsumer>;
  /** Consumers started otherwise (a projection's), for the metrics; their owner stops them. */
  adopt(consumers: readonly RunningConsumer[]): void;
  /** Resolves when every consumer has applied what was published so far (tests). */
  caughtUp(): Promise<void>;
  /** Resolves when every event written so far is published (tests). */
  outboxDrained(): Promise<void>;
}

/**
 * NATS and the service's streams, its outbox relay when it produces, its consumers, their
 * metrics (registered once the first consumer exists) and a `nats` readiness check; on stop,
 * the consumers, then the relay, then NATS drains.
 */
export async function openEventChannels<Tables extends Record<string, unknown>>(
  host: EventChannelsHost<Tables>,
  settings: EventChannelSettings,
  options: { produces: boolean },
): Promise<EventChannels<Tables>> {
  const { database, logger, metrics } = host;
  const nats = await connectNats(settings.natsUrl, { name: host.processName });
  const namespace = settings.natsNamespace;
  const jsm = await jetstreamManager(nats);
  await ensureStreams(jsm, namespace, { replicas: settings.streamReplicas });
  const relay = options.produces
    ? startOutboxRelay({ sql: database.sql, nats, namespace, logger })
    : undefined;
  if (relay) registerEventMetrics(metrics, { outbox: database.sql });
  const consumers: RunningConsumer[] = [];
  const owned: RunningConsumer[] = [];
  const track = (started: readonly RunningConsumer[]) => {
    const first = consumers.length === 0 && started.length > 0;
    consumers.push(...started);
    if (first) registerEventMetrics(metrics, { deadLetters: database.sql, consumers });
  };
  host.readiness('nats', async () => void (await nats.flush()));
  host.onStop(async () => {
    for (const consumer of owned) await consumer.stop();
    await relay?.stop();
    await nats.drain();
  });
  return {
    nats,
    namespace,
    jsm,
    consume: async (consumerOptions) => {
      const consumer = await startConsumer<Tables>({
        ...consumerOptions,
        nats,
        namespace,
        logger,
        db: database.db,
      });
      track([consumer]);
      owned.push(consumer);
      return consumer;
    },
    adopt: track,
    caughtUp: async () => {
      for (const consumer of consumers) await consumer.caughtUp();
    },
    outboxDrained: () => relay?.drained() ?? Promise.resolve(),
  };
}
