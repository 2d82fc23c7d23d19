import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { print } from 'graphql';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, enqueueEvents, makeEvent, resetConsumer, streamName } from '@ates/events';
import { CONSUMERS, rebuildReadModel, type RebuildProgress } from '@ates/analytics';
import { createLogger, ManualClock, parseMoney, seededRandom } from '@ates/service-kit';
import {
  connectWs,
  errorCodes,
  ops,
  testNatsUrl,
  waitFor,
  type GraphQLClient,
  type WsConnection,
} from '@ates/testing';
import { hire, type Popug } from '../src/company.ts';
import { ledgerOf, scriptedRandom } from '../src/ledger.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

/** The company's clock: each reading is 1 ms later, so completions have distinct times. */
class TickingClock extends ManualClock {
  override now(): Date {
    const now = super.now();
    this.advance(1);
    return now;
  }
}

// Business days, weeks and months are calendar dates in Tokyo (UTC+9): a Sunday 23:59 there is
// Sunday 14:59 UTC, and the Monday that follows a minute later is still Sunday in UTC.
const TZ = 'Asia/Tokyo';
const clock = new TickingClock(new Date('2026-02-18T01:00:00Z')); // Wednesday 10:00 in Tokyo
const prices = scriptedRandom(seededRandom(3));

let system: TestSystem;
let admin: GraphQLClient;
let manager: Popug;
let workers: Popug[];
let byId: Map<string, Popug>;
const connections: WsConnection[] = [];

beforeAll(async () => {
  // One task lane in accounting: tasks take the scripted prices in the order their events arrive.
  system = await startSystem('analytics', {
    seed: 5,
    clock,
    accounting: { random: prices, timeZone: TZ, taskLanes: 1 },
  });
  admin = await system.admin();
  const staff = await hire(system, ['WORKER', 'WORKER', 'WORKER', 'MANAGER']);
  workers = staff.slice(0, 3);
  manager = staff[3]!;
  byId = new Map(staff.map((p) => [p.id, p]));
});
afterAll(async () => {
  for (const c of connections) await c.dispose();
  await system?.stop();
});

/** Creates a task whose price accounting draws as given (fee, reward in cents). */
async function createTask(title: string, price: { fee: number; reward: number }) {
  prices.queue(price.fee, price.reward);
  const { createTask: task } = await manager.client.ok(ops.CreateTaskDocument, {
    input: { title, description: '' },
  });
  // Accounting prices tasks in the order it sees them: one at a time keeps the script in step.
  await system.settle();
  return task;
}

/** The current assignee completes the task; returns the completion time. */
async function complete(taskId: string): Promise<string> {
  const { task } = await admin.ok(ops.TaskDocument, { id: taskId });
  const assignee = byId.get(task!.assignee.id)!;
  const { completeTask } = await assignee.client.ok(ops.CompleteTaskDocument, { id: taskId });
  return completeTask.completedAt!;
}

const dashboard = (from: string, to: string, day?: string) =>
  admin.ok(ops.AnalyticsDashboardDocument, { from, to, day });

/** Accounts in red, counted from every worker's ledger as accounting keeps it. */
async function inRed(): Promise<number> {
  const balances = await Promise.all(workers.map(async (w) => (await ledgerOf(admin, w.id)).balance));
  return balances.filter((b) => b < 0).length;
}

const FEB_18 = '2026-02-18';
let redAtEndOfFeb18 = 0;

