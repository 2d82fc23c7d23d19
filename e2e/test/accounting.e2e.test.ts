import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueEvents, makeEvent, type TaskAssignedV2 } from '@ates/events';
import { ManualClock, parseMoney } from '@ates/service-kit';
import { errorCodes, ops, type GraphQLClient } from '@ates/testing';
import { hire, type Popug } from '../src/company.ts';
import { allTasks, ledgerOf, type DashboardTask } from '../src/ledger.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

/** Accounting's clock: business days are its calendar dates (UTC here); each reading is 1 ms later. */
class TickingClock extends ManualClock {
  override now(): Date {
    const now = super.now();
    this.advance(1);
    return now;
  }
}
const clock = new TickingClock(new Date('2026-03-02T09:00:00Z'));
const DAY1 = '2026-03-02';
const DAY2 = '2026-03-03';

let system: TestSystem;
let admin: GraphQLClient;
let workers: Popug[];
let accountant: Popug;
let manager: Popug;
let byId: Map<string, Popug>;

beforeAll(async () => {
  system = await startSystem('accounting', { seed: 11, accounting: { clock } });
  admin = await system.admin();
  const staff = await hire(system, ['WORKER', 'WORKER', 'WORKER', 'ACCOUNTANT', 'MANAGER']);
  workers = staff.slice(0, 3);
  accountant = staff[3]!;
  manager = staff[4]!;
  byId = new Map(staff.map((p) => [p.id, p]));
});
afterAll(async () => {
  await system?.stop();
});

async function createTask(title: string, jiraId?: string) {
  const { createTask: task } = await manager.client.ok(ops.CreateTaskDocument, {
    input: { title, jiraId, description: '' },
  });
  return task;
}

async function createTasks(n: number, prefix: string) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await createTask(`${prefix} ${i}`));
  await system.settle();
  return out;
}

const priceOf = (task: DashboardTask) => {
  if (!task.price) throw new Error(`task ${task.id} has no price`);
  return { assignFee: parseMoney(task.price.assignFee), reward: parseMoney(task.price.reward) };
};

/** Every assignable popug's ledger, read by the admin. */
async function ledgers() {
  const assignable = [...workers, accountant];
  return new Map(
    await Promise.all(assignable.map(async (p) => [p.id, await ledgerOf(admin, p.id)] as const)),
  );
}

/** Fees and rewards per task over every ledger, in cents. */
async function transactionsByTask() {
  const out = new Map<string, { fees: number[]; rewards: Array<{ amount: number; userId: string }> }>();
  for (const [userId, ledger] of await ledgers()) {
    for (const row of ledger.rows) {
      if (!row.taskId) continue;
      const entry = out.get(row.taskId) ?? { fees: [], rewards: [] };
      if (row.kind === 'ASSIGN_FEE') entry.fees.push(row.amount);
      if (row.kind === 'TASK_REWARD') entry.rewards.push({ amount: row.amount, userId });
      out.set(row.taskId, entry);
    }
  }
  return out;
}

describe('prices', () => {
  it('fixes a price for every task when accounting first sees it: fee 10.00–20.00, reward 20.00–40.00, in cents', async () => {
    await createTasks(12, 'Price me');
    const tasks = await allTasks(admin);
    expect(tasks.length).toBeGreaterThanOrEqual(12);
    for (const task of tasks) {
      expect(task.price?.assignFee).toMatch(/^\d+\.\d\d$/);
      const { assignFee, reward } = priceOf(task);
      expect(assignFee).toBeGreaterThanOrEqual(1000);
      expect(assignFee).toBeLessThanOrEqual(2000);
      expect(reward).toBeGreaterThanOrEqual(2000);
      expect(reward).toBeLessThanOrEqual(4000);
    }
  });

  it('never changes a price afterwards, through shuffles and completions', async () => {
    const before = new Map((await allTasks(admin)).map((t) => [t.id, t.price]));
    await admin.ok(ops.ShuffleTasksDocument);
    const open = (await allTasks(admin)).find((t) => t.status === 'OPEN')!;
    await byId.get(open.assignee.id)!.client.ok(ops.CompleteTaskDocument, { id: open.id });
    await admin.ok(ops.ShuffleTasksDocument);
    await system.settle();
    const after = new Map((await allTasks(admin)).map((t) => [t.id, t.price]));
    expect(after).toEqual(before);
  });
});

