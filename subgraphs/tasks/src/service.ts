import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  connectNats,
  ensureStreams,
  LiveFeed,
  registerEventMetrics,
  startConsumer,
  startOutboxRelay,
  followTokenRevocations,
} from '@ates/events';
import {
  applyMigrations,
  connectDatabase,
  createMetrics,
  cryptoRandom,
  once,
  registerLiveMetrics,
  startGraphQLService,
  systemClock,
  TokenVerifier,
  type Clock,
  type Logger,
  type RandomSource,
  type OperationLimits,
  pingDatabase,
} from '@ates/service-kit';
import * as tables from './db/tables.ts';
import { makeContext, makeContextFactory, type Context } from './context.ts';
import { keepPopugsWhenUsersChange } from './events/keep-popugs-when-users-change.ts';
import { resolvers } from './resolvers/index.ts';
import type { TasksDeps } from './use-cases/deps.ts';

const packageDir = path.resolve(import.meta.dirname, '..');
export const typeDefs = parse(fs.readFileSync(path.join(packageDir, 'schema.graphql'), 'utf8'));
export const migrationsFolder = path.join(packageDir, 'drizzle');

export interface TasksServiceConfig {
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
  clock?: Clock;
  random?: RandomSource;
}

export interface TasksService {
  url: string;
  deps: TasksDeps;
  /** Resolves when the users' events published so far are applied (tests). */
  usersCaughtUp(): Promise<void>;
  /** Live-feed listeners and open sockets (tests assert that unsubscribing releases them). */
  liveStats(): { listeners: number; sockets: number };
  /** Resolves when every event written so far is published (tests). */
  outboxDrained(): Promise<void>;
  stop(): Promise<void>;
}

/** Wires the task tracker: migrations, users' events in, task events out, GraphQL over HTTP. */
export async function startTasksService(config: TasksServiceConfig): Promise<TasksService> {
  const { logger } = config;
  await applyMigrations(config.databaseUrl, migrationsFolder);
  const database = connectDatabase(config.databaseUrl, tables, { applicationName: 'ates-tasks' });
  const nats = await connectNats(config.natsUrl, { name: 'ates-tasks' });
  const namespace = config.natsNamespace;
  await ensureStreams(await jetstreamManager(nats), namespace, { replicas: config.streamReplicas });
  const relay = startOutboxRelay({ sql: database.sql, nats, namespace, logger });
  const usersConsumer = await startConsumer({
    nats,
    namespace,
    name: 'tasks-popugs',
    domain: 'users',
    db: database.db,
    handlers: keepPopugsWhenUsersChange,
    logger,
  });
  const deps: TasksDeps = {
    db: database.db,
    sql: database.sql,
    clock: config.clock ?? systemClock,
    random: config.random ?? cryptoRandom,
    logger,
    newId: randomUUID,
  };
  const metrics = createMetrics('tasks', { logger });
  registerEventMetrics(metrics, {
    outbox: database.sql,
    deadLetters: database.sql,
    consumers: [usersConsumer],
  });
  const verifier = await TokenVerifier.fromPem(config.publicKeyPem);
  const revocations = followTokenRevocations({ nats, namespace, sink: verifier, logger });
  const feed = new LiveFeed(nats, namespace, logger);
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
    context: makeContextFactory(deps, feed, verifier),
    readiness: {
      database: () => pingDatabase(database.sql),
      nats: async () => void (await nats.flush()),
    },
    subscriptions: { verifier, context: (viewer) => makeContext(deps, feed, viewer) },
  });
  const liveStats = () => ({ listeners: feed.listenerCount(), sockets: graphql.sockets() });
  registerLiveMetrics(metrics, liveStats);
  logger.info({ url: graphql.url }, 'tasks subgraph ready');
  return {
    url: graphql.url,
    deps,
    usersCaughtUp: () => usersConsumer.caughtUp(),
    liveStats,
    outboxDrained: () => relay.drained(),
    stop: once(async () => {
      await graphql.stop();
      feed.close();
      await usersConsumer.stop();
      await relay.stop();
      await revocations.stop();
      await nats.drain();
      await database.close();
    }),
  };
}
