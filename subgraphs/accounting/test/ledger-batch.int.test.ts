import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { asc, eq, inArray } from 'drizzle-orm';
import { appliedTransactions, type AnyEventEnvelope, type EnvelopeOf } from '@ates/events';
import { accounts, dailyTotals, outbox, pricedTasks, transactions } from '../src/db/tables.ts';
import { taskReactions } from '../src/events/task-reactions.ts';
import { applyTaskEvents } from '../src/use-cases/apply-task-events.ts';
import { ledgerPerFile } from './support/deps.ts';
import { assigned, completed, created, shuffleChunk } from './support/task-events.ts';

const { database, deps } = ledgerPerFile('accounting_ledger_batch', {
  now: '2026-03-01T12:00:00Z',
  seed: 7,
  max: 4,
});

const handleTogether = (events: AnyEventEnvelope[]) =>
  database.db.transaction((tx) => applyTaskEvents(tx, deps, events));

async function accountOf(userId: string) {
  const [account] = await database.db.select().from(accounts).where(eq(accounts.userId, userId));
  if (!account) throw new Error(`no account of ${userId}`);
  const rows = await database.db
    .select()
    .from(transactions)
    .where(eq(transactions.accountId, account.id))
    .orderBy(asc(transactions.seq));
  return { account, rows };
}