describe('fees and rewards', () => {
  it('charges the assignee the task’s fee when the task is created', async () => {
    const task = await createTask('Feed the parrots', 'POPUG-42');
    await system.settle();
    const { price } = (await admin.ok(ops.TaskDocument, { id: task.id })).task!;
    const popug = byId.get(task.assignee.id)!;
    const { myAccount } = await popug.client.ok(ops.MyAccountDocument, { first: 1 });
    expect(myAccount?.transactions.nodes[0]).toMatchObject({
      kind: 'ASSIGN_FEE',
      amount: `-${price!.assignFee}`,
      description: '[POPUG-42] Feed the parrots',
      day: DAY1,
      task: { id: task.id, title: 'Feed the parrots', jiraId: 'POPUG-42' },
    });
  });

  it('charges the fee again on every shuffle, to whoever the task lands on (even the same popug)', async () => {
    const before = await transactionsByTask();
    const open = (await allTasks(admin)).filter((t) => t.status === 'OPEN');
    const shuffles = 3;
    for (let i = 0; i < shuffles; i++) await manager.client.ok(ops.ShuffleTasksDocument);
    await system.settle();
    const after = await transactionsByTask();
    for (const task of open) {
      const { assignFee } = priceOf(task);
      const gained = after.get(task.id)!.fees.slice(before.get(task.id)?.fees.length ?? 0);
      expect(after.get(task.id)!.fees.length - (before.get(task.id)?.fees.length ?? 0)).toBe(shuffles);
      expect(gained.every((a) => a === -assignFee)).toBe(true);
    }
    // The fee of each open task's latest assignment is on its current assignee's account.
    // (Lanes by account apply one task's fees in any order, so it is the highest assignment
    // number, not the newest row, that belongs to the current assignee.)
    const now = await allTasks(admin);
    const { transactions, accounts } = system.accounting.deps.db.query;
    for (const task of now.filter((t) => t.status === 'OPEN')) {
      const fees = await transactions.findMany({
        where: (t, { and, eq }) => and(eq(t.taskId, task.id), eq(t.kind, 'ASSIGN_FEE')),
        orderBy: (t, { desc }) => [desc(t.assignmentNo)],
        limit: 1,
      });
      const latest = await accounts.findFirst({ where: (a, { eq }) => eq(a.id, fees[0]!.accountId) });
      expect(latest?.userId).toBe(task.assignee.id);
    }
  });

  it('pays the reward once, to the popug who completed the task', async () => {
    const task = (await allTasks(admin)).find((t) => t.status === 'OPEN' && byId.has(t.assignee.id))!;
    const popug = byId.get(task.assignee.id)!;
    await popug.client.ok(ops.CompleteTaskDocument, { id: task.id });
    await system.settle();
    const rewards = (await transactionsByTask()).get(task.id)!.rewards;
    expect(rewards).toEqual([{ amount: priceOf(task).reward, userId: popug.id }]);
    const { myAccount } = await popug.client.ok(ops.MyAccountDocument, { first: 1 });
    expect(myAccount?.transactions.nodes[0]).toMatchObject({
      kind: 'TASK_REWARD',
      amount: task.price!.reward,
    });
  });

  it('keeps every balance equal to the sum of the account’s transactions, and every task’s fees equal to its assignments', async () => {
    for (const ledger of (await ledgers()).values()) {
      expect(ledger.balance).toBe(ledger.rows.reduce((s, r) => s + r.amount, 0));
    }
    const byTask = await transactionsByTask();
    for (const task of await allTasks(admin)) {
      expect(byTask.get(task.id)!.rewards).toHaveLength(task.status === 'DONE' ? 1 : 0);
    }
  });
});

