import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { print } from 'graphql';
import {
  connectWs,
  ops,
  signRawToken,
  waitFor,
  type GraphQLClient,
  type TestSubscription,
  type WsConnection,
} from '@ates/testing';
import { hire, type Popug } from '../src/company.ts';
import { startGatewayBeside, startSystem, type TestSystem } from '../src/system.ts';

const CreateTask = ops.CreateTaskDocument;
const ShuffleTasks = ops.ShuffleTasksDocument;
const CompleteTask = ops.CompleteTaskDocument;
const OnMyTasks = print(ops.OnMyTasksDocument);
const OnMyAccount = print(ops.OnMyAccountDocument);
const OnAccountingToday = print(ops.OnAccountingTodayDocument);

interface MyTaskEvent {
  myTasks: {
    kind: string;
    task: {
      id: string;
      title: string;
      status: string;
      assignee: { id: string; login: string };
      price: { assignFee: string; reward: string } | null;
    };
  };
}
interface MyAccountEvent {
  myAccount: {
    id: string;
    balance: string;
    transactions: { nodes: Array<{ kind: string; amount: string; task: { id: string } | null }> };
  };
}

let system: TestSystem;
let admin: GraphQLClient;
let kesha: Popug;
let gosha: Popug;
const connections: WsConnection[] = [];

function connect(token: string | undefined, url = system.gateway.url) {
  const conn = connectWs(url, token);
  connections.push(conn);
  return conn;
}

/** Creates tasks until one lands on `popug` (assignment is random). */
async function taskFor(popug: Popug, title: string) {
  for (let i = 0; i < 40; i++) {
    const sentAt = Date.now();
    const { createTask } = await admin.ok<{ createTask: { id: string; assignee: { id: string } } }>(
      CreateTask,
      {
        input: { title: `${title} ${i}`, description: '' },
      },
    );
    if (createTask.assignee.id === popug.id) return { ...createTask, sentAt };
  }
  throw new Error('no task landed on the popug');
}

const tasksListeners = () => system.tasks.liveStats().listeners;

beforeAll(async () => {
  system = await startSystem('subs', { seed: 7 });
  admin = await system.admin();
  [kesha, gosha] = (await hire(system, ['WORKER', 'WORKER'])) as [Popug, Popug];
});
afterAll(async () => {
  for (const c of connections) await c.dispose();
  await system?.stop();
});

