import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import fs from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  connectNats,
  ensureStreams,
  followTokenRevocations,
  registerEventMetrics,
  startOutboxRelay,
} from '@ates/events';
import {
  applyMigrations,
  connectDatabase,
  createMetrics,
  once,
  startGraphQLService,
  systemClock,
  TokenSigner,
  TokenVerifier,
  type Clock,
  type Logger,
  type OperationLimits,
  pingDatabase,
} from '@ates/service-kit';
import * as tables from './db/tables.ts';
import { makeContextFactory, type Context } from './context.ts';
import { resolvers } from './resolvers/index.ts';
import { seedAdmin, type AdminSeed } from './use-cases/seed-admin.ts';
import type { UsersDeps } from './use-cases/deps.ts';
import { DEFAULT_THROTTLE, type ThrottlePolicy } from './domain/login-throttle.ts';

const packageDir = path.resolve(import.meta.dirname, '..');
export const typeDefs = parse(fs.readFileSync(path.join(packageDir, 'schema.graphql'), 'utf8'));
export const migrationsFolder = path.join(packageDir, 'drizzle');

export interface UsersServiceConfig {
  host: string;
  port: number;
  databaseUrl: string;
  natsUrl: string;
  natsNamespace?: string;
  /** Copies of each JetStream stream (`ATES_NATS_STREAM_REPLICAS`); default 1. */
  streamReplicas?: number;
  privateKeyPem: string;
  publicKeyPem: string;
  tokenTtlSeconds: number;
  /** How long an unused refresh token lives (default 7 days). */
  refreshTtlSeconds?: number;
  passwordCost: number;
  adminSeed?: AdminSeed;
  introspection: boolean;
  maxBodyBytes: number;
  /** Operation limits on HTTP and graphql-ws (default DEFAULT_OPERATION_LIMITS). */
  limits?: OperationLimits;
  logger: Logger;
  clock?: Clock;
  /** Log-in throttling; unset fields take DEFAULT_THROTTLE's. */
  throttle?: Partial<ThrottlePolicy>;
  /** Verifies the client address the gateway signs (ATES_INTERNAL_SECRET). */
  internalSecret?: string;
}

export interface UsersService {
  url: string;
  deps: UsersDeps;
  /** Resolves when every event written so far is published (tests). */
  outboxDrained(): Promise<void>;
  stop(): Promise<void>;
}

/** Wires the users subgraph: migrations, seed admin, GraphQL over HTTP. */
export async function startUsersService(config: UsersServiceConfig): Promise<UsersService> {
  const { logger } = config;
  await applyMigrations(config.databaseUrl, migrationsFolder);
  const database = connectDatabase(config.databaseUrl, tables, { applicationName: 'ates-users' });
  const nats = await connectNats(config.natsUrl, { name: 'ates-users' });
  await ensureStreams(await jetstreamManager(nats), config.natsNamespace, {
    replicas: config.streamReplicas,
  });
  const relay = startOutboxRelay({ sql: database.sql, nats, namespace: config.natsNamespace, logger });
  const metrics = createMetrics('users', { logger });
  const attempts = metrics.counter({
    name: 'ates_login_attempts_total',
    help: 'Log-in attempts by outcome: success, failure (wrong login or password), rate_limited (not evaluated)',
    labelNames: ['outcome'],
  });
  const lockouts = metrics.counter({
    name: 'ates_login_lockouts_total',
    help: 'Throttle counters closed by a failed log-in, by scope: login_address, address, login (delay)',
    labelNames: ['scope'],
  });
  const refreshReuses = metrics.counter({
    name: 'ates_refresh_token_reuse_total',
    help: 'Rotated refresh tokens presented again (each revoked its session)',
  });
  const deps: UsersDeps = {
    db: database.db,
    clock: config.clock ?? systemClock,
    signer: await TokenSigner.fromPem(config.privateKeyPem, config.tokenTtlSeconds),
    logger,
    passwordCost: config.passwordCost,
    newId: randomUUID,
    newSecret: () => randomBytes(32).toString('base64url'),
    refreshTtlSeconds: config.refreshTtlSeconds ?? 7 * 24 * 3600,
    throttle: { ...DEFAULT_THROTTLE, ...config.throttle },
    audit: {
      attempt: (outcome) => attempts({ outcome }),
      lockout: (scope) => lockouts({ scope }),
      refreshReused: () => refreshReuses(),
    },
  };
  if (config.adminSeed && (await seedAdmin(deps, config.adminSeed))) {
    logger.info({ login: config.adminSeed.login }, 'seeded the first admin');
  }
  registerEventMetrics(metrics, { outbox: database.sql });
  const verifier = await TokenVerifier.fromPem(config.publicKeyPem);
  const revocations = followTokenRevocations({
    nats,
    namespace: config.natsNamespace,
    sink: verifier,
    logger,
  });
  const graphql = await startGraphQLService<Context>({
    port: config.port,
    host: config.host,
    logger,
    schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
    introspection: config.introspection,
    maxBodyBytes: config.maxBodyBytes,
    limits: config.limits,
    metrics,
    context: makeContextFactory(deps, verifier, config.internalSecret),
    readiness: {
      database: () => pingDatabase(database.sql),
      nats: async () => void (await nats.flush()),
    },
  });
  logger.info({ url: graphql.url }, 'users subgraph ready');
  return {
    url: graphql.url,
    deps,
    outboxDrained: () => relay.drained(),
    stop: once(async () => {
      await graphql.stop();
      await relay.stop();
      await revocations.stop();
      await nats.drain();
      await database.close();
    }),
  };
}
export type { ThrottlePolicy } from './domain/login-throttle.ts';
