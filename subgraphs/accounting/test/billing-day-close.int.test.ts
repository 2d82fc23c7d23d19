import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { appliedTransactions, type EnvelopeOf } from '@ates/events';
import { HttpPaymentProvider } from '@ates/payments';
import { DomainError } from '@ates/service-kit';
import { waitFor } from '@ates/testing';
import { billingDays, dailyTotals } from '../src/db/tables.ts';
import { closeBillingDay } from '../src/use-cases/close-billing-day.ts';
import { payWhileClosing } from '../src/use-cases/pay-payouts.ts';
import { RETRY, payoutsTestbed } from './support/payouts-harness.ts';

const bed = payoutsTestbed('closeday');
const accounting = (now: string) => bed.accounting({ now });

const popugs = (n: number) => Array.from({ length: n }, () => randomUUID());

describe('closing a billing day', () => {
  it('pays out positive balances, carries negative ones over and leaves zero ones alone', async () => {
    const a = await accounting('2026-11-24T10:00:00Z');
    const [plus, minus, zero, plusToo] = popugs(4) as [string, string, string, string];
    await a.move(plus, 3_250);
    await a.move(plus, -1_000);
    await a.move(minus, -1_500);
    await a.move(zero, 2_000);
    await a.move(zero, -2_000);
    await a.move(plusToo, 1);

    a.clock.set(new Date('2026-11-25T00:00:05Z'));
    const run = await a.worker.runOnce();

    expect(run.closed).toEqual([{ day: '2026-11-24', accountsPaid: 2, totalPaid: 2_251, accountsInRed: 1 }]);
    expect(run.pay).toMatchObject({ paid: 2, failed: 0, nextAttemptAt: null });
    expect((await a.account(plus)).balance).toBe(0);
    expect((await a.account(plusToo)).balance).toBe(0);
    expect((await a.account(minus)).balance).toBe(-1_500);
    expect((await a.account(zero)).balance).toBe(0);
    // The audit log shows the payout on the closed day, bringing the balance to zero.
    expect((await a.ledgerOf(plus)).at(-1)).toMatchObject({
      kind: 'PAYOUT',
      amount: -2_250,
      balanceAfter: 0,
      day: '2026-11-24',
      description: 'Payout for 2026-11-24',
    });
    expect(await a.ledgerOf(minus)).toHaveLength(1);
    expect(await a.payoutsOf(minus)).toEqual([]);
    expect(await a.payoutsOf(zero)).toEqual([]);
    const [payout] = await a.payoutsOf(plus);
    expect(payout).toMatchObject({ day: '2026-11-24', amount: 2_250, status: 'PAID', attempts: 1 });
    expect(payout?.paidAt).toBeInstanceOf(Date);
    // The bank paid it once, under the payout's id.
    const paid = await bed.bank.payments({ accountId: payout!.accountId });
    expect(paid.map((p) => [p.idempotencyKey, p.amountCents])).toEqual([[payout!.id, 2_250]]);
    expect(payout?.providerPaymentId).toBe(paid[0]?.id);
    // Every account is closed through the day; the day's totals count the payouts.
    for (const userId of [plus, minus, zero, plusToo])
      expect((await a.account(userId)).closedThrough).toBe('2026-11-24');
    const [totals] = await a.db.select().from(dailyTotals).where(eq(dailyTotals.day, '2026-11-24'));
    expect(totals?.payoutsMade).toBe(2_251);
    const [closed] = await a.db.select().from(billingDays);
    expect(closed).toMatchObject({ day: '2026-11-24', accountsPaid: 2, totalPaid: 2_251, accountsInRed: 1 });
  });

  it('publishes the PAYOUT transactions, the close, each payout and one email job per payout', async () => {
    const a = await accounting('2026-11-24T10:00:00Z');
    const [p1, p2, red] = popugs(3) as [string, string, string];
    await a.move(p1, 1_000);
    await a.move(p2, 2_000);
    await a.move(red, -700);
    a.clock.set(new Date('2026-11-25T00:00:00Z'));
    await a.worker.runOnce();
    await a.service.outboxDrained();

    // The close's PAYOUT rows, announced through transaction.applied v2.
    const announced = (await a.events(
      'transaction.applied',
    )) as unknown as EnvelopeOf<'transaction.applied'>[];
    expect(announced.every((e) => e.version === 2)).toBe(true);
    const applied = announced.flatMap(appliedTransactions).filter((t) => t.kind === 'PAYOUT');
    expect(applied.map((t) => [t.userId, t.amount, t.balanceAfter, t.day])).toEqual(
      expect.arrayContaining([
        [p1, -1_000, 0, '2026-11-24'],
        [p2, -2_000, 0, '2026-11-24'],
      ]),
    );
    expect(applied).toHaveLength(2);
    expect((await a.events('billing-day.closed')).map((e) => e.data)).toEqual([
      expect.objectContaining({ day: '2026-11-24', accountsPaid: 2, totalPaid: 3_000, accountsInRed: 1 }),
    ]);
    // One payout.made (v2) for the batch, naming each payout once.
    const events = await a.events('payout.made');
    expect(events.map((e) => e.version)).toEqual([2]);
    const made = events.flatMap((e) => e.data.payouts as Record<string, unknown>[]);
    expect(made.map((p) => [p.userId, p.amount, p.attempts]).sort()).toEqual(
      [
        [p1, 1_000, 1],
        [p2, 2_000, 1],
      ].sort(),
    );
    // One email job (v2) for the batch, one email per payout inside.
    const jobs = await a.events('email.requested');
    expect(jobs.map((j) => j.version)).toEqual([2]);
    const emails = jobs.flatMap((j) => j.data.emails as { userId: string }[]);
    const payouts = await a.allPayouts();
    expect(emails.sort((x, y) => String(x.userId).localeCompare(String(y.userId)))).toEqual(
      payouts
        .map((p) => ({
          userId: p.userId,
          template: 'payout-notice',
          data: { day: '2026-11-24', amountCents: p.amount },
          idempotencyKey: `payout-notice:${p.id}`,
        }))
        .sort((x, y) => x.userId.localeCompare(y.userId)),
    );
  });

  it('closing a day again pays nobody twice and returns the same figures', async () => {
    const a = await accounting('2026-11-24T10:00:00Z');
    const [p1, red] = popugs(2) as [string, string];
    await a.move(p1, 4_200);
    await a.move(red, -100);
    a.clock.set(new Date('2026-11-25T00:00:00Z'));
    const first = await a.worker.runOnce();
    // The next day's work, then the same day closed again by an admin and by the worker.
    await a.move(p1, 999);
    const again = await closeBillingDay(a.deps, '2026-11-24', { waitMs: 1_000 });
    const rerun = await a.worker.runOnce();

    expect(again).toEqual(first.closed[0]);
    expect(rerun.closed).toEqual([]);
    expect(rerun.pay?.paid).toBe(0);
    expect(await a.payoutsOf(p1)).toHaveLength(1);
    expect(await bed.bank.payments({ accountId: (await a.account(p1)).id })).toHaveLength(1);
    expect((await a.account(p1)).balance).toBe(999);
    const emails = (await a.events('email.requested')).flatMap((e) => e.data.emails as unknown[]);
    expect(emails).toHaveLength(1);
    expect(await a.events('billing-day.closed')).toHaveLength(1);
  });

  it('refuses a day that has not begun in the company time zone', async () => {
    const a = await accounting('2026-11-24T23:30:00Z');
    const refusal = await closeBillingDay(a.deps, '2026-11-25', { waitMs: 0 }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ code: 'BAD_USER_INPUT', field: 'day' });
    // In Berlin it is already the 25th.
    const berlin = { ...a.deps, timeZone: 'Europe/Berlin' };
    expect(await closeBillingDay(berlin, '2026-11-25', { waitMs: 0 })).toMatchObject({ day: '2026-11-25' });
  });

  it('puts a transaction applied after its day was closed on the next day', async () => {
    const a = await accounting('2026-11-24T10:00:00Z');
    const [p1, p2] = popugs(2) as [string, string];
    await a.move(p1, 1_000);
    // An admin closes today early; the rest of the calendar day belongs to tomorrow.
    await closeBillingDay(a.deps, '2026-11-24', { waitMs: 0 });
    a.clock.advance(60_000);
    const late = await a.move(p1, 500);
    const newcomer = await a.move(p2, 300);
    expect(late?.day).toBe('2026-11-25');
    expect(newcomer?.day).toBe('2026-11-25');
    // At midnight the worker has nothing left to close for the 24th, and pays the early close.
    a.clock.set(new Date('2026-11-25T00:00:01Z'));
    const run = await a.worker.runOnce();
    expect(run.closed).toEqual([]);
    expect(run.pay?.paid).toBe(1);
    expect(await a.payoutsOf(p1)).toMatchObject([{ day: '2026-11-24', amount: 1_000, status: 'PAID' }]);
    expect((await a.account(p1)).balance).toBe(500);
    // The next night pays what the late transactions earned.
    a.clock.set(new Date('2026-11-26T00:00:01Z'));
    expect((await a.worker.runOnce()).closed).toEqual([
      { day: '2026-11-25', accountsPaid: 2, totalPaid: 800, accountsInRed: 0 },
    ]);
  });

  it('after downtime closes every missed day in order, each paying that day’s closing balance', async () => {
    const a = await accounting('2026-11-20T09:00:00Z');
    const [p1] = popugs(1) as [string];
    await a.move(p1, 1_000); // the 20th ends at 10.00
    a.clock.set(new Date('2026-11-21T09:00:00Z'));
    await a.move(p1, -1_500); // the 21st ends at -5.00: carried over
    a.clock.set(new Date('2026-11-22T09:00:00Z'));
    await a.move(p1, 2_000); // the 22nd ends at 15.00 after the 20th's payout
    a.clock.set(new Date('2026-11-23T09:00:00Z'));
    await a.move(p1, 50); // the 23rd is today when the worker comes back: not closed

    const run = await a.worker.runOnce();

    expect(run.closed.map((c) => [c.day, c.accountsPaid, c.totalPaid, c.accountsInRed])).toEqual([
      ['2026-11-20', 1, 1_000, 0],
      ['2026-11-21', 0, 0, 1],
      ['2026-11-22', 1, 500, 0],
    ]);
    expect((await a.payoutsOf(p1)).map((p) => [p.day, p.amount, p.status])).toEqual([
      ['2026-11-20', 1_000, 'PAID'],
      ['2026-11-22', 500, 'PAID'],
    ]);
    expect((await a.account(p1)).balance).toBe(50);
    expect((await a.account(p1)).closedThrough).toBe('2026-11-22');
  });

  it('pays each page of a close once it has committed, while the next pages are still closing', async () => {
    const a = await accounting('2026-11-24T10:00:00Z');
    const ids = popugs(6);
    for (const [i, id] of ids.entries()) await a.move(id, 100 + i);
    a.clock.set(new Date('2026-11-25T00:00:05Z'));
    const provider = new HttpPaymentProvider({ baseUrl: bed.bank.sandbox.url, timeoutMs: 2_000 });
    const ours = new Set(await Promise.all(ids.map(async (id) => (await a.account(id)).id)));
    // The bank is shared by the tests of this file: only this test's accounts count.
    const paidAccounts = async () =>
      new Set((await bed.bank.payments({})).map((p) => p.accountId).filter((id) => ours.has(id)));
    const closed: string[] = [];
    let dayRecordedWhenFirstPagePaid: number | null = null;

    const pay = await payWhileClosing(a.deps, { provider, retry: RETRY }, (payCommitted) =>
      closeBillingDay(a.deps, '2026-11-24', {
        waitMs: 0,
        pageSize: 2,
        onPayoutsCommitted: payCommitted,
        hooks: {
          async afterAccountClosed(accountId) {
            closed.push(accountId);
            // Nobody is paid before the page that made their payout committed.
            for (const paid of await paidAccounts()) expect(closed).toContain(paid);
            if (closed.length === 5) {
              // The third page has committed: the first one is paid while the close goes on.
              await waitFor('the first page to be paid', async () => {
                const paid = await paidAccounts();
                return paid.has(closed[0]!) && paid.has(closed[1]!);
              });
              dayRecordedWhenFirstPagePaid = await a.countRows('billing_days');
            }
          },
        },
      }),
    );

    expect(dayRecordedWhenFirstPagePaid).toBe(0);
    expect(pay).toMatchObject({ paid: 6, failed: 0, nextAttemptAt: null });
    expect((await a.allPayouts()).map((p) => p.status)).toEqual(Array(6).fill('PAID'));
    expect(await paidAccounts()).toEqual(new Set(closed));
  });

  it('runs one close at a time: concurrent closes of one day pay once and agree on the figures', async () => {
    const a = await accounting('2026-11-24T10:00:00Z');
    const ids = popugs(20);
    for (const [i, id] of ids.entries()) await a.move(id, i % 3 === 0 ? -100 - i : 100 + i);
    a.clock.set(new Date('2026-11-25T00:00:00Z'));
    const [run, ...results] = await Promise.all([
      a.worker.runOnce(),
      closeBillingDay(a.deps, '2026-11-24', { waitMs: 10_000 }),
      closeBillingDay(a.deps, '2026-11-24', { waitMs: 10_000 }),
      closeBillingDay(a.deps, '2026-11-24', { waitMs: 10_000 }),
    ]);
    for (const r of results) expect(r).toEqual(results[0]);
    // The worker does not wait for a close running elsewhere: it closed the day or stood by.
    expect(run.busy ? [] : run.closed).toEqual(run.busy ? [] : [results[0]]);
    expect(results[0]).toMatchObject({ accountsPaid: 13, accountsInRed: 7 });
    expect(await a.countRows('payouts')).toBe(13);
    expect(await a.countRows('billing_days')).toBe(1);
  });

  it('keeps every cent while transactions are applied during the close of today', async () => {
    const a = await accounting('2026-11-24T10:00:00Z');
    const ids = popugs(8);
    for (const id of ids) await a.move(id, 1_000);
    const amounts = Array.from({ length: 80 }, (_, i) => (i % 2 ? 37 : -23) * (1 + (i % 5)));
    const [, applied] = await Promise.all([
      closeBillingDay(a.deps, '2026-11-24', { waitMs: 0, pageSize: 3 }),
      Promise.all(amounts.map((cents, i) => a.move(ids[i % ids.length]!, cents))),
    ]);
    for (const id of ids) {
      const ledger = await a.ledgerOf(id);
      const account = await a.account(id);
      const onDay = ledger.filter((t) => t.day === '2026-11-24' && t.kind !== 'PAYOUT');
      const payout = ledger.filter((t) => t.kind === 'PAYOUT');
      const endOfDay = onDay.reduce((s, t) => s + t.amount, 0);
      // Whatever counted on the closed day was paid out (or carried over), nothing else was.
      expect(payout.map((t) => -t.amount)).toEqual(endOfDay > 0 ? [endOfDay] : []);
      // Everything else counts on the next day, and no cent is lost.
      expect(ledger.every((t) => t.day === '2026-11-24' || t.day === '2026-11-25')).toBe(true);
      expect(account.balance).toBe(ledger.reduce((s, t) => s + t.amount, 0));
      expect(ledger.at(-1)?.balanceAfter).toBe(account.balance);
    }
    expect(applied.every((row) => row !== null)).toBe(true);
    const [closed] = await a.db.select().from(billingDays);
    expect(closed?.day).toBe('2026-11-24');
  });

  it('pays only the closed day when a batch of the next day commits while the close waits for its lock', async () => {
    const a = await accounting('2026-11-24T10:00:00Z');
    const [p1] = popugs(1) as [string];
    await a.move(p1, 4_200);
    a.clock.set(new Date('2026-11-25T00:00:05Z'));
    const { id } = await a.account(p1);
    // A ledger batch of the next day, as the consumer writes it: the account's lock, its row and
    // balance; it commits only once the close's page is waiting for that lock.
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let commit!: () => void;
    const committing = new Promise<void>((resolve) => (commit = resolve));
    const batch = a.deps.sql.begin(async (tx) => {
      await tx`select 1 from accounts where id = ${id} for update`;
      await tx`
        insert into transactions (id, account_id, kind, amount, balance_after, task_id, description, day, created_at)
        values (${randomUUID()}, ${id}, 'TASK_REWARD', 999, 5199, ${randomUUID()}, 'Reward', '2026-11-25', now())`;
      await tx`update accounts set balance = balance + 999 where id = ${id}`;
      holding();
      await committing;
    });
    await held;
    const closing = closeBillingDay(a.deps, '2026-11-24', { waitMs: 0 });
    await waitFor('the close to wait for the account lock', async () => {
      const [row] = await a.deps.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`;
      return (row?.n ?? 0) > 0;
    });
    commit();
    await batch;
    const figures = await closing;

    // The day's 42.00 is paid; the next day's 9.99 stays on the account.
    expect(figures).toMatchObject({ accountsPaid: 1, totalPaid: 4_200 });
    expect((await a.payoutsOf(p1)).map((p) => p.amount)).toEqual([4_200]);
    expect((await a.account(p1)).balance).toBe(999);
  });
});
