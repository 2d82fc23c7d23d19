import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { asc } from 'drizzle-orm';
import { makeEvent, type AnyEventEnvelope, type OwnEvent } from '@ates/events';
import { accounts, outbox, transactions } from '../src/db/tables.ts';
import { applyTaskEvents } from '../src/use-cases/apply-task-events.ts';
import { rollForwardBatch } from '../src/use-cases/roll-forward.ts';
import { ledgerPerFile } from './support/deps.ts';
import { assigned, at, completed, title } from './support/task-events.ts';

// Accounting's own stream replayed into a database restored from an older backup: the events it
// published are the record of its ledger rows, in either version of transaction.applied.
const source = ledgerPerFile('accounting_roll_source', { now: '2026-03-01T12:00:00Z', seed: 3, max: 2 });
const restored = ledgerPerFile('accounting_roll_target', { now: '2026-03-01T12:00:00Z', seed: 3, max: 2 });

const own = (envelope: AnyEventEnvelope): OwnEvent => ({
  envelope,
  subject: `accounting.${envelope.type}`,
  headers: {},
});

const ledgerRows = (db: typeof source.database.db) =>
  db
    .select({
      id: transactions.id,
      accountId: transactions.accountId,
      kind: transactions.kind,
      amount: transactions.amount,
      balanceAfter: transactions.balanceAfter,
      taskId: transactions.taskId,
      assignmentNo: transactions.assignmentNo,
      eventId: transactions.eventId,
      day: transactions.day,
    })
    .from(transactions)
    .orderBy(asc(transactions.seq));

describe('rolling accounting forward from its own stream', () => {
  it('rebuilds the ledger rows of transaction.applied v1 and v2 side by side, once', async () => {
    const [ann, bob, cid] = [randomUUID(), randomUUID(), randomUUID()];
    const [t1, t2] = [randomUUID(), randomUUID()];
    // Published by the consumer: task.priced per task and one v2 listing the batch's rows.
    await source.database.db.transaction((tx) =>
      applyTaskEvents(tx, source.deps, [assigned(t1, ann, 1), assigned(t2, bob, 1), completed(t1, ann)]),
    );
    const published = await source.database.db.select().from(outbox).orderBy(asc(outbox.seq));
    const v2 = published.filter((r) => r.type === 'transaction.applied');
    expect(v2.map((r) => r.version)).toEqual([2]);
    // An older v1 fee still in the stream: its assignment number comes from its task.assigned.
    const oldFee = assigned(randomUUID(), cid, 3);
    const [cidAccount, v1Id] = [randomUUID(), randomUUID()];
    const v1 = makeEvent({
      type: 'transaction.applied',
      version: 1,
      producer: 'accounting',
      aggregateId: cidAccount,
      causationId: oldFee.id,
      occurredAt: at,
      data: {
        transactionId: v1Id,
        accountId: cidAccount,
        userId: cid,
        kind: 'ASSIGN_FEE',
        amount: -1_200,
        taskId: oldFee.data.taskId,
        day: '2026-03-01',
        balanceAfter: -1_200,
        description: title,
        appliedAt: at,
      },
    });
    // What the task stream said, one fact per assignment of each event.
    const facts = new Map([
      [oldFee.id, [{ taskId: oldFee.data.taskId, title, jiraId: null, assignmentNo: 3 }]],
    ]);
    const tail = [own(v1), ...published.map((r) => own(r.payload as AnyEventEnvelope))];

    const report = await restored.database.db.transaction((tx) => rollForwardBatch(tx, tail, facts));
    expect(report).toMatchObject({ applied: tail.length, alreadyHeld: 0, transactions: 4 });
    const rows = await ledgerRows(restored.database.db);
    expect(rows[0]).toEqual({
      id: v1Id,
      accountId: cidAccount,
      kind: 'ASSIGN_FEE',
      amount: -1_200,
      balanceAfter: -1_200,
      taskId: oldFee.data.taskId,
      assignmentNo: 3,
      eventId: oldFee.id,
      day: '2026-03-01',
    });
    // The v2 batch's rows come back as the source wrote them: ids, causes, assignment numbers.
    expect(rows.slice(1)).toEqual(await ledgerRows(source.database.db));
    const balances = await restored.database.db
      .select({ userId: accounts.userId, balance: accounts.balance })
      .from(accounts);
    expect(Object.fromEntries(balances.map((b) => [b.userId, b.balance]))).toEqual(
      Object.fromEntries(
        (await source.database.db.select().from(accounts))
          .map((a) => [a.userId, a.balance])
          .concat([[cid, -1_200]]),
      ),
    );

    // A second run finds every event in the outbox and changes nothing.
    const again = await restored.database.db.transaction((tx) => rollForwardBatch(tx, tail, facts));
    expect(again).toMatchObject({ applied: 0, alreadyHeld: tail.length, transactions: 0 });
    expect(await ledgerRows(restored.database.db)).toHaveLength(4);
  });
});
