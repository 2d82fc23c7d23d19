import { subjectFor } from '@ates/events';
import { requireRole, traceHeaders, type Viewer } from '@ates/service-kit';
import { assignableWorkersIn, lockAndCountOpenTasks, shuffleOpenTasks } from '../db/task-repository.ts';
import { drawAssignees } from '../domain/assignment.ts';
import { SHUFFLERS } from '../domain/permissions.ts';
import { ASSIGNMENT_CHUNKING, tasksAssignedEnvelope } from '../events/task-events.ts';
import type { TasksDeps } from './deps.ts';

/**
 * Reassigns every OPEN task in one transaction, set-based: the table is locked against writers,
 * the open tasks counted, one random draw made per task (through the injected source, in task id
 * order), and one statement moves them and writes their `task.assigned` v2 (up to a thousand
 * assignments each, an outbox row per event) without a task passing through Node. A completion
 * racing with a shuffle waits for the lock and then sees the new assignee.
 */
export async function shuffleTasks(
  deps: TasksDeps,
  viewer: Viewer | null,
  correlationId?: string,
): Promise<{ reassigned: number }> {
  requireRole(viewer, SHUFFLERS);
  const started = performance.now();
  const result = await deps.sql.begin(async (tx) => {
    const open = await lockAndCountOpenTasks(tx);
    if (open === 0) return { reassigned: 0, events: 0 };
    const workers = await assignableWorkersIn(tx);
    const at = deps.clock.now();
    const moved = await shuffleOpenTasks(tx, {
      workers,
      draws: drawAssignees(open, workers.length, deps.random),
      envelope: tasksAssignedEnvelope(at, correlationId),
      subject: subjectFor(undefined, 'task.assigned'),
      headers: traceContext(),
      assignedAt: at.toISOString(),
      chunking: ASSIGNMENT_CHUNKING,
    });
    // The lock keeps the open tasks as counted; a difference is a bug, not a race.
    if (moved.reassigned !== open) throw new Error(`shuffle moved ${moved.reassigned} of ${open} open tasks`);
    return moved;
  });
  deps.logger.info(
    { reassigned: result.reassigned, events: result.events, ms: Math.round(performance.now() - started) },
    'shuffled open tasks',
  );
  return { reassigned: result.reassigned };
}

/** The outbox headers `enqueueEvents` writes: the W3C trace context only ({} when untraced). */
function traceContext(): Record<string, string> {
  const { traceparent, tracestate } = traceHeaders();
  return { ...(traceparent ? { traceparent } : {}), ...(tracestate ? { tracestate } : {}) };
}
