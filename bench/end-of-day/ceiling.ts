/**
 * The ceiling of the end of day's shape, measured beside it: the rows closing and paying each
 * account writes — a PAYOUT ledger row, a PENDING payout, the account's balance and closed day;
 * then the bank's payment and the payout PAID; per 500 accounts one `transaction.applied` (v2),
 * one `payout.made` (v2) and one `email.requested` (v2) job naming them — written with no
 * decisions: rows built before the clock starts, postgres.js multi-row statements (B_pg's way),
 * pages of 5,000 accounts each closed in one transaction and paid (batches of 500, 4 in flight)
 * while the next page closes, as the payout worker does. No HTTP, no schema checks, no events
 * built: what any implementation keeping those rows pays at least.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { writeClosePage, writePaid, writePayments } from '../lib/db/ceiling-writes.ts';
import { openConnections } from '../lib/db/maintenance.ts';

const PAGE = 5_000;
const BATCH = 500;
const WINDOW = 4;

export interface SeededAccount {
  id: string;
  userId: string;
  balance: number;
}

type Row = Record<string, unknown>;

interface Page {
  ledger: Row[];
  payouts: Row[];
  balances: (string | number)[][];
  applied: Row[];
  pay: { bank: Row[]; paid: string[]; outbox: Row[] }[];
}

const outboxRow = (type: string, aggregateId: string, data: object, at: string, version = 1): Row => {
  const id = randomUUID();
  return {
    id,
    subject: `accounting.${type}`,
    type,
    version,
    aggregate_id: aggregateId,
    payload: { id, type, version, occurredAt: at, producer: 'accounting', aggregateId, data },
    headers: { 'ates-type': type, 'ates-version': String(version), 'ates-aggregate': aggregateId },
  };
};

function buildPages(accounts: readonly SeededAccount[], day: string, at: Date): Page[] {
  const iso = at.toISOString();
  const description = `Payout for ${day}`;
  const pages: Page[] = [];
  for (let i = 0; i < accounts.length; i += PAGE) {
    const page: Page = { ledger: [], payouts: [], balances: [], applied: [], pay: [] };
    const items: Row[] = [];
    for (const a of accounts.slice(i, i + PAGE)) {
      const transactionId = randomUUID();
      const payoutId = randomUUID();
      page.ledger.push({
        id: transactionId,
        account_id: a.id,
        kind: 'PAYOUT',
        amount: -a.balance,
        balance_after: 0,
        description,
        day,
        created_at: at,
      });
      page.payouts.push({
        id: payoutId,
        account_id: a.id,
        user_id: a.userId,
        day,
        amount: a.balance,
        transaction_id: transactionId,
        status: 'PENDING',
        next_attempt_at: at,
        created_at: at,
      });
      page.balances.push([a.id, a.balance]);
      items.push({
        transactionId,
        accountId: a.id,
        userId: a.userId,
        kind: 'PAYOUT',
        amount: -a.balance,
        taskId: null,
        assignmentNo: null,
        day,
        balanceAfter: 0,
        description,
        appliedAt: iso,
        causationId: null,
      });
    }
    // transaction.applied v2: one event per 500 of the page's rows, as the close writes it.
    for (let j = 0; j < items.length; j += BATCH)
      page.applied.push(
        outboxRow('transaction.applied', 'ledger', { transactions: items.slice(j, j + BATCH) }, iso, 2),
      );
    for (let j = 0; j < page.payouts.length; j += BATCH) {
      const batch = page.payouts.slice(j, j + BATCH);
      page.pay.push({
        bank: batch.map((p) => ({
          id: randomUUID(),
          idempotency_key: p.id,
          request_hash: 'ceiling',
          account_id: p.account_id,
          user_id: p.user_id,
          amount_cents: p.amount,
          currency: 'USD',
          description,
          status: 'PAID',
          paid_at: at,
        })),
        paid: batch.map((p) => String(p.id)),
        outbox: [
          outboxRow(
            'payout.made',
            day,
            {
              day,
              payouts: batch.map((p) => ({
                payoutId: p.id,
                accountId: p.account_id,
                userId: p.user_id,
                day,
                amount: p.amount,
                transactionId: p.transaction_id,
                providerPaymentId: 'ceiling',
                attempts: 1,
                paidAt: iso,
              })),
            },
            iso,
            2,
          ),
          // email.requested v2: the batch's payout notices in one job, as the PAID commit writes it.
          outboxRow(
            'email.requested',
            day,
            {
              emails: batch.map((p) => ({
                userId: p.user_id,
                template: 'payout-notice',
                data: { day, amountCents: p.amount },
                idempotencyKey: `payout-notice:${String(p.id)}`,
              })),
            },
            iso,
            2,
          ),
        ],
      });
    }
    pages.push(page);
  }
  return pages;
}

/** Closes and pays `accounts` (all in plus, none closed through `day`) as described above; returns the ms. */
export async function measureCeiling(
  accountingUrl: string,
  bankUrl: string,
  accounts: readonly SeededAccount[],
  day: string,
): Promise<number> {
  const sql = postgres(accountingUrl, { max: 1 + WINDOW, onnotice: () => {} });
  const bank = postgres(bankUrl, { max: WINDOW, onnotice: () => {} });
  try {
    const pages = buildPages(accounts, day, new Date());
    await Promise.all([openConnections(sql, 1 + WINDOW), openConnections(bank, WINDOW)]);
    const payPage = async (page: Page) => {
      let next = 0;
      const worker = async () => {
        while (next < page.pay.length) {
          const batch = page.pay[next++]!;
          await writePayments(bank, batch.bank);
          await sql.begin((tx) => writePaid(tx, batch));
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, worker));
    };
    const t0 = performance.now();
    let paying: Promise<void> = Promise.resolve();
    for (const page of pages) {
      await sql.begin((tx) => writeClosePage(tx, page, day));
      paying = paying.then(() => payPage(page));
    }
    await paying;
    return performance.now() - t0;
  } finally {
    await sql.end();
    await bank.end();
  }
}
