import { enqueueEvents } from '@ates/events';
import {
  backoffDelay,
  isPaymentError,
  type BackoffPolicy,
  type PaymentOutcome,
  type PaymentProvider,
  type PaymentRequest,
} from '@ates/payments';
import { duePayouts, markPayoutFailed, markPayoutsPaid, nextPayoutAttempt } from '../db/payout-repository.ts';
import type { PayoutRow } from '../db/schema.ts';
import { withSessionLock } from '../db/session-lock.ts';
import { payoutDescription } from '../domain/billing-day.ts';
import { chunk } from '../domain/chunk.ts';
import { payoutNoticesRequested, payoutsMade } from '../events/accounting-events.ts';
import type { AccountingDeps } from './deps.ts';

/** One payer at a time per database: two would only make duplicate (harmless) provider calls. */
export const PAY_LOCK = 'ates.accounting.payouts-pay';

/** Points where tests kill the payer (crash windows, docs/payouts.md). */
export interface PayHooks {
  /** The provider confirmed; the PAID commit has not happened. */
  afterProviderCall?(payout: PayoutRow): void | Promise<void>;
  /** PAID, `payout.made` and the email job are committed (in the outbox, maybe not yet relayed). */
  afterPaidCommit?(payout: PayoutRow): void | Promise<void>;
}

export interface PayOptions {
  provider: PaymentProvider;
  /** The schedule of retries after failed attempts. */
  retry: BackoffPolicy;
  hooks?: PayHooks;
  /** Stop starting new payments (shutdown). */
  signal?: AbortSignal;
  random?: () => number;
}

export interface PayReport {
  paid: number;
  failed: number;
  /** When the earliest unpaid payout is due next, or null when everything is paid. */
  nextAttemptAt: Date | null;
}

/**
 * Payouts read per page; each page is paid in batches, several in flight. Large: every page is a
 * scan of the due index, which still holds the entries of the payouts just paid until a vacuum.
 */
const PAGE = 10_000;
/** Payouts per call to a provider that pays many at once (and per PAID transaction). */
const BATCH = 500;
/** Calls in flight to the provider: batches of `BATCH`, or single payments without `payMany`. */
const WINDOW = { batches: 4, singles: 16 };

/**
 * Pays every unpaid payout that is due through the provider, with the payout id as idempotency
 * key: in batches when the provider pays many at once (`payMany`), else one call per payout,
 * several calls in flight either way. The provider pays at most once per key, and PAID is
 * written once (only from PENDING or FAILED), so a payout retried after any failure or crash,
 * even one after the provider had paid, is paid once and announced once: the batch's `payout.made`
 * (v2, one per day of the batch) and its email job (v2, one email per popug) commit with the PAID
 * status (one transaction per batch). A failure leaves it
 * FAILED with the reason and a next attempt after an exponential backoff.
 */
export async function payDuePayouts(deps: AccountingDeps, options: PayOptions): Promise<PayReport> {
  return withSessionLock(deps.sql, PAY_LOCK, () => payDue(deps, options, emptyReport(), new Set()));
}

/**
 * Runs `close` holding the pay lock, and pays the payouts it hands over (each transaction of a
 * close hands over its PENDING payouts once it has committed) while it goes on; then pays
 * whatever else is due, as payDuePayouts. A payout is never paid before the transaction that
 * made it committed, so a close that dies midway leaves only committed payouts, paid or due.
 * Throws LockBusyError (key PAY_LOCK) before running `close` when another process pays.
 */
export async function payWhileClosing(
  deps: AccountingDeps,
  options: PayOptions,
  close: (payCommitted: (payouts: PayoutRow[]) => void) => Promise<unknown>,
): Promise<PayReport> {
  return withSessionLock(deps.sql, PAY_LOCK, async () => {
    const report = emptyReport();
    const tried = new Set<string>();
    // Pages are paid one after the other, each in batches in a window; a failure stops the
    // chain (what is left stays due) and surfaces once the close is done.
    let paying: Promise<void> = Promise.resolve();
    const payCommitted = (payouts: PayoutRow[]) => {
      for (const p of payouts) tried.add(p.id);
      paying = paying.then(() => payAll(deps, options, payouts, report));
      paying.catch(() => undefined);
    };
    try {
      await close(payCommitted);
    } catch (error) {
      await paying.catch(() => undefined);
      throw error;
    }
    await paying;
    return payDue(deps, options, report, tried);
  });
}

const emptyReport = (): PayReport => ({ paid: 0, failed: 0, nextAttemptAt: null });

