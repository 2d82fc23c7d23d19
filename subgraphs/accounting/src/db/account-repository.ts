import { eq, inArray, sql } from 'drizzle-orm';
import { isUuid, type AccountingTx } from './db.ts';
import { accounts, type AccountRow } from './schema.ts';

/** Opens the user's account unless it exists (users' events and first sight race harmlessly). */
export async function openAccount(db: AccountingTx, userId: string, at: Date, newId: () => string) {
  await db
    .insert(accounts)
    .values({ id: newId(), userId, createdAt: at })
    .onConflictDoNothing({ target: accounts.userId });
}

/**
 * The user's account, locked until the transaction ends: every change of a balance holds this
 * lock, so concurrent transactions for one account apply one after the other.
 */
export async function lockAccountOfUser(db: AccountingTx, userId: string): Promise<AccountRow | undefined> {
  const [row] = await db.select().from(accounts).where(eq(accounts.userId, userId)).for('update');
  return row;
}

export async function addToBalance(db: AccountingTx, accountId: string, amount: number): Promise<void> {
  await db
    .update(accounts)
    .set({ balance: sql`${accounts.balance} + ${amount}` })
    .where(eq(accounts.id, accountId));
}

export async function findAccountsOfUsers(
  db: AccountingTx,
  userIds: readonly string[],
): Promise<AccountRow[]> {
  const valid = userIds.filter(isUuid);
  if (valid.length === 0) return [];
  return db.select().from(accounts).where(inArray(accounts.userId, valid));
}

/** The account, locked until the transaction ends (as `lockAccountOfUser`, by account id). */
export async function lockAccount(db: AccountingTx, accountId: string): Promise<AccountRow | undefined> {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, accountId)).for('update');
  return row;
}
