import type { AnalyticsTx } from '../db/db.ts';
import { collectTransaction, flushProjection, type AppliedTransaction } from './project-batch.ts';

export type { AppliedTransaction };

/**
 * One ledger transaction into the read model at once: fees and rewards into their billing
 * day's earnings, the amount into the account's end-of-day balances (and the count in red where
 * a balance changes sign), and a reward into its task. Every part is a sum or a first-known
 * fact, so transactions may arrive in any order. (The projection's consumers collect a whole
 * batch and write it together: see project-batch.ts.)
 */
export async function projectTransaction(tx: AnalyticsTx, t: AppliedTransaction): Promise<void> {
  collectTransaction(tx, t);
  await flushProjection(tx);
}
