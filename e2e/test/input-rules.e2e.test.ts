import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, ops, type GraphQLClient } from '@ates/testing';
import { hire } from '../src/company.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

let system: TestSystem;
let admin: GraphQLClient;

beforeAll(async () => {
  system = await startSystem('inputrules');
  admin = await system.admin();
  await hire(system, ['WORKER']);
});
afterAll(async () => {
  await system?.stop();
});

const taskCount = async () => (await admin.ok(ops.TaskDashboardDocument, { first: 1 })).tasks.totalCount;
const userCount = async () => (await admin.ok(ops.UsersDocument, {})).users.length;

describe('input rules, enforced by the owning subgraph through the gateway', () => {
  it.each([
    ['title', { title: '\u200B\u200C\u200D\u2060', description: '' }],
    ['title', { title: '\u3164', description: '' }],
    ['title', { title: 'nul\u0000byte', description: '' }],
    ['title', { title: 'escape\u001B[31m', description: '' }],
    ['title', { title: 'two\nlines', description: '' }],
    ['title', { title: 'x'.repeat(201), description: '' }],
    ['description', { title: 'ok', description: 'nul\u0000' }],
    ['description', { title: 'ok', description: 'x'.repeat(10_001) }],
    ['jiraId', { title: 'ok', jiraId: `POPUG-${'9'.repeat(990_000)}`, description: '' }],
    ['jiraId', { title: 'ok', jiraId: 'POPUG-\u0000', description: '' }],
    ['jiraId', { title: 'ok', jiraId: 'ＰＯＰＵＧ-1', description: '' }],
  ])('refuses a task whose %s breaks its rule, and stores nothing', async (field, input) => {
    const before = await taskCount();
    const res = await admin.request(ops.CreateTaskDocument, { input });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0]?.extensions?.field).toBe(field);
    expect(await taskCount()).toBe(before);
  });

  it.each([
    ['name', { name: '\u200B\u200B' }],
    ['name', { name: 'Kesha\u0000' }],
    ['name', { name: 'x'.repeat(101) }],
    ['email', { email: `kesha\u0007@ates.test` }],
    ['login', { login: 'kesha\u0000' }],
  ])('refuses a sign-up whose %s breaks its rule, and stores nothing', async (field, patch) => {
    const before = await userCount();
    const login = `rules${Math.random().toString(36).slice(2, 8)}`;
    const res = await system.client.request(ops.SignUpDocument, {
      input: { login, name: 'Kesha', email: `${login}@ates.test`, password: 'long-enough-1', ...patch },
    });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0]?.extensions?.field).toBe(field);
    expect(await userCount()).toBe(before);
  });

  it('refuses an oversize login or password at log-in without evaluating it', async () => {
    const long = await system.client.request(ops.LogInDocument, {
      login: 'k'.repeat(100_000),
      password: 'x',
    });
    expect(errorCodes(long)).toEqual(['BAD_USER_INPUT']);
    expect(long.errors?.[0]?.extensions?.field).toBe('login');
    const huge = await system.client.request(ops.LogInDocument, {
      login: 'admin',
      password: 'p'.repeat(10_000),
    });
    expect(errorCodes(huge)).toEqual(['BAD_USER_INPUT']);
    expect(huge.errors?.[0]?.extensions?.field).toBe('password');
  });

  it('stores a title in NFC and keeps lines in a description', async () => {
    const { createTask } = await admin.ok(ops.CreateTaskDocument, {
      input: { title: 'Cafe\u0301', description: 'one\n\ttwo' },
    });
    expect(createTask).toMatchObject({ title: 'Caf\u00e9', description: 'one\n\ttwo' });
  });

  it("refuses closing a day before the company's first day or in the future", async () => {
    for (const day of ['1900-01-01', '2099-01-01']) {
      const res = await admin.request(ops.CloseBillingDayDocument, { day });
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors?.[0]?.extensions?.field).toBe('day');
    }
  });
});
