import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes, GraphQLClient, ops, type GraphQLResponse } from '@ates/testing';
import { hire } from '../src/company.ts';
import { startGatewayBeside, startSystem, type TestSystem } from '../src/system.ts';

let system: TestSystem;
let admin: GraphQLClient;

beforeAll(async () => {
  system = await startSystem('hostile');
  admin = await system.admin();
  await hire(system, ['WORKER']);
});
afterAll(async () => {
  await system?.stop();
});

const NASTY = [
  `Robert'); DROP TABLE tasks;--`,
  `" OR 1=1 --`,
  `%_\\ $1 ::text`,
  '🦜 Попугай 鸚鵡 ﷽ e\u0301',
  '<script>alert(1)</script>',
  '\u202Eevil\u202C',
];

describe('hostile input', () => {
  it('stores SQL metacharacters and Unicode verbatim in task text fields and returns them unchanged', async () => {
    for (const text of NASTY) {
      const { createTask } = await admin.ok(ops.CreateTaskDocument, {
        input: { title: text, description: text },
      });
      const { task } = await admin.ok(ops.TaskDocument, { id: createTask.id });
      // Stored as Unicode NFC (e + combining acute → é), otherwise verbatim.
      expect(task).toMatchObject({ title: text.normalize('NFC').trim(), description: text.normalize('NFC') });
    }
  });

  it('stores them verbatim in user names too', async () => {
    for (const [i, name] of NASTY.entries()) {
      const login = `nasty${i}${Date.now().toString(36)}`;
      const { signUp } = await system.client.ok(ops.SignUpDocument, {
        input: { login, name, email: `${login}@ates.test`, password: 'long-enough-1' },
      });
      expect(signUp.user.name).toBe(name.normalize('NFC').trim());
    }
  });

  it('refuses wrong variable types with a clear error and changes nothing', async () => {
    const before = (await admin.ok(ops.TaskDashboardDocument, { first: 1 })).tasks.totalCount;
    const cases: Array<[string, Record<string, unknown>]> = [
      [
        `mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }`,
        { input: { title: 42, description: '' } },
      ],
      [`mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }`, { input: { title: 'x' } }],
      [`query($first: Int) { tasks(first: $first) { totalCount } }`, { first: '10' }],
      [`query($first: Int) { tasks(first: $first) { totalCount } }`, { first: 2 ** 40 }],
      [`query($s: TaskStatus) { tasks(status: $s) { totalCount } }`, { s: 'ARCHIVED' }],
    ];
    for (const [query, variables] of cases) {
      const res: GraphQLResponse<unknown> = await admin.request(query, variables);
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.errors?.[0]?.message).toMatch(/Variable/);
    }
    expect((await admin.ok(ops.TaskDashboardDocument, { first: 1 })).tasks.totalCount).toBe(before);
  });

  it('refuses oversize strings naming the field, and stores nothing', async () => {
    const huge = 'x'.repeat(200_001);
    const res = await admin.request(ops.CreateTaskDocument, { input: { title: 'ok', description: huge } });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0]?.extensions?.field).toBe('description');
    const name = await system.client.request(ops.SignUpDocument, {
      input: {
        login: 'biggie',
        name: huge.slice(0, 5000),
        email: 'biggie@ates.test',
        password: 'long-enough-1',
      },
    });
    expect(name.errors?.[0]?.extensions?.field).toBe('name');
  });

  it('refuses a query nested deeper than the limit', async () => {
    // Task → assignee → tasks → assignee → … is unbounded in the schema; the gateway bounds it.
    let selection = 'id';
    for (let i = 0; i < 8; i++) selection = `tasks { assignee { ${selection} } }`;
    const res = await admin.request(`{ me { ${selection} } }`);
    expect(res.errors?.[0]?.message).toMatch(/too complex.*depth/i);
    expect(res.data ?? null).toBeNull();
  });

  it('refuses a batch (JSON array) of operations', async () => {
    const res = await fetch(system.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 100 }, () => ({ query: '{ me { id } }' }))),
    });
    expect(res.status).toBe(400);
  });

  it('answers introspection only where it is enabled (off in production)', async () => {
    const production = await startGatewayBeside(system, 'gateway-prod', {
      limits: { maxDepth: 12, maxFields: 1000, maxAliases: 50 },
    });
    try {
      const res = await new GraphQLClient(production.url).request('{ __schema { types { name } } }');
      expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(res.errors?.[0]?.message).toMatch(/introspection/i);
    } finally {
      await production.stop();
    }
    const dev = await system.client.request<{ __schema: { types: unknown[] } }>(
      '{ __schema { types { name } } }',
    );
    expect(dev.data?.__schema.types.length).toBeGreaterThan(10);
  });
});
