import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { CONSUMERS } from '@ates/accounting';
import { connectNats, outbox, resetConsumer, streamName } from '@ates/events';
import { connectDatabase, parseMoney } from '@ates/service-kit';
import { ops, testNatsUrl, type GraphQLClient } from '@ates/testing';
import { hire, type Popug } from '../src/company.ts';
import { allTasks, ledgerOf } from '../src/ledger.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

// Without `price`: this file queries tasks while accounting is down.
const OPEN_TASKS = `query { tasks(status: OPEN, first: 200) { nodes { id assignee { id } } } }`;
interface OpenTasks {
  tasks: { nodes: Array<{ id: string; assignee: { id: string } }> };
}

let system: TestSystem;
let admin: GraphQLClient;
let workers: Popug[];
/** What the task tracker did while accounting was down: assignments per task, and who completed it. */
const assignments = new Map<string, number>();
const completedBy = new Map<string, string>();
/** The events the task tracker published meanwhile (a shuffle: one task.assigned v2 per 1,000 tasks). */
let taskEvents = 0;
const SHUFFLE_CHUNK = 1000;

beforeAll(async () => {
  system = await startSystem('accounting_down', { seed: 5 });
  admin = await system.admin();
  workers = await hire(system, ['WORKER', 'WORKER', 'WORKER']);
});
afterAll(async () => {
  await system?.stop();
});

async function completeSomeOpenTasks(n: number) {
  const byId = new Map(workers.map((w) => [w.id, w]));
  const open = (await admin.ok<OpenTasks>(OPEN_TASKS)).tasks.nodes;
  for (const task of open.slice(0, n)) {
    await byId.get(task.assignee.id)!.client.ok(ops.CompleteTaskDocument, { id: task.id });
    completedBy.set(task.id, task.assignee.id);
    taskEvents += 1;
  }
}

async function shuffle() {
  const open = (await admin.ok<OpenTasks>(OPEN_TASKS)).tasks.nodes;
  const { shuffleTasks } = await admin.ok(ops.ShuffleTasksDocument);
  expect(shuffleTasks.reassigned).toBe(open.length);
  for (const t of open) assignments.set(t.id, (assignments.get(t.id) ?? 0) + 1);
  taskEvents += Math.ceil(open.length / SHUFFLE_CHUNK);
}

/** Everything accounting shows: every ledger, the dashboard, reconciliation, and what it published. */
async function snapshot() {
  const ledgers = await Promise.all(workers.map((w) => ledgerOf(admin, w.id)));
  const today = ledgers.flatMap((l) => l.rows)[0]!.day;
  const { accountingDashboard } = await admin.ok(ops.AccountingDashboardDocument, { from: today, to: today });
  const { reconciliation } = await admin.ok(ops.ReconciliationDocument);
  const published = await system.accounting.deps.db.$count(outbox);
  return { ledgers, days: accountingDashboard.days, reconciliation, published };
}

/**
 * Accounting's task consumer starts over from the first event of the TASKS stream (optionally
 * with its inbox cleared). Returns how many messages the stream holds, how many the new
 * consumer delivered, and how many events went through the handlers again.
 */
async function replayTaskEvents({ forgetInbox }: { forgetInbox: boolean }) {
  await system.stopAccounting();
  const nats = await connectNats(testNatsUrl(), { name: 'e2e-replay' });
  const jsm = await jetstreamManager(nats);
  const stream = streamName(system.namespace, 'tasks');
  const database = connectDatabase(system.accountingDatabaseUrl, {});
  try {
    const since = new Date();
    await resetConsumer(jsm, {
      stream,
      name: CONSUMERS.tasks,
      ...(forgetInbox ? { sql: database.sql } : {}),
    });
    await system.startAccounting();
    await system.settle();
    const info = await jsm.consumers.info(stream, CONSUMERS.tasks);
    const [row] = await database.sql<{ n: number }[]>`
      select count(*)::int as n from inbox
      where consumer = ${CONSUMERS.tasks} and processed_at > ${since.toISOString()}::timestamptz`;
    return {
      messages: (await jsm.streams.info(stream)).state.messages,
      delivered: info.delivered.stream_seq,
      reapplied: row?.n,
    };
  } finally {
    await database.close();
    await nats.close();
  }
}

describe('accounting down while the task tracker works (data problem 1)', () => {
  it('misses nothing: back up, it catches up and every task has exactly its fees and rewards', async () => {
    await system.stopAccounting();
    for (let i = 0; i < 12; i++) {
      const { createTask } = await admin.ok(ops.CreateTaskDocument, {
        input: { title: `While down ${i}`, jiraId: `DOWN-${i + 1}`, description: '' },
      });
      assignments.set(createTask.id, 1);
      taskEvents += 2; // task.created and its first task.assigned
    }
    await shuffle();
    await completeSomeOpenTasks(3);
    await shuffle();
    await shuffle();
    await completeSomeOpenTasks(2);
    await system.settle();

    await system.startAccounting();
    await system.settle();

    const tasks = new Map((await allTasks(admin)).map((t) => [t.id, t]));
    const ledgers = new Map(
      await Promise.all(workers.map(async (w) => [w.id, await ledgerOf(admin, w.id)] as const)),
    );
    const rows = [...ledgers.entries()].flatMap(([userId, l]) => l.rows.map((r) => ({ ...r, userId })));
    for (const [taskId, expected] of assignments) {
      const price = tasks.get(taskId)!.price!;
      const fees = rows.filter((r) => r.taskId === taskId && r.kind === 'ASSIGN_FEE');
      const rewards = rows.filter((r) => r.taskId === taskId && r.kind === 'TASK_REWARD');
      expect(fees.map((f) => f.amount)).toEqual(Array(expected).fill(-parseMoney(price.assignFee)));
      expect(rewards.map((r) => [r.amount, r.userId])).toEqual(
        completedBy.has(taskId) ? [[parseMoney(price.reward), completedBy.get(taskId)]] : [],
      );
      expect(fees.every((f) => f.description.startsWith('[DOWN-'))).toBe(true);
    }
    expect(rows).toHaveLength([...assignments.values()].reduce((s, n) => s + n, 0) + completedBy.size);
    for (const ledger of ledgers.values()) {
      expect(ledger.balance).toBe(ledger.rows.reduce((s, r) => s + r.amount, 0));
    }
  });

  it('proves it with reconciliation: every task checked, no mismatch', async () => {
    const { reconciliation } = await admin.ok(ops.ReconciliationDocument);
    expect(reconciliation).toEqual({ tasksChecked: assignments.size, mismatches: [] });
  });

  it('changes nothing when every task event is delivered again', async () => {
    const before = await snapshot();
    const replay = await replayTaskEvents({ forgetInbox: false });
    expect(replay.delivered).toBe(replay.messages);
    expect(replay.reapplied).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it('changes nothing even when its inbox is forgotten too: each fact counts once, whatever event carries it', async () => {
    const before = await snapshot();
    const replay = await replayTaskEvents({ forgetInbox: true });
    expect(replay.delivered).toBe(replay.messages);
    // Every created, assigned and completed event ran through the handlers again.
    expect(replay.reapplied).toBe(taskEvents);
    expect(await snapshot()).toEqual(before);
  });
});