describe('a scripted day (Wednesday 2026-02-18 in Tokyo)', () => {
  const created: Array<{ id: string; reward: number }> = [];
  const completedAt = new Map<string, string>();

  it("agrees with accounting's earnings, counts the accounts in red, and finds the day's most expensive task", async () => {
    const rewards = [25_00, 31_00, 35_00, 22_00, 28_00, 35_00, 20_50, 30_00];
    for (const [i, reward] of rewards.entries()) {
      const task = await createTask(`Scripted ${i}`, { fee: 12_00 + i * 50, reward });
      created.push({ id: task.id, reward });
    }
    await admin.ok(ops.ShuffleTasksDocument);
    await admin.ok(ops.ShuffleTasksDocument);
    // Two tasks tie at 35.00: the one completed first (created later) is the most expensive.
    for (const i of [5, 2, 0, 3, 6]) {
      clock.advance(60_000);
      completedAt.set(created[i]!.id, await complete(created[i]!.id));
    }
    await system.settle();

    const [analytics, accounting] = await Promise.all([
      dashboard('2026-02-16', FEB_18, FEB_18),
      admin.ok(ops.AccountingDashboardDocument, { from: '2026-02-16', to: FEB_18 }),
    ]);
    const a = analytics.analytics;
    const red = await inRed();
    expect(red).toBeGreaterThan(0);
    expect(a.today).toEqual({
      day: FEB_18,
      managementEarnings: accounting.accountingDashboard.today.managementEarnings,
      popugsInRed: red,
    });
    expect(a.days).toEqual(
      accounting.accountingDashboard.days.map((d) => ({
        day: d.day,
        managementEarnings: d.managementEarnings,
        popugsInRed: d.day === FEB_18 ? red : 0,
      })),
    );
    // Fees of 12.00 + 12.50 + … charged (3 times each, by creation and two shuffles) minus rewards paid.
    const fees = rewards.reduce((sum, _, i) => sum + 3 * (12_00 + i * 50), 0);
    const paid = [5, 2, 0, 3, 6].reduce((sum, i) => sum + rewards[i]!, 0);
    expect(parseMoney(a.today.managementEarnings)).toBe(fees - paid);

    const top = created[5]!;
    expect(a.dayTop).toMatchObject({
      reward: '35.00',
      completedAt: completedAt.get(top.id),
      task: { id: top.id, title: 'Scripted 5', jiraId: null },
    });
    expect(a.dayTop?.task.assignee.login).toMatch(/^worker/);
    expect(a.weekTop).toMatchObject({ reward: '35.00', task: { id: top.id } });
    expect(a.monthTop).toMatchObject({ reward: '35.00', task: { id: top.id } });
    redAtEndOfFeb18 = red;
  });
});

