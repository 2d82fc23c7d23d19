import type { IncomingMessage } from 'node:http';
import type DataLoader from 'dataloader';
import type { TokenVerifier, Viewer } from '@ates/service-kit';
import type { PeriodKey } from './db/task-repository.ts';
import type { RankedTask } from './domain/expensive-task.ts';
import type { TodayBroadcast } from './resolvers/today-broadcast.ts';
import type { AnalyticsDeps } from './use-cases/deps.ts';
import { topTaskLoader } from './use-cases/read-analytics.ts';

export interface Context {
  viewer: Viewer | null;
  deps: AnalyticsDeps;
  /** Today's figures for `analyticsToday` subscribers. */
  today: TodayBroadcast;
  /** The operation's `mostExpensiveTask` fields, answered by one query. */
  topTasks: DataLoader<PeriodKey, RankedTask | null, string>;
}

/** The context of one operation, over HTTP or over graphql-ws. */
export const makeContext = (deps: AnalyticsDeps, today: TodayBroadcast, viewer: Viewer | null): Context => ({
  viewer,
  deps,
  today,
  topTasks: topTaskLoader(deps),
});

export function makeContextFactory(deps: AnalyticsDeps, today: TodayBroadcast, verifier: TokenVerifier) {
  return async (req: IncomingMessage): Promise<Context> =>
    makeContext(deps, today, await verifier.viewerFromHeader(req.headers.authorization));
}
