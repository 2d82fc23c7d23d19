import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { print } from 'graphql';
import {
  operationNamed,
  ops,
  connectWs,
  errorCodes,
  signRawToken,
  waitFor,
  type GraphQLClient,
} from '@ates/testing';
import type { Role } from '@ates/service-kit';
import { hire, type Popug } from '../src/company.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

/**
 * Every operation of operations/ × every kind of caller, from one table: the roles of
 * docs/business-rules.md#roles as
 * data. `ok` means the call succeeds with no error at all; a code means the call is refused
 * with exactly that code and nothing else.
 */
type Caller = 'anonymous' | 'expired' | Role;
type Outcome = 'ok' | 'FORBIDDEN' | 'UNAUTHENTICATED';
const CALLERS: Caller[] = ['anonymous', 'expired', 'WORKER', 'ACCOUNTANT', 'MANAGER', 'ADMIN'];

const everyone = (anonymous: Outcome = 'UNAUTHENTICATED'): Record<Caller, Outcome> => ({
  anonymous,
  expired: 'UNAUTHENTICATED',
  WORKER: 'ok',
  ACCOUNTANT: 'ok',
  MANAGER: 'ok',
  ADMIN: 'ok',
});
const only = (...roles: Role[]): Record<Caller, Outcome> => ({
  anonymous: 'UNAUTHENTICATED',
  expired: 'UNAUTHENTICATED',
  WORKER: roles.includes('WORKER') ? 'ok' : 'FORBIDDEN',
  ACCOUNTANT: roles.includes('ACCOUNTANT') ? 'ok' : 'FORBIDDEN',
  MANAGER: roles.includes('MANAGER') ? 'ok' : 'FORBIDDEN',
  ADMIN: roles.includes('ADMIN') ? 'ok' : 'FORBIDDEN',
});

interface Fixture {
  someTaskId: string;
  otherUserId: string;
  yesterday: string;
  today: string;
}

interface Row {
  operation: string;
  variables: (f: Fixture, caller: Caller) => Record<string, unknown>;
  expect: Record<Caller, Outcome>;
}

let counter = 0;
const fresh = () => `m${Date.now().toString(36)}${(counter += 1)}`;

const MATRIX: Row[] = [
  // users
  {
    operation: 'SignUp',
    expect: { ...everyone('ok'), expired: 'UNAUTHENTICATED' },
    variables: () => {
      const l = fresh();
      return { input: { login: l, name: l, email: `${l}@ates.test`, password: 'long-enough-1' } };
    },
  },
  {
    operation: 'LogIn',
    expect: { ...everyone('ok'), expired: 'UNAUTHENTICATED' },
    variables: () => ({ login: 'admin', password: 'admin-password-1' }),
  },
  { operation: 'Me', expect: everyone('ok'), variables: () => ({}) },
  {
    operation: 'Users',
    expect: only('ADMIN', 'MANAGER', 'ACCOUNTANT'),
    variables: () => ({}),
  },
  {
    operation: 'CreateUser',
    expect: only('ADMIN'),
    variables: () => {
      const l = fresh();
      return {
        input: { login: l, name: l, email: `${l}@ates.test`, password: 'long-enough-1', role: 'WORKER' },
      };
    },
  },
  {
    operation: 'ChangeRole',
    expect: only('ADMIN'),
    variables: (f) => ({ userId: f.otherUserId, role: 'WORKER' }),
  },
  // tasks
  {
    operation: 'CreateTask',
    expect: everyone(),
    variables: () => ({ input: { title: `Matrix ${fresh()}`, description: '' } }),
  },
  {
    operation: 'ShuffleTasks',
    expect: only('ADMIN', 'MANAGER'),
    variables: () => ({}),
  },
  { operation: 'TaskDashboard', expect: everyone(), variables: () => ({ first: 5 }) },
  { operation: 'Task', expect: everyone(), variables: (f) => ({ id: f.someTaskId }) },
  { operation: 'MyTasks', expect: everyone('ok'), variables: () => ({}) },
  // accounting
  { operation: 'MyAccount', expect: everyone(), variables: () => ({ first: 5 }) },
  {
    operation: 'UserAccount',
    expect: only('ADMIN', 'ACCOUNTANT'),
    variables: (f) => ({ userId: f.otherUserId }),
  },
  {
    operation: 'AccountingDashboard',
    expect: only('ADMIN', 'ACCOUNTANT'),
    variables: (f) => ({ from: f.yesterday, to: f.today }),
  },
  {
    operation: 'Reconciliation',
    expect: only('ADMIN', 'ACCOUNTANT'),
    variables: () => ({}),
  },
  {
    operation: 'CloseBillingDay',
    expect: only('ADMIN'),
    variables: (f) => ({ day: f.yesterday }),
  },
  // analytics
  {
    operation: 'AnalyticsDashboard',
    expect: only('ADMIN'),
    variables: (f) => ({ from: f.yesterday, to: f.today }),
  },
];

