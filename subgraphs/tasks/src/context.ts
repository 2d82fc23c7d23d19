import type { IncomingMessage } from 'node:http';
import DataLoader from 'dataloader';
import type { LiveFeed } from '@ates/events';
import type { TokenVerifier, Viewer } from '@ates/service-kit';
import { findTasksByIds } from './db/task-repository.ts';
import type { TaskRow } from './db/schema.ts';
import type { TasksDeps } from './use-cases/deps.ts';

export interface Context {
  viewer: Viewer | null;
  deps: TasksDeps;
  feed: LiveFeed;
  correlationId: string | undefined;
  /** Batches `_entities` lookups of tasks from other subgraphs: no N+1. */
  taskById: DataLoader<string, TaskRow | null>;
}

/** The context of one operation, over HTTP or over graphql-ws. */
export function makeContext(
  deps: TasksDeps,
  feed: LiveFeed,
  viewer: Viewer | null,
  correlationId?: string,
): Context {
  const taskById = new DataLoader<string, TaskRow | null>(async (ids) => {
    const rows = await findTasksByIds(deps.reads ?? deps.db, ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  return { viewer, deps, feed, correlationId, taskById };
}

export function makeContextFactory(deps: TasksDeps, feed: LiveFeed, verifier: TokenVerifier) {
  return async (req: IncomingMessage): Promise<Context> => {
    const viewer = await verifier.viewerFromHeader(req.headers.authorization);
    const header = req.headers['x-correlation-id'];
    return makeContext(deps, feed, viewer, typeof header === 'string' ? header : undefined);
  };
}