/** Holding the pay lock: pays the due payouts not in `tried`, a page at a time, until none is left. */
async function payDue(
  deps: AccountingDeps,
  options: PayOptions,
  report: PayReport,
  tried: Set<string>,
): Promise<PayReport> {
  for (;;) {
    if (options.signal?.aborted) break;
    const due = (await duePayouts(deps.db, deps.clock.now(), PAGE)).filter((p) => !tried.has(p.id));
    if (due.length === 0) break;
    for (const p of due) tried.add(p.id);
    await payAll(deps, options, due, report);
  }
  report.nextAttemptAt = await nextPayoutAttempt(deps.db);
  return report;
}

/** Pays these payouts: batches (or single payments) in a window, each settled as it comes back. */
async function payAll(
  deps: AccountingDeps,
  options: PayOptions,
  payouts: PayoutRow[],
  report: PayReport,
): Promise<void> {
  const { provider } = options;
  const batches = provider.payMany ? chunk(payouts, BATCH) : payouts.map((p) => [p]);
  const window = provider.payMany ? WINDOW.batches : WINDOW.singles;
  await inWindow(batches, window, async (batch) => {
    if (options.signal?.aborted) return;
    const outcomes = await payBatch(provider, batch);
    const result = await settle(deps, options, batch, outcomes);
    report.paid += result.paid;
    report.failed += result.failed;
  });
}

const requestOf = (payout: PayoutRow): PaymentRequest => ({
  idempotencyKey: payout.id,
  accountId: payout.accountId,
  userId: payout.userId,
  amountCents: payout.amount,
  currency: 'USD',
  description: `aTES ${payoutDescription(payout.day).toLowerCase()}`,
});

/** How one payment of a batch ended: confirmed, or why not (a PaymentError, or a bug). */
type Outcome = PaymentOutcome | { ok: false; error: unknown };

/** One call to the provider for the batch (one per payout without `payMany`); a failed call is each payout's failure. */
async function payBatch(provider: PaymentProvider, batch: PayoutRow[]): Promise<Outcome[]> {
  if (provider.payMany) {
    try {
      return await provider.payMany(batch.map(requestOf));
    } catch (error) {
      return batch.map(() => ({ ok: false, error }));
    }
  }
  return Promise.all(
    batch.map(async (payout): Promise<Outcome> => {
      try {
        return { ok: true, receipt: await provider.pay(requestOf(payout)) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );
}

/** Records what the provider said: the confirmed ones PAID (with their events) in one commit, the rest FAILED. */
async function settle(
  deps: AccountingDeps,
  options: PayOptions,
  batch: PayoutRow[],
  outcomes: Outcome[],
): Promise<{ paid: number; failed: number }> {
  const confirmed: { payout: PayoutRow; providerPaymentId: string; paidAt: Date }[] = [];
  let failed = 0;
  for (const [i, payout] of batch.entries()) {
    const outcome = outcomes[i];
    if (outcome?.ok) {
      confirmed.push({ payout, ...outcome.receipt });
      await options.hooks?.afterProviderCall?.(payout);
    } else {
      await recordFailure(deps, options, payout, outcome?.error ?? new Error('no outcome'));
      failed += 1;
    }
  }
  const paid = await deps.db.transaction(async (tx) => {
    const rows = await markPayoutsPaid(tx, confirmed);
    // One `payout.made` and one email job for the batch; inside the job one email per popug.
    await enqueueEvents(tx, [...payoutsMade(rows), ...payoutNoticesRequested(rows)]);
    return rows;
  });
  for (const row of paid) {
    deps.logger.debug(
      { payoutId: row.id, amount: row.amount, providerPaymentId: row.providerPaymentId },
      'payout paid',
    );
    await options.hooks?.afterPaidCommit?.(row);
  }
  if (paid.length > 0) deps.logger.info({ payouts: paid.length }, 'payouts paid');
  return { paid: confirmed.length, failed };
}

async function recordFailure(deps: AccountingDeps, options: PayOptions, payout: PayoutRow, error: unknown) {
  const log = deps.logger.child({ payoutId: payout.id, accountId: payout.accountId, day: payout.day });
  const reason = error instanceof Error ? error.message : String(error);
  const retry = payout.attempts + 1;
  const nextAttemptAt = new Date(
    deps.clock.now().getTime() + backoffDelay(retry, options.retry, options.random),
  );
  await markPayoutFailed(deps.db, payout.id, { reason, nextAttemptAt });
  if (isPaymentError(error) && !error.retryable)
    log.error(
      { attempt: retry, reason, nextAttemptAt },
      'provider refused the payout; an operator should look',
    );
  else log.warn({ attempt: retry, reason, nextAttemptAt }, 'payout failed; will retry');
}

/** Runs `work` on every item, at most `size` at a time. */
async function inWindow<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
