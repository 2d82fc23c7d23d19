import { enqueueEvents } from '@ates/events';
import { requireRole, type Viewer } from '@ates/service-kit';
import { assignableWorkersIn, openTasksForUpdate, reassignTasks } from '../db/task-repository.ts';
import { reshuffle } from '../domain/assignment.ts';
import { SHUFFLERS } from '../domain/permissions.ts';
import { taskAssigned } from '../events/task-events.ts';
import type { TasksDeps } from './deps.ts';

/** Rows per multi-row statement: well under Postgres' 65,535 bind parameters. */
const CHUNK = 5000;

/**
 * Reassigns every OPEN task in one transaction, set-based: the open tasks are locked, each chunk
 * is moved by one UPDATE with its `task.assigned` events inserted into the outbox meanwhile. A
 * completion racing with a shuffle waits for the lock and then sees the new assignee.
 */
export async function shuffleTasks(
  deps: TasksDeps,
  viewer: Viewer | null,
  correlationId?: string,
): Promise<{ reassigned: number }> {
  requireRole(viewer, SHUFFLERS);
  const started = performance.now();
  const result = await deps.sql.begin(async (tx) => {
    const open = await openTasksForUpdate(tx);
    if (open.length === 0) return { reassigned: 0 };
    const moves = reshuffle(open, await assignableWorkersIn(tx), deps.random);
    const now = deps.clock.now();
    for (let i = 0; i < moves.length; i += CHUNK) {
      const part = moves.slice(i, i + CHUNK);
      // Postgres runs the update while Node builds this chunk's events; the outbox insert is
      // pipelined behind it on the transaction's connection.
      const update = reassignTasks(tx, part);
      const events = part.map((m, j) => {
        const task = open[i + j]!;
        return taskAssigned({ ...m, title: task.title, jiraId: task.jiraId }, now, correlationId);
      });
      await Promise.all([update, enqueueEvents(tx, events)]);
    }
    return { reassigned: moves.length };
  });
  deps.logger.info(
    { reassigned: result.reassigned, ms: Math.round(performance.now() - started) },
    'shuffled open tasks',
  );
  return result;
}
