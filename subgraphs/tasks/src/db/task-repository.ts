import { and, asc, count, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { TransactionSql } from 'postgres';
import { OUTBOX_CHANNEL } from '@ates/events';
import { anyUuidPlaceholder, isUuid, preparedPerDb, uuidArrayLiteral } from '@ates/service-kit';
import type { TaskCursor } from '../domain/cursor.ts';
import { assignableRole, assignableRoleText } from './assignable.ts';
import type * as tables from './tables.ts';
import { popugs, tasks, type TaskRow, type TaskStatus } from './schema.ts';

export type TasksDb = PostgresJsDatabase<typeof tables>;
export type TasksTx = Parameters<Parameters<TasksDb['transaction']>[0]>[0] | TasksDb;

const tasksByIds = preparedPerDb((db: TasksTx) =>
  db.select().from(tasks).where(anyUuidPlaceholder(tasks.id, 'ids')).prepare('tasks_by_ids'),
);

/** The `_entities` batch of a request: one statement whatever the number of ids. */
export async function findTasksByIds(db: TasksTx, ids: readonly string[]): Promise<TaskRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  return tasksByIds(db).execute({ ids: uuidArrayLiteral(valid) });
}

export async function lockTask(db: TasksTx, id: string): Promise<TaskRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id)).for('update');
  return row;
}

/** Ids of every assignable popug, in a stable order (so a seeded random source is reproducible). */
export async function assignableWorkers(db: TasksTx): Promise<string[]> {
  const rows = await db
    .select({ id: popugs.id })
    .from(popugs)
    .where(assignableRole(popugs.role))
    .orderBy(asc(popugs.id));
  return rows.map((r) => r.id);
}

export async function insertTask(db: TasksTx, row: typeof tasks.$inferInsert): Promise<TaskRow> {
  const [task] = await db.insert(tasks).values(row).returning();
  if (!task) throw new Error('insert returned no row');
  return task;
}

/** Marks the (locked) task DONE at `at`, counting the completion. */
export async function markTaskDone(
  db: TasksTx,
  task: Pick<TaskRow, 'id' | 'completionCount'>,
  at: Date,
): Promise<TaskRow> {
  const [done] = await db
    .update(tasks)
    .set({ status: 'DONE', completedAt: at, completionCount: task.completionCount + 1 })
    .where(eq(tasks.id, task.id))
    .returning();
  if (!done) throw new Error('update returned no row');
  return done;
}

// The shuffle's statements run on postgres.js (a hot path: one set-based statement per step).

/**
 * Locks the tasks table against writers until the transaction ends (reads go on) and counts the
 * OPEN tasks: one lock instead of a row lock written per open task (a 100k-task shuffle spent
 * ~0.2 s of Postgres CPU on them). EXCLUSIVE, not SHARE ROW EXCLUSIVE, so that a completion
 * (SELECT … FOR UPDATE, then UPDATE) waits before taking its row lock and cannot deadlock with us.
 */
export async function lockAndCountOpenTasks(tx: TransactionSql): Promise<number> {
  await tx`lock table tasks in exclusive mode`;
  const [row] = await tx<[{ n: number }]>`select count(*)::int as n from tasks where status = 'OPEN'`;
  return row?.n ?? 0;
}

/** `assignableWorkers` in a postgres.js transaction. */
export async function assignableWorkersIn(tx: TransactionSql): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`
    select id from popugs where ${tx.unsafe(assignableRoleText('role'))} order by id`;
  return rows.map((r) => r.id);
}

export interface ShuffleStatement {
  /** Assignable popugs in id order, and one draw (an index into them) per open task in id order. */
  workers: readonly string[];
  draws: readonly number[];
  /** `task.assigned` v2 without id, aggregate and data (`tasksAssignedEnvelope`), its subject. */
  envelope: Record<string, unknown>;
  subject: string;
  /** The outbox rows' headers (trace context), and the assignments' time (the envelope's). */
  headers: Record<string, string>;
  assignedAt: string;
  /** How `chunkSizes` cuts assignments into events (task-events.ts): its constants. */
  chunking: { perEvent: number; bytesPerEvent: number; fixedBytes: number; bytesPerTitleChar: number };
}

/**
 * The whole shuffle of the (locked) open tasks in one statement, nothing per task through Node:
 * the n-th open task by id goes to worker draws[n], and the moved rows become `task.assigned`
 * v2 outbox rows cut as `chunkSizes` cuts them (runs of 1,000 by id; a run over the byte limit
 * split where its running bytes cross multiples of the limit less its largest assignment).
 * Fails (not null) if `draws` is shorter than the open tasks.
 */
