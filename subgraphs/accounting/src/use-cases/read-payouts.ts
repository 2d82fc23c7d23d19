import { payoutsOfAccounts } from '../db/payout-repository.ts';
import type { AccountingDeps } from './deps.ts';

/** Batches `Account.payouts` over a list of accounts: every payout of each, newest day first. */
export async function payoutsByAccount(deps: AccountingDeps, accountIds: readonly string[]) {
  const rows = await payoutsOfAccounts(deps.reads ?? deps.db, accountIds);
  return accountIds.map((id) => rows.filter((r) => r.accountId === id));
}
