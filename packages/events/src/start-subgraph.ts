import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  applyMigrations,
  connectDatabase,
  servingPoolMax,
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
import type { RunningConsumer } from './consumer/consumer.ts';
import { openEventChannels, type ConsumeOptions, type EventChannelSettings } from './event-channels.ts';
import { LiveFeed } from './live/live-feed.ts';
import { followTokenRevocations } from './live/token-revocations.ts';
import { registerEventMetrics, type EventMetricsOptions } from './metrics.ts';

/** What every subgraph is configured with (its `main.ts` reads them from its env). */
export interface SubgraphSettings extends EventChannelSettings {
  host: string;
  port: number;
  databaseUrl: string;
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
  /** The serving side's reads: single statements, never a transaction (it could wait on itself). */
  reads: Database<Tables>;
  nats: NatsConnection;
  namespace: string | undefined;
  jsm: JetStreamManager;
  metrics: ServiceMetrics;
  verifier: TokenVerifier;
  logger: Logger;
  /** A durable consumer on this service's database and NATS, stopped with it. */
  consume(options: ConsumeOptions<Tables>): Promise<RunningConsumer>;
  /** Consumers started otherwise (a projection's), for the metrics; stop them in `onStop`. */
  adopt(consumers: readonly RunningConsumer[]): void;
  /** Runs after HTTP has drained, before the consumers stop (live feeds, extra pools). */
  onStop(close: () => Promise<void> | void): void;
  /** The service's one feed of live events (opened on first use, closed at stop; `listeners` in its live gauges). */
  liveFeed(): LiveFeed;
}

/** What a subgraph declares: its schema, how a request becomes its context, what it adds. */
export interface SubgraphServing<Ctx extends object, Handle = undefined> {
  schema: GraphQLServiceOptions<Ctx>['schema'];
  context: GraphQLServiceOptions<Ctx>['context'];
  subscriptions?: GraphQLServiceOptions<Ctx>['subscriptions'];
  /** Readiness checks beyond its database and NATS. */
  readiness?: Record<string, () => Promise<void>>;
  /** Gauges of live subscriptions (`listeners`…); `sockets` is added. */
  live?: () => Record<string, number>;
  /** Event metrics beyond outbox, dead letters and consumers (e.g. stream horizons). */
  eventMetrics?: Pick<EventMetricsOptions, 'streams'>;
  /** What the service hands its caller from what `setup` opened (deps, feeds, consumers). */
  handle: Handle;
}

/** Who a subgraph is: its name, its schema, and whether it produces events. */
export interface SubgraphIdentity<Tables extends Record<string, unknown>> {
  /** `tasks`: the metrics' service label, `ates-tasks` the database and NATS client name. */
  name: string;
  tables: Tables;
  migrationsFolder: string;
  /** Whether it produces events (an outbox relay runs). */
  producesEvents: boolean;
}

export interface RunningSubgraph<Tables extends Record<string, unknown>, Handle> {
  url: string;
  handle: Handle;
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
export async function startSubgraph<Tables extends Record<string, unknown>, Ctx extends object, Handle>(
  identity: SubgraphIdentity<Tables>,
  settings: SubgraphSettings,
  setup: (runtime: SubgraphRuntime<Tables>) => Promise<SubgraphServing<Ctx, Handle>>,
): Promise<RunningSubgraph<Tables, Handle>> {
  const { name } = identity;
  const { logger } = settings;
  await applyMigrations(settings.databaseUrl, identity.migrationsFolder);
  const processName = `ates-${name}`;
  const database = connectDatabase(settings.databaseUrl, identity.tables, { applicationName: processName });
  const reads = connectDatabase(settings.databaseUrl, identity.tables, {
    max: servingPoolMax(),
    applicationName: `${processName}-reads`,
  });
  const metrics = createMetrics(name, { logger });
  const readiness: Record<string, () => Promise<void>> = { database: () => pingDatabase(database.sql) };
  const closers: (() => Promise<void> | void)[] = [];
  const finals: (() => Promise<void>)[] = [];
  const channels = await openEventChannels(
    {
      processName,
      database,
      metrics,
      logger,
      readiness: (check, run) => void (readiness[check] = run),
      onStop: (close) => void finals.push(close),
    },
    settings,
    { produces: identity.producesEvents },
  );
  const { nats, namespace, jsm } = channels;
  const verifier = await TokenVerifier.fromPem(settings.publicKeyPem);
  // A revoked token is refused here too, not only where it was issued.
  const revocations = followTokenRevocations({ nats, namespace, sink: verifier, logger });
  let feed: LiveFeed | undefined;
  const runtime: SubgraphRuntime<Tables> = {
    database,
    reads,
    nats,
    namespace,
    jsm,
    metrics,
    verifier,
    logger,
    consume: channels.consume,
    adopt: channels.adopt,
    onStop: (close) => void closers.push(close),
    liveFeed: () => (feed ??= new LiveFeed(nats, namespace, logger)),
  };
  const serving = await setup(runtime);
  if (serving.eventMetrics) registerEventMetrics(metrics, serving.eventMetrics);
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
    readiness: { ...readiness, ...serving.readiness },
    ...(serving.subscriptions ? { subscriptions: serving.subscriptions } : {}),
  });
  const liveStats = () => ({
    ...(feed ? { listeners: feed.listenerCount() } : {}),
    ...serving.live?.(),
    sockets: graphql.sockets(),
  });
  if (serving.subscriptions) registerLiveMetrics(metrics, liveStats);
  logger.info({ url: graphql.url }, `${name} subgraph ready`);
  return {
    url: graphql.url,
    handle: serving.handle,
    runtime,
    graphql,
    liveStats,
    caughtUp: channels.caughtUp,
    outboxDrained: channels.outboxDrained,
    stop: once(async () => {
      await graphql.stop();
      for (const close of closers) await close();
      feed?.close();
      await revocations.stop();
      for (const close of finals) await close();
      await reads.close();
      await database.close();
    }),
  };
}