export async function shuffleOpenTasks(
  tx: TransactionSql,
  s: ShuffleStatement,
): Promise<{ reassigned: number; events: number }> {
  // For this transaction: its sorts and moved rows (~15 MB at 100k tasks) stay in memory, not in
  // temp files; the events' ~300 KB payloads compress with lz4 where the server has it (pglz
  // took ~3× as long; readers decompress either).
  const c = s.chunking;
  await tx`
    select set_config('work_mem', '64MB', true),
           (select set_config('default_toast_compression', 'lz4', true) from pg_settings
            where name = 'default_toast_compression' and 'lz4' = any(enumvals))`;
  const [row] = await tx<[{ reassigned: number; events: number }]>`
    with open as (
      select ctid as tid, assignee_id, assignment_count, row_number() over (order by id) as n
      from tasks where status = 'OPEN'
    ), moved as (
      -- Joined by ctid, stable under the table lock: hashes a 6-byte tid, not a uuid per task.
      update tasks as t
      set assignee_id = (${s.workers}::uuid[])[(${s.draws}::int[])[o.n] + 1],
          assignment_count = o.assignment_count + 1
      from open as o where t.ctid = o.tid
      returning o.n, t.id, t.assignee_id, o.assignee_id as previous, t.assignment_count, t.title, t.jira_id
    ), sized as (
      select *, (n - 1) / ${c.perEvent}::int as run,
             ${c.fixedBytes}::int + ${c.bytesPerTitleChar}::int * length(title)
               + coalesce(length(jira_id), 0) as bytes
      from moved
    ), placed as (
      select *, sum(bytes) over (partition by run order by n) - bytes as before,
             sum(bytes) over (partition by run) as total, max(bytes) over (partition by run) as largest
      from sized
    ), chunks as (
      -- Each assignment's JSON text by concatenation, parsed once below: json_build_object per
      -- assignment (typed per key) and jsonb item by item both cost more.
      select run, case when total <= ${c.bytesPerEvent}::int then 0
                       else before / (${c.bytesPerEvent}::int - largest) end as part,
             count(*) as size, min(id::text) as first,
             '[' || string_agg('{"taskId":"' || id || '","assigneeId":"' || assignee_id
               || '","previousAssigneeId":' || coalesce('"' || previous || '"', 'null')
               || ',"assignmentNo":' || assignment_count || ',"assignedAt":' || ${JSON.stringify(s.assignedAt)}::text
               || ',"title":' || to_json(title)::text || ',"jiraId":' || coalesce(to_json(jira_id)::text, 'null')
               || '}', ',' order by n) || ']' as assignments
      from placed group by run, part
    ), events as (
      -- A volatile id keeps this subquery apart: the row's id and its payload's are one value.
      select gen_random_uuid() as id, run, part, assignments,
             case when size = 1 then first end as aggregate_id
      from chunks
    ), written as (
      insert into outbox (id, subject, type, version, aggregate_id, payload, headers)
      select id, ${s.subject}, 'task.assigned', 2, aggregate_id,
             -- The envelope's JSON with its closing brace cut, then id, aggregate and data.
             (left(${JSON.stringify(s.envelope)}::text, -1) || ',"id":"' || id || '"'
               || coalesce(',"aggregateId":"' || aggregate_id || '"', '')
               || ',"data":{"assignments":' || assignments || '}}')::jsonb,
             ${JSON.stringify(s.headers)}::jsonb
      from events order by run, part
      returning 1
    )
    select (select count(*) from moved)::int as reassigned, (select count(*) from written)::int as events`;
  await tx`select pg_notify(${OUTBOX_CHANNEL}, '')`;
  return row ?? { reassigned: 0, events: 0 };
}

export interface TaskFilter {
  status?: TaskStatus | null;
  assigneeId?: string | null;
}

function filterWhere(filter: TaskFilter): SQL | undefined {
  const parts: SQL[] = [];
  if (filter.status) parts.push(eq(tasks.status, filter.status));
  if (filter.assigneeId) parts.push(eq(tasks.assigneeId, filter.assigneeId));
  return parts.length > 0 ? and(...parts) : undefined;
}

/** One page of the dashboard, newest first, after the cursor; fetches one extra row to know if more follow. */
export async function pageTasks(db: TasksTx, filter: TaskFilter, first: number, after: TaskCursor | null) {
  if (filter.assigneeId && !isUuid(filter.assigneeId)) return { rows: [], hasNextPage: false };
  const keyset = after
    ? or(
        lt(tasks.createdAt, after.createdAt),
        and(eq(tasks.createdAt, after.createdAt), lt(tasks.id, after.id)),
      )
    : undefined;
  const rows = await db
    .select()
    .from(tasks)
    .where(and(filterWhere(filter), keyset))
    .orderBy(desc(tasks.createdAt), desc(tasks.id))
    .limit(first + 1);
  return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
}

export async function countTasks(db: TasksTx, filter: TaskFilter): Promise<number> {
  if (filter.assigneeId && !isUuid(filter.assigneeId)) return 0;
  const [row] = await db.select({ n: count() }).from(tasks).where(filterWhere(filter));
  return row?.n ?? 0;
}

export async function tasksOfUser(
  db: TasksTx,
  userId: string,
  status: TaskStatus | null | undefined,
): Promise<TaskRow[]> {
  if (!isUuid(userId)) return [];
  return status ? tasksOfUserIn(db).execute({ userId, status }) : tasksOfUserAll(db).execute({ userId });
}

const ofUser = (db: TasksTx, status?: SQL) =>
  db
    .select()
    .from(tasks)
    .where(and(eq(tasks.assigneeId, sql.placeholder('userId')), status))
    .orderBy(desc(tasks.createdAt), desc(tasks.id));
const tasksOfUserAll = preparedPerDb((db: TasksTx) => ofUser(db).prepare('tasks_of_user'));
const tasksOfUserIn = preparedPerDb((db: TasksTx) =>
  ofUser(db, eq(tasks.status, sql.placeholder('status'))).prepare('tasks_of_user_in'),
);

/**
 * The tracker's own counters of up to `limit` tasks in id order after `after` (accounting's
 * reconciliation compares its ledger with them); walks the primary key.
 */
export async function trackedTasks(
  db: TasksTx,
  after: string | null,
  limit: number,
): Promise<{ taskId: string; assignments: number; completed: boolean }[]> {
  const rows = await db
    .select({ taskId: tasks.id, assignments: tasks.assignmentCount, status: tasks.status })
    .from(tasks)
    .where(after ? gt(tasks.id, after) : undefined)
    .orderBy(asc(tasks.id))
    .limit(limit);
  return rows.map((r) => ({ taskId: r.taskId, assignments: r.assignments, completed: r.status === 'DONE' }));
}
