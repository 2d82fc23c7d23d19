import type { Sql } from 'postgres';

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

/** `task.assigned` events written, and tasks on their second assignment. */
export async function shuffleCounts(sql: Sql) {
  const [row] = await sql<[{ events: number; moved: number }]>`
    select (select count(*)::int from outbox where type = 'task.assigned') as events,
           (select count(*)::int from tasks where assignment_count = 2) as moved`;
  return row;
}
