import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney, ManualClock, parseMoney } from '@ates/service-kit';
import { errorCodes, ops, waitFor, type GraphQLClient } from '@ates/testing';
import { hire, type Popug } from '../src/company.ts';
import { allTasks, ledgerOf } from '../src/ledger.ts';
import { startPayroll, type Payroll } from '../src/payroll.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

/** The company clock: each reading 1 ms later, so transactions keep their order. */
class TickingClock extends ManualClock {
  override now(): Date {
    const now = super.now();
    this.advance(1);
    return now;
  }
}
const clock = new TickingClock(new Date('2026-11-24T09:00:00Z'));
const DAY = '2026-11-24';
const NEXT_DAY = '2026-11-25';

let system: TestSystem;
let payroll: Payroll;
let admin: GraphQLClient;
let workers: Popug[];
let manager: Popug;

beforeAll(async () => {
  system = await startSystem('payouts', { seed: 5, clock });
  payroll = await startPayroll(system, { clock });
  admin = await system.admin();
  const staff = await hire(system, ['WORKER', 'WORKER', 'WORKER', 'WORKER', 'MANAGER']);
  workers = staff.slice(0, 4);
  manager = staff[4]!;
  for (let i = 0; i < 10; i++)
    await manager.client.ok(ops.CreateTaskDocument, {
      input: { title: `Sort the seeds ${i}`, description: '' },
    });
  await system.settle();
  // Everyone but the last popug completes their tasks (rewards exceed fees): in plus. The last
  // one only pays fees: in red (or zero, without tasks).
  const tasks = await allTasks(admin);
  for (const popug of workers.slice(0, 3))
    for (const task of tasks.filter((t) => t.assignee.id === popug.id))
      await popug.client.ok(ops.CompleteTaskDocument, { id: task.id });
  await system.settle();
});
afterAll(async () => {
  await payroll?.stop();
  await system?.stop();
});

const closeDay = (client: GraphQLClient, day: string) => client.request(ops.CloseBillingDayDocument, { day });

describe('closing a billing day through the gateway', () => {
  let before: Map<string, number>;
  let figures: ops.CloseBillingDayMutation['closeBillingDay'];

  it('is for ADMIN only, and refuses a day that has not begun', async () => {
    expect(errorCodes(await closeDay(workers[0]!.client, DAY))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await closeDay(manager.client, DAY))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await closeDay(admin, NEXT_DAY))).toEqual(['BAD_USER_INPUT']);
  });

  it('pays out every popug in plus, carries the ones in red over, and returns the figures', async () => {
    before = new Map(
      await Promise.all(workers.map(async (p) => [p.id, (await ledgerOf(admin, p.id)).balance] as const)),
    );
    const inPlus = [...before.values()].filter((b) => b > 0);
    expect(inPlus.length).toBeGreaterThanOrEqual(1);

    // An admin closes today early.
    figures = (await admin.ok(ops.CloseBillingDayDocument, { day: DAY })).closeBillingDay;

    expect(figures).toEqual({
      day: DAY,
      accountsPaid: inPlus.length,
      totalPaid: formatMoney(inPlus.reduce((s, b) => s + b, 0)),
      accountsInRed: [...before.values()].filter((b) => b < 0).length,
    });
  });

  it('shows every popug who was in plus a balance of 0.00, one PAID payout for the day and the PAYOUT in the audit log', async () => {
    const inPlus = workers.filter((p) => before.get(p.id)! > 0);
    for (const popug of inPlus) {
      await waitFor(
        `${popug.login}'s payout to be paid`,
        async () =>
          (await popug.client.ok(ops.MyAccountDocument, { first: 1 })).myAccount?.payouts[0]?.status ===
          'PAID',
      );
      const { myAccount } = await popug.client.ok(ops.MyAccountDocument, { first: 5 });
      const amount = formatMoney(before.get(popug.id)!);
      expect(myAccount?.balance).toBe('0.00');
      expect(myAccount?.payouts).toEqual([
        expect.objectContaining({ day: DAY, amount, status: 'PAID', paidAt: expect.any(String) }),
      ]);
      expect(myAccount?.transactions.nodes[0]).toMatchObject({
        kind: 'PAYOUT',
        amount: `-${amount}`,
        description: `Payout for ${DAY}`,
        day: DAY,
        task: null,
      });
      // The bank paid it once.
      expect(await payroll.paymentsFor(myAccount!.payouts[0]!.id)).toEqual([
        expect.objectContaining({ amountCents: before.get(popug.id), status: 'PAID' }),
      ]);
    }
    for (const popug of workers.filter((p) => before.get(p.id)! <= 0)) {
      const { myAccount } = await popug.client.ok(ops.MyAccountDocument, { first: 1 });
      expect(parseMoney(myAccount!.balance)).toBe(before.get(popug.id));
      expect(myAccount?.payouts).toEqual([]);
    }
  });

  it('emails each paid popug once, by name, with the day and the amount', async () => {
    await payroll.settle();
    for (const popug of workers.filter((p) => before.get(p.id)! > 0)) {
      const { myAccount } = await popug.client.ok(ops.MyAccountDocument, { first: 1 });
      const mail = payroll.payoutEmail(myAccount!.payouts[0]!.id);
      expect(mail).toBeDefined();
      expect(mail).toContain(`${popug.login}@ates.test`);
      expect(mail).toContain(`Popug ${popug.login}`);
      expect(mail).toContain(DAY);
      expect(mail).toContain(formatMoney(before.get(popug.id)!));
    }
  });

  it('returns the same figures when closed again, and pays nobody twice', async () => {
    expect((await admin.ok(ops.CloseBillingDayDocument, { day: DAY })).closeBillingDay).toEqual(figures);
    await payroll.settle();
    for (const popug of workers) {
      const { myAccount } = await popug.client.ok(ops.MyAccountDocument, { first: 1 });
      expect(myAccount!.payouts.length).toBe(before.get(popug.id)! > 0 ? 1 : 0);
    }
  });

  it('puts work done after the early close on the next day, and marks the day closed on the dashboard', async () => {
    await manager.client.ok(ops.CreateTaskDocument, { input: { title: 'Late shift', description: '' } });
    await system.settle();
    const rows = (await Promise.all(workers.map((p) => ledgerOf(admin, p.id)))).flatMap((l) => l.rows);
    expect(rows.find((r) => r.description === 'Late shift')?.day).toBe(NEXT_DAY);
    const { accountingDashboard } = await admin.ok(ops.AccountingDashboardDocument, {
      from: DAY,
      to: NEXT_DAY,
    });
    expect(accountingDashboard.days.map((d) => [d.day, d.closed])).toEqual([
      [DAY, true],
      [NEXT_DAY, false],
    ]);
  });
});
