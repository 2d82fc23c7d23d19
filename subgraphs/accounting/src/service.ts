import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { DOMAINS, startSubgraph, streamName, type SubgraphSettings } from '@ates/events';
import { cryptoRandom, systemClock, type Clock, type RandomSource } from '@ates/service-kit';
import * as tables from './db/tables.ts';
import { migrationsFolder } from './migrations.ts';
import { makeContext, makeContextFactory } from './context.ts';
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

export interface AccountingServiceConfig extends SubgraphSettings {
  /** IANA time zone of the company's business days. */
  timeZone: string;
  /** The company's first business day (`ATES_COMPANY_FIRST_DAY`). */
  firstDay?: string;
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

/** Its metrics label (`ates-accounting` its clients' name), its schema, and that it produces events. */
const ACCOUNTING_SUBGRAPH = { name: 'accounting', tables, migrationsFolder, producesEvents: true };

/** Accounting: task and user events in, accounting events out, GraphQL over HTTP and graphql-ws. */
export async function startAccountingService(config: AccountingServiceConfig): Promise<AccountingService> {
  const subgraph = await startSubgraph(ACCOUNTING_SUBGRAPH, config, async (runtime) => {
    const { database, reads, namespace, jsm, metrics, verifier, logger, consume, liveFeed } = runtime;
    const deps: AccountingDeps = {
      db: database.db,
      reads: reads.db,
      sql: database.sql,
      clock: config.clock ?? systemClock,
      random: config.random ?? cryptoRandom,
      timeZone: config.timeZone,
      ...(config.firstDay ? { firstDay: config.firstDay } : {}),
      logger,
      newId: randomUUID,
    };
    // Lanes by account, batches applied with set-based SQL (see tasksConsumerSettings).
    const tasksConsumer = await consume({
      name: CONSUMERS.tasks,
      domain: 'tasks',
      ...tasksConsumerSettings(deps, config.taskLanes),
    });
    const usersConsumer = await consume({
      name: CONSUMERS.users,
      domain: 'users',
      handlers: openAccountsWhenUsersAppear(deps),
    });
    registerPayoutMetrics(metrics, database.db);
    const feed = liveFeed();
    return {
      schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
      context: makeContextFactory(deps, feed, verifier),
      subscriptions: { verifier, context: (viewer) => makeContext(deps, feed, viewer) },
      // Accounting runs once per system and replays from the streams after a restore: it
      // reports every stream's horizon.
      eventMetrics: { streams: { jsm, names: DOMAINS.map((d) => streamName(namespace, d)) } },
      handle: { deps, feed, consumers: [usersConsumer, tasksConsumer] },
    };
  });
  const { deps, feed, consumers } = subgraph.handle;
  return {
    url: subgraph.url,
    deps,
    caughtUp: async () => {
      for (const consumer of consumers) await consumer.caughtUp();
    },
    outboxDrained: () => subgraph.outboxDrained(),
    liveStats: () => ({ listeners: feed.listenerCount(), sockets: subgraph.graphql.sockets() }),
    stop: subgraph.stop,
  };
}
