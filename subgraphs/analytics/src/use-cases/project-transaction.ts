import type { Cents } from '@ates/service-kit';
import { addToBalances, applyRedChange } from '../db/balance-repository.ts';
import type { AnalyticsTx } from '../db/db.ts';
import { addToDailyEarnings } from '../db/earnings-repository.ts';
import { lockProjection } from '../db/projection-lock.ts';
import { rememberReward } from '../db/task-repository.ts';
import { redChanges } from '../domain/balances.ts';
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

/**
 * One ledger transaction into the read model: fees and rewards into their billing day's
 * earnings, the amount into the account's end-of-day balances (and the count in red where a
 * balance changes sign), and a reward into its task. Every part is a sum or a first-known fact,
 * so transactions may arrive in any order.
 */
export async function projectTransaction(tx: AnalyticsTx, t: AppliedTransaction): Promise<void> {
  await lockProjection(tx);
  // Independent statements go out together: postgres.js pipelines them on the transaction's
  // connection, so the common case (no balance changes sign) is one round trip.
  const [rows] = await Promise.all([
    addToBalances(tx, t.accountId, t.day, t.amount),
    t.kind === 'ASSIGN_FEE' ? addToDailyEarnings(tx, t.day, 'feesCharged', -t.amount) : null,
    t.kind === 'TASK_REWARD' ? addToDailyEarnings(tx, t.day, 'rewardsPaid', t.amount) : null,
    t.kind === 'TASK_REWARD' && t.taskId ? rememberReward(tx, t.taskId, t.amount) : null,
  ]);
  for (const change of redChanges(rows, t.amount)) await applyRedChange(tx, change);
}
