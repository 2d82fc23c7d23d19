import { and, asc, count, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { anyUuid, isUuid } from '@ates/service-kit';
import type * as tables from './tables.ts';
import { popugs, tasks, type TaskRow, type TaskStatus } from './schema.ts';
import type { TaskCursor } from '../domain/cursor.ts';

export type TasksDb = PostgresJsDatabase<typeof tables>;
export type TasksTx = Parameters<Parameters<TasksDb['transaction']>[0]>[0] | TasksDb;

export async function findTasksByIds(db: TasksTx, ids: readonly string[]): Promise<TaskRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  return db.select().from(tasks).where(anyUuid(tasks.id, valid));
}

export async function lockTask(db: TasksTx, id: string): Promise<TaskRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id)).for('update');
  return row;
}

/** Ids of every assignable popug, in a stable order (so a seeded random source is reproducible). */
export async function assignablePopugIds(db: TasksTx): Promise<string[]> {
  const rows = await db
    .select({ id: popugs.id })
    .from(popugs)
    .where(sql`${popugs.role} not in ('ADMIN', 'MANAGER')`)
    .orderBy(asc(popugs.id));
  return rows.map((r) => r.id);
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
  return db
    .select()
    .from(tasks)
    .where(and(eq(tasks.assigneeId, userId), status ? eq(tasks.status, status) : undefined))
    .orderBy(desc(tasks.createdAt), desc(tasks.id));
}
