import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, ops, type GraphQLClient } from '@ates/testing';
import { hire, type Popug } from '../src/company.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

const CreateTask = ops.CreateTaskDocument;
const ShuffleTasks = ops.ShuffleTasksDocument;
const CompleteTask = ops.CompleteTaskDocument;
const TaskDashboard = ops.TaskDashboardDocument;
const TaskQuery = ops.TaskDocument;
const MyTasks = ops.MyTasksDocument;

interface TaskView {
  id: string;
  jiraId: string | null;
  title: string;
  status: 'OPEN' | 'DONE';
  completedAt: string | null;
  assignee: { id: string; login?: string; role?: string };
}
interface Dashboard {
  tasks: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: TaskView[];
  };
}

let system: TestSystem;
let admin: GraphQLClient;

async function create(
  client: GraphQLClient,
  input: { title: string; jiraId?: string | null; description?: string },
) {
  const data = await client.ok<{ createTask: TaskView & { createdBy: { id: string } } }>(CreateTask, {
    input: { description: '', ...input },
  });
  return data.createTask;
}

async function dashboard(client: GraphQLClient, vars: Record<string, unknown> = {}) {
  return (await client.ok<Dashboard>(TaskDashboard, { first: 200, ...vars })).tasks;
}

beforeAll(async () => {
  system = await startSystem('tasks', { seed: 42 });
  admin = await system.admin();
});
afterAll(async () => {
  await system?.stop();
});

