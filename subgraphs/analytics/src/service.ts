import fs from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { startSubgraph, type SubgraphSettings } from '@ates/events';
import { connectDatabase, pingDatabase, systemClock, type Clock } from '@ates/service-kit';
import * as tables from './db/tables.ts';
import { makeContext, makeContextFactory } from './context.ts';
import { startProjection } from './events/start-projection.ts';
import { resolvers } from './resolvers/index.ts';
import { TodayBroadcast } from './resolvers/today-broadcast.ts';
import type { AnalyticsDeps } from './use-cases/deps.ts';

const packageDir = path.resolve(import.meta.dirname, '..');
export const typeDefs = parse(fs.readFileSync(path.join(packageDir, 'schema.graphql'), 'utf8'));
export const migrationsFolder = path.join(packageDir, 'drizzle');

export { CONSUMERS } from './events/projections.ts';
export { rebuildReadModel, type RebuildOptions, type RebuildProgress } from './rebuild/rebuild.ts';

export interface AnalyticsServiceConfig extends SubgraphSettings {
  /** Optional read replica for queries (and for seeing what the projection applied). */
  readDatabaseUrl?: string;
  /** IANA time zone of the company's days, weeks and months. */
  timeZone: string;
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

/** Its metrics label (`ates-analytics` its clients' name), its schema; it produces no events. */
const ANALYTICS_SUBGRAPH = { name: 'analytics', tables, migrationsFolder, producesEvents: false };

/** Analytics: the projection of task and accounting events, GraphQL over HTTP and graphql-ws. */
export async function startAnalyticsService(config: AnalyticsServiceConfig): Promise<AnalyticsService> {
  const subgraph = await startSubgraph(ANALYTICS_SUBGRAPH, config, async (runtime) => {
    const { database, nats, namespace, verifier, logger, adopt, onStop, liveFeed } = runtime;
    const replica = config.readDatabaseUrl
      ? connectDatabase(config.readDatabaseUrl, tables, { applicationName: 'ates-analytics-read' })
      : null;
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
    adopt(projection.consumers);
    const feed = liveFeed();
    const today = new TodayBroadcast(feed, deps);
    onStop(async () => {
      today.close();
      await projection.stop();
      await replica?.close();
    });
    return {
      schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
      context: makeContextFactory(deps, today, verifier),
      subscriptions: { verifier, context: (viewer) => makeContext(deps, today, viewer) },
      ...(replica ? { readiness: { replica: () => pingDatabase(replica.sql) } } : {}),
      live: () => ({ subscribers: today.size }),
      handle: { deps, feed, today, projection },
    };
  });
  const { deps, feed, today, projection } = subgraph.handle;
  return {
    url: subgraph.url,
    deps,
    caughtUp: () => projection.caughtUp(),
    liveStats: () => ({
      listeners: feed.listenerCount(),
      subscribers: today.size,
      sockets: subgraph.graphql.sockets(),
    }),
    stop: subgraph.stop,
  };
}
