import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  applyMigrations,
  connectDatabase,
  createMetrics,
  once,
  pingDatabase,
  registerLiveMetrics,
  startGraphQLService,
  TokenVerifier,
  type Database,
  type GraphQLService,
  type GraphQLServiceOptions,
  type Logger,
  type OperationLimits,
  type ServiceMetrics,
} from '@ates/service-kit';
import { startConsumer, type ConsumerOptions, type RunningConsumer } from './consumer/consumer.ts';
import { followTokenRevocations } from './live/token-revocations.ts';
import { registerEventMetrics, type EventMetricsOptions } from './metrics.ts';
import { connectNats } from './nats/connect.ts';
import { ensureStreams } from './nats/streams.ts';
import { startOutboxRelay, type OutboxRelay } from './outbox/relay.ts';

/** What every subgraph is configured with (its `main.ts` reads them from its env). */
export interface SubgraphSettings {
  host: string;
  port: number;
  databaseUrl: string;
  natsUrl: string;
  natsNamespace?: string;
  /** Copies of each JetStream stream (`ATES_NATS_STREAM_REPLICAS`); default 1. */
  streamReplicas?: number;
  publicKeyPem: string;
  introspection: boolean;
  maxBodyBytes: number;
  /** Operation limits on HTTP and graphql-ws (default DEFAULT_OPERATION_LIMITS). */
  limits?: OperationLimits;
  logger: Logger;
}

/** What the shared wiring has opened for a subgraph's own `setup`. */
export interface SubgraphRuntime<Tables extends Record<string, unknown>> {
  database: Database<Tables>;
  nats: NatsConnection;
  namespace: string | undefined;
  jsm: JetStreamManager;
  metrics: ServiceMetrics;
  verifier: TokenVerifier;
  logger: Logger;
  /** A durable consumer on this service's database and NATS, stopped with it. */
  consume<T extends Record<string, unknown>>(
    options: Omit<ConsumerOptions<T>, 'nats' | 'namespace' | 'logger' | 'db'>,
  ): Promise<RunningConsumer>;
  /** Consumers started otherwise (a projection's), for the metrics; stop them in `onStop`. */
  adopt(consumers: RunningConsumer[]): void;
  /** Runs after HTTP has drained, before the consumers stop (live feeds, extra pools). */
  onStop(close: () => Promise<void> | void): void;
}

/** What a subgraph declares: its schema, how a request becomes its context, what it adds. */
export interface SubgraphServing<Ctx extends object> {
  schema: GraphQLServiceOptions<Ctx>['schema'];
  context: GraphQLServiceOptions<Ctx>['context'];
  subscriptions?: GraphQLServiceOptions<Ctx>['subscriptions'];
  /** Readiness checks beyond its database and NATS. */
  readiness?: Record<string, () => Promise<void>>;
  /** Gauges of live subscriptions (`listeners`…); `sockets` is added. */
  live?: () => Record<string, number>;
  /** Event metrics beyond outbox, dead letters and consumers (e.g. stream horizons). */
  eventMetrics?: Pick<EventMetricsOptions, 'streams'>;
}

export interface SubgraphDefinition<Tables extends Record<string, unknown>, Ctx extends object> {
  /** `tasks`: the metrics' service label, `ates-tasks` the database and NATS client name. */
  name: string;
  settings: SubgraphSettings;
  tables: Tables;
  migrationsFolder: string;
  /** Whether it produces events (an outbox relay runs). */
  producesEvents: boolean;
  setup(runtime: SubgraphRuntime<Tables>): Promise<SubgraphServing<Ctx>>;
}

export interface RunningSubgraph<Tables extends Record<string, unknown>> {
  url: string;
  runtime: SubgraphRuntime<Tables>;
  graphql: GraphQLService;
  /** Live gauges as `live()` reports them, with the open sockets. */
  liveStats(): Record<string, number>;
  /** Resolves when every consumer has applied what was published so far (tests). */
  caughtUp(): Promise<void>;
  /** Resolves when every event written so far is published (tests). */
  outboxDrained(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The start-up every subgraph shares, written once: migrations, its database, NATS and its
 * streams, the outbox relay, consumers, token revocations, metrics, Apollo with graphql-ws and health on the one
 * HTTP server, and the shutdown in reverse (HTTP drains first, the database closes last).
 * It lives here rather than in service-kit because it wires this package's relay and consumers.
 */
export async function startSubgraph<Tables extends Record<string, unknown>, Ctx extends object>(
  definition: SubgraphDefinition<Tables, Ctx>,
): Promise<RunningSubgraph<Tables>> {
  const { settings, name } = definition;
  const { logger } = settings;
  await applyMigrations(settings.databaseUrl, definition.migrationsFolder);
  const database = connectDatabase(settings.databaseUrl, definition.tables, {
    applicationName: `ates-${name}`,
  });
  const nats = await connectNats(settings.natsUrl, { name: `ates-${name}` });
  const namespace = settings.natsNamespace;
  const jsm = await jetstreamManager(nats);
  await ensureStreams(jsm, namespace, { replicas: settings.streamReplicas });
  const relay: OutboxRelay | undefined = definition.producesEvents
    ? startOutboxRelay({ sql: database.sql, nats, namespace, logger })
    : undefined;
  const metrics = createMetrics(name, { logger });
  const verifier = await TokenVerifier.fromPem(settings.publicKeyPem);
  // A revoked token is refused here too, not only where it was issued.
  const revocations = followTokenRevocations({ nats, namespace, sink: verifier, logger });
  const consumers: RunningConsumer[] = [];
  const owned: RunningConsumer[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  const runtime: SubgraphRuntime<Tables> = {
    database,
    nats,
    namespace,
    jsm,
    metrics,
    verifier,
    logger,
    consume: async (options) => {
      const consumer = await startConsumer({
        ...options,
        nats,
        namespace,
        logger,
        db: database.db,
      } as ConsumerOptions<Record<string, unknown>>);
      consumers.push(consumer);
      owned.push(consumer);
      return consumer;
    },
    adopt: (started) => void consumers.push(...started),
    onStop: (close) => void closers.push(close),
  };
  const serving = await definition.setup(runtime);
  registerEventMetrics(metrics, {
    ...(relay ? { outbox: database.sql } : {}),
    ...(consumers.length > 0 ? { deadLetters: database.sql, consumers } : {}),
    ...serving.eventMetrics,
  });
  const graphql = await startGraphQLService<Ctx>({
    host: settings.host,
    port: settings.port,
    logger,
    schema: serving.schema,
    introspection: settings.introspection,
    maxBodyBytes: settings.maxBodyBytes,
    limits: settings.limits,
    metrics,
    context: serving.context,
    readiness: {
      database: () => pingDatabase(database.sql),
      nats: async () => void (await nats.flush()),
      ...serving.readiness,
    },
    ...(serving.subscriptions ? { subscriptions: serving.subscriptions } : {}),
  });
  const liveStats = () => ({ ...serving.live?.(), sockets: graphql.sockets() });
  if (serving.subscriptions) registerLiveMetrics(metrics, liveStats);
  logger.info({ url: graphql.url }, `${name} subgraph ready`);
  return {
    url: graphql.url,
    runtime,
    graphql,
    liveStats,
    caughtUp: async () => {
      for (const consumer of consumers) await consumer.caughtUp();
    },
    outboxDrained: () => relay?.drained() ?? Promise.resolve(),
    stop: once(async () => {
      await graphql.stop();
      for (const close of closers) await close();
      for (const consumer of owned) await consumer.stop();
      await relay?.stop();
      await revocations.stop();
      await nats.drain();
      await database.close();
    }),
  };
}
