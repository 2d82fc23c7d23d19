import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, type AnyEventEnvelope, type EnvelopeOf } from '@ates/events';
import { createMigratedDatabase, type MigratedDatabase } from '@ates/testing';
import * as tables from '../src/db/tables.ts';
import { migrationsFolder } from '../src/service.ts';
import {
  taskCompleted,
  taskPriced,
  transactionApplied as tx,
  transactionsApplied,
} from './support/events.ts';
import { projectEvents } from '../src/use-cases/project-events.ts';
import { popugsInRedOnDays, readModelRows } from './support/db/read-model.ts';

// A batch written set-based must leave the read model exactly as its events one by one do:
// the same account on several days in one batch, balances crossing zero both ways, a late
// transaction for a past day, and facts of one task arriving in every order.
const TZ = 'Europe/Berlin';
type Db = MigratedDatabase<typeof tables>;
const dbs: Db[] = [];

async function freshDb(): Promise<Db> {
  const db = await createMigratedDatabase('analytics_batch', migrationsFolder, tables, { max: 2 });
  dbs.push(db);
  return db;
}

afterAll(async () => {
  for (const db of dbs) await db.drop();
});

const created = (taskId: string, title: string) =>
  makeEvent({
    type: 'task.created',
    version: 2,
    producer: 'tasks',
    aggregateId: taskId,
    data: {
      taskId,
      jiraId: 'POPUG-1',
      title,
      description: '',
      createdBy: randomUUID(),
      createdAt: '2026-03-02T10:00:00.000Z',
    },
  });
const priced = (taskId: string, reward: number) => taskPriced(taskId, reward, '2026-03-02T10:00:00.000Z');
const completed = (taskId: string, completedAt: string) =>
  taskCompleted(taskId, completedAt, 'From completion');

async function oneByOne(db: Db, events: AnyEventEnvelope[]) {
  for (const event of events) await db.db.transaction((t) => projectEvents(t, [event], TZ));
}

async function together(db: Db, events: AnyEventEnvelope[]) {
  await db.db.transaction((t) => projectEvents(t, events, TZ));
}

async function readModel({ db }: Db) {
  // The count in red at the end of each day (rows may differ where the count does not).
  return { ...(await readModelRows(db)), red: await popugsInRedOnDays(db, '2026-02-25', '2026-03-10') };
}

describe('a batch written set-based', () => {
  let history: AnyEventEnvelope[][];

  beforeAll(() => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const [t1, t2, t3] = [randomUUID(), randomUUID(), randomUUID()];
    history = [
      [
        tx(a, 'ASSIGN_FEE', -15_00, '2026-03-02', t1),
        tx(a, 'TASK_REWARD', 30_00, '2026-03-02', t1),
        tx(a, 'ASSIGN_FEE', -20_00, '2026-03-03', t2),
        tx(b, 'ASSIGN_FEE', -10_00, '2026-03-03', t3),
        completed(t1, '2026-03-02T22:30:00.000Z'),
        priced(t1, 25_00),
        created(t1, 'First'),
        tx(c, 'ASSIGN_FEE', -5_00, '2026-03-04'),
        tx(c, 'TASK_REWARD', 5_00, '2026-03-04'),
      ],
      [
        // Late: a past day for an account with later rows; b back in the black, a into the red.
        tx(b, 'TASK_REWARD', 12_00, '2026-03-01', t3),
        tx(a, 'ASSIGN_FEE', -30_00, '2026-02-28', t2),
        tx(a, 'PAYOUT', -5_00, '2026-03-04'),
        created(t2, 'Second'),
        completed(t2, '2026-03-03T09:00:00.000Z'),
        priced(t2, 40_00),
        created(t1, 'First again'),
        priced(t3, 33_00),
        tx(b, 'ASSIGN_FEE', -12_00, '2026-03-01'),
      ],
    ];
  });

  it('leaves the read model exactly as the events one by one do', async () => {
    const [single, batched] = [await freshDb(), await freshDb()];
    for (const events of history) {
      await oneByOne(single, events);
      await together(batched, events);
    }
    const expected = await readModel(single);
    expect(expected.balances.length).toBeGreaterThan(5);
    expect(expected.red.some((r) => r.popugs > 0)).toBe(true);
    expect(await readModel(batched)).toEqual(expected);
  });

  it('reads transaction.applied v1 and v2 side by side: a v2 batch projects as its transactions in v1', async () => {
    const [v1, mixed] = [await freshDb(), await freshDb()];
    for (const events of history) {
      await together(v1, events);
      await together(mixed, withRunsInV2(events));
    }
    expect(history.flatMap(withRunsInV2).some((e) => e.version === 2)).toBe(true);
    expect(await readModel(mixed)).toEqual(await readModel(v1));
  });
});

/** Each run of two or more consecutive v1 transactions as one v2 event; the rest as they are. */
function withRunsInV2(events: readonly AnyEventEnvelope[]): AnyEventEnvelope[] {
  const out: AnyEventEnvelope[] = [];
  let run: EnvelopeOf<'transaction.applied'>[] = [];
  const flush = () => {
    if (run.length > 1) out.push(transactionsApplied(run));
    else out.push(...run);
    run = [];
  };
  for (const event of events) {
    if (event.type === 'transaction.applied') run.push(event);
    else {
      flush();
      out.push(event);
    }
  }
  flush();
  return out;
}