describe('a batch of task events applied together', () => {
  it('posts every fee and reward in order, each row with its running balance, and moves each balance once', async () => {
    const ann: string = randomUUID();
    const bob: string = randomUUID();
    const t1: string = randomUUID();
    const t2: string = randomUUID();
    await handleTogether([
      created(t1, ann),
      assigned(t1, ann, 1),
      assigned(t2, ann, 1),
      assigned(t1, bob, 2),
      completed(t1, bob),
    ]);
    const [p1] = await database.db.select().from(pricedTasks).where(eq(pricedTasks.id, t1));
    const [p2] = await database.db.select().from(pricedTasks).where(eq(pricedTasks.id, t2));
    if (!p1 || !p2) throw new Error('tasks not priced');
    expect(p1.assignmentsReported).toBe(2);
    expect(p1.completionsReported).toBe(1);
    const a = await accountOf(ann);
    expect(a.rows.map((r) => [r.kind, r.amount, r.balanceAfter])).toEqual([
      ['ASSIGN_FEE', -p1.assignFee, -p1.assignFee],
      ['ASSIGN_FEE', -p2.assignFee, -p1.assignFee - p2.assignFee],
    ]);
    expect(a.account.balance).toBe(-p1.assignFee - p2.assignFee);
    const b = await accountOf(bob);
    expect(b.rows.map((r) => [r.kind, r.balanceAfter])).toEqual([
      ['ASSIGN_FEE', -p1.assignFee],
      ['TASK_REWARD', p1.reward - p1.assignFee],
    ]);
    expect(b.account.balance).toBe(p1.reward - p1.assignFee);
    const [totals] = await database.db.select().from(dailyTotals).where(eq(dailyTotals.day, '2026-03-01'));
    expect(totals).toMatchObject({
      feesCharged: 2 * p1.assignFee + p2.assignFee,
      rewardsPaid: p1.reward,
      transactions: 4,
    });
    // One transaction.applied v2 for the batch, its items in ledger order with their causes.
    const applied = await database.db.select().from(outbox).where(eq(outbox.type, 'transaction.applied'));
    const batch = applied
      .map((e) => e.payload as EnvelopeOf<'transaction.applied'>)
      .filter((e) => appliedTransactions(e).some((t) => t.accountId === a.account.id));
    expect(batch).toHaveLength(1);
    expect(batch[0]).toMatchObject({ version: 2, aggregateId: 'ledger' });
    // Many causes: each item names its own, the envelope none.
    expect(batch[0]!.causationId).toBeUndefined();
    const ledgerOrder = [...a.rows, ...b.rows].sort((x, y) => x.seq - y.seq);
    expect(
      appliedTransactions(batch[0]!).map((t) => [t.transactionId, t.balanceAfter, t.causationId]),
    ).toEqual(ledgerOrder.map((r) => [r.id, r.balanceAfter, r.eventId]));
    const priced = await database.db.select().from(outbox).where(eq(outbox.type, 'task.priced'));
    expect(priced.filter((e) => [t1, t2].includes(e.aggregateId ?? ''))).toHaveLength(2);
  });

  it('skips facts the ledger already holds and facts repeated within the batch, whatever event carries them', async () => {
    const ann = randomUUID();
    const t = randomUUID();
    const first = assigned(t, ann, 1);
    await database.db.transaction(async (tx) => {
      await taskReactions(deps)['task.assigned']![1]!(first, {
        tx,
        logger: deps.logger,
        delivery: { consumer: 'test', stream: 'tasks', subject: 'x', streamSeq: 1, attempt: 1 },
      });
    });
    // The same assignment again under another event id, twice, and the completion twice.
    await handleTogether([assigned(t, ann, 1), assigned(t, ann, 1), completed(t, ann), completed(t, ann)]);
    const { account, rows } = await accountOf(ann);
    expect(rows.map((r) => r.kind)).toEqual(['ASSIGN_FEE', 'TASK_REWARD']);
    expect(account.balance).toBe(rows.reduce((sum, r) => sum + r.amount, 0));
    expect(rows.at(-1)?.balanceAfter).toBe(account.balance);
  });
  it('charges a fee per assignment of a chunk (v2) under its event id; the chunk again, or v1 of it, changes nothing', async () => {
    const ann = randomUUID();
    const bob = randomUUID();
    const [t1, t2, t3] = [randomUUID(), randomUUID(), randomUUID()];
    const shuffled = shuffleChunk([
      { taskId: t1, assigneeId: ann, assignmentNo: 1 },
      { taskId: t2, assigneeId: bob, assignmentNo: 1 },
      { taskId: t3, assigneeId: ann, assignmentNo: 1 },
    ]);
    await handleTogether([shuffled]);
    const prices = await database.db
      .select()
      .from(pricedTasks)
      .where(inArray(pricedTasks.id, [t1, t2, t3]));
    // Re-delivered (a restored inbox), and one of its assignments as v1 under another id.
    await handleTogether([shuffled, assigned(t2, bob, 1)]);
    const fees = async (user: string) =>
      (await accountOf(user)).rows.map((r) => [r.kind, r.taskId, r.assignmentNo, r.eventId]);
    expect(await fees(ann)).toEqual([
      ['ASSIGN_FEE', t1, 1, shuffled.id],
      ['ASSIGN_FEE', t3, 1, shuffled.id],
    ]);
    expect(await fees(bob)).toEqual([['ASSIGN_FEE', t2, 1, shuffled.id]]);
    const after = await database.db
      .select()
      .from(pricedTasks)
      .where(inArray(pricedTasks.id, [t1, t2, t3]));
    expect(after).toEqual(prices);
    expect(after.map((p) => p.assignmentsReported)).toEqual([1, 1, 1]);
    const { account, rows } = await accountOf(ann);
    expect(account.balance).toBe(rows.reduce((sum, r) => sum + r.amount, 0));
  });

  it('lets two lanes apply batches that share tasks and the day concurrently: no deadlock, every fee once', async () => {
    const creator = randomUUID();
    const tasks = Array.from({ length: 40 }, () => randomUUID()).sort();
    // Lanes are by account: each lane has accounts of its own, and the tasks are shared.
    const laneA = Array.from({ length: 5 }, () => randomUUID());
    const laneB = Array.from({ length: 5 }, () => randomUUID());
    await handleTogether(tasks.map((t) => created(t, creator)));
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      // Opposite orders: without one lock order, each would hold a task the other one needs.
      const a = tasks.map((t, i) => assigned(t, laneA[i % laneA.length]!, 2 * round + 1));
      const b = [...tasks].reverse().map((t, i) => assigned(t, laneB[i % laneB.length]!, 2 * round + 2));
      await Promise.all([handleTogether(a), handleTogether(b)]);
    }
    const rows = await database.db
      .select({ kind: transactions.kind, taskId: transactions.taskId, no: transactions.assignmentNo })
      .from(transactions)
      .where(inArray(transactions.taskId, tasks));
    expect(rows).toHaveLength(tasks.length * rounds * 2);
    expect(new Set(rows.map((r) => `${r.taskId}:${r.no}`)).size).toBe(rows.length);
    const reported = await database.db
      .select({ n: pricedTasks.assignmentsReported })
      .from(pricedTasks)
      .where(inArray(pricedTasks.id, tasks));
    expect(reported.map((r) => r.n)).toEqual(tasks.map(() => rounds * 2));
    for (const user of [...laneA, ...laneB]) {
      const { account, rows: own } = await accountOf(user);
      expect(account.balance).toBe(own.reduce((sum, r) => sum + r.amount, 0));
      expect(own.at(-1)?.balanceAfter).toBe(account.balance);
    }
  });
});
