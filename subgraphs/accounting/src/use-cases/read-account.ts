import { requireViewer, type Viewer } from '@ates/service-kit';
import { findAccountsOfUsers, openAccount } from '../db/account-repository.ts';
import { pageTransactions } from '../db/ledger-repository.ts';
import type { AccountRow } from '../db/schema.ts';
import { checkPageSize, decodeCursor, encodeCursor } from '../domain/cursor.ts';
import { checkCanSeeAccount } from '../domain/permissions.ts';
import type { AccountingDeps } from './deps.ts';

/**
 * The caller's own account. A logged-in user accounting has not heard of yet (their
 * `user.created` is still on its way) gets their account opened now, empty.
 */
export async function myAccount(deps: AccountingDeps, viewer: Viewer | null): Promise<AccountRow> {
  const { userId } = requireViewer(viewer);
  const [existing] = await findAccountsOfUsers(deps.reads ?? deps.db, [userId]);
  if (existing) return existing;
  await openAccount(deps.db, userId, deps.clock.now(), deps.newId);
  const [opened] = await findAccountsOfUsers(deps.db, [userId]);
  if (!opened) throw new Error(`account of user ${userId} was neither opened nor found`);
  return opened;
}

/** Someone's account as `User.account`: owner, ADMIN and ACCOUNTANT only. */
export async function accountOfUser(
  viewer: Viewer | null,
  userId: string,
  load: (userId: string) => Promise<AccountRow | null>,
): Promise<AccountRow | null> {
  checkCanSeeAccount(requireViewer(viewer), userId);
  return load(userId);
}

/** The audit log: newest first, `first` per page (1–200) after an opaque cursor, optionally one business day. */
export async function auditLog(
  deps: AccountingDeps,
  account: AccountRow,
  args: { first?: number | null; after?: string | null; day?: string | null },
) {
  const first = checkPageSize(args.first ?? 50);
  const afterSeq = args.after ? decodeCursor(args.after) : null;
  const page = await pageTransactions(deps.reads ?? deps.db, account.id, {
    first,
    afterSeq,
    day: args.day ?? null,
  });
  const last = page.rows.at(-1);
  return {
    nodes: page.rows,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? encodeCursor(last.seq) : null },
  };
}
