import { eq, sql } from 'drizzle-orm';
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

const PERIOD_COLUMN: Record<Period, string> = {
  DAY: 'completed_day',
  WEEK: 'completed_week',
  MONTH: 'completed_month',
};

export interface PeriodKey {
  period: Period;
  /** The first day of the period (`periodStart`). */
  start: Day;
}

interface TopRow extends Record<string, unknown> {
  i: number;
  id: string;
  reward: string | number;
  completed_ms: number;
}

/**
 * The most expensive task completed in each period (highest reward, then earliest completion,
 * then smallest id: `moreExpensiveFirst`), null where none was. One round trip for all of
 * them; each is one probe of its period's index `(period, reward desc, completed_at, id)`.
 */
export async function mostExpensiveTasks(
  db: AnalyticsTx,
  keys: readonly PeriodKey[],
): Promise<Array<RankedTask | null>> {
  if (keys.length === 0) return [];
  const probes = keys.map(
    (key, i) => sql`(select ${i}::int as i, id, reward,
        (extract(epoch from completed_at) * 1000)::float8 as completed_ms
      from ${tasks}
      where ${sql.raw(PERIOD_COLUMN[key.period])} = ${key.start}
        and reward is not null and completed_at is not null
      order by reward desc, completed_at asc, id asc
      limit 1)`,
  );
  const rows = await db.execute<TopRow>(sql.join(probes, sql` union all `));
  const out: Array<RankedTask | null> = keys.map(() => null);
  for (const row of rows)
    out[row.i] = { taskId: row.id, reward: Number(row.reward), completedAt: new Date(row.completed_ms) };
  return out;
}

export async function findTask(db: AnalyticsTx, id: string) {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id));
  return row;
}
