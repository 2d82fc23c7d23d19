import fs from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  connectNats,
  ensureStreams,
  followTokenRevocations,
  LiveFeed,
  registerEventMetrics,
} from '@ates/events';
import {
  applyMigrations,
  connectDatabase,
  createMetrics,
  once,
  registerLiveMetrics,
  startGraphQLService,
  systemClock,
  TokenVerifier,
  type Clock,
  type Logger,
  type OperationLimits,
  pingDatabase,
} from '@ates/service-kit';
import * as tables from './db/tables.ts';
import { makeContext, makeContextFactory, type Context } from './context.ts';
import { startProjection } from './events/start-projection.ts';
import { resolvers } from './resolvers/index.ts';
import { TodayBroadcast } from './resolvers/today-broadcast.ts';
import type { AnalyticsDeps } from './use-cases/deps.ts';

const packageDir = path.resolve(import.meta.dirname, '..');
export const typeDefs = parse(fs.readFileSync(path.join(packageDir, 'schema.graphql'), 'utf8'));
export const migrationsFolder = path.join(packageDir, 'drizzle');

export { CONSUMERS } from './events/projections.ts';
export { rebuildReadModel, type RebuildOptions, type RebuildProgress } from './rebuild/rebuild.ts';

export interface AnalyticsServiceConfig {
  host: string;
  port: number;
  /** The primary: migrations and the projection. */
  databaseUrl: string;
  /** Optional read replica for queries (and for seeing what the projection applied). */
  readDatabaseUrl?: string;
  natsUrl: string;
  natsNamespace?: string;
  /** Copies of each JetStream stream (`ATES_NATS_STREAM_REPLICAS`); default 1. */
  streamReplicas?: number;
  publicKeyPem: string;
  /** IANA time zone of the company's days, weeks and months. */
  timeZone: string;
  introspection: boolean;
  maxBodyBytes: number;
  /** Operation limits on HTTP and graphql-ws (default DEFAULT_OPERATION_LIMITS). */
  limits?: OperationLimits;
  logger: Logger;
  clock?: Clock;
}

export interface AnalyticsService {
  url: string;
  deps: AnalyticsDeps;
  /** Resolves when the task and accounting events published so far are applied (tests). */
  caughtUp(): Promise<void>;
  /** `analyticsToday` subscribers and open sockets (tests assert that unsubscribing releases them). */
  liveStats(): { listeners: number; subscribers: number; sockets: number };
  stop(): Promise<void>;
}

/** Wires analytics: migrations, the projection of task and accounting events, GraphQL over HTTP and graphql-ws. */
export async function startAnalyticsService(config: AnalyticsServiceConfig): Promise<AnalyticsService> {
  const { logger } = config;
  await applyMigrations(config.databaseUrl, migrationsFolder);
  const database = connectDatabase(config.databaseUrl, tables, { applicationName: 'ates-analytics' });
  const replica = config.readDatabaseUrl
    ? connectDatabase(config.readDatabaseUrl, tables, { applicationName: 'ates-analytics-read' })
    : null;
  const nats = await connectNats(config.natsUrl, { name: 'ates-analytics' });
  const namespace = config.natsNamespace;
  await ensureStreams(await jetstreamManager(nats), namespace, { replicas: config.streamReplicas });
  const deps: AnalyticsDeps = {
    db: database.db,
    readDb: replica?.db ?? database.db,
    clock: config.clock ?? systemClock,
    timeZone: config.timeZone,
    logger,
  };
  const projection = await startProjection({
    nats,
    namespace,
    db: database.db,
    timeZone: config.timeZone,
    logger,
  });
  const metrics = createMetrics('analytics', { logger });
  registerEventMetrics(metrics, { deadLetters: database.sql, consumers: projection.consumers });
  const verifier = await TokenVerifier.fromPem(config.publicKeyPem);
  const revocations = followTokenRevocations({ nats, namespace, sink: verifier, logger });
  const feed = new LiveFeed(nats, namespace, logger);
  const today = new TodayBroadcast(feed, deps);
  const schema = buildSubgraphSchema([{ typeDefs, resolvers }]);
  const graphql = await startGraphQLService<Context>({
    port: config.port,
    host: config.host,
    logger,
    schema,
    introspection: config.introspection,
    maxBodyBytes: config.maxBodyBytes,
    limits: config.limits,
    metrics,
    context: makeContextFactory(deps, today, verifier),
    readiness: {
      database: () => pingDatabase(database.sql),
      ...(replica ? { replica: () => pingDatabase(replica.sql) } : {}),
      nats: async () => void (await nats.flush()),
    },
    subscriptions: { verifier, context: (viewer) => makeContext(deps, today, viewer) },
  });
  const liveStats = () => ({
    listeners: feed.listenerCount(),
    subscribers: today.size,
    sockets: graphql.sockets(),
  });
  registerLiveMetrics(metrics, liveStats);
  logger.info(
    { url: graphql.url, timeZone: config.timeZone, readReplica: Boolean(replica) },
    'analytics subgraph ready',
  );
  return {
    url: graphql.url,
    deps,
    caughtUp: () => projection.caughtUp(),
    liveStats,
    stop: once(async () => {
      await graphql.stop();
      today.close();
      feed.close();
      await projection.stop();
      await revocations.stop();
      await nats.drain();
      await replica?.close();
      await database.close();
    }),
  };
}
