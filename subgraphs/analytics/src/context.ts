import type { IncomingMessage } from 'node:http';
import type { TokenVerifier, Viewer } from '@ates/service-kit';
import type { TodayBroadcast } from './resolvers/today-broadcast.ts';
import type { AnalyticsDeps } from './use-cases/deps.ts';

export interface Context {
  viewer: Viewer | null;
  deps: AnalyticsDeps;
  /** Today's figures for `analyticsToday` subscribers. */
  today: TodayBroadcast;
}

/** The context of one operation, over HTTP or over graphql-ws. */
export const makeContext = (deps: AnalyticsDeps, today: TodayBroadcast, viewer: Viewer | null): Context => ({
  viewer,
  deps,
  today,
});

export function makeContextFactory(deps: AnalyticsDeps, today: TodayBroadcast, verifier: TokenVerifier) {
  return async (req: IncomingMessage): Promise<Context> =>
    makeContext(deps, today, await verifier.viewerFromHeader(req.headers.authorization));
}
