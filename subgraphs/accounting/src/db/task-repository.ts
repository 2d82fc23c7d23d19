import { sql } from 'drizzle-orm';
import { presentIds, type AccountingDb, type AccountingTx } from './db.ts';
import { anyUuidPlaceholder, isUuid, jsonParam, preparedPerDb, uuidArrayLiteral } from '@ates/service-kit';
import { pricedTasks, type PricedTaskRow } from './schema.ts';
import type { LedgerCounts } from '../domain/reconciliation.ts';

/** Which of these tasks accounting already knows (has priced): one indexed read, no locks. */
export const knownTaskIds = (db: AccountingTx, ids: readonly string[]): Promise<Set<string>> =>
  presentIds(db, pricedTasks, ids);

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
  return pricedTasksByIds(db).execute({ ids: uuidArrayLiteral(valid) });
}

const pricedTasksByIds = preparedPerDb((db: AccountingTx) =>
  db
    .select()
    .from(pricedTasks)
    .where(anyUuidPlaceholder(pricedTasks.id, 'ids'))
    .prepare('priced_tasks_by_ids'),
);

/**
 * Accounting's side of a reconciliation page: up to `limit` known tasks in id order after
 * `after` (up to `upper` inclusive when set), each with its reported counts and its ledger's
 * fees and rewards, counted through the two partial unique indexes. Operator query, one snapshot.
 */
export async function ledgerCounts(
  db: AccountingDb,
  after: string | null,
  upper: string | null,
  limit: number,
): Promise<LedgerCounts[]> {
  return db.transaction(
    async (tx) => {
      const rows = await tx.execute<{
        task_id: string;
        reported: number;
        completions: number;
        fees: number;
        rewards: number;
      }>(sql`
        select t.id as task_id, t.assignments_reported as reported, t.completions_reported as completions,
               (select count(*)::int from transactions x where x.task_id = t.id and x.kind = 'ASSIGN_FEE') as fees,
               (select count(*)::int from transactions x where x.task_id = t.id and x.kind = 'TASK_REWARD') as rewards
        from tasks t
        where (${after}::uuid is null or t.id > ${after}::uuid)
          and (${upper}::uuid is null or t.id <= ${upper}::uuid)
        order by t.id
        limit ${limit}`);
      return Array.from(rows, (r) => ({
        taskId: r.task_id,
        assignmentsReported: r.reported,
        completionsReported: r.completions,
        fees: r.fees,
        rewards: r.rewards,
      }));
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}
