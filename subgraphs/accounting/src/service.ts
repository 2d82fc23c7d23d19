import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  connectNats,
  DOMAINS,
  ensureStreams,
  LiveFeed,
  registerEventMetrics,
  startConsumer,
  startOutboxRelay,
  streamName,
  followTokenRevocations,
} from '@ates/events';
import {
  applyMigrations,
  connectDatabase,
  createMetrics,
  cryptoRandom,
  registerLiveMetrics,
  startGraphQLService,
  once,
  systemClock,
  TokenVerifier,
  type Clock,
  type Logger,
  type RandomSource,
  type OperationLimits,
  pingDatabase,
} from '@ates/service-kit';
import * as tables from './db/tables.ts';
import { migrationsFolder } from './migrations.ts';
import { makeContext, makeContextFactory, type Context } from './context.ts';
import { openAccountsWhenUsersAppear } from './events/open-accounts-when-users-appear.ts';
import { tasksConsumerSettings } from './events/task-reactions.ts';
import { registerPayoutMetrics } from './metrics.ts';
import { resolvers } from './resolvers/index.ts';
import type { AccountingDeps } from './use-cases/deps.ts';

const packageDir = path.resolve(import.meta.dirname, '..');
export const typeDefs = parse(fs.readFileSync(path.join(packageDir, 'schema.graphql'), 'utf8'));
export { migrationsFolder };

/** Durable consumer names: also the inbox and dead-letter keys. */
export const CONSUMERS = { tasks: 'accounting-tasks', users: 'accounting-users' } as const;

export interface AccountingServiceConfig {
  host: string;
  port: number;
  databaseUrl: string;
  natsUrl: string;
  natsNamespace?: string;
  /** Copies of each JetStream stream (`ATES_NATS_STREAM_REPLICAS`); default 1. */
  streamReplicas?: number;
  publicKeyPem: string;
  /** IANA time zone of the company's business days. */
  timeZone: string;
  /** The company's first business day (`ATES_COMPANY_FIRST_DAY`). */
  firstDay?: string;
  introspection: boolean;
  maxBodyBytes: number;
  /** Operation limits on HTTP and graphql-ws (default DEFAULT_OPERATION_LIMITS). */
  limits?: OperationLimits;
  logger: Logger;
  clock?: Clock;
  /** Draws task prices. */
  random?: RandomSource;
  /** Lanes of the task-events consumer (`ACCOUNTING_TASK_LANES`); default DEFAULT_TASK_LANES. */
  taskLanes?: number;
}

export interface AccountingService {
  url: string;
  deps: AccountingDeps;
  /** Resolves when the task and user events published so far are applied (tests). */
  caughtUp(): Promise<void>;
  /** Resolves when every event written so far is published (tests). */
  outboxDrained(): Promise<void>;
  /** Live-feed listeners and open sockets (tests assert that unsubscribing releases them). */
  liveStats(): { listeners: number; sockets: number };
  stop(): Promise<void>;
}

/** Wires accounting: migrations, task and user events in, accounting events out, GraphQL over HTTP. */
export async function startAccountingService(config: AccountingServiceConfig): Promise<AccountingService> {
  const { logger } = config;
  await applyMigrations(config.databaseUrl, migrationsFolder);
  const database = connectDatabase(config.databaseUrl, tables, { applicationName: 'ates-accounting' });
  const nats = await connectNats(config.natsUrl, { name: 'ates-accounting' });
  const namespace = config.natsNamespace;
  const jsm = await jetstreamManager(nats);
  await ensureStreams(jsm, namespace, { replicas: config.streamReplicas });
  const deps: AccountingDeps = {
    db: database.db,
    sql: database.sql,
    clock: config.clock ?? systemClock,
    random: config.random ?? cryptoRandom,
    timeZone: config.timeZone,
    ...(config.firstDay ? { firstDay: config.firstDay } : {}),
    logger,
    newId: randomUUID,
  };
  const relay = startOutboxRelay({ sql: database.sql, nats, namespace, logger });
  // Lanes by account, batches applied with set-based SQL (see tasksConsumerSettings).
  const tasksConsumer = await startConsumer({
    nats,
    namespace,
    name: CONSUMERS.tasks,
    domain: 'tasks',
    db: database.db,
    ...tasksConsumerSettings(deps, config.taskLanes),
    logger,
  });
  const usersConsumer = await startConsumer({
    nats,
    namespace,
    name: CONSUMERS.users,
    domain: 'users',
    db: database.db,
    handlers: openAccountsWhenUsersAppear(deps),
    logger,
  });
  const metrics = createMetrics('accounting', { logger });
  registerEventMetrics(metrics, {
    outbox: database.sql,
    deadLetters: database.sql,
    consumers: [tasksConsumer, usersConsumer],
    // Accounting runs once per system and replays from the streams after a restore: it reports
    // every stream's horizon.
    streams: { jsm, names: DOMAINS.map((d) => streamName(namespace, d)) },
  });
  registerPayoutMetrics(metrics, database.sql);
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
  logger.info({ url: graphql.url, timeZone: config.timeZone }, 'accounting subgraph ready');
  return {
    url: graphql.url,
    deps,
    caughtUp: async () => {
      await usersConsumer.caughtUp();
      await tasksConsumer.caughtUp();
    },
    outboxDrained: () => relay.drained(),
    liveStats,
    stop: once(async () => {
      await graphql.stop();
      feed.close();
      await tasksConsumer.stop();
      await usersConsumer.stop();
      await relay.stop();
      await revocations.stop();
      await nats.drain();
      await database.close();
    }),
  };
}
