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
  const started = performance.now();
  const phases = { lockMs: 0, writeMs: 0 };
  const result = await deps.sql.begin(async (tx) => {
    let t = performance.now();
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
    phases.lockMs += performance.now() - t;
    for (let i = 0; i < moves.length; i += CHUNK) {
      const part = moves.slice(i, i + CHUNK);
      t = performance.now();
      // Sent now; Postgres runs it while Node builds and validates this chunk's events, and
      // the outbox insert is pipelined behind it on the transaction's connection.
      const update = tx`
        update tasks as t
        set assignee_id = m.assignee_id, assignment_count = m.assignment_no
        from unnest(${part.map((m) => m.taskId)}::uuid[], ${part.map((m) => m.assigneeId)}::uuid[],
                    ${part.map((m) => m.assignmentNo)}::int[]) as m(id, assignee_id, assignment_no)
        where t.id = m.id`.execute();
      const enqueue = async () => {
        const events = part.map((m, j) => {
          const task = open[i + j]!;
          return taskAssigned({ ...m, title: task.title, jiraId: task.jiraId }, now, correlationId);
        });
        await enqueueEvents(tx, events);
      };
      await Promise.all([update, enqueue()]);
      phases.writeMs += performance.now() - t;
    }
    return { reassigned: moves.length };
  });
  const round = (ms: number) => Math.round(ms);
  deps.logger.info(
    {
      reassigned: result.reassigned,
      ms: round(performance.now() - started),
      lockMs: round(phases.lockMs),
      writeMs: round(phases.writeMs),
    },
    'shuffled open tasks',
  );
  return result;
}
