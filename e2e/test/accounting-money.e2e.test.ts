import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedTransactions, type EnvelopeOf } from '@ates/events';
import { parseMoney, seededRandom } from '@ates/service-kit';
import { ops, type GraphQLClient } from '@ates/testing';
import { hire, type Popug } from '../src/company.ts';
import { scriptedRandom } from '../src/ledger.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

// Prices whose sum in binary floating point drifts: 10.10 + 10.20 + ... is not what a
// decimal sum gives, so any float on the way would show in the cents.
const FEES = [1010, 1020, 1030, 1040, 1050, 1060, 1070, 1080, 1090, 1100];
const REWARDS = [2010, 2020, 2030, 2040, 2050, 2060, 2070, 2080, 2090, 2100];
const COMPLETED = 5;

const prices = scriptedRandom(seededRandom(3));
let system: TestSystem;
let admin: GraphQLClient;
let worker: Popug;

beforeAll(async () => {
  // One lane: tasks are priced in the order their events arrive, so each takes the next
  // scripted price (with several lanes, a task's creation and assignment race to price it).
  system = await startSystem('accounting_money', { accounting: { random: prices, taskLanes: 1 } });
  admin = await system.admin();
  // The only assignable popug: every task lands on them.
  [worker] = (await hire(system, ['WORKER'])) as [Popug];
  prices.queue(...FEES.flatMap((fee, i) => [fee, REWARDS[i]!]));
  const ids: string[] = [];
  for (let i = 0; i < FEES.length; i++) {
    const { createTask } = await admin.ok(ops.CreateTaskDocument, {
      input: { title: `Count seeds ${i}`, description: '' },
    });
    ids.push(createTask.id);
  }
  for (const id of ids.slice(0, COMPLETED)) await worker.client.ok(ops.CompleteTaskDocument, { id });
  await system.settle();
});
afterAll(async () => {
  await system?.stop();
});

describe('money', () => {
  const exactCents =
    -FEES.reduce((s, f) => s + f, 0) + REWARDS.slice(0, COMPLETED).reduce((s, r) => s + r, 0);

  it('is exact where floating point drifts: the balance is the decimal sum of the transactions', async () => {
    const { myAccount } = await worker.client.ok(ops.MyAccountDocument, { first: 200 });
    const amounts = myAccount!.transactions.nodes.map((n) => n.amount);
    expect(amounts).toHaveLength(FEES.length + COMPLETED);
    for (const a of amounts) expect(a).toMatch(/^-?\d+\.\d\d$/);
    const floatSum = amounts.reduce((s, a) => s + Number.parseFloat(a), 0);
    // The float sum is off (this is what the test guards against) ...
    expect(floatSum).not.toBe(exactCents / 100);
    // ... the service's is not.
    expect(exactCents).toBe(-400);
    expect(myAccount!.balance).toBe('-4.00');
    expect(amounts.reduce((s, a) => s + parseMoney(a), 0)).toBe(exactCents);
  });

  it('adds up the day exactly on the dashboard: fees 105.50, rewards 101.50, earnings 4.00', async () => {
    const { myAccount } = await worker.client.ok(ops.MyAccountDocument, { first: 200 });
    const day = myAccount!.transactions.nodes[0]!.day;
    expect(myAccount!.transactions.nodes.every((n) => n.day === day)).toBe(true);
    const { accountingDashboard } = await admin.ok(ops.AccountingDashboardDocument, { from: day, to: day });
    expect(accountingDashboard.days[0]).toMatchObject({
      feesCharged: '105.50',
      rewardsPaid: '101.50',
      managementEarnings: '4.00',
    });
    expect(accountingDashboard.days).toHaveLength(1);
  });

  it('shows the prices it was given, to the cent', async () => {
    const { tasks } = await admin.ok(ops.TaskDashboardDocument, { first: 200 });
    const byTitle = new Map(tasks.nodes.map((t) => [t.title, t.price]));
    FEES.forEach((fee, i) => {
      expect(byTitle.get(`Count seeds ${i}`)).toEqual({
        assignFee: (fee / 100).toFixed(2),
        reward: (REWARDS[i]! / 100).toFixed(2),
      });
    });
  });

  it('travels as integer cents in transaction.applied events', async () => {
    const rows = await system.accounting.deps.db.query.outbox.findMany({
      where: (o, { eq }) => eq(o.type, 'transaction.applied'),
    });
    // v2 lists a batch's transactions; each one's amounts are checked.
    const data = rows.flatMap((r) => appliedTransactions(r.payload as EnvelopeOf<'transaction.applied'>));
    expect(data).toHaveLength(FEES.length + COMPLETED);
    expect(data.every((d) => Number.isInteger(d.amount) && Number.isInteger(d.balanceAfter))).toBe(true);
    expect(Math.min(...data.map((d) => d.balanceAfter as number))).toBe(-FEES.reduce((s, f) => s + f, 0));
  });
});
