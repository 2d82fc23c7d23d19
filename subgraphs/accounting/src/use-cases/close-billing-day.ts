import { enqueueEvents } from '@ates/events';
import { failedPrecondition, requireRole, type Viewer } from '@ates/service-kit';
import { lockAccountsAgainstWriters } from '../db/account-repository.ts';
import { figuresOf, figuresOfClose, findBillingDay, insertBillingDay } from '../db/billing-day-repository.ts';
import { notifyPayoutsDue } from '../db/payout-repository.ts';
import type { PayoutRow } from '../db/schema.ts';
import { LockBusyError, withSessionLock } from '../db/session-lock.ts';
import { checkDayToClose, type BillingDayFigures } from '../domain/billing-day.ts';
import type { Day } from '../domain/business-day.ts';
import { billingDayClosed } from '../events/accounting-events.ts';
import { closeAccountsDay, type ClosedPage } from './close-accounts-day.ts';
import { today } from './dashboard.ts';
import type { AccountingDeps } from './deps.ts';
import { retryOnConflict } from './retry-on-conflict.ts';

/** One close at a time per database, whichever process runs it (payout workers, the subgraph). */
export const CLOSE_LOCK = 'ates.accounting.billing-day-close';

/** Points where tests stop a close to prove that it resumes (crash windows, docs/payouts.md). */
export interface CloseHooks {
  afterAccountClosed?(accountId: string): void | Promise<void>;
}

export interface CloseOptions {
  /** How long to wait for a close running elsewhere (0: do not wait, throw LockBusyError). Polls. */
  waitMs: number;
  hooks?: CloseHooks;
  /** Accounts closed per transaction of the sweep (default 5,000). */
  pageSize?: number;
  /**
   * Called with the PENDING payouts of each transaction of the close once it has committed (after
   * the hooks of its accounts): the payout worker pays them while the close goes on.
   */
  onPayoutsCommitted?(payouts: PayoutRow[]): void;
}

/**
 * Closes business day `day` for every account, exactly once (docs/business-rules.md#the-billing-day):
 *
 * 1. refused (BAD_USER_INPUT) if the day has not begun; a closed day returns its figures;
 * 2. under the close lock, every account not yet closed through the day is closed, a page of
 *    accounts per transaction with set-based SQL (closeAccountsDay): payout + PAYOUT row, or
 *    carried over, and `closed_through`;
 * 3. one last transaction locks the accounts table against writers, closes any account opened
 *    meanwhile, computes the figures from what step 2 recorded, writes the `billing_days` row
 *    and `billing-day.closed`, and wakes the payout worker, which pays the PENDING payouts.
 *
 * A crash anywhere leaves either nothing or whole pages of accounts closed; running it again closes the
 * rest, and every account is closed (so paid) once. Payments are not made here: a caller that pays
 * (the payout worker, through payWhileClosing) gets each committed page's payouts from `onPayoutsCommitted`,
 * and payDuePayouts pays whatever is due.
 */
export async function closeBillingDay(
  deps: AccountingDeps,
  day: Day,
  options: CloseOptions,
): Promise<BillingDayFigures> {
  checkDayToClose(day, today(deps), deps.firstDay);
  const deadline = deps.clock.now().getTime() + options.waitMs;
  for (;;) {
    const closed = await findBillingDay(deps.db, day);
    if (closed) return figuresOf(closed);
    try {
      return await withSessionLock(deps.sql, CLOSE_LOCK, () => closeUnderLock(deps, day, options));
    } catch (error) {
      if (!(error instanceof LockBusyError) || deps.clock.now().getTime() >= deadline) throw error;
    }
    // Another process is closing: poll for its result without holding a connection.
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

const LOCK_POLL_MS = 100;
/** Accounts per transaction of the close: a few statements each, whatever the size. */
const DEFAULT_PAGE_SIZE = 5_000;

async function closeUnderLock(deps: AccountingDeps, day: Day, options: CloseOptions) {
  const meanwhile = await findBillingDay(deps.db, day);
  if (meanwhile) return figuresOf(meanwhile);
  const log = deps.logger.child({ day });
  log.info('closing billing day');
  let afterId: string | null = null;
  const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
  for (;;) {
    const after: string | null = afterId;
    const page: ClosedPage = await retryOnConflict(() =>
      deps.db.transaction((tx) => closeAccountsDay(tx, deps, day, { afterId: after, limit })),
    );
    if (page.accountIds.length === 0) break;
    for (const id of page.accountIds) await options.hooks?.afterAccountClosed?.(id);
    if (page.payouts.length > 0) options.onPayoutsCommitted?.(page.payouts);
    afterId = page.accountIds.at(-1) ?? null;
  }
  const { figures, payouts } = await retryOnConflict(() => finishClose(deps, day));
  if (payouts.length > 0) options.onPayoutsCommitted?.(payouts);
  log.info({ ...figures }, 'billing day closed');
  return figures;
}

/**
 * The close's last transaction. While it holds the accounts table (readers go on, writers wait),
 * no transaction can be applied, so none lands on the day once `billing_days` says it is closed:
 * applyEntries reads the latest closed day after its account locks.
 */
async function finishClose(
  deps: AccountingDeps,
  day: Day,
): Promise<{ figures: BillingDayFigures; payouts: PayoutRow[] }> {
  return deps.db.transaction(async (tx) => {
    await lockAccountsAgainstWriters(tx);
    let afterId: string | null = null;
    const payouts: PayoutRow[] = [];
    for (;;) {
      const page = await closeAccountsDay(tx, deps, day, { afterId, limit: DEFAULT_PAGE_SIZE });
      if (page.accountIds.length === 0) break;
      payouts.push(...page.payouts);
      afterId = page.accountIds.at(-1) ?? null;
    }
    const figures = await figuresOfClose(tx, day);
    const closedAt = deps.clock.now();
    const row = await insertBillingDay(tx, figures, closedAt);
    if (!row) throw new Error(`billing day ${day} was closed by someone else while holding the close lock`);
    await enqueueEvents(tx, [billingDayClosed(figures, closedAt)]);
    await notifyPayoutsDue(tx, day);
    return { figures, payouts };
  });
}

/** `closeBillingDay` for an admin: waits for a close running elsewhere, up to a minute. */
export async function closeBillingDayAsAdmin(
  deps: AccountingDeps,
  viewer: Viewer | null,
  day: Day,
): Promise<BillingDayFigures> {
  requireRole(viewer, ['ADMIN']);
  try {
    return await closeBillingDay(deps, day, { waitMs: 60_000 });
  } catch (error) {
    if (error instanceof LockBusyError)
      throw failedPrecondition('Another close of a billing day is running; try again in a minute');
    throw error;
  }
}
