import {
  appliedTransactions,
  liveStream,
  oncePerEvent,
  type AnyEventEnvelope,
  type LiveFeed,
} from '@ates/events';
import { requireRole, requireViewer, type Viewer } from '@ates/service-kit';
import { ACCOUNTING_STAFF } from '../domain/permissions.ts';
import type { AccountRow } from '../db/schema.ts';
import type { AccountingDay } from '../domain/dashboard.ts';
import { accountingToday } from '../use-cases/dashboard.ts';
import { myAccount } from '../use-cases/read-account.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';

/**
 * The caller's account after each event that applies a transaction of theirs (never another
 * popug's): one update per event, read after all of its transactions (v2 announces a batch).
 */
export function myAccountStream(
  feed: LiveFeed,
  deps: AccountingDeps,
  viewer: Viewer | null,
): AsyncIterableIterator<{ myAccount: AccountRow }> {
  const me = requireViewer(viewer);
  return liveStream(feed, ['transaction.applied'], async (event) => {
    if (event.type !== 'transaction.applied') return null;
    if (!appliedTransactions(event).some((t) => t.userId === me.userId)) return null;
    return { myAccount: await myAccount(deps, me) };
  });
}

/** Today's accounting figures after each transaction (ADMIN, ACCOUNTANT). */
export function accountingTodayStream(
  feed: LiveFeed,
  deps: AccountingDeps,
  viewer: Viewer | null,
): AsyncIterableIterator<{ accountingToday: AccountingDay }> {
  requireRole(viewer, ACCOUNTING_STAFF);
  const today = todayOf(deps);
  return liveStream(feed, ['transaction.applied'], async (event) => ({
    accountingToday: await today(event),
  }));
}

/** Today's figures are the same for every subscriber: read once per event, not once per subscriber. */
const todayPerEvent = new WeakMap<AccountingDeps, (event: AnyEventEnvelope) => Promise<AccountingDay>>();
function todayOf(deps: AccountingDeps) {
  let today = todayPerEvent.get(deps);
  if (!today) {
    today = oncePerEvent(() => accountingToday(deps));
    todayPerEvent.set(deps, today);
  }
  return today;
}