describe('periods in the company time zone', () => {
  const ids: Record<string, string> = {};
  const at: Record<string, string> = {};

  it('ranks completions by their day, ISO week and month in Tokyo, ties going to the earliest completion', async () => {
    // Sunday 2026-03-08 23:58 in Tokyo.
    clock.set(new Date('2026-03-08T14:58:00Z'));
    ids.a = (await createTask('Sunday night', { fee: 10_00, reward: 40_00 })).id;
    at.a = await complete(ids.a);
    // Monday 2026-03-09 00:00:30 in Tokyo (still Sunday in UTC): a new day and a new ISO week.
    clock.set(new Date('2026-03-08T15:00:30Z'));
    ids.b = (await createTask('Monday B', { fee: 10_00, reward: 39_00 })).id;
    ids.c = (await createTask('Monday C', { fee: 10_00, reward: 39_00 })).id;
    at.c = await complete(ids.c);
    at.b = await complete(ids.b);
    await system.settle();

    const sunday = (await dashboard('2026-03-08', '2026-03-08', '2026-03-08')).analytics;
    expect(sunday.dayTop).toMatchObject({ reward: '40.00', completedAt: at.a, task: { id: ids.a } });
    expect(sunday.weekTop).toMatchObject({ task: { id: ids.a } }); // week of Monday 2026-03-02
    expect(sunday.monthTop).toMatchObject({ task: { id: ids.a } });

    const monday = (await dashboard('2026-03-09', '2026-03-09', '2026-03-09')).analytics;
    expect(monday.dayTop).toMatchObject({ reward: '39.00', completedAt: at.c, task: { id: ids.c } });
    expect(monday.weekTop).toMatchObject({ reward: '39.00', task: { id: ids.c } });
    expect(monday.monthTop).toMatchObject({ reward: '40.00', task: { id: ids.a } });
    // Without `day`: the periods containing today (Monday 2026-03-09).
    const today = await admin.ok<{
      analytics: { mostExpensiveTask: { task: { id: string } } | null; today: { day: string } };
    }>(`{ analytics { today { day } mostExpensiveTask(period: WEEK) { task { id } } } }`);
    expect(today.analytics).toEqual({
      today: { day: '2026-03-09' },
      mostExpensiveTask: { task: { id: ids.c } },
    });

    // February has its own winner; a week without completions has none.
    expect((await dashboard(FEB_18, FEB_18, '2026-02-27')).analytics.monthTop?.reward).toBe('35.00');
    expect((await dashboard(FEB_18, FEB_18, '2026-02-25')).analytics.weekTop).toBeNull();
  });

  it('keeps the count in red of a past day as it was at its end', async () => {
    const { analytics } = await dashboard(FEB_18, '2026-03-09');
    expect(analytics.days[0]).toMatchObject({ day: FEB_18, popugsInRed: redAtEndOfFeb18 });
    expect(analytics.days.at(-1)).toMatchObject({ day: '2026-03-09', popugsInRed: await inRed() });
  });

  it('accepts task events of both versions (v1: the Jira id inside the title)', async () => {
    const taskId = randomUUID();
    const author = workers[0]!.id;
    prices.queue(10_00, 20_00);
    const legacy = makeEvent({
      type: 'task.created',
      version: 1,
      producer: 'tasks',
      aggregateId: taskId,
      data: {
        taskId,
        title: '[POPUG-7] Sharpen the beaks',
        description: null,
        createdBy: author,
        createdAt: new Date('2026-03-09T03:00:00Z').toISOString(),
      },
    });
    await enqueueEvents(system.tasks.deps.db, [legacy]);
    await system.settle();
    await enqueueEvents(system.tasks.deps.db, [
      makeEvent({
        type: 'task.completed',
        version: 1,
        producer: 'tasks',
        aggregateId: taskId,
        data: {
          taskId,
          assigneeId: author,
          completedAt: '2026-03-09T03:30:00.000Z',
          title: 'Sharpen the beaks',
          jiraId: 'POPUG-7',
        },
      }),
    ]);
    await system.settle();
    const row = await system.analytics.deps.db.query.tasks.findFirst({
      where: (t, { eq }) => eq(t.id, taskId),
    });
    expect(row).toMatchObject({
      title: 'Sharpen the beaks',
      jiraId: 'POPUG-7',
      reward: 20_00,
      completedDay: '2026-03-09',
      completedWeek: '2026-03-09',
      completedMonth: '2026-03-01',
    });
  });
});

