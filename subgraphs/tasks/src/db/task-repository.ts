import { and, asc, count, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { TransactionSql } from 'postgres';
import { anyUuidPlaceholder, isUuid, preparedPerDb, uuidArrayLiteral } from '@ates/service-kit';
import type { OpenTask, Reassignment } from '../domain/assignment.ts';
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

export type OpenTaskRow = OpenTask & { title: string; jiraId: string | null };

/**
 * Every OPEN task, in id order, with the table locked against writers until the transaction
 * ends (reads go on): one lock instead of a row lock written per open task (a 100k-task shuffle
 * spent ~0.2 s of Postgres CPU on them). EXCLUSIVE, not SHARE ROW EXCLUSIVE, so that a completion
 * (SELECT … FOR UPDATE, then UPDATE) waits before taking its row lock and cannot deadlock with us.
 */
export async function lockOpenTasks(tx: TransactionSql): Promise<OpenTaskRow[]> {
  await tx`lock table tasks in exclusive mode`;
  return tx<OpenTaskRow[]>`
    select id, assignee_id as "assigneeId", assignment_count as "assignmentCount", title, jira_id as "jiraId"
    from tasks where status = 'OPEN' order by id`;
}

/** `assignableWorkers` in a postgres.js transaction. */
export async function assignableWorkersIn(tx: TransactionSql): Promise<string[]> {
  const rows = await tx<{ id: string }[]>`
    select id from popugs where ${tx.unsafe(assignableRoleText('role'))} order by id`;
  return rows.map((r) => r.id);
}

/**
 * Applies reassignments with one UPDATE from arrays (sent at once: the caller may pipeline behind
 * it). Its plan hashes the whole tasks table, so a shuffle sends few large ones, not many small.
 */
export async function reassignTasks(tx: TransactionSql, moves: readonly Reassignment[]): Promise<void> {
  await tx`
    update tasks as t
    set assignee_id = m.assignee_id, assignment_count = m.assignment_no
    from unnest(${moves.map((m) => m.taskId)}::uuid[], ${moves.map((m) => m.assigneeId)}::uuid[],
                ${moves.map((m) => m.assignmentNo)}::int[]) as m(id, assignee_id, assignment_no)
    where t.id = m.id`.execute();
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
