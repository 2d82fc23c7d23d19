import { sql } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { jsonParam, uuidArrayParam } from '@ates/service-kit';
import type * as tables from './tables.ts';

type TasksTx = Parameters<Parameters<PostgresJsDatabase<typeof tables>['transaction']>[0]>[0];

/** Which of these event ids the outbox holds: what the restored database already did. */
export async function eventsInOutbox(tx: TasksTx, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await tx.execute<{ id: string }>(
    sql`select id from outbox where id = any(${uuidArrayParam(ids)})`,
  );
  return new Set(Array.from(rows, (r) => r.id));
}

/** A task as its `task.created` described it, before its first assignment names the assignee. */
export async function insertCreatedTask(
  tx: TasksTx,
  t: {
    id: string;
    jiraId: string | null;
    title: string;
    description: string;
    createdBy: string;
    createdAt: string;
  },
): Promise<void> {
  await tx.execute(sql`
    insert into tasks (id, jira_id, title, description, status, assignee_id, created_by, created_at, assignment_count)
    values (${t.id}, ${t.jiraId}, ${t.title}, ${t.description}, 'OPEN', ${t.createdBy}, ${t.createdBy},
            ${t.createdAt}::timestamptz, 0)
    on conflict (id) do nothing`);
}

/** One event's assignments (a task at most once), each applied unless the task has a later one. */
export async function applyAssignments(
  tx: TasksTx,
  list: readonly { id: string; assigneeId: string; assignmentNo: number }[],
): Promise<void> {
  if (list.length === 0) return;
  await tx.execute(sql`
    update tasks as t set assignee_id = m."assigneeId", assignment_count = m."assignmentNo"
    from jsonb_to_recordset(${jsonParam(list)}) as m(id uuid, "assigneeId" uuid, "assignmentNo" int)
    where t.id = m.id and t.assignment_count < m."assignmentNo"`);
}

export async function applyCompletion(
  tx: TasksTx,
  c: { id: string; assigneeId: string; completedAt: string },
): Promise<void> {
  await tx.execute(sql`
    update tasks set status = 'DONE', completed_at = ${c.completedAt}::timestamptz, completion_count = 1,
      assignee_id = ${c.assigneeId}
    where id = ${c.id}`);
}

export async function applyUpdate(
  tx: TasksTx,
  u: { id: string; jiraId: string | null; title: string; description: string; status: string },
): Promise<void> {
  await tx.execute(sql`
    update tasks set jira_id = ${u.jiraId}, title = ${u.title}, description = ${u.description}, status = ${u.status}
    where id = ${u.id}`);
}

export { recordPublished } from '@ates/events';