/** Subscriptions: over graphql-ws; `ok` means the owning subgraph starts listening for the caller. */
const SUBSCRIPTIONS: Array<{
  operation: string;
  owner: 'tasks' | 'accounting' | 'analytics';
  expect: Record<Caller, Outcome>;
}> = [
  { operation: 'OnMyTasks', owner: 'tasks', expect: everyone() },
  { operation: 'OnMyAccount', owner: 'accounting', expect: everyone() },
  {
    operation: 'OnAccountingToday',
    owner: 'accounting',
    expect: only('ADMIN', 'ACCOUNTANT'),
  },
  { operation: 'OnAnalyticsToday', owner: 'analytics', expect: only('ADMIN') },
];

let system: TestSystem;
let fixture: Fixture;
const clients = new Map<Caller, GraphQLClient>();
const tokens = new Map<Caller, string | undefined>();

beforeAll(async () => {
  system = await startSystem('matrix');
  const admin = await system.admin();
  const popugs: Popug[] = await hire(system, ['WORKER', 'ACCOUNTANT', 'MANAGER', 'WORKER']);
  const [worker, accountant, manager, other] = popugs as [Popug, Popug, Popug, Popug];
  const now = Math.floor(Date.now() / 1000);
  const expired = await signRawToken(
    system.keys.privateKeyPem,
    { role: 'ADMIN' },
    { issuedAt: now - 7200, expiresAt: now - 3600, subject: worker.id },
  );
  for (const [caller, client] of [
    ['anonymous', system.client],
    ['expired', system.client.withToken(expired)],
    ['WORKER', worker.client],
    ['ACCOUNTANT', accountant.client],
    ['MANAGER', manager.client],
    ['ADMIN', admin],
  ] as const) {
    clients.set(caller, client);
    tokens.set(caller, client.token);
  }
  const created = await admin.ok<{ createTask: { id: string } }>(ops.CreateTaskDocument, {
    input: { title: 'Matrix fixture', description: '' },
  });
  await system.settle();
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  fixture = { someTaskId: created.createTask.id, otherUserId: other.id, today, yesterday };
});
afterAll(async () => {
  await system?.stop();
});

describe('authorization matrix: every operation × every caller', () => {
  const cases = MATRIX.flatMap((row) => CALLERS.map((caller) => ({ row, caller })));
  it.each(
    cases.map(
      ({ row, caller }) => [`${row.operation} as ${caller} → ${row.expect[caller]}`, row, caller] as const,
    ),
  )('%s', async (_name, row, caller) => {
    const res = await clients
      .get(caller)!
      .request(operationNamed(row.operation), row.variables(fixture, caller));
    const outcome = row.expect[caller];
    if (outcome === 'ok') expect(res.errors ?? []).toEqual([]);
    else expect([...new Set(errorCodes(res))]).toEqual([outcome]);
  });

  const subCases = SUBSCRIPTIONS.flatMap((row) => CALLERS.map((caller) => ({ row, caller })));
  it.each(
    subCases.map(
      ({ row, caller }) => [`${row.operation} as ${caller} → ${row.expect[caller]}`, row, caller] as const,
    ),
  )('%s (graphql-ws)', async (_name, row, caller) => {
    const outcome = row.expect[caller];
    const conn = connectWs(system.gateway.url, tokens.get(caller));
    try {
      if (outcome === 'UNAUTHENTICATED') {
        // A connection without a valid token is refused as a whole (graphql-ws 4403).
        expect(await conn.closed).toBe(4403);
        return;
      }
      const owner = () => system[row.owner].liveStats().listeners;
      await waitFor('earlier subscriptions to be released', () => owner() === 0);
      const sub = await conn.subscribe(print(operationNamed(row.operation)));
      if (outcome === 'ok') {
        await waitFor(`${row.owner} to listen for ${caller}`, () => owner() === 1);
      } else {
        const first = await sub.next(3000);
        expect(first.errors?.map((e) => e.extensions?.code)).toEqual([outcome]);
      }
      await sub.close();
    } finally {
      await conn.dispose();
    }
  });
});
