import { eq, sql } from 'drizzle-orm';
import { jsonParam } from '@ates/service-kit';
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

/** Facts of one task from one or more events; absent fields are not known from them. */
export interface TaskFactsRow {
  id: string;
  title?: string;
  jiraId?: string | null;
  reward?: number;
  completedAt?: Date;
  completedDay?: Day;
  completedWeek?: Day;
  completedMonth?: Day;
}

/** `known` completed by `later` (facts of the same task arriving after): what is known stays. */
export function mergeTaskFacts(known: TaskFactsRow, later: TaskFactsRow): TaskFactsRow {
  const out = { ...known };
  if (out.title === undefined && later.title !== undefined) {
    out.title = later.title;
    out.jiraId = later.jiraId ?? null;
  }
  out.reward ??= later.reward;
  if (out.completedAt === undefined && later.completedAt !== undefined) {
    out.completedAt = later.completedAt;
    out.completedDay = later.completedDay;
    out.completedWeek = later.completedWeek;
    out.completedMonth = later.completedMonth;
  }
  return out;
}

/**
 * The upserts above for many tasks (each at most once) in one statement, with the same rule:
 * each field is filled if still unknown and kept otherwise.
 */
export async function upsertTaskFacts(db: AnalyticsTx, rows: readonly TaskFactsRow[]): Promise<void> {
  if (rows.length === 0) return;
  const t = tasks;
  await db.execute(sql`
    insert into ${t} (id, title, jira_id, reward, completed_at, completed_day, completed_week, completed_month)
    select r.id, r.title, r."jiraId", r.reward, r."completedAt", r."completedDay", r."completedWeek", r."completedMonth"
    from jsonb_to_recordset(${jsonParam(rows)}) as r(
      id uuid, title text, "jiraId" text, reward bigint, "completedAt" timestamptz,
      "completedDay" date, "completedWeek" date, "completedMonth" date)
    on conflict (id) do update set
      title = coalesce(${t}.title, excluded.title),
      jira_id = case when ${t}.title is null then excluded.jira_id else ${t}.jira_id end,
      reward = coalesce(${t}.reward, excluded.reward),
      completed_at = coalesce(${t}.completed_at, excluded.completed_at),
      completed_day = coalesce(${t}.completed_day, excluded.completed_day),
      completed_week = coalesce(${t}.completed_week, excluded.completed_week),
      completed_month = coalesce(${t}.completed_month, excluded.completed_month)`);
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
