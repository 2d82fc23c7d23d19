import { sql } from 'drizzle-orm';
import type { PayoutMadeV1 } from '@ates/events';
import { jsonParam, uuidArrayParam } from '@ates/service-kit';
import { presentIds, type AccountingTx } from './db.ts';
import { outbox } from './tables.ts';

/** Which of these event ids the outbox holds: what the restored database already did. */
export const eventsInOutbox = (db: AccountingTx, ids: readonly string[]): Promise<Set<string>> =>
  presentIds(db, outbox, ids);

export { recordPublished } from '@ates/events';

/** Opens accounts with the ids the events name (an account is the same across the restore). */
export async function openAccountsWithIds(
  db: AccountingTx,
  accounts: readonly { id: string; userId: string; createdAt: string }[],
): Promise<void> {
  if (accounts.length === 0) return;
  await db.execute(sql`
    insert into accounts (id, user_id, created_at)
    select id, user_id, created_at
    from jsonb_to_recordset(${jsonParam(accounts.map((a) => ({ id: a.id, user_id: a.userId, created_at: a.createdAt })))})
      as a(id uuid, user_id uuid, created_at timestamptz)
    order by user_id
    on conflict do nothing`);
}

/** Prices as first drawn (a task keeps its price: the stream's `task.priced` is the record). */
export async function insertPricedTasks(
  db: AccountingTx,
  tasks: readonly {
    id: string;
    title: string;
    jiraId: string | null;
    assignFee: number;
    reward: number;
    pricedAt: string;
  }[],
): Promise<void> {
  if (tasks.length === 0) return;
  await db.execute(sql`
    insert into tasks (id, title, jira_id, assign_fee, reward, priced_at)
    select id, title, jira_id, assign_fee, reward, priced_at
    from jsonb_to_recordset(${jsonParam(
      tasks.map((t) => ({
        id: t.id,
        title: t.title,
        jira_id: t.jiraId,
        assign_fee: t.assignFee,
        reward: t.reward,
        priced_at: t.pricedAt,
      })),
    )}) as t(id uuid, title text, jira_id text, assign_fee bigint, reward bigint, priced_at timestamptz)
    order by id
    on conflict (id) do nothing`);
}

/** Accounts closed through a day (a close's PAYOUT row, or the whole day's close). */
export async function closeAccountsThrough(
  db: AccountingTx,
  day: string,
  scope: { accountIds: readonly string[] } | { openedBy: string },
): Promise<void> {
  const which =
    'accountIds' in scope
      ? sql`id = any(${uuidArrayParam(scope.accountIds)})`
      : sql`created_at <= ${scope.openedBy}::timestamptz`;
  await db.execute(sql`
    update accounts set closed_through = ${day}::date
    where (closed_through is null or closed_through < ${day}::date) and ${which}`);
}

export async function insertBillingDayRecord(
  db: AccountingTx,
  day: { day: string; closedAt: string; accountsPaid: number; totalPaid: number; accountsInRed: number },
): Promise<void> {
  await db.execute(sql`
    insert into billing_days (day, closed_at, accounts_paid, total_paid, accounts_in_red)
    values (${day.day}::date, ${day.closedAt}::timestamptz, ${day.accountsPaid}, ${day.totalPaid}, ${day.accountsInRed})
    on conflict (day) do nothing`);
}

/** A close's payout of one account and day, as the roll-forward finds it. */
type PayoutOfDay = Omit<PayoutMadeV1, 'providerPaymentId' | 'attempts' | 'paidAt'>;

/** A payout the bank paid: inserted PAID, or a PENDING one of the dump marked PAID. */
export async function recordPaidPayouts(db: AccountingTx, payouts: readonly PayoutMadeV1[]): Promise<void> {
  if (payouts.length === 0) return;
  const rows = jsonParam(payouts);
  await db.execute(sql`
    insert into payouts (id, account_id, user_id, day, amount, transaction_id, status, attempts,
                         next_attempt_at, paid_at, provider_payment_id, created_at)
    select p."payoutId", p."accountId", p."userId", p.day, p.amount, p."transactionId", 'PAID', p.attempts,
           p."paidAt", p."paidAt", p."providerPaymentId", p."paidAt"
    from jsonb_to_recordset(${rows}) as p("payoutId" uuid, "accountId" uuid, "userId" uuid, day date,
      amount bigint, "transactionId" uuid, "providerPaymentId" text, attempts int, "paidAt" timestamptz)
    on conflict (id) do update set status = 'PAID', paid_at = excluded.paid_at,
      provider_payment_id = excluded.provider_payment_id, attempts = excluded.attempts, last_error = null
      where payouts.status <> 'PAID'`);
}

/** A close's payout not known to be paid: PENDING, unless the account's payout of the day exists. */
export async function recordPendingPayouts(
  db: AccountingTx,
  payouts: readonly (PayoutOfDay & { createdAt: string })[],
): Promise<void> {
  if (payouts.length === 0) return;
  const rows = jsonParam(payouts);
  await db.execute(sql`
    insert into payouts (id, account_id, user_id, day, amount, transaction_id, status, next_attempt_at, created_at)
    select p."payoutId", p."accountId", p."userId", p.day, p.amount, p."transactionId", 'PENDING',
           p."createdAt", p."createdAt"
    from jsonb_to_recordset(${rows}) as p("payoutId" uuid, "accountId" uuid, "userId" uuid, day date,
      amount bigint, "transactionId" uuid, "createdAt" timestamptz)
    on conflict do nothing`);
}
