import { makeEvent, type EmailRequestedV2, type PayoutMadeV2 } from '@ates/events';
import type { PayoutRow, PricedTaskRow, TransactionRow } from '../db/schema.ts';
import type { BillingDayFigures } from '../domain/billing-day.ts';
import { chunk } from '../domain/chunk.ts';
import { PRODUCER } from '../use-cases/deps.ts';

/** The event that caused a change: its id becomes the causation id of what accounting publishes. */
export interface Cause {
  eventId: string;
  correlationId?: string;
}

/** The events accounting publishes, built from its rows: one place for their shapes. */

/** A ledger row with its account's owner: what one item of `transaction.applied` v2 says. */
export type AppliedRow = Omit<TransactionRow, 'seq'> & { userId: string };

/** At most this many transactions per `transaction.applied` v2 (its schema's maxItems). */
export const TRANSACTIONS_PER_EVENT = 500;

/**
 * The aggregate id of every `transaction.applied` v2. A batch spans many accounts, so it names
 * the ledger: consumers that keep order per aggregate keep the events in commit order, and with
 * the items in ledger order each account's transactions arrive in the order they were applied.
 */
export const LEDGER_AGGREGATE = 'ledger';

/**
 * The one way accounting announces ledger rows (postings, payouts, anything else): `transaction.applied`
 * v2, one event per TRANSACTIONS_PER_EVENT rows in the given (ledger) order, written to the
 * outbox by the caller in the transaction that inserts the rows. `cause` is the event behind
 * every row (a batch of one); a batch of many causes names each in its items only.
 */
export const transactionsApplied = (rows: readonly AppliedRow[], cause?: Cause) =>
  chunk(rows, TRANSACTIONS_PER_EVENT).map((part) =>
    makeEvent({
      type: 'transaction.applied',
      version: 2,
      producer: PRODUCER,
      aggregateId: LEDGER_AGGREGATE,
      occurredAt: part.at(-1)!.createdAt,
      correlationId: cause?.correlationId,
      causationId: cause?.eventId,
      data: {
        transactions: part.map((row) => ({
          transactionId: row.id,
          accountId: row.accountId,
          userId: row.userId,
          kind: row.kind,
          amount: row.amount,
          taskId: row.taskId,
          assignmentNo: row.assignmentNo,
          day: row.day,
          balanceAfter: row.balanceAfter,
          description: row.description,
          appliedAt: row.createdAt.toISOString(),
          causationId: row.eventId,
        })),
      },
    }),
  );

export const taskPriced = (task: PricedTaskRow, cause: Cause) =>
  makeEvent({
    type: 'task.priced',
    version: 1,
    producer: PRODUCER,
    aggregateId: task.id,
    occurredAt: task.pricedAt,
    correlationId: cause.correlationId,
    causationId: cause.eventId,
    data: {
      taskId: task.id,
      assignFee: task.assignFee,
      reward: task.reward,
      pricedAt: task.pricedAt.toISOString(),
    },
  });

export const billingDayClosed = (figures: BillingDayFigures, closedAt: Date) =>
  makeEvent({
    type: 'billing-day.closed',
    version: 1,
    producer: PRODUCER,
    aggregateId: figures.day,
    occurredAt: closedAt,
    data: {
      day: figures.day,
      closedAt: closedAt.toISOString(),
      accountsPaid: figures.accountsPaid,
      totalPaid: figures.totalPaid,
      accountsInRed: figures.accountsInRed,
    },
  });

/** What `payout.made` says of one paid payout (`paidAt` and `providerPaymentId` are set). */
function paidPayoutData(payout: PayoutRow) {
  if (!payout.paidAt || !payout.providerPaymentId) throw new Error(`payout ${payout.id} is not paid`);
  return {
    payoutId: payout.id,
    accountId: payout.accountId,
    userId: payout.userId,
    day: payout.day,
    amount: payout.amount,
    transactionId: payout.transactionId,
    providerPaymentId: payout.providerPaymentId,
    attempts: payout.attempts,
    paidAt: payout.paidAt.toISOString(),
  };
}

/** Payouts in one event (v2, at most this many): a batch's PAID commit writes one per day, not one per payout. */
export const PAYOUTS_PER_EVENT = 1000;

/**
 * The paid payouts of one PAID commit, one `payout.made` v2 per business day (the day is the
 * aggregate, as for `billing-day.closed`), each at most PAYOUTS_PER_EVENT payouts.
 */
export function payoutsMade(payouts: readonly PayoutRow[]) {
  const byDay = new Map<string, PayoutRow[]>();
  for (const p of payouts) {
    const list = byDay.get(p.day);
    if (list) list.push(p);
    else byDay.set(p.day, [p]);
  }
  return [...byDay].flatMap(([day, rows]) =>
    chunk(rows, PAYOUTS_PER_EVENT).map((part) =>
      makeEvent({
        type: 'payout.made',
        version: 2,
        producer: PRODUCER,
        aggregateId: day,
        occurredAt: part.at(-1)!.paidAt ?? undefined,
        // Never empty: `part` is a non-empty run of a day's rows.
        data: { day, payouts: part.map(paidPayoutData) as PayoutMadeV2['payouts'] },
      }),
    ),
  );
}

/** Emails in one `email.requested` v2 job (its schema's maxItems). */
export const EMAILS_PER_JOB = 1000;

/** The payout notice of one paid payout: the key names the payout, so it is sent once whatever job carries it. */
const payoutNotice = (payout: PayoutRow): EmailRequestedV2['emails'][number] => ({
  userId: payout.userId,
  template: 'payout-notice',
  data: { day: payout.day, amountCents: payout.amount },
  idempotencyKey: `payout-notice:${payout.id}`,
});

/**
 * The jobs that tell the popugs about paid payouts (work queue, for the email worker): one
 * `email.requested` v2 per EMAILS_PER_JOB payouts of one PAID commit, one email per payout
 * inside (v1 was one job per payout: an outbox row each). The day of the first payout names it.
 */
export function payoutNoticesRequested(payouts: readonly PayoutRow[]) {
  return chunk(payouts, EMAILS_PER_JOB).map((part) =>
    makeEvent({
      type: 'email.requested',
      version: 2,
      producer: PRODUCER,
      aggregateId: part[0]!.day,
      occurredAt: part.at(-1)!.paidAt ?? undefined,
      // Never empty: chunk() yields non-empty parts.
      data: { emails: part.map(payoutNotice) as EmailRequestedV2['emails'] },
    }),
  );
}
