import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import fs from 'node:fs';
import { startSubgraph, type SubgraphSettings } from '@ates/events';
import { systemClock, TokenSigner, type Clock } from '@ates/service-kit';
import * as tables from './db/tables.ts';
import { makeContextFactory } from './context.ts';
import { resolvers } from './resolvers/index.ts';
import { seedAdmin, type AdminSeed } from './use-cases/seed-admin.ts';
import type { UsersDeps } from './use-cases/deps.ts';
import { DEFAULT_THROTTLE, type ThrottlePolicy } from './domain/login-throttle.ts';

const packageDir = path.resolve(import.meta.dirname, '..');
export const typeDefs = parse(fs.readFileSync(path.join(packageDir, 'schema.graphql'), 'utf8'));
export const migrationsFolder = path.join(packageDir, 'drizzle');

export interface UsersServiceConfig extends SubgraphSettings {
  privateKeyPem: string;
  tokenTtlSeconds: number;
  /** How long an unused refresh token lives (default 7 days). */
  refreshTtlSeconds?: number;
  passwordCost: number;
  adminSeed?: AdminSeed;
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

/** Its metrics label (`ates-users` its clients' name), its schema, and that it produces events. */
const USERS_SUBGRAPH = { name: 'users', tables, migrationsFolder, producesEvents: true };

/** The users subgraph: sign-up, log-in, roles; user events out, GraphQL over HTTP. */
export async function startUsersService(config: UsersServiceConfig): Promise<UsersService> {
  const subgraph = await startSubgraph(USERS_SUBGRAPH, config, async (runtime) => {
    const { database, reads, metrics, verifier, logger } = runtime;
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
      reads: reads.db,
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
    return {
      schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
      context: makeContextFactory(deps, verifier, config.internalSecret),
      handle: deps,
    };
  });
  return {
    url: subgraph.url,
    deps: subgraph.handle,
    outboxDrained: () => subgraph.outboxDrained(),
    stop: subgraph.stop,
  };
}
export type { ThrottlePolicy } from './domain/login-throttle.ts';
