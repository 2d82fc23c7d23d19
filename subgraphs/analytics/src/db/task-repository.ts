import { and, asc, desc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Day, Period } from '../domain/calendar.ts';
import type { RankedTask } from '../domain/expensive-task.ts';
import type { AnalyticsTx } from './db.ts';
import { tasks } from './schema.ts';

// Facts of a task arrive in any order; each upsert fills what is still unknown and keeps the
// rest (a task's title, reward and completion never change once known).

export async function rememberTask(
  db: AnalyticsTx,
  task: { id: string; title: string; jiraId: string | null },
): Promise<void> {
  await db
    .insert(tasks)
    .values(task)
    .onConflictDoUpdate({
      target: tasks.id,
      set: {
        title: sql`coalesce(${tasks.title}, excluded.title)`,
        jiraId: sql`case when ${tasks.title} is null then excluded.jira_id else ${tasks.jiraId} end`,
      },
    });
}

export async function rememberReward(db: AnalyticsTx, id: string, reward: number): Promise<void> {
  await db
    .insert(tasks)
    .values({ id, reward })
    .onConflictDoUpdate({
      target: tasks.id,
      set: { reward: sql`coalesce(${tasks.reward}, excluded.reward)` },
    });
}

export async function rememberCompletion(
  db: AnalyticsTx,
  task: { id: string; title: string; jiraId: string | null },
  completedAt: Date,
  periods: { day: Day; week: Day; month: Day },
): Promise<void> {
  await db
    .insert(tasks)
    .values({
      ...task,
      completedAt,
      completedDay: periods.day,
      completedWeek: periods.week,
      completedMonth: periods.month,
    })
    .onConflictDoUpdate({
      target: tasks.id,
      set: {
        title: sql`coalesce(${tasks.title}, excluded.title)`,
        jiraId: sql`case when ${tasks.title} is null then excluded.jira_id else ${tasks.jiraId} end`,
        completedAt: sql`coalesce(${tasks.completedAt}, excluded.completed_at)`,
        completedDay: sql`coalesce(${tasks.completedDay}, excluded.completed_day)`,
        completedWeek: sql`coalesce(${tasks.completedWeek}, excluded.completed_week)`,
        completedMonth: sql`coalesce(${tasks.completedMonth}, excluded.completed_month)`,
      },
    });
}

const PERIOD_COLUMN = {
  DAY: tasks.completedDay,
  WEEK: tasks.completedWeek,
  MONTH: tasks.completedMonth,
} as const;

/**
 * The most expensive task completed in the period starting `start`: highest reward, then
 * earliest completion, then smallest id (`moreExpensiveFirst`). One probe of the period's index.
 */
export async function mostExpensiveTask(
  db: AnalyticsTx,
  period: Period,
  start: Day,
): Promise<RankedTask | null> {
  const [row] = await db
    .select({ taskId: tasks.id, reward: tasks.reward, completedAt: tasks.completedAt })
    .from(tasks)
    .where(and(eq(PERIOD_COLUMN[period], start), isNotNull(tasks.reward), isNotNull(tasks.completedAt)))
    .orderBy(desc(tasks.reward), asc(tasks.completedAt), asc(tasks.id))
    .limit(1);
  if (!row || row.reward === null || row.completedAt === null) return null;
  return { taskId: row.taskId, reward: row.reward, completedAt: row.completedAt };
}

export async function findTask(db: AnalyticsTx, id: string) {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id));
  return row;
}
