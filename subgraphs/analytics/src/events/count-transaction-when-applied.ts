import type { EventHandler } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { projectTransaction } from '../use-cases/project-transaction.ts';

/**
 * Each ledger transaction counts on the billing day accounting gave it (`day`), so analytics'
 * per-day figures always agree with accounting's; balances are sums of amounts, so the order
 * transactions arrive in does not matter.
 */
export const countTransactionWhenApplied: EventHandler<'transaction.applied', 1, typeof tables> = (
  event,
  { tx },
) => {
  const { accountId, kind, amount, day, taskId } = event.data;
  return projectTransaction(tx, { accountId, kind, amount, day, taskId });
};