describe('myTasks over graphql-ws through the gateway', () => {
  it('delivers an assignment within a second, with the assignee resolved by the users subgraph', async () => {
    const sub = await connect(kesha.client.token).subscribe(OnMyTasks);
    await waitFor('the tasks subgraph to listen', () => tasksListeners() === 1);
    const task = await taskFor(kesha, 'Live one');
    let event: MyTaskEvent | undefined;
    while (!event || event.myTasks.task.id !== task.id)
      event = (await sub.next(1000)).data as unknown as MyTaskEvent;
    // Within a second of the mutation that caused it (sent → event received).
    expect(Date.now() - task.sentAt).toBeLessThan(1000);
    expect(event.myTasks).toMatchObject({
      kind: 'ASSIGNED',
      task: { id: task.id, status: 'OPEN', assignee: { id: kesha.id, login: kesha.login } },
    });
    await sub.close();
    await waitFor(
      'the upstream subscription to close',
      () => tasksListeners() === 0 && system.gateway.liveStats().upstreams === 0,
    );
  });

  it("never shows a worker another worker's tasks", async () => {
    const sub = await connect(kesha.client.token).subscribe(OnMyTasks);
    await waitFor('the tasks subgraph to listen', () => tasksListeners() === 1);
    const task = await taskFor(gosha, 'Not for Kesha');
    // A task of Kesha's created after Gosha's: when it arrives, Gosha's would have too.
    const mine = await taskFor(kesha, 'Marker');
    let event: MyTaskEvent;
    do event = (await sub.next(2000)).data as unknown as MyTaskEvent;
    while (event.myTasks.task.id !== mine.id);
    const seen = [event, ...sub.pending().map((r) => r.data as unknown as MyTaskEvent)];
    expect(seen.every((e) => e.myTasks.task.assignee.id === kesha.id)).toBe(true);
    expect(seen.some((e) => e.myTasks.task.id === task.id)).toBe(false);
    await sub.close();
  });

  it('tells the old assignee UNASSIGNED and the new one ASSIGNED on a shuffle, and COMPLETED on completion', async () => {
    const k = await connect(kesha.client.token).subscribe(OnMyTasks);
    const g = await connect(gosha.client.token).subscribe(OnMyTasks);
    await waitFor('both subscriptions to listen', () => tasksListeners() === 2);
    await admin.ok(ShuffleTasks);
    // Both subscribers' events, as they arrive (no racing reads that could drop one).
    const kinds = new Set<string>();
    const collect = (sub: typeof k) => () => {
      for (const r of sub.pending()) kinds.add((r.data as unknown as MyTaskEvent).myTasks.kind);
      return kinds.has('ASSIGNED') && kinds.has('UNASSIGNED');
    };
    await waitFor('an ASSIGNED and an UNASSIGNED event', () => collect(k)() || collect(g)(), 5000);
    expect([...kinds].sort()).toEqual(['ASSIGNED', 'UNASSIGNED']);
    await k.close();
    await g.close();

    const task = await taskFor(kesha, 'To complete');
    const sub = await connect(kesha.client.token).subscribe(OnMyTasks);
    await waitFor('the tasks subgraph to listen', () => tasksListeners() === 1);
    await kesha.client.ok(CompleteTask, { id: task.id });
    let event: MyTaskEvent;
    do event = (await sub.next(2000)).data as unknown as MyTaskEvent;
    while (event.myTasks.kind !== 'COMPLETED');
    expect(event.myTasks.task).toMatchObject({ id: task.id, status: 'DONE' });
    await sub.close();
    await waitFor(
      'everything upstream to close',
      () => tasksListeners() === 0 && system.gateway.liveStats().upstreams === 0,
    );
  });

  it('delivers through either of two gateway instances', async () => {
    const second = await startGatewayBeside(system, 'gateway-2', {
      limits: { maxDepth: 12, maxFields: 1000, maxAliases: 50 },
    });
    try {
      const one = await connect(kesha.client.token).subscribe(OnMyTasks);
      const two = await connect(kesha.client.token, second.url).subscribe(OnMyTasks);
      await waitFor('both gateways to subscribe', () => tasksListeners() === 2);
      const task = await taskFor(kesha, 'Seen twice');
      for (const sub of [one, two]) {
        let event: MyTaskEvent;
        do event = (await sub.next(2000)).data as unknown as MyTaskEvent;
        while (event.myTasks.task.id !== task.id);
        expect(event.myTasks.kind).toBe('ASSIGNED');
      }
      await one.close();
      await two.close();
      await waitFor(
        'both gateways to release',
        () => second.liveStats().upstreams === 0 && tasksListeners() === 0,
      );
    } finally {
      await second.stop();
    }
  });

  it('closes the socket with 4403 for a missing or invalid token', async () => {
    expect(await connect(undefined).closed).toBe(4403);
    expect(await connect('not-a-token').closed).toBe(4403);
  });

  it('closes every socket and upstream when the client goes away', async () => {
    // Two different subscriptions (identical ones would share one upstream).
    const conn = connect(kesha.client.token);
    await conn.subscribe(OnMyTasks);
    await conn.subscribe(OnMyAccount);
    await waitFor(
      'two upstream subscriptions',
      () =>
        tasksListeners() === 1 &&
        system.accounting.liveStats().listeners === 1 &&
        system.gateway.liveStats().upstreams === 2,
    );
    await conn.dispose();
    await waitFor(
      'nothing left open',
      () =>
        tasksListeners() === 0 &&
        system.accounting.liveStats().listeners === 0 &&
        system.gateway.liveStats().upstreams === 0,
    );
    await waitFor(
      'the upstream sockets to close',
      () => system.tasks.liveStats().sockets === 0 && system.accounting.liveStats().sockets === 0,
    );
  });

  it("delivers myAccount after each of the caller's transactions, and nothing of another popug's", async () => {
    const k = await connect(kesha.client.token).subscribe(OnMyAccount);
    const g = await connect(gosha.client.token).subscribe(OnMyAccount);
    await waitFor('accounting to listen', () => system.accounting.liveStats().listeners === 2);
    const task = await taskFor(kesha, 'Charged live');
    let event: MyAccountEvent;
    do event = (await k.next(3000)).data as unknown as MyAccountEvent;
    while (event.myAccount.transactions.nodes[0]?.task?.id !== task.id);
    // Task tracker → accounting → live feed → gateway, within a second of the mutation.
    expect(Date.now() - task.sentAt).toBeLessThan(1000);
    expect(event.myAccount.transactions.nodes[0]).toMatchObject({ kind: 'ASSIGN_FEE' });
    expect(event.myAccount.transactions.nodes[0]!.amount).toMatch(/^-\d+\.\d{2}$/);
    await system.settle();
    for (const r of g.pending()) {
      const nodes = (r.data as unknown as MyAccountEvent).myAccount.transactions.nodes;
      expect(nodes.every((n) => n.task?.id !== task.id)).toBe(true);
    }
    await k.close();
    await g.close();
  });

  it("serves one viewer's tabs from one upstream myAccount subscription, and no tab another viewer's account", async () => {
    const tabs = [
      await connect(kesha.client.token).subscribe(OnMyAccount),
      await connect(kesha.client.token).subscribe(OnMyAccount),
      await connect(kesha.client.token).subscribe(OnMyAccount),
    ];
    const other = await connect(gosha.client.token).subscribe(OnMyAccount);
    const oneEach = () =>
      system.gateway.liveStats().upstreams === 2 && system.accounting.liveStats().listeners === 2;
    await waitFor('one upstream subscription per viewer', oneEach);
    const mine = await taskFor(kesha, 'Seen in every tab');
    const theirs = await taskFor(gosha, 'Seen by its owner only');
    const lastTask = (e: MyAccountEvent) => e.myAccount.transactions.nodes[0]?.task?.id;
    const until = async (sub: TestSubscription, taskId: string) => {
      const seen: MyAccountEvent[] = [];
      do seen.push((await sub.next(3000)).data as unknown as MyAccountEvent);
      while (lastTask(seen.at(-1)!) !== taskId);
      return seen;
    };
    const perTab = await Promise.all(tabs.map((tab) => until(tab, mine.id)));
    const goshaSeen = await until(other, theirs.id);
    // Every tab got the same events (every tab was subscribed, still through one upstream).
    for (const seen of perTab) expect(seen).toEqual(perTab[0]);
    expect(oneEach()).toBe(true);
    await system.settle();
    const keshaAccount = perTab[0]![0]!.myAccount.id;
    const goshaAccount = goshaSeen[0]!.myAccount.id;
    expect(goshaAccount).not.toBe(keshaAccount);
    for (const [i, tab] of tabs.entries()) {
      const events = [...perTab[i]!, ...tab.pending().map((r) => r.data as unknown as MyAccountEvent)];
      expect(events.every((e) => e.myAccount.id === keshaAccount)).toBe(true);
      expect(events.some((e) => lastTask(e) === theirs.id)).toBe(false);
    }
    const goshaEvents = [...goshaSeen, ...other.pending().map((r) => r.data as unknown as MyAccountEvent)];
    expect(goshaEvents.every((e) => e.myAccount.id === goshaAccount)).toBe(true);
    expect(goshaEvents.some((e) => lastTask(e) === mine.id)).toBe(false);

    // The stream outlives the tab it was opened for, and closes with the last one.
    await tabs[0]!.close();
    const next = await taskFor(kesha, 'Seen in the tabs left');
    for (const tab of tabs.slice(1)) await until(tab, next.id);
    for (const sub of [...tabs.slice(1), other]) await sub.close();
    await waitFor(
      'nothing left upstream',
      () => system.gateway.liveStats().upstreams === 0 && system.accounting.liveStats().listeners === 0,
    );
  });

  it("keeps one viewer's shared myAccount stream going with another tab's token when the first one expires", async () => {
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await signRawToken(
      system.keys.privateKeyPem,
      { role: 'WORKER' },
      { issuedAt: now, expiresAt: now + 2, subject: kesha.id },
    );
    const first = connect(shortLived);
    await first.subscribe(OnMyAccount);
    await waitFor('the stream to open', () => system.accounting.liveStats().listeners === 1);
    const second = await connect(kesha.client.token).subscribe(OnMyAccount);
    expect(await first.closed).toBe(4403);
    await waitFor(
      'the stream to carry on with the second token',
      () => system.accounting.liveStats().listeners === 1 && system.gateway.liveStats().upstreams === 1,
    );
    const task = await taskFor(kesha, 'After the tab expired');
    let event: MyAccountEvent;
    do event = (await second.next(3000)).data as unknown as MyAccountEvent;
    while (event.myAccount.transactions.nodes[0]?.task?.id !== task.id);
    await second.close();
    await waitFor('nothing left upstream', () => system.gateway.liveStats().upstreams === 0);
  });

  it('delivers accountingToday to ADMIN and ACCOUNTANT only', async () => {
    const sub = await connect(admin.token).subscribe(OnAccountingToday);
    await waitFor('accounting to listen', () => system.accounting.liveStats().listeners === 1);
    await taskFor(kesha, 'Moves the figures');
    const event = (await sub.next(3000)).data as { accountingToday: { day: string; feesCharged: string } };
    expect(event.accountingToday.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Number(event.accountingToday.feesCharged)).toBeGreaterThan(0);
    await sub.close();
    const denied = await connect(kesha.client.token).subscribe(OnAccountingToday);
    const result = await denied.next(3000);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    await waitFor('nothing left upstream', () => system.gateway.liveStats().upstreams === 0);
  });

  it('serves accountingToday to all subscribers of a role from one upstream subscription, and still refuses a worker', async () => {
    const [accountant] = (await hire(system, ['ACCOUNTANT'])) as [Popug];
    // Two sockets of the admin and one of an accountant: one upstream stream per role.
    const subs = [
      await connect(admin.token).subscribe(OnAccountingToday),
      await connect(admin.token).subscribe(OnAccountingToday),
      await connect(accountant.client.token).subscribe(OnAccountingToday),
    ];
    await waitFor(
      'one upstream subscription per role',
      () => system.gateway.liveStats().upstreams === 2 && system.accounting.liveStats().listeners === 2,
    );
    // A worker asking while the staff streams run is refused by the subgraph, as ever.
    const denied = await connect(kesha.client.token).subscribe(OnAccountingToday);
    expect((await denied.next(3000)).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(denied.pending()).toEqual([]);

    await taskFor(kesha, 'Seen by every accountant');
    const first = await Promise.all(subs.map((sub) => sub.next(3000)));
    expect(first[0]?.data).toMatchObject({ accountingToday: { day: expect.stringMatching(/^\d{4}-/) } });
    for (const result of first) expect(result).toEqual(first[0]);

    // The stream outlives the subscriber it was opened for.
    await subs[0]!.close();
    await system.settle();
    const before = subs[1]!.pending().length;
    await taskFor(kesha, 'Still seen');
    await waitFor('the remaining admin to receive', () => subs[1]!.pending().length > before);
    await subs[1]!.close();
    await subs[2]!.close();
    await waitFor(
      'nothing left upstream',
      () => system.gateway.liveStats().upstreams === 0 && system.accounting.liveStats().listeners === 0,
    );
  });

  it("keeps a shared accountingToday stream going with another member's token when the first one expires", async () => {
    const [accountant] = (await hire(system, ['ACCOUNTANT'])) as [Popug];
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await signRawToken(
      system.keys.privateKeyPem,
      { role: 'ACCOUNTANT' },
      { issuedAt: now, expiresAt: now + 2, subject: accountant.id },
    );
    const first = connect(shortLived);
    await first.subscribe(OnAccountingToday);
    await waitFor('the stream to open', () => system.accounting.liveStats().listeners === 1);
    const second = await connect(accountant.client.token).subscribe(OnAccountingToday);
    // The short token expires: its socket closes at the gateway and the upstream at accounting.
    expect(await first.closed).toBe(4403);
    await waitFor(
      'the stream to carry on with the second token',
      () => system.accounting.liveStats().listeners === 1 && system.gateway.liveStats().upstreams === 1,
    );
    await taskFor(kesha, 'After the expiry');
    expect((await second.next(3000)).data).toMatchObject({ accountingToday: { day: expect.any(String) } });
    await second.close();
    await waitFor('nothing left upstream', () => system.gateway.liveStats().upstreams === 0);
  });

  // Last: it stops the tasks subgraph.
  it('reports an error to the client, not a silent hang, when the owning subgraph dies (after its retries)', async () => {
    const sub = await connect(kesha.client.token).subscribe(OnMyTasks);
    await waitFor('the tasks subgraph to listen', () => tasksListeners() === 1);
    await system.tasks.stop();
    const result = await sub.next(5000);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'SUBGRAPH_UNAVAILABLE',
      serviceName: 'tasks',
    });
    await sub.ended;
    await waitFor('the gateway to release the upstream', () => system.gateway.liveStats().upstreams === 0);
  });
});
