import { enqueueEvents } from '@ates/events';
import { backoffDelay, isPaymentError, type BackoffPolicy, type PaymentProvider } from '@ates/payments';
import { duePayouts, markPayoutFailed, markPayoutPaid, nextPayoutAttempt } from '../db/payout-repository.ts';
import type { PayoutRow } from '../db/schema.ts';
import { withSessionLock } from '../db/session-lock.ts';
import { payoutDescription } from '../domain/billing-day.ts';
import { payoutMade, payoutNoticeRequested } from '../events/accounting-events.ts';
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
 * Pays every unpaid payout that is due, one after the other, through the provider with the
 * payout id as idempotency key. The provider pays at most once per key, and PAID is written once
 * (only from PENDING or FAILED), so a payout retried after any failure or crash, even one after
 * the provider had paid, is paid once and announced once: `payout.made` and the popug's email
 * job commit with the PAID status. A failure leaves it FAILED with the reason and a next
 * attempt after an exponential backoff.
 */
export async function payDuePayouts(deps: AccountingDeps, options: PayOptions): Promise<PayReport> {
  return withSessionLock(deps.sql, PAY_LOCK, async () => {
    const report: PayReport = { paid: 0, failed: 0, nextAttemptAt: null };
    const tried = new Set<string>();
    for (;;) {
      if (options.signal?.aborted) break;
      const due = (await duePayouts(deps.db, deps.clock.now(), 50)).filter((p) => !tried.has(p.id));
      if (due.length === 0) break;
      for (const payout of due) {
        if (options.signal?.aborted) break;
        tried.add(payout.id);
        if (await payOne(deps, options, payout)) report.paid += 1;
        else report.failed += 1;
      }
    }
    report.nextAttemptAt = await nextPayoutAttempt(deps.db);
    return report;
  });
}

async function payOne(deps: AccountingDeps, options: PayOptions, payout: PayoutRow): Promise<boolean> {
  const log = deps.logger.child({ payoutId: payout.id, accountId: payout.accountId, day: payout.day });
  let receipt;
  try {
    receipt = await options.provider.pay({
      idempotencyKey: payout.id,
      accountId: payout.accountId,
      userId: payout.userId,
      amountCents: payout.amount,
      currency: 'USD',
      description: `aTES ${payoutDescription(payout.day).toLowerCase()}`,
    });
  } catch (error) {
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
    return false;
  }
  await options.hooks?.afterProviderCall?.(payout);
  const paid = await deps.db.transaction(async (tx) => {
    const row = await markPayoutPaid(tx, payout.id, receipt);
    if (row) await enqueueEvents(tx, [payoutMade(row), payoutNoticeRequested(row)]);
    return row;
  });
  if (paid) {
    log.info({ amount: paid.amount, providerPaymentId: paid.providerPaymentId }, 'payout paid');
    await options.hooks?.afterPaidCommit?.(paid);
  }
  return true;
}