describe('the audit log', () => {
  it('lists the popug’s transactions newest first, each with its task’s description', async () => {
    const popug = workers[0]!;
    const { myAccount } = await popug.client.ok(ops.MyAccountDocument, { first: 200 });
    const nodes = myAccount!.transactions.nodes;
    expect(nodes.length).toBeGreaterThan(3);
    expect(myAccount!.owner.id).toBe(popug.id);
    expect(myAccount!.payouts).toEqual([]);
    const times = nodes.map((n) => n.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    for (const n of nodes)
      expect(n.description).toBe(n.task?.jiraId ? `[${n.task.jiraId}] ${n.task.title}` : n.task?.title);
  });

  it('pages through the log with cursors, without gaps or repeats', async () => {
    const popug = workers[1]!;
    const all = (await popug.client.ok(ops.MyAccountDocument, { first: 200 })).myAccount!.transactions.nodes;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: ops.MyAccountQuery = await popug.client.ok(ops.MyAccountDocument, { first: 3, after });
      const { nodes, pageInfo } = page.myAccount!.transactions;
      seen.push(...nodes.map((n) => n.id));
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor ?? null;
    }
    expect(seen).toEqual(all.map((n) => n.id));
  });

  it('filters to one business day: transactions count on the day accounting applied them', async () => {
    clock.set(new Date('2026-03-03T10:00:00Z'));
    await createTasks(4, 'Next day');
    const popug = workers[0]!;
    const day = async (d: string) =>
      (await popug.client.ok(ops.MyAccountDocument, { first: 200, day: d })).myAccount!.transactions.nodes;
    const [all, first, second] = await Promise.all([
      popug.client.ok(ops.MyAccountDocument, { first: 200 }),
      day(DAY1),
      day(DAY2),
    ]);
    expect(first.every((n) => n.day === DAY1) && second.every((n) => n.day === DAY2)).toBe(true);
    expect(first.length + second.length).toBe(all.myAccount!.transactions.nodes.length);
    expect(await day('2026-03-04')).toEqual([]);
  });

  it('refuses a page size over 200 and a forged cursor with BAD_USER_INPUT', async () => {
    const c = workers[0]!.client;
    expect(errorCodes(await c.request(ops.MyAccountDocument, { first: 201 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await c.request(ops.MyAccountDocument, { after: 'forged' }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });
});

describe('who sees which account', () => {
  it('shows a worker their own account only: someone else’s is FORBIDDEN', async () => {
    const [a, b] = workers as [Popug, Popug];
    const own = await a.client.ok(ops.UserAccountDocument, { userId: a.id });
    expect(own.user?.account?.id).toBe((await a.client.ok(ops.MyAccountDocument, {})).myAccount!.id);
    const res = await a.client.request(ops.UserAccountDocument, { userId: b.id });
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.data?.user?.account ?? null).toBeNull();
  });

  it('shows every account to ADMIN and ACCOUNTANT, and none to a MANAGER', async () => {
    const target = workers[2]!;
    const mine = (await target.client.ok(ops.MyAccountDocument, {})).myAccount!;
    for (const viewer of [admin, accountant.client]) {
      const { user } = await viewer.ok(ops.UserAccountDocument, { userId: target.id });
      expect(user?.account).toMatchObject({ id: mine.id, balance: mine.balance });
    }
    expect(errorCodes(await manager.client.request(ops.UserAccountDocument, { userId: target.id }))).toEqual([
      'FORBIDDEN',
    ]);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', async () => {
    expect(errorCodes(await system.client.request(ops.MyAccountDocument, {}))).toEqual(['UNAUTHENTICATED']);
  });

  it('gives the dashboard and reconciliation to ADMIN and ACCOUNTANT only', async () => {
    const vars = { from: DAY1, to: DAY2 };
    for (const c of [workers[0]!.client, manager.client]) {
      expect(errorCodes(await c.request(ops.AccountingDashboardDocument, vars))).toEqual(['FORBIDDEN']);
      expect(errorCodes(await c.request(ops.ReconciliationDocument))).toEqual(['FORBIDDEN']);
    }
    await accountant.client.ok(ops.AccountingDashboardDocument, vars);
    await accountant.client.ok(ops.ReconciliationDocument);
  });
});

describe('the accounting dashboard', () => {
  /** Fees charged and rewards paid per day, summed from every ledger (cents). */
  async function fromLedgers() {
    const out = new Map<string, { fees: number; rewards: number }>();
    for (const ledger of (await ledgers()).values()) {
      for (const r of ledger.rows) {
        const d = out.get(r.day) ?? { fees: 0, rewards: 0 };
        if (r.kind === 'ASSIGN_FEE') d.fees -= r.amount;
        if (r.kind === 'TASK_REWARD') d.rewards += r.amount;
        out.set(r.day, d);
      }
    }
    return out;
  }

  it('shows today’s management earnings = fees charged − rewards paid, agreeing with the ledgers', async () => {
    const task = (await allTasks(admin)).find((t) => t.status === 'OPEN' && byId.has(t.assignee.id))!;
    await byId.get(task.assignee.id)!.client.ok(ops.CompleteTaskDocument, { id: task.id });
    await system.settle();
    const { accountingDashboard } = await admin.ok(ops.AccountingDashboardDocument, { from: DAY1, to: DAY2 });
    const today = accountingDashboard.today;
    const expected = (await fromLedgers()).get(DAY2)!;
    expect(today.day).toBe(DAY2);
    expect(parseMoney(today.feesCharged)).toBe(expected.fees);
    expect(parseMoney(today.rewardsPaid)).toBe(expected.rewards);
    expect(parseMoney(today.managementEarnings)).toBe(expected.fees - expected.rewards);
    expect(today.closed).toBe(false);
  });

  it('lists one entry per day from `from` to `to`, oldest first, with zeros for days without transactions', async () => {
    const { accountingDashboard } = await accountant.client.ok(ops.AccountingDashboardDocument, {
      from: '2026-02-28',
      to: '2026-03-04',
    });
    const days = accountingDashboard.days;
    expect(days.map((d) => d.day)).toEqual(['2026-02-28', '2026-03-01', DAY1, DAY2, '2026-03-04']);
    const ledgerDays = await fromLedgers();
    for (const d of days) {
      const expected = ledgerDays.get(d.day) ?? { fees: 0, rewards: 0 };
      expect([d.feesCharged, d.rewardsPaid, d.managementEarnings].map(parseMoney)).toEqual([
        expected.fees,
        expected.rewards,
        expected.fees - expected.rewards,
      ]);
    }
    expect(days[0]).toMatchObject({ feesCharged: '0.00', rewardsPaid: '0.00', managementEarnings: '0.00' });
  });

  it('refuses `from` after `to`, or a range over 366 days, with BAD_USER_INPUT', async () => {
    const ask = (from: string, to: string) => admin.request(ops.AccountingDashboardDocument, { from, to });
    expect(errorCodes(await ask(DAY2, DAY1))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await ask('2025-01-01', '2026-01-02'))).toEqual(['BAD_USER_INPUT']);
    expect(
      (await admin.ok(ops.AccountingDashboardDocument, { from: '2025-03-04', to: '2026-03-04' }))
        .accountingDashboard.days,
    ).toHaveLength(366);
  });
});

describe('reconciliation', () => {
  it('checks every task and finds its fees and rewards equal to what the task tracker reported', async () => {
    const { reconciliation } = await admin.ok(ops.ReconciliationDocument);
    expect(reconciliation.mismatches).toEqual([]);
    expect(reconciliation.tasksChecked).toBe((await allTasks(admin)).length);
  });
});

describe('events accounting receives', () => {
  it('never charges one assignment twice, even when it comes again under a different event id', async () => {
    const task = (await allTasks(admin)).find((t) => t.status === 'OPEN' && byId.has(t.assignee.id))!;
    const before = await ledgerOf(admin, task.assignee.id);
    // The same business fact (task, assignment number) republished as a new event, as v1 and
    // inside a v2 chunk: the task's latest assignment, alone or in a shuffle's chunk.
    const [row] = await system.tasks.deps.sql<{ payload: { data: TaskAssignedV2 } }[]>`
      select payload from outbox where type = 'task.assigned' and version = 2
        and payload->'data'->'assignments' @> ${JSON.stringify([{ taskId: task.id }])}::jsonb
      order by seq desc limit 1`;
    const data = row!.payload.data.assignments.find((a) => a.taskId === task.id)!;
    const other = row!.payload.data.assignments.filter((a) => a.taskId !== task.id).slice(0, 1);
    await enqueueEvents(system.tasks.deps.db, [
      makeEvent({
        type: 'task.assigned',
        version: 1 as const,
        producer: 'tasks',
        aggregateId: task.id,
        data,
      }),
      makeEvent({
        type: 'task.assigned',
        version: 2 as const,
        producer: 'tasks',
        data: { assignments: [...other, data] },
      }),
    ]);
    await system.settle();
    expect(await ledgerOf(admin, task.assignee.id)).toEqual(before);
    expect((await admin.ok(ops.ReconciliationDocument)).reconciliation.mismatches).toEqual([]);
  });

  it('accepts task.created v1 (Jira id inside the title) next to v2, and opens accounts for users it has not seen', async () => {
    const taskId = randomUUID();
    const stranger = randomUUID();
    const legacy = makeEvent({
      type: 'task.created',
      version: 1,
      producer: 'tasks',
      aggregateId: taskId,
      data: {
        taskId,
        title: '[POPUG-7] Sharpen the beaks',
        description: null,
        createdBy: stranger,
        createdAt: new Date().toISOString(),
      },
    });
    const assigned = makeEvent({
      type: 'task.assigned',
      version: 1,
      producer: 'tasks',
      aggregateId: taskId,
      data: {
        taskId,
        assigneeId: stranger,
        previousAssigneeId: null,
        assignmentNo: 1,
        assignedAt: new Date().toISOString(),
        title: 'Sharpen the beaks',
        jiraId: 'POPUG-7',
      },
    });
    await enqueueEvents(system.tasks.deps.db, [legacy, assigned]);
    await system.settle();
    const [priced] = await system.accounting.deps.db.query.pricedTasks.findMany({
      where: (t, { eq }) => eq(t.id, taskId),
    });
    expect(priced).toMatchObject({ title: 'Sharpen the beaks', jiraId: 'POPUG-7' });
    // The stranger is no user of the users service: their account exists in accounting only.
    const account = await system.accounting.deps.db.query.accounts.findFirst({
      where: (a, { eq }) => eq(a.userId, stranger),
    });
    const rows = await system.accounting.deps.db.query.transactions.findMany({
      where: (t, { eq }) => eq(t.accountId, account!.id),
    });
    expect(account?.balance).toBe(-priced!.assignFee);
    expect(rows).toMatchObject([
      { kind: 'ASSIGN_FEE', amount: -priced!.assignFee, description: '[POPUG-7] Sharpen the beaks' },
    ]);
  });
});

describe('closing a billing day', () => {
  // The close itself (payouts, emails, figures) is e2e/test/payouts.e2e.test.ts.
  it('is for ADMIN only, and refuses a day that has not begun with BAD_USER_INPUT', async () => {
    expect(errorCodes(await admin.request(ops.CloseBillingDayDocument, { day: '2099-01-01' }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(errorCodes(await accountant.client.request(ops.CloseBillingDayDocument, { day: DAY1 }))).toEqual([
      'FORBIDDEN',
    ]);
  });
});