describe('creating a task', () => {
  // First in the file: the company has only its admin, so nobody can be assigned.
  it('fails with FAILED_PRECONDITION and creates nothing when there is no assignable popug', async () => {
    await system.settle();
    const res = await admin.request(CreateTask, { input: { title: 'Nobody to do it', description: '' } });
    expect(errorCodes(res)).toEqual(['FAILED_PRECONDITION']);
    expect((await dashboard(admin)).totalCount).toBe(0);
  });

  it('assigns the new task at once to an assignable popug, never an ADMIN or MANAGER', async () => {
    const [worker, manager] = await hire(system, ['WORKER', 'MANAGER']);
    for (let i = 0; i < 10; i++) {
      const task = await create(manager!.client, { title: `Feed the parrots ${i}` });
      expect(task.status).toBe('OPEN');
      expect(task.assignee.id).toBe(worker!.id);
      expect(task.assignee.role).toBe('WORKER');
      expect(task.createdBy.id).toBe(manager!.id);
    }
  });

  it('keeps the Jira id out of the title', async () => {
    await hire(system, ['WORKER']);
    const task = await create(admin, { title: 'Polish the perch', jiraId: 'POPUG-42', description: 'shiny' });
    expect(task).toMatchObject({ jiraId: 'POPUG-42', title: 'Polish the perch' });
  });

  it('answers the task with its assignee and author resolved by the users subgraph', async () => {
    const created = await create(admin, { title: 'Count the seeds', description: 'all of them' });
    const { task } = await admin.ok<{
      task: TaskView & { createdBy: { login: string }; description: string };
    }>(TaskQuery, { id: created.id });
    expect(task.description).toBe('all of them');
    expect(task.createdBy.login).toBe('admin');
    expect(task.assignee.login).toMatch(/^worker/);
  });

  it.each([
    ['title', { title: '' }],
    ['title', { title: '   ' }],
    ['title', { title: 'x'.repeat(201) }],
    ['title', { title: '[POPUG-1] Old style title' }],
    ['title', { title: 'brackets ] inside' }],
    ['jiraId', { title: 'ok', jiraId: 'popug-1' }],
    ['jiraId', { title: 'ok', jiraId: 'POPUG' }],
    ['jiraId', { title: 'ok', jiraId: '1POPUG-1' }],
    ['description', { title: 'ok', description: 'x'.repeat(10_001) }],
  ])('refuses an invalid %s with BAD_USER_INPUT naming it and creates nothing', async (field, input) => {
    const before = (await dashboard(admin)).totalCount;
    const res = await admin.request(CreateTask, { input: { description: '', ...input } });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0]?.extensions?.field).toBe(field);
    expect((await dashboard(admin)).totalCount).toBe(before);
  });

  it('accepts a title of exactly 200 characters', async () => {
    const task = await create(admin, { title: 'y'.repeat(200) });
    expect(task.title).toHaveLength(200);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED', async () => {
    const res = await system.client.request(CreateTask, { input: { title: 'Sneaky', description: '' } });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('the task dashboard', () => {
  it('shows every logged-in popug all tasks, newest first, paged with cursors and a total count', async () => {
    const [worker] = await hire(system, ['WORKER']);
    const all = await dashboard(worker!.client);
    expect(all.totalCount).toBeGreaterThan(5);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Dashboard['tasks'] = await dashboard(worker!.client, { first: 3, after });
      expect(page.totalCount).toBe(all.totalCount);
      seen.push(...page.nodes.map((n) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.nodes.map((n) => n.id));
    const times = all.nodes.map((n) => (n as unknown as { createdAt: string }).createdAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('filters by status and by assignee', async () => {
    const [a] = await hire(system, ['WORKER']);
    const mine = await dashboard(admin, { assigneeId: a!.id });
    expect(mine.nodes.every((t) => t.assignee.id === a!.id)).toBe(true);
    const open = await dashboard(admin, { status: 'OPEN' });
    expect(open.nodes.every((t) => t.status === 'OPEN')).toBe(true);
    const none = await dashboard(admin, { assigneeId: 'not-a-uuid' });
    expect(none.totalCount).toBe(0);
  });

  it('refuses a page size over 200 or a forged cursor with BAD_USER_INPUT', async () => {
    expect(errorCodes(await admin.request(TaskDashboard, { first: 201 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await admin.request(TaskDashboard, { first: 5, after: 'garbage' }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it("lists a popug's own tasks under `me`", async () => {
    const [w] = await hire(system, ['WORKER']);
    const all = await dashboard(admin, { assigneeId: w!.id });
    const mine = await w!.client.ok<{ me: { id: string; tasks: TaskView[] } }>(MyTasks, {});
    expect(mine.me.tasks.map((t) => t.id).sort()).toEqual(all.nodes.map((t) => t.id).sort());
  });
});

describe('completing a task', () => {
  let worker: Popug;
  let other: Popug;

  beforeAll(async () => {
    // Make the company two workers only, so assignments land on them.
    const popugs = await hire(system, ['WORKER', 'WORKER']);
    worker = popugs[0]!;
    other = popugs[1]!;
  });

  async function taskOf(p: Popug) {
    for (let i = 0; i < 50; i++) {
      const task = await create(admin, { title: `Task for ${p.login} ${i}` });
      if (task.assignee.id === p.id) return task;
    }
    throw new Error('no task landed on the popug in 50 tries');
  }

  it('lets the assignee complete their task: DONE with a completion time', async () => {
    const task = await taskOf(worker);
    const data = await worker.client.ok<{ completeTask: TaskView }>(CompleteTask, { id: task.id });
    expect(data.completeTask.status).toBe('DONE');
    expect(data.completeTask.completedAt).not.toBeNull();
    expect(data.completeTask.assignee.id).toBe(worker.id);
  });

  it('refuses to complete a DONE task with CONFLICT', async () => {
    const task = await taskOf(worker);
    await worker.client.ok(CompleteTask, { id: task.id });
    expect(errorCodes(await worker.client.request(CompleteTask, { id: task.id }))).toEqual(['CONFLICT']);
  });

  it("refuses someone else's task with FORBIDDEN and leaves it OPEN", async () => {
    const task = await taskOf(worker);
    expect(errorCodes(await other.client.request(CompleteTask, { id: task.id }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await admin.request(CompleteTask, { id: task.id }))).toEqual(['FORBIDDEN']);
    const { task: after } = await admin.ok<{ task: TaskView }>(TaskQuery, { id: task.id });
    expect(after.status).toBe('OPEN');
  });

  it('refuses an unknown or malformed id with NOT_FOUND', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
      expect(errorCodes(await worker.client.request(CompleteTask, { id }))).toEqual(['NOT_FOUND']);
    }
  });
});

describe('shuffling', () => {
  it('is for ADMIN and MANAGER only: others get FORBIDDEN', async () => {
    const [w, acc] = await hire(system, ['WORKER', 'ACCOUNTANT']);
    expect(errorCodes(await w!.client.request(ShuffleTasks))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await acc!.client.request(ShuffleTasks))).toEqual(['FORBIDDEN']);
  });

  it('reassigns every OPEN task (and only those), as often as it is pressed', async () => {
    const [manager] = await hire(system, ['MANAGER']);
    const before = await dashboard(admin, { first: 200 });
    const open = before.nodes.filter((t) => t.status === 'OPEN').length;
    const openTotal = (await dashboard(admin, { status: 'OPEN' })).totalCount;
    expect(open).toBe(Math.min(openTotal, before.nodes.length));
    for (let press = 0; press < 3; press++) {
      const res = await manager!.client.ok<{ shuffleTasks: { reassigned: number } }>(ShuffleTasks);
      expect(res.shuffleTasks.reassigned).toBe(openTotal);
    }
    const after = await dashboard(admin, { first: 200 });
    const doneBefore = new Map(
      before.nodes.filter((t) => t.status === 'DONE').map((t) => [t.id, t.assignee.id]),
    );
    for (const t of after.nodes) if (doneBefore.has(t.id)) expect(t.assignee.id).toBe(doneBefore.get(t.id));
  });

  it('applies a role change to the next assignment: a promoted manager gets no more tasks', async () => {
    const [w] = await hire(system, ['WORKER']);
    await admin.ok(`mutation($id: ID!) { changeRole(userId: $id, role: MANAGER) { id } }`, { id: w!.id });
    await system.settle();
    await admin.ok(ShuffleTasks);
    for (let i = 0; i < 10; i++) await create(admin, { title: `After promotion ${i}` });
    expect((await dashboard(admin, { assigneeId: w!.id, status: 'OPEN' })).totalCount).toBe(0);
  });

  it('never credits a completion to someone who was no longer the assignee, under concurrent shuffles', async () => {
    const workers = await hire(system, ['WORKER', 'WORKER', 'WORKER']);
    for (let i = 0; i < 30; i++) await create(admin, { title: `Race ${i}` });
    const snapshot = (await dashboard(admin, { status: 'OPEN' })).nodes;
    const byId = new Map(workers.map((w) => [w.id, w]));
    const attempts = snapshot
      .filter((t) => byId.has(t.assignee.id))
      .map((t) => ({ task: t, popug: byId.get(t.assignee.id)! }));
    // Completions and two shuffles race for the same rows.
    const shuffles = Promise.all([admin.request(ShuffleTasks), admin.request(ShuffleTasks)]);
    const completions = await Promise.all(
      attempts.map(({ task, popug }) =>
        popug.client.request<{ completeTask: TaskView }>(CompleteTask, { id: task.id }),
      ),
    );
    completions.forEach((res, i) => {
      const { popug } = attempts[i]!;
      if (res.data?.completeTask) expect(res.data.completeTask.assignee.id).toBe(popug.id);
      else expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    });
    for (const res of await shuffles) expect(res.errors).toBeUndefined();
    for (const { task } of attempts) {
      const { task: now } = await admin.ok<{ task: TaskView }>(TaskQuery, { id: task.id });
      const won = completions[attempts.findIndex((a) => a.task.id === task.id)]!;
      expect(now.status).toBe(won.data?.completeTask ? 'DONE' : 'OPEN');
    }
  });
});
