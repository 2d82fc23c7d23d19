import type { AccountingDb } from '../../src/db/db.ts';
import { openAccounts } from '../../src/db/account-repository.ts';
import type { TransactionRow } from '../../src/db/schema.ts';
import type { Entry } from '../../src/domain/ledger.ts';
import { applyEntries } from '../../src/use-cases/apply-entries.ts';
import type { AccountingDeps } from '../../src/use-cases/deps.ts';

/** Posts one entry in its own transaction as the task reactions do; its row, or null if the ledger held the fact. */
export const postEntry = (
  db: AccountingDb,
  deps: AccountingDeps,
  entry: Entry,
): Promise<TransactionRow | null> =>
  db.transaction(async (tx) => {
    await openAccounts(tx, [entry.userId], deps.clock.now(), deps.newId);
    const [row] = await applyEntries(tx, deps, [{ entry, cause: { eventId: entry.eventId } }]);
    return row ?? null;
  });
