import { enqueueEvents } from '@ates/events';
import { requireRole, type Viewer } from '@ates/service-kit';
import { assignableWorkersIn, lockOpenTasks, reassignTasks } from '../db/task-repository.ts';
import { reshuffle } from '../domain/assignment.ts';
import { SHUFFLERS } from '../domain/permissions.ts';
import { tasksAssigned } from '../events/task-events.ts';
import type { TasksDeps } from './deps.ts';

/** Rows per UPDATE: each hashes the whole tasks table once, so the fewer the cheaper (arrays of a few MB). */
const UPDATE_ROWS = 100_000;
/** Assignments per outbox statement (10 `task.assigned` of 1000): built while the UPDATE runs. */
const EVENT_CHUNK = 10_000;
/** Outbox statements queued at most (~2.5 MB of JSON each): enough to run ahead of a 100k update. */
const MAX_QUEUED = 20;

/**
 * Reassigns every OPEN task in one transaction, set-based: the table is locked against writers,
 * the open tasks are moved by one UPDATE, and their assignments are built into `task.assigned`
 * v2 events of up to a thousand each (an outbox row per event, not per task) while Postgres runs
 * it, their outbox inserts queued behind it on the transaction's connection. A completion racing
 * with a shuffle waits for the lock and then sees the new assignee.
 */
export async function shuffleTasks(
  deps: TasksDeps,
  viewer: Viewer | null,
  correlationId?: string,
): Promise<{ reassigned: number }> {
  requireRole(viewer, SHUFFLERS);
  const started = performance.now();
  const result = await deps.sql.begin(async (tx) => {
    const open = await lockOpenTasks(tx);
    if (open.length === 0) return { reassigned: 0 };
    const moves = reshuffle(open, await assignableWorkersIn(tx), deps.random);
    const at = deps.clock.now().toISOString();
    const queued: Promise<void>[] = [];
    // Awaited in order below; after a failure the later ones reject too, unawaited.
    const queue = (write: Promise<void>) => {
      write.catch(() => {});
      queued.push(write);
    };
    for (let i = 0; i < moves.length; i += UPDATE_ROWS)
      queue(reassignTasks(tx, moves.slice(i, i + UPDATE_ROWS)));
    for (let i = 0; i < moves.length; i += EVENT_CHUNK) {
      if (queued.length >= MAX_QUEUED) await queued.shift();
      const assignments = moves.slice(i, i + EVENT_CHUNK).map((m, j) => {
        const task = open[i + j]!;
        return { ...m, title: task.title, jiraId: task.jiraId };
      });
      const events = tasksAssigned(assignments, at, correlationId);
      // Validated and serialized now; sent at once, so Postgres never waits on Node between them.
      queue(enqueueEvents(tx, events));
    }
    for (const write of queued) await write;
    return { reassigned: moves.length };
  });
  deps.logger.info(
    { reassigned: result.reassigned, ms: Math.round(performance.now() - started) },
    'shuffled open tasks',
  );
  return result;
}
