import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ops, reconcileAll, type GraphQLClient } from '@ates/testing';
import { hire, type Popug } from '../src/company.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

let system: TestSystem;
let admin: GraphQLClient;
let worker: Popug;
let manager: Popug;
/** Six tasks, one per kind of inconsistency seeded below (task 3 is completed). */
const taskIds: string[] = [];

beforeAll(async () => {
  system = await startSystem('reconciliation', { seed: 7 });
  admin = await system.admin();
  const staff = await hire(system, ['WORKER', 'MANAGER']);
  worker = staff[0]!;
  manager = staff[1]!;
  for (let i = 0; i < 6; i++) {
    const { createTask } = await manager.client.ok(ops.CreateTaskDocument, {
      input: { title: `reconciled ${i}`, description: '' },
    });
    taskIds.push(createTask.id);
  }
  await worker.client.ok(ops.CompleteTaskDocument, { id: taskIds[3]! });
  await system.settle();
});
afterAll(async () => {
  await system?.stop();
});

describe('reconciliation', () => {
  it('is clean when accounting and the task tracker agree, on one page or many', async () => {
    const whole = await reconcileAll(admin);
    expect(whole).toEqual({ tasksChecked: 6, mismatches: [], pages: 1 });
    const paged = await reconcileAll(admin, { first: 2 });
    expect(paged).toEqual({ tasksChecked: 6, mismatches: [], pages: 3 });
  });

  it('lists every kind of inconsistency seeded in the real databases, with a full answer', async () => {
    const tracker = system.tasks.deps.sql;
    const [gap, extra, missing, rewardExtra, gone] = taskIds as [string, string, string, string, string];
    // The tracker made a second assignment whose event never arrived (a lost last event).
    await tracker`update tasks set assignment_count = 2 where id = ${gap}`;
    await tracker`update tasks set assignment_count = 0 where id = ${extra}`;
    // Completed in the tracker, but accounting never heard of the completion.
    await tracker`update tasks set status = 'DONE', completed_at = now() where id = ${missing}`;
    await tracker`update tasks set status = 'OPEN', completed_at = null where id = ${rewardExtra}`;
    await tracker`delete from tasks where id = ${gone}`;
    const unknown = randomUUID();
    await tracker`insert into tasks (id, title, description, status, assignee_id, created_by, created_at, assignment_count)
      select ${unknown}, 'never announced', '', 'OPEN', assignee_id, created_by, created_at, 1 from tasks limit 1`;

    const response = await admin.request(ops.ReconciliationDocument);
    expect(response.errors).toBeUndefined();
    expect(response.data?.reconciliation.tasksChecked).toBe(7);

    const { tasksChecked, mismatches } = await reconcileAll(admin, { first: 2 });
    expect(tasksChecked).toBe(7);
    const byKind = Object.fromEntries(mismatches.map((m) => [m.kind, m]));
    expect(mismatches.map((m) => m.kind).sort()).toEqual([
      'EXTRA_FEE',
      'FEE_GAP',
      'REWARD_EXTRA',
      'REWARD_MISSING',
      'UNKNOWN_TO_ACCOUNTING',
      'UNKNOWN_TO_TASK_TRACKER',
    ]);
    expect(byKind.FEE_GAP).toMatchObject({ taskId: gap, expectedAssignFees: 2, actualAssignFees: 1 });
    expect(byKind.FEE_GAP?.task).toEqual({ id: gap, title: 'reconciled 0' });
    expect(byKind.EXTRA_FEE).toMatchObject({ taskId: extra, expectedAssignFees: 0, actualAssignFees: 1 });
    expect(byKind.REWARD_MISSING).toMatchObject({ taskId: missing, expectedRewards: 1, actualRewards: 0 });
    expect(byKind.REWARD_EXTRA).toMatchObject({ taskId: rewardExtra, expectedRewards: 0, actualRewards: 1 });
    expect(byKind.UNKNOWN_TO_TASK_TRACKER).toMatchObject({
      taskId: gone,
      task: null,
      expectedAssignFees: 1,
      actualAssignFees: 1,
      reportedAssignments: 1,
    });
    expect(byKind.UNKNOWN_TO_ACCOUNTING).toMatchObject({
      taskId: unknown,
      expectedAssignFees: 1,
      actualAssignFees: 0,
      reportedAssignments: 0,
    });
  });

  it('reports a task the task tracker lost as an error beside the data, never as data: null alone', async () => {
    // The worker's ledger still names the deleted task; the gateway cannot complete its title.
    const response = await worker.client.request<{
      myAccount: { transactions: { nodes: Array<{ task: { id: string; title: string } | null }> } };
    }>(`query { myAccount { transactions(first: 50) { nodes { task { id title } } } } }`);
    expect(response.data?.myAccount.transactions.nodes.filter((n) => n.task === null)).toHaveLength(1);
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(['VALUE_COMPLETION_FAILED']);
    expect(response.errors?.[0]?.message).toMatch(/Task\.title/);
  });

  it('refuses a bad page size or cursor, and everyone but ADMIN and ACCOUNTANT', async () => {
    const tooMany = await admin.request(ops.ReconciliationPageDocument, { first: 5001 });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badCursor = await admin.request(ops.ReconciliationPageDocument, { after: 'x' });
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const forbidden = await worker.client.request(ops.ReconciliationPageDocument, {});
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
