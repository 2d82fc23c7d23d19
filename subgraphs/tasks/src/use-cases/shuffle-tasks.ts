import { enqueueEvents } from '@ates/events';
import { requireRole, type Viewer } from '@ates/service-kit';
import { reshuffle, type OpenTask } from '../domain/assignment.ts';
import { SHUFFLERS } from '../domain/permissions.ts';
import { taskAssigned } from '../events/task-events.ts';
import type { TasksDeps } from './deps.ts';

/** Rows per multi-row statement: well under Postgres' 65,535 bind parameters. */
const CHUNK = 5000;

/**
 * Reassigns every OPEN task in one transaction, set-based: one read that locks the open tasks
 * (in id order, so concurrent shuffles queue instead of deadlocking), one UPDATE from arrays,
 * and multi-row inserts of one `task.assigned` per task into the outbox. A completion racing
 * with a shuffle waits for the lock and then sees the new assignee.
 */
export async function shuffleTasks(
  deps: TasksDeps,
  viewer: Viewer | null,
  correlationId?: string,
): Promise<{ reassigned: number }> {
  requireRole(viewer, SHUFFLERS);
  return deps.sql.begin(async (tx) => {
    const open = await tx<Array<OpenTask & { title: string; jiraId: string | null }>>`
      select id, assignee_id as "assigneeId", assignment_count as "assignmentCount", title, jira_id as "jiraId"
      from tasks where status = 'OPEN' order by id for update`;
    if (open.length === 0) return { reassigned: 0 };
    const candidates = (
      await tx<Array<{ id: string }>>`
        select id from popugs where role not in ('ADMIN', 'MANAGER') order by id`
    ).map((r) => r.id);
    const moves = reshuffle(open, candidates, deps.random);
    const now = deps.clock.now();
    for (let i = 0; i < moves.length; i += CHUNK) {
      const part = moves.slice(i, i + CHUNK);
      await tx`
        update tasks as t
        set assignee_id = m.assignee_id, assignment_count = m.assignment_no
        from unnest(${part.map((m) => m.taskId)}::uuid[], ${part.map((m) => m.assigneeId)}::uuid[],
                    ${part.map((m) => m.assignmentNo)}::int[]) as m(id, assignee_id, assignment_no)
        where t.id = m.id`;
      const events = part.map((m, j) => {
        const task = open[i + j]!;
        return taskAssigned({ ...m, title: task.title, jiraId: task.jiraId }, now, correlationId);
      });
      await enqueueEvents(tx, events);
    }
    return { reassigned: moves.length };
  });
}
