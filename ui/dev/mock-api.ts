/**
 * A stand-in for the gateway while the backend is being built: the public API schema
 * served over HTTP and graphql-ws (same path, token in connectionParams) with deterministic fake
 * data, so the UI can be developed and looked at before the real subgraphs exist.
 *
 *   pnpm --filter @ates/ui mock                 # http://127.0.0.1:4100/graphql
 *   ATES_GATEWAY_URL=http://127.0.0.1:4100 pnpm --filter @ates/ui dev
 *   MOCK_ACTIVITY=1 …                          # a task is created or completed every few seconds
 *
 * Log in as admin, manager, accountant or any worker (kiwi, mango, …) with any password but
 * "wrong". This is a development aid only: nothing here is part of the product.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { buildSchema, graphql, GraphQLError, parse } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

type Role = 'ADMIN' | 'MANAGER' | 'ACCOUNTANT' | 'WORKER';
interface User {
  id: string;
  login: string;
  name: string;
  email: string;
  role: Role;
  createdAt: string;
}
interface Task {
  id: string;
  jiraId: string | null;
  title: string;
  description: string;
  status: 'OPEN' | 'DONE';
  assigneeId: string;
  createdById: string;
  createdAt: string;
  completedAt: string | null;
  fee: number;
  reward: number;
}
interface Tx {
  id: string;
  userId: string;
  kind: 'ASSIGN_FEE' | 'TASK_REWARD' | 'PAYOUT';
  cents: number;
  taskId: string | null;
  day: string;
  createdAt: string;
}

const schema = buildSchema(
  fs.readFileSync(path.resolve(import.meta.dirname, '../../schema/api.graphql'), 'utf8'),
);
const port = Number(process.env.PORT ?? 4100);

let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const money = (cents: number) =>
  `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
const dayOf = (iso: string) => iso.slice(0, 10);
const DAY_MS = 86_400_000;
const now = Date.now();
const todayDay = dayOf(new Date(now).toISOString());
const addDays = (day: string, n: number) =>
  dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString());

/** In-memory events for subscriptions; iterators end eagerly on return(). */
interface MockEvent {
  topic: 'tasks' | 'account';
  userId: string;
  kind?: 'ASSIGNED' | 'UNASSIGNED' | 'COMPLETED';
  taskId?: string;
}
const listeners = new Set<(event: MockEvent) => void>();
const publish = (event: MockEvent) => listeners.forEach((listener) => listener(event));
function listen(match: (event: MockEvent) => unknown): AsyncIterableIterator<unknown> {
  const queue: unknown[] = [];
  let wake: ((result: IteratorResult<unknown>) => void) | null = null;
  let done = false;
  const listener = (event: MockEvent) => {
    const payload = match(event);
    if (payload === null || payload === undefined) return;
    if (wake) {
      const w = wake;
      wake = null;
      w({ value: payload, done: false });
    } else queue.push(payload);
  };
  listeners.add(listener);
  const finish = (): Promise<IteratorResult<unknown>> => {
    done = true;
    listeners.delete(listener);
    wake?.({ value: undefined, done: true });
    wake = null;
    return Promise.resolve({ value: undefined, done: true });
  };
  return {
    next: () =>
      queue.length > 0
        ? Promise.resolve({ value: queue.shift(), done: false })
        : done
          ? Promise.resolve({ value: undefined, done: true })
          : new Promise((resolve) => (wake = resolve)),
    return: finish,
    throw: async (error: unknown) => {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

const users: User[] = [];
const addUser = (login: string, name: string, role: Role) => {
  const user = {
    id: `u${users.length + 1}`,
    login,
    name,
    email: `${login}@popug.inc`,
    role,
    createdAt: new Date(now - 30 * DAY_MS).toISOString(),
  };
  users.push(user);
  return user;
};
addUser('admin', 'Ada Admin', 'ADMIN');
addUser('manager', 'Max Manager', 'MANAGER');
addUser('accountant', 'Acacia Counts', 'ACCOUNTANT');
for (const name of ['Kiwi', 'Mango', 'Pistachio', 'Lime', 'Olive', 'Basil', 'Sage', 'Fern', 'Jade', 'Moss'])
  addUser(name.toLowerCase(), `${name} Popug`, 'WORKER');
const assignable = () => users.filter((u) => u.role === 'WORKER' || u.role === 'ACCOUNTANT');

const TITLES = [
  'Refill the seed dispenser',
  'Fix the perch in meeting room 2',
  'Translate the onboarding guide',
  'Review the nest-building budget',
  'Migrate the feather inventory',
  'Prepare the quarterly squawk report',
  'Clean up the birdbath backlog',
  'Audit cracker consumption',
  'Rewrite the mirror-polishing runbook',
  'Onboard the new cockatoo team',
  'Tune the sunflower pricing model',
  'Patch the cage door latch',
];

const tasks: Task[] = [];
const txs: Tx[] = [];
const closedDays = new Set<string>();
const addTx = (userId: string, kind: Tx['kind'], cents: number, taskId: string | null, at: string) => {
  txs.push({ id: `x${txs.length + 1}`, userId, kind, cents, taskId, day: dayOf(at), createdAt: at });
  publish({ topic: 'account', userId });
};
const taskEvent = (userId: string, kind: NonNullable<MockEvent['kind']>, taskId: string) =>
  publish({ topic: 'tasks', userId, kind, taskId });
const balance = (userId: string, upTo?: string) =>
  txs.filter((t) => t.userId === userId && (!upTo || t.day <= upTo)).reduce((a, t) => a + t.cents, 0);

function closeDay(day: string) {
  let paid = 0;
  let total = 0;
  let red = 0;
  for (const user of users) {
    const b = balance(user.id, day);
    if (b > 0) {
      addTx(user.id, 'PAYOUT', -b, null, `${day}T23:59:00.000Z`);
      paid += 1;
      total += b;
    } else if (b < 0) red += 1;
  }
  closedDays.add(day);
  return { day, accountsPaid: paid, totalPaid: money(total), accountsInRed: red };
}

for (let d = 13; d >= 0; d -= 1) {
  const day = addDays(todayDay, -d);
  for (let i = 0; i < between(3, 7); i += 1) {
    const start = Date.parse(`${day}T00:00:00Z`);
    const span = Math.min(20 * 60, Math.floor((now - start) / 60_000));
    const created = new Date(start + between(0, Math.max(0, span)) * 60_000).toISOString();
    const assignee = pick(assignable());
    const task: Task = {
      id: `t${tasks.length + 1}`,
      jiraId: random() < 0.8 ? `POPUG-${100 + tasks.length}` : null,
      title: pick(TITLES),
      description: 'Agreed at the morning stand-up. Ask in #flock if anything is unclear.',
      status: 'OPEN',
      assigneeId: assignee.id,
      createdById: pick(users).id,
      createdAt: created,
      completedAt: null,
      fee: between(1000, 2000),
      reward: between(2000, 4000),
    };
    tasks.push(task);
    addTx(assignee.id, 'ASSIGN_FEE', -task.fee, task.id, created);
    const done = new Date(Date.parse(created) + between(5, 240) * 60_000).toISOString();
    if (random() < 0.6 && Date.parse(done) < now && dayOf(done) === day) {
      task.status = 'DONE';
      task.completedAt = done;
      addTx(assignee.id, 'TASK_REWARD', task.reward, task.id, done);
    }
  }
  if (d > 0) closeDay(day);
}

const fail = (message: string, code: string, field?: string) =>
  new GraphQLError(message, { extensions: field ? { code, field } : { code } });
const byId = (id: string) => users.find((u) => u.id === id) ?? null;
const taskView = (t: Task) => ({
  ...t,
  assignee: () => userView(byId(t.assigneeId) as User),
  createdBy: () => userView(byId(t.createdById) as User),
  price: { assignFee: money(t.fee), reward: money(t.reward) },
});
const txView = (t: Tx) => {
  const task = t.taskId ? (tasks.find((x) => x.id === t.taskId) ?? null) : null;
  const label = task ? `${task.jiraId ? `[${task.jiraId}] ` : ''}${task.title}` : `Payout for ${t.day}`;
  return { ...t, amount: money(t.cents), description: label, task: task && taskView(task) };
};
function page<T>(items: T[], first = 50, after?: string | null) {
  const start = after ? Number(after) : 0;
  const nodes = items.slice(start, start + first);
  const end = start + nodes.length;
  return {
    nodes,
    pageInfo: { hasNextPage: end < items.length, endCursor: nodes.length ? String(end) : null },
  };
}
function accountView(user: User) {
  return {
    id: `a-${user.id}`,
    owner: () => userView(user),
    balance: money(balance(user.id)),
    transactions: ({ first, after, day }: { first?: number; after?: string; day?: string }) =>
      page(
        txs
          .filter((t) => t.userId === user.id && (!day || t.day === day))
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
          .map(txView),
        first,
        after,
      ),
    payouts: txs
      .filter((t) => t.userId === user.id && t.kind === 'PAYOUT')
      .map((t) => ({
        id: `p${t.id}`,
        day: t.day,
        amount: money(-t.cents),
        status: 'PAID',
        paidAt: t.createdAt,
      })),
  };
}
/** A log-in's answer: the mock accepts `mock.<id>` as the token, for a year. */
function mockSession(user: User): Record<string, unknown> {
  return {
    token: `mock.${user.id}`,
    expiresAt: new Date(Date.now() + 365 * 24 * 3600_000).toISOString(),
    refreshToken: `mock-refresh.${user.id}`,
    user: userView(user),
  };
}

function userView(user: User): Record<string, unknown> {
  return {
    ...user,
    tasks: ({ status }: { status?: string }) =>
      tasks
        .filter((t) => t.assigneeId === user.id && (!status || t.status === status))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .map(taskView),
    account: () => accountView(user),
  };
}
function accountingDay(day: string) {
  const of = txs.filter((t) => t.day === day);
  const fees = -of.filter((t) => t.kind === 'ASSIGN_FEE').reduce((a, t) => a + t.cents, 0);
  const rewards = of.filter((t) => t.kind === 'TASK_REWARD').reduce((a, t) => a + t.cents, 0);
  return {
    day,
    managementEarnings: money(fees - rewards),
    feesCharged: money(fees),
    rewardsPaid: money(rewards),
    closed: closedDays.has(day),
  };
}
function rangeOf<T>(from: string, to: string, f: (day: string) => T): T[] {
  const out: T[] = [];
  for (let d = from; d <= to && out.length < 400; d = addDays(d, 1)) out.push(f(d));
  return out;
}
const analyticsDay = (day: string) => ({
  day,
  managementEarnings: accountingDay(day).managementEarnings,
  popugsInRed: users.filter((u) => balance(u.id, day) < 0).length,
});
function periodBounds(period: string, day: string): [string, string] {
  if (period === 'DAY') return [day, day];
  if (period === 'MONTH')
    return [`${day.slice(0, 7)}-01`, addDays(`${addDays(`${day.slice(0, 7)}-28`, 4).slice(0, 7)}-01`, -1)];
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  return [addDays(day, -weekday), addDays(day, 6 - weekday)];
}

function rootFor(me: User | null) {
  const need = (...roles: Role[]) => {
    if (!me) throw fail('Log in first', 'UNAUTHENTICATED');
    if (roles.length && !roles.includes(me.role)) throw fail('Your role may not do this', 'FORBIDDEN');
    return me;
  };
  return {
    me: me && userView(me),
    users: ({ role }: { role?: Role }) => (
      need('ADMIN', 'MANAGER', 'ACCOUNTANT'),
      users.filter((u) => !role || u.role === role).map(userView)
    ),
    user: ({ id }: { id: string }) => (need(), byId(id) && userView(byId(id) as User)),
    task: ({ id }: { id: string }) => (
      need(),
      tasks.find((t) => t.id === id) && taskView(tasks.find((t) => t.id === id) as Task)
    ),
    tasks: (a: { status?: string; assigneeId?: string; first?: number; after?: string }) => {
      need();
      const all = tasks
        .filter(
          (t) => (!a.status || t.status === a.status) && (!a.assigneeId || t.assigneeId === a.assigneeId),
        )
        .sort((x, y) => y.createdAt.localeCompare(x.createdAt));
      return { ...page(all.map(taskView), a.first, a.after), totalCount: all.length };
    },
    myAccount: () => accountView(need()),
    accountingDashboard: () => (
      need('ADMIN', 'ACCOUNTANT'),
      {
        today: accountingDay(todayDay),
        days: ({ from, to }: { from: string; to: string }) => rangeOf(from, to, accountingDay),
      }
    ),
    reconciliation: () => (need('ADMIN', 'ACCOUNTANT'), { tasksChecked: tasks.length, mismatches: [] }),
    analytics: () => (
      need('ADMIN'),
      {
        today: analyticsDay(todayDay),
        days: ({ from, to }: { from: string; to: string }) => rangeOf(from, to, analyticsDay),
        mostExpensiveTask: ({ period, day }: { period: string; day?: string }) => {
          const [from, to] = periodBounds(period, day ?? todayDay);
          const best = tasks
            .filter((t) => t.completedAt && dayOf(t.completedAt) >= from && dayOf(t.completedAt) <= to)
            .sort((x, y) => y.reward - x.reward)[0];
          return best
            ? { task: taskView(best), reward: money(best.reward), completedAt: best.completedAt }
            : null;
        },
      }
    ),
    logIn: ({ login, password }: { login: string; password: string }) => {
      const user = users.find((u) => u.login === login);
      if (!user || password === 'wrong') throw fail('Invalid login or password', 'UNAUTHENTICATED');
      return mockSession(user);
    },
    // Mock sessions never expire; a refresh hands out the same pair.
    refreshToken: ({ refreshToken }: { refreshToken: string }) => {
      const user = users.find((u) => refreshToken === `mock-refresh.${u.id}`);
      if (!user) throw fail('Invalid refresh token: log in again', 'UNAUTHENTICATED');
      return mockSession(user);
    },
    logOut: () => true,
    signUp: ({ input }: { input: Omit<User, 'id' | 'role' | 'createdAt'> }) => {
      if (users.some((u) => u.login === input.login))
        throw fail('This login is already taken', 'CONFLICT', 'login');
      const user = addUser(input.login, input.name, 'WORKER');
      return mockSession(user);
    },
    createUser: ({ input }: { input: User }) => {
      need('ADMIN');
      if (users.some((u) => u.login === input.login))
        throw fail('This login is already taken', 'CONFLICT', 'login');
      return userView(addUser(input.login, input.name, input.role));
    },
    changeRole: ({ userId, role }: { userId: string; role: Role }) => {
      need('ADMIN');
      const user = byId(userId);
      if (!user) throw fail('No such user', 'NOT_FOUND');
      user.role = role;
      return userView(user);
    },
    createTask: ({ input }: { input: { title: string; jiraId?: string; description: string } }) => {
      const author = need();
      if (/[[\]]/.test(input.title)) throw fail('Title must not contain [ or ]', 'BAD_USER_INPUT', 'title');
      if (input.jiraId && !/^[A-Z][A-Z0-9]*-[0-9]+$/.test(input.jiraId))
        throw fail('Jira id must look like POPUG-42', 'BAD_USER_INPUT', 'jiraId');
      const assignee = pick(assignable());
      const at = new Date().toISOString();
      const task: Task = {
        id: `t${tasks.length + 1}`,
        jiraId: input.jiraId ?? null,
        title: input.title,
        description: input.description,
        status: 'OPEN',
        assigneeId: assignee.id,
        createdById: author.id,
        createdAt: at,
        completedAt: null,
        fee: between(1000, 2000),
        reward: between(2000, 4000),
      };
      tasks.push(task);
      addTx(assignee.id, 'ASSIGN_FEE', -task.fee, task.id, at);
      taskEvent(assignee.id, 'ASSIGNED', task.id);
      return taskView(task);
    },
    shuffleTasks: () => {
      need('ADMIN', 'MANAGER');
      const open = tasks.filter((t) => t.status === 'OPEN');
      const at = new Date().toISOString();
      for (const t of open) {
        const previous = t.assigneeId;
        t.assigneeId = pick(assignable()).id;
        addTx(t.assigneeId, 'ASSIGN_FEE', -t.fee, t.id, at);
        if (previous !== t.assigneeId) taskEvent(previous, 'UNASSIGNED', t.id);
        taskEvent(t.assigneeId, 'ASSIGNED', t.id);
      }
      return { reassigned: open.length };
    },
    completeTask: ({ id }: { id: string }) => {
      const user = need();
      const task = tasks.find((t) => t.id === id);
      if (!task) throw fail('No such task', 'NOT_FOUND');
      if (task.assigneeId !== user.id) throw fail('Only the assignee can complete this task', 'FORBIDDEN');
      if (task.status === 'DONE') throw fail('The task is already done', 'CONFLICT');
      task.status = 'DONE';
      task.completedAt = new Date().toISOString();
      addTx(user.id, 'TASK_REWARD', task.reward, task.id, task.completedAt);
      taskEvent(user.id, 'COMPLETED', task.id);
      return taskView(task);
    },
    closeBillingDay: ({ day }: { day: string }) => {
      need('ADMIN');
      if (day > todayDay) throw fail('A day after today cannot be closed', 'BAD_USER_INPUT', 'day');
      return closeDay(day);
    },
  };
}

/** Subscription fields (payloads are `{ field: value }`, resolved like a root value). */
function subscriptionRootFor(me: User | null) {
  const need = (...roles: Role[]) => {
    if (!me) throw fail('Log in first', 'UNAUTHENTICATED');
    if (roles.length && !roles.includes(me.role)) throw fail('Your role may not do this', 'FORBIDDEN');
    return me;
  };
  return {
    myTasks: () => {
      const user = need();
      return listen((e) => {
        const task =
          e.topic === 'tasks' && e.userId === user.id ? tasks.find((t) => t.id === e.taskId) : null;
        return task ? { myTasks: { kind: e.kind, task: taskView(task) } } : null;
      });
    },
    myAccount: () => {
      const user = need();
      return listen((e) =>
        e.topic === 'account' && e.userId === user.id ? { myAccount: accountView(user) } : null,
      );
    },
    accountingToday: () => (
      need('ADMIN', 'ACCOUNTANT'),
      listen((e) => (e.topic === 'account' ? { accountingToday: accountingDay(todayDay) } : null))
    ),
    analyticsToday: () => (
      need('ADMIN'),
      listen((e) => (e.topic === 'account' ? { analyticsToday: analyticsDay(todayDay) } : null))
    ),
  };
}

const userOfToken = (authorization: unknown) => {
  const id = typeof authorization === 'string' ? /^Bearer mock\.(\S+)$/.exec(authorization)?.[1] : undefined;
  return id ? byId(id) : null;
};

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || !req.url?.startsWith('/graphql')) {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    const { query, variables, operationName } = JSON.parse(body) as {
      query: string;
      variables?: Record<string, unknown>;
      operationName?: string;
    };
    const rootValue = rootFor(userOfToken(req.headers.authorization));
    void graphql({
      schema,
      source: query,
      rootValue,
      variableValues: variables ?? {},
      operationName: operationName ?? null,
    }).then((result) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    });
  });
});

useServer(
  {
    schema,
    onConnect: (ctx) => userOfToken(ctx.connectionParams?.['authorization']) !== null,
    onSubscribe: (ctx, _id, payload) => ({
      schema,
      document: parse(payload.query),
      variableValues: payload.variables ?? {},
      operationName: payload.operationName ?? null,
      rootValue: subscriptionRootFor(userOfToken(ctx.connectionParams?.['authorization'])),
    }),
  },
  new WebSocketServer({ server, path: '/graphql' }),
);

if (process.env.MOCK_ACTIVITY) {
  setInterval(() => {
    const open = tasks.filter((t) => t.status === 'OPEN');
    const admin = users[0] as User;
    const root = rootFor(admin);
    if (open.length > 8 && random() < 0.5) {
      const task = pick(open);
      rootFor(byId(task.assigneeId)).completeTask({ id: task.id });
    } else root.createTask({ input: { title: pick(TITLES), description: 'Created by the mock.' } });
  }, 4000);
}

server.listen(port, '127.0.0.1', () => console.log(`mock API on http://127.0.0.1:${port}/graphql`));
