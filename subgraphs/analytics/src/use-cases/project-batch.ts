import type { Cents } from '@ates/service-kit';
import { moveBalances, moveRedCounts } from '../db/balance-repository.ts';
import type { AnalyticsTx } from '../db/db.ts';
import { addEarnings, type DayEarnings } from '../db/earnings-repository.ts';
import { lockProjection } from '../db/projection-lock.ts';
import { mergeTaskFacts, upsertTaskFacts, type TaskFactsRow } from '../db/task-repository.ts';
import { redChanges, type RedChange } from '../domain/balances.ts';
import type { Day } from '../domain/calendar.ts';

export interface AppliedTransaction {
  accountId: string;
  kind: 'ASSIGN_FEE' | 'TASK_REWARD' | 'PAYOUT';
  /** Signed cents. */
  amount: Cents;
  /** The billing day accounting counted it on. */
  day: Day;
  taskId: string | null;
}

/** What the events of one transaction (a consumer's batch) add to the read model, not yet written. */
interface Pending {
  transactions: AppliedTransaction[];
  /** Facts per task id, merged in arrival order: the first known value of each field wins. */
  tasks: Map<string, TaskFactsRow>;
}

const pending = new WeakMap<object, Pending>();

function pendingOf(tx: AnalyticsTx): Pending {
  let batch = pending.get(tx);
  if (!batch) {
    batch = { transactions: [], tasks: new Map() };
    pending.set(tx, batch);
  }
  return batch;
}

/** Collects a ledger transaction; written by `flushProjection` (the consumer calls it before committing). */
export function collectTransaction(tx: AnalyticsTx, t: AppliedTransaction): void {
  const batch = pendingOf(tx);
  batch.transactions.push(t);
  if (t.kind === 'TASK_REWARD' && t.taskId) collectTaskFacts(tx, { id: t.taskId, reward: t.amount });
}

/** Collects facts of a task (title, reward, completion); what is already known is kept. */
export function collectTaskFacts(tx: AnalyticsTx, facts: TaskFactsRow): void {
  const tasks = pendingOf(tx).tasks;
  const known = tasks.get(facts.id);
  tasks.set(facts.id, known ? mergeTaskFacts(known, facts) : { ...facts });
}

/** Per-account changes of one statement: each account appears at most once in a round. */
function rounds(transactions: readonly AppliedTransaction[]) {
  const net = new Map<string, Map<Day, Cents>>();
  for (const t of transactions) {
    const days = net.get(t.accountId) ?? new Map<Day, Cents>();
    days.set(t.day, (days.get(t.day) ?? 0) + t.amount);
    net.set(t.accountId, days);
  }
  const out: { accountId: string; day: Day; amount: Cents }[][] = [];
  for (const [accountId, days] of net) {
    // A net zero still makes the account's row of the day, as its transactions one by one would.
    [...days].forEach(([day, amount], i) => (out[i] ??= []).push({ accountId, day, amount }));
  }
  return out;
}

function earningsOf(transactions: readonly AppliedTransaction[]): DayEarnings[] {
  const byDay = new Map<Day, DayEarnings>();
  for (const t of transactions) {
    if (t.kind === 'PAYOUT') continue;
    const e = byDay.get(t.day) ?? { day: t.day, feesCharged: 0, rewardsPaid: 0, transactions: 0 };
    if (t.kind === 'ASSIGN_FEE') e.feesCharged += -t.amount;
    else e.rewardsPaid += t.amount;
    e.transactions += 1;
    byDay.set(t.day, e);
  }
  return [...byDay.values()];
}

/**
 * Writes what was collected in `tx` in a few set-based statements, whatever the number of
 * events: fees and rewards into their billing days' earnings, each account's net amount per
 * day into its end-of-day balances (and the count in red where balances change sign), and the
 * facts of each task. Every part is a sum or a first-known fact, so the result is the one the
 * events would give applied one by one, in any order.
 */
export async function flushProjection(tx: AnalyticsTx): Promise<void> {
  const batch = pending.get(tx);
  if (!batch) return;
  pending.delete(tx);
  if (batch.transactions.length === 0 && batch.tasks.size === 0) return;
  await lockProjection(tx);
  const red: RedChange[] = [];
  for (const round of rounds(batch.transactions)) {
    const moved = await moveBalances(tx, round);
    for (const { accountId, amount } of round) red.push(...redChanges(moved.get(accountId) ?? [], amount));
  }
  await moveRedCounts(tx, red);
  await addEarnings(tx, earningsOf(batch.transactions));
  await upsertTaskFacts(tx, [...batch.tasks.values()]);
}
