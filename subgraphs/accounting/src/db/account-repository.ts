import { asc, sql } from 'drizzle-orm';
import type { AccountingTx } from './db.ts';
import {
  anyUuid,
  anyUuidPlaceholder,
  isUuid,
  jsonParam,
  preparedPerDb,
  uuidArrayLiteral,
} from '@ates/service-kit';
import { accounts, type AccountRow } from './schema.ts';

/** Opens the user's account unless it exists (users' events and first sight race harmlessly). */
export async function openAccount(db: AccountingTx, userId: string, at: Date, newId: () => string) {
  await db
    .insert(accounts)
    .values({ id: newId(), userId, createdAt: at })
    .onConflictDoNothing({ target: accounts.userId });
}

export async function findAccountsOfUsers(
  db: AccountingTx,
  userIds: readonly string[],
): Promise<AccountRow[]> {
  const valid = userIds.filter(isUuid);
  if (valid.length === 0) return [];
  return accountsOfUsers(db).execute({ userIds: uuidArrayLiteral(valid) });
}

const accountsOfUsers = preparedPerDb((db: AccountingTx) =>
  db
    .select()
    .from(accounts)
    .where(anyUuidPlaceholder(accounts.userId, 'userIds'))
    .prepare('accounts_of_users'),
);

/**
 * Holds the accounts table until the transaction ends: readers go on, every writer (a posting,
 * an account opening) waits.
 */
export async function lockAccountsAgainstWriters(db: AccountingTx): Promise<void> {
  await db.execute(sql`lock table accounts in exclusive mode`);
}

/**
 * `openAccount` for several users in one statement, inserted in user id order (a fixed lock
 * order). Users who have an account are filtered out first (one anti-join): a conflict found by
 * ON CONFLICT costs an index probe per row, and nearly every user of a batch has one; the
 * conflict clause stays for an account opened concurrently.
 */
export async function openAccounts(
  db: AccountingTx,
  userIds: readonly string[],
  at: Date,
  newId: () => string,
): Promise<void> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return;
  const rows = unique.map((userId) => ({ id: newId(), user_id: userId }));
  await db.execute(sql`
    insert into accounts (id, user_id, created_at)
    select r.id, r.user_id, ${at.toISOString()}::timestamptz
    from jsonb_to_recordset(${jsonParam(rows)}) as r(id uuid, user_id uuid)
    where not exists (select 1 from accounts a where a.user_id = r.user_id)
    order by r.user_id
    on conflict (user_id) do nothing`);
}

/**
 * The users' accounts, locked until the transaction ends, taken in id order (every batch locks
 * in the same order, so two batches never deadlock on each other's accounts).
 */
export async function lockAccountsOfUsers(
  db: AccountingTx,
  userIds: readonly string[],
): Promise<AccountRow[]> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return [];
  return db
    .select()
    .from(accounts)
    .where(anyUuid(accounts.userId, unique))
    .orderBy(asc(accounts.id))
    .for('update');
}

/** Moves each account's balance by its delta: one statement for the whole batch. */
export async function addToBalances(db: AccountingTx, deltas: ReadonlyMap<string, number>): Promise<void> {
  if (deltas.size === 0) return;
  const rows = [...deltas].map(([id, delta]) => ({ id, delta }));
  await db.execute(sql`
    update accounts a set balance = a.balance + v.delta
    from jsonb_to_recordset(${jsonParam(rows)}) as v(id uuid, delta bigint) where a.id = v.id`);
}
