import { sql } from 'drizzle-orm';
import type { AccountingDb, AccountingTx } from './db.ts';
import { anyUuid, isUuid, jsonParam, uuidArrayParam } from '@ates/service-kit';
import { pricedTasks, type PricedTaskRow } from './schema.ts';

/** Which of these tasks accounting already knows (has priced): one indexed read, no locks. */
export async function knownTaskIds(db: AccountingTx, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.execute<{ id: string }>(
    sql`select id from tasks where id = any(${uuidArrayParam(ids)})`,
  );
  return new Set(Array.from(rows, (r) => r.id));
}

/** A task a batch of events showed: its price if it is new to us, and what the events reported. */
export interface SeenTask {
  id: string;
  title: string;
  jiraId: string | null;
  /** Drawn for a task not known before the batch; null for a known one (its price stays). */
  price: { assignFee: number; reward: number; pricedAt: Date } | null;
  /** The highest assignment number the events reported (0: none). */
  assignmentsReported: number;
  /** 1 if the events reported the task's completion. */
  completionsReported: number;
}

/**
 * Records a batch's tasks in one statement, in task id order (so concurrent batches take the
 * tasks' row locks in one order and never deadlock on each other): a new task is inserted
 * with its price; a known one keeps its price and only raises its reported counts. A task
 * another transaction priced meanwhile keeps that first price. Returns every task as it now
 * is, and whether this statement priced it.
 */
export async function upsertSeenTasks(
  db: AccountingTx,
  tasks: readonly SeenTask[],
): Promise<{ row: PricedTaskRow; priced: boolean }[]> {
  if (tasks.length === 0) return [];
  const rows = tasks.map((t) => ({
    id: t.id,
    title: t.title,
    jira_id: t.jiraId,
    // A known task's row never gets inserted (it conflicts); the NOT NULL columns need values.
    assign_fee: t.price?.assignFee ?? 0,
    reward: t.price?.reward ?? 0,
    priced_at: (t.price?.pricedAt ?? new Date(0)).toISOString(),
    n: t.assignmentsReported,
    c: t.completionsReported,
  }));
  const result = await db.execute<{
    id: string;
    title: string;
    jira_id: string | null;
    assign_fee: string | number;
    reward: string | number;
    priced_at: string | Date;
    assignments_reported: number;
    completions_reported: number;
    priced: boolean;
  }>(sql`
    insert into tasks as t (id, title, jira_id, assign_fee, reward, priced_at, assignments_reported, completions_reported)
    select id, title, jira_id, assign_fee, reward, priced_at, n, c
    from jsonb_to_recordset(${jsonParam(rows)})
      as r(id uuid, title text, jira_id text, assign_fee bigint, reward bigint, priced_at timestamptz, n int, c int)
    order by id
    on conflict (id) do update set
      assignments_reported = greatest(t.assignments_reported, excluded.assignments_reported),
      completions_reported = greatest(t.completions_reported, excluded.completions_reported)
    returning id, title, jira_id, assign_fee, reward, priced_at, assignments_reported, completions_reported,
      (xmax = 0) as priced`);
  return Array.from(result, (r) => ({
    row: {
      id: r.id,
      title: r.title,
      jiraId: r.jira_id,
      assignFee: Number(r.assign_fee),
      reward: Number(r.reward),
      pricedAt: new Date(r.priced_at),
      assignmentsReported: r.assignments_reported,
      completionsReported: r.completions_reported,
    },
    priced: r.priced,
  }));
}

export async function findTasksByIds(db: AccountingTx, ids: readonly string[]): Promise<PricedTaskRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  return db.select().from(pricedTasks).where(anyUuid(pricedTasks.id, valid));
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
