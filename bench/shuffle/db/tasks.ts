import type { Sql, TransactionSql } from 'postgres';

// The shuffle suite's writes into and reads from a tasks database.

export interface PopugRow {
  id: string;
  login: string;
  name: string;
  role: 'WORKER';
  role_changed_at: string;
  profile_changed_at: string;
}

export interface OpenTaskRow {
  id: string;
  title: string;
  description: string;
  status: 'OPEN';
  assignee_id: string;
  created_by: string;
  created_at: string;
  assignment_count: number;
}

export async function insertPopugs(sql: Sql, rows: readonly PopugRow[]): Promise<void> {
  await sql`insert into popugs ${sql(rows)}`;
}

/** Empties the tasks and their events, keeping the popugs. */
export async function emptyTasks(sql: Sql): Promise<void> {
  await sql`truncate tasks, outbox`;
}

/** One multi-row insert: the suite's B_pg, timed against the shuffle. */
export async function insertTasks(sql: Sql, rows: readonly OpenTaskRow[]): Promise<void> {
  await sql`insert into tasks ${sql(rows)}`;
}

/**
 * `task.assigned` events written, the assignments they carry (v2: a list each, v1: one), and
 * tasks on their second assignment.
 */
export async function shuffleCounts(sql: Sql) {
  const [row] = await sql<[{ events: number; assignments: number; moved: number }]>`
    select count(*)::int as events,
           coalesce(sum(case when version = 2 then jsonb_array_length(payload->'data'->'assignments')
                             else 1 end), 0)::int as assignments,
           (select count(*)::int from tasks where assignment_count = 2) as moved
    from outbox where type = 'task.assigned'`;
  return row;
}

/**
 * What Postgres must write for a shuffle without the events: every task moved by one UPDATE
 * from arrays, and one minimal outbox row (an empty payload) per `perEvent` tasks, as the
 * shuffle writes one `task.assigned` per chunk.
 */
export async function writeShuffleFloor(
  tx: TransactionSql,
  ids: readonly string[],
  assignees: readonly string[],
  perEvent: number,
): Promise<void> {
  await tx`
    update tasks as t set assignee_id = m.assignee_id, assignment_count = t.assignment_count + 1
    from unnest(${ids}::uuid[], ${assignees}::uuid[]) as m(id, assignee_id) where t.id = m.id`;
  await tx`
    insert into outbox (id, subject, type, version, payload)
    select gen_random_uuid(), 'tasks.task.task.assigned', 'task.assigned', 2, '{}'::jsonb
    from generate_series(1, ${Math.ceil(ids.length / perEvent)})`;
}
