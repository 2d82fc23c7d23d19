import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { appliedTransactions, type EnvelopeOf } from '@ates/events';
import { accounts, dailyTotals, transactions } from '../src/db/tables.ts';
import { assignFeeEntry, rewardEntry } from '../src/domain/ledger.ts';
import { ledgerPerFile } from './support/deps.ts';
import { dayTotalsFromLedgerRows, eventsOfTransaction } from './support/db/ledger-reads.ts';
import { postEntry } from './support/post-entry.ts';

const { database, deps } = ledgerPerFile('accounting_ledger', {
  now: '2026-03-01T12:00:00Z',
  seed: 1,
  max: 24,
});

const task = (title = 'Feed the parrots') => ({ taskId: randomUUID(), title, jiraId: null });
const fee = (userId: string, assignFee: number, assignmentNo = 1, t = task()) =>
  assignFeeEntry(t, { assignFee, reward: 2000 }, { assigneeId: userId, assignmentNo, eventId: randomUUID() });

const apply = (entry: ReturnType<typeof fee>) => postEntry(database.db, deps, entry);

async function ledgerOf(userId: string) {
  const [account] = await database.db.select().from(accounts).where(eq(accounts.userId, userId));
  if (!account) throw new Error('no account');
  const rows = await database.db
    .select()
    .from(transactions)
    .where(eq(transactions.accountId, account.id))
    .orderBy(transactions.seq);
  return { account, rows };
}

describe('the ledger under concurrency', () => {
  it('loses no update when many transactions for one account are applied at once', async () => {
    const userId = randomUUID();
    const amounts = Array.from({ length: 120 }, (_, i) => 1000 + ((i * 37) % 1001));
    // Each in its own database transaction, all in flight together (the account opens on first sight).
    await Promise.all(amounts.map((a) => apply(fee(userId, a))));
    const { account, rows } = await ledgerOf(userId);
    const total = -amounts.reduce((s, a) => s + a, 0);
    expect(rows).toHaveLength(120);
    expect(account.balance).toBe(total);
    // Applied one after the other: each row's balance is the previous one plus its amount.
    let running = 0;
    for (const row of rows) {
      running += row.amount;
      expect(row.balanceAfter).toBe(running);
    }
    expect(running).toBe(total);
  });

  it('keeps the per-day totals equal to the day’s ledger rows', async () => {
    const userId = randomUUID();
    const t = task('Reward me');
    await Promise.all([1100, 1200, 1300].map((a) => apply(fee(userId, a))));
    await apply(
      rewardEntry(t, { assignFee: 1000, reward: 3333 }, { assigneeId: userId, eventId: randomUUID() }),
    );
    const [totals] = await database.db.select().from(dailyTotals).where(eq(dailyTotals.day, '2026-03-01'));
    const ledger = await dayTotalsFromLedgerRows(database.db, '2026-03-01');
    expect(totals).toMatchObject({
      feesCharged: ledger.fees,
      rewardsPaid: ledger.rewards,
      transactions: ledger.n,
    });
  });

  it('charges one assignment of a task once, even when it arrives under different event ids at the same time', async () => {
    const userId = randomUUID();
    const t = task();
    const results = await Promise.all(Array.from({ length: 10 }, () => apply(fee(userId, 1500, 4, t))));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const { account, rows } = await ledgerOf(userId);
    expect(rows).toHaveLength(1);
    expect(account.balance).toBe(-1500);
    // The next assignment number is a new fact.
    expect(await apply(fee(userId, 1500, 5, t))).not.toBeNull();
  });

  it('announces a ledger row in one transaction.applied v2, with the balance after it and its cause', async () => {
    const userId = randomUUID();
    const entry = fee(userId, 1999);
    const applied = await apply(entry);
    const announced = await eventsOfTransaction(database.db, applied!.id);
    expect(announced).toHaveLength(1);
    const payload = announced[0]!.payload as EnvelopeOf<'transaction.applied'>;
    // A batch of one names its cause on the envelope too, and the ledger as its aggregate.
    expect(payload).toMatchObject({ version: 2, aggregateId: 'ledger', causationId: entry.eventId });
    expect(appliedTransactions(payload)).toEqual([
      {
        transactionId: applied!.id,
        accountId: applied!.accountId,
        userId,
        kind: 'ASSIGN_FEE',
        amount: -1999,
        taskId: applied!.taskId,
        assignmentNo: applied!.assignmentNo,
        day: '2026-03-01',
        balanceAfter: -1999,
        description: applied!.description,
        appliedAt: applied!.createdAt.toISOString(),
        causationId: entry.eventId,
      },
    ]);
  });

  it('refuses to change or delete a ledger row', async () => {
    const userId = randomUUID();
    const row = await apply(fee(userId, 1000));
    // drizzle wraps the database's error: its message is the cause's.
    const refusal = (query: Promise<unknown>) =>
      query.then(
        () => 'accepted',
        (error: Error) => (error.cause instanceof Error ? error.cause.message : error.message),
      );
    const id = eq(transactions.id, row!.id);
    expect(await refusal(database.db.update(transactions).set({ amount: -1 }).where(id))).toMatch(
      /immutable/,
    );
    expect(await refusal(database.db.delete(transactions).where(id))).toMatch(/immutable/);
  });
});