describe('who may see analytics', () => {
  it('is ADMIN only: FORBIDDEN for others, UNAUTHENTICATED without a token; ranges like the accounting dashboard', async () => {
    const vars = { from: FEB_18, to: FEB_18 };
    expect(errorCodes(await workers[0]!.client.request(ops.AnalyticsDashboardDocument, vars))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await manager.client.request(ops.AnalyticsDashboardDocument, vars))).toEqual([
      'FORBIDDEN',
    ]);
    expect(errorCodes(await system.client.request(ops.AnalyticsDashboardDocument, vars))).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(
      errorCodes(
        await admin.request(ops.AnalyticsDashboardDocument, { from: '2026-03-02', to: '2026-03-01' }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      errorCodes(
        await admin.request(ops.AnalyticsDashboardDocument, { from: '2025-01-01', to: '2026-01-02' }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
  });
});

describe('analyticsToday over graphql-ws through the gateway', () => {
  it("delivers today's figures after a transaction, equal to accounting's, to ADMIN only, and releases everything", async () => {
    const conn = connectWs(system.gateway.url, admin.token);
    connections.push(conn);
    const sub = await conn.subscribe(print(ops.OnAnalyticsTodayDocument));
    await waitFor('analytics to listen', () => system.analytics.liveStats().subscribers === 1);
    const started = Date.now();
    await createTask('Seen live', { fee: 15_00, reward: 30_00 });
    const event = (await sub.next(3000)).data as {
      analyticsToday: { day: string; managementEarnings: string };
    };
    expect(Date.now() - started).toBeLessThan(3000);
    const { accountingDashboard } = await admin.ok(ops.AccountingDashboardDocument, {
      from: '2026-03-09',
      to: '2026-03-09',
    });
    expect(event.analyticsToday).toMatchObject({
      day: '2026-03-09',
      managementEarnings: accountingDashboard.today.managementEarnings,
    });
    await sub.close();
    await waitFor(
      'the subscription to be released upstream',
      () =>
        system.analytics.liveStats().subscribers === 0 &&
        system.analytics.liveStats().listeners === 0 &&
        system.gateway.liveStats().upstreams === 0,
    );

    const worker = connectWs(system.gateway.url, workers[0]!.client.token);
    connections.push(worker);
    const denied = await worker.subscribe(print(ops.OnAnalyticsTodayDocument));
    expect((await denied.next(3000)).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });
});

/** Every answer analytics gives for the days and periods of this file. */
async function answers() {
  const days = ['2026-02-16', FEB_18, '2026-02-25', '2026-03-08', '2026-03-09'];
  const tops = await Promise.all(days.map((day) => dashboard(day, day, day)));
  const range = await dashboard('2026-02-16', '2026-03-10');
  return { range: range.analytics.days, today: range.analytics.today, tops: tops.map((t) => t.analytics) };
}

describe('replays', () => {
  it('change nothing when every event is delivered again (the inbox skips them)', async () => {
    await system.settle();
    const before = await answers();
    await system.stopAnalytics();
    const nats = await connectNats(testNatsUrl(), { name: 'e2e-analytics-redeliver' });
    try {
      const jsm = await jetstreamManager(nats);
      await resetConsumer(jsm, { stream: streamName(system.namespace, 'tasks'), name: CONSUMERS.tasks });
      await resetConsumer(jsm, {
        stream: streamName(system.namespace, 'accounting'),
        name: CONSUMERS.accounting,
      });
      await system.startAnalytics();
      await system.settle();
      const info = await jsm.consumers.info(streamName(system.namespace, 'accounting'), CONSUMERS.accounting);
      const stream = await jsm.streams.info(streamName(system.namespace, 'accounting'));
      expect(info.delivered.stream_seq).toBe(stream.state.last_seq);
    } finally {
      await nats.close();
    }
    expect(await answers()).toEqual(before);
  });

  it('rebuild the read model from scratch with the same answers, reporting progress', async () => {
    const before = await answers();
    await system.stopAnalytics();
    const progress: RebuildProgress[] = [];
    const result = await rebuildReadModel({
      databaseUrl: system.analyticsDatabaseUrl,
      natsUrl: testNatsUrl(),
      namespace: system.namespace,
      timeZone: TZ,
      logger: createLogger({ service: 'rebuild', level: 'silent' }),
      onProgress: (p) => progress.push(p),
      progressEveryMs: 20,
    });
    const nats = await connectNats(testNatsUrl(), { name: 'e2e-analytics-count' });
    try {
      const jsm = await jetstreamManager(nats);
      const messages = async (domain: 'tasks' | 'accounting') =>
        (await jsm.streams.info(streamName(system.namespace, domain))).state.messages;
      expect(result.total).toBe((await messages('tasks')) + (await messages('accounting')));
    } finally {
      await nats.close();
    }
    expect(result.done).toBe(result.total);
    expect(progress.at(-1)).toEqual(result);
    await system.startAnalytics();
    await system.settle();
    expect(await answers()).toEqual(before);
  });
});
