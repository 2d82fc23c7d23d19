import { eq, inArray, sql } from 'drizzle-orm';
import { isUuid, type AccountingDb, type AccountingTx } from './db.ts';
import { jsonParam } from '@ates/service-kit';
import { pricedTasks, type PricedTaskRow } from './schema.ts';

type NewPricedTask = typeof pricedTasks.$inferInsert;

export async function findTask(db: AccountingTx, id: string): Promise<PricedTaskRow | undefined> {
  const [row] = await db.select().from(pricedTasks).where(eq(pricedTasks.id, id));
  return row;
}

/** Inserts a newly priced task; undefined if another transaction priced it first. */
export async function insertPricedTask(
  db: AccountingTx,
  row: NewPricedTask,
): Promise<PricedTaskRow | undefined> {
  const [inserted] = await db.insert(pricedTasks).values(row).onConflictDoNothing().returning();
  return inserted;
}

/** Inserts newly priced tasks in one statement; those another transaction priced first are left out. */
export async function insertPricedTasks(
  db: AccountingTx,
  rows: readonly (NewPricedTask & { pricedAt: Date })[],
): Promise<PricedTaskRow[]> {
  if (rows.length === 0) return [];
  const inserted = await db.execute<{ id: string }>(sql`
    insert into tasks (id, title, jira_id, assign_fee, reward, priced_at)
    select id, title, jira_id, assign_fee, reward, priced_at
    from jsonb_to_recordset(${jsonParam(rows.map((r) => ({ id: r.id, title: r.title, jira_id: r.jiraId ?? null, assign_fee: r.assignFee, reward: r.reward, priced_at: r.pricedAt.toISOString() })))})
      as r(id uuid, title text, jira_id text, assign_fee bigint, reward bigint, priced_at timestamptz)
    on conflict do nothing
    returning id`);
  const fresh = new Set(inserted.map((r) => r.id));
  return rows
    .filter((r) => fresh.has(r.id))
    .map((r) => ({
      id: r.id,
      title: r.title,
      jiraId: r.jiraId ?? null,
      assignFee: r.assignFee,
      reward: r.reward,
      pricedAt: r.pricedAt,
      assignmentsReported: 0,
      completionsReported: 0,
    }));
}

/** `recordAssignmentReported` for a batch: the highest number per task, one statement. */
export async function recordAssignmentsReported(db: AccountingTx, highest: ReadonlyMap<string, number>) {
  if (highest.size === 0) return;
  const rows = [...highest].map(([id, n]) => ({ id, n }));
  await db.execute(sql`
    update tasks t set assignments_reported = greatest(t.assignments_reported, v.n)
    from jsonb_to_recordset(${jsonParam(rows)}) as v(id uuid, n int) where t.id = v.id`);
}

/** `recordCompletionReported` for a batch of tasks. */
export async function recordCompletionsReported(db: AccountingTx, taskIds: readonly string[]) {
  if (taskIds.length === 0) return;
  await db
    .update(pricedTasks)
    .set({ completionsReported: 1 })
    .where(inArray(pricedTasks.id, [...new Set(taskIds)]));
}

/** The task tracker reported assignment number `n`: remember the highest one seen. */
export async function recordAssignmentReported(db: AccountingTx, taskId: string, n: number) {
  await db
    .update(pricedTasks)
    .set({ assignmentsReported: sql`greatest(${pricedTasks.assignmentsReported}, ${n})` })
    .where(eq(pricedTasks.id, taskId));
}

/** The task tracker reported the task's completion (a task is completed at most once). */
export async function recordCompletionReported(db: AccountingTx, taskId: string) {
  await db.update(pricedTasks).set({ completionsReported: 1 }).where(eq(pricedTasks.id, taskId));
}

export async function findTasksByIds(db: AccountingTx, ids: readonly string[]): Promise<PricedTaskRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  return db.select().from(pricedTasks).where(inArray(pricedTasks.id, valid));
}

export interface TaskCount {
  taskId: string;
  expectedAssignFees: number;
  actualAssignFees: number;
  expectedRewards: number;
  actualRewards: number;
}

/**
 * Per known task, the task tracker's reported counts against the ledger's transactions; only
 * the tasks where they differ, and how many tasks were checked. One pass over the ledger's
 * task index: an operator query, not a hot path.
 */
export async function reconcileTasks(
  db: AccountingDb,
): Promise<{ tasksChecked: number; mismatches: TaskCount[] }> {
  return db.transaction(
    async (tx) => {
      const [checked] = await tx.select({ n: sql<number>`count(*)::int` }).from(pricedTasks);
      const rows = await tx.execute<{
        task_id: string;
        expected_fees: number;
        actual_fees: number;
        expected_rewards: number;
        actual_rewards: number;
      }>(sql`
        select t.id as task_id,
               t.assignments_reported as expected_fees,
               coalesce(x.fees, 0)::int as actual_fees,
               t.completions_reported as expected_rewards,
               coalesce(x.rewards, 0)::int as actual_rewards
        from tasks t
        left join (
          select task_id,
                 count(*) filter (where kind = 'ASSIGN_FEE') as fees,
                 count(*) filter (where kind = 'TASK_REWARD') as rewards
          from transactions where task_id is not null group by task_id
        ) x on x.task_id = t.id
        where t.assignments_reported <> coalesce(x.fees, 0)
           or t.completions_reported <> coalesce(x.rewards, 0)
        order by t.id`);
      return {
        tasksChecked: checked?.n ?? 0,
        mismatches: rows.map((r) => ({
          taskId: r.task_id,
          expectedAssignFees: r.expected_fees,
          actualAssignFees: r.actual_fees,
          expectedRewards: r.expected_rewards,
          actualRewards: r.actual_rewards,
        })),
      };
    },
    // One snapshot for the count and the comparison.
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}
