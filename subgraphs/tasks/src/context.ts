import type { IncomingMessage } from 'node:http';
import DataLoader from 'dataloader';
import type { TokenVerifier, Viewer } from '@ates/service-kit';
import { findTasksByIds } from './db/task-repository.ts';
import type { TaskRow } from './db/schema.ts';
import type { TasksDeps } from './use-cases/deps.ts';

export interface Context {
  viewer: Viewer | null;
  deps: TasksDeps;
  correlationId: string | undefined;
  /** Batches `_entities` lookups of tasks from other subgraphs: no N+1. */
  taskById: DataLoader<string, TaskRow | null>;
}

export function makeContextFactory(deps: TasksDeps, verifier: TokenVerifier) {
  return async (req: IncomingMessage): Promise<Context> => {
    const viewer = await verifier.viewerFromHeader(req.headers.authorization);
    const header = req.headers['x-correlation-id'];
    const taskById = new DataLoader<string, TaskRow | null>(async (ids) => {
      const rows = await findTasksByIds(deps.db, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    return { viewer, deps, correlationId: typeof header === 'string' ? header : undefined, taskById };
  };
}
