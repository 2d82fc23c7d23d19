import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '@ates/service-kit';
import { ops, testNatsUrl, waitFor, type GraphQLClient } from '@ates/testing';
import { hire } from '../src/company.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

/**
 * Accounting as a process of its own, stopped with SIGSTOP (it keeps its port and accepts
 * connections, and answers nothing) while clients keep querying through the gateway, whose
 * subgraph deadline is the default 10 s.
 */
const DEADLINE_MS = 10_000;
const WITH_PRICES = `{ tasks(first: 5) { nodes { id title price { assignFee } } } }`;
const TASKS_ONLY = `{ tasks(first: 5) { nodes { id title } } }`;

let system: TestSystem;
let admin: GraphQLClient;
let accounting: ChildProcess;
let stopped = false;

beforeAll(async () => {
  system = await startSystem('hung_subgraph');
  admin = await system.admin();
  await hire(system, ['WORKER']);
  for (let i = 0; i < 3; i++)
    await admin.ok(ops.CreateTaskDocument, { input: { title: `Priced ${i}`, description: '' } });
  await system.settle();
  const port = new URL(system.accounting.url).port;
  await system.stopAccounting();
  accounting = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'subgraphs/accounting/src/main.ts')],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        ACCOUNTING_PORT: port,
        ACCOUNTING_DATABASE_URL: system.accountingDatabaseUrl,
        NATS_URL: testNatsUrl(),
        ATES_NATS_NAMESPACE: system.namespace,
        ATES_JWT_PUBLIC_KEY: system.keys.publicKeyPem,
        ATES_TIMEZONE: 'UTC',
      },
    },
  );
  await waitFor(
    'the accounting process to serve',
    async () => (await admin.request(WITH_PRICES)).errors === undefined,
    60_000,
  );
}, 120_000);
afterAll(async () => {
  if (accounting?.pid && stopped) process.kill(accounting.pid, 'SIGCONT');
  if (accounting && accounting.exitCode === null) {
    const gone = new Promise((resolve) => accounting.once('exit', resolve));
    accounting.kill('SIGTERM');
    await gone;
  }
  await system?.stop();
});

interface Outcome {
  query: 'prices' | 'tasks';
  ms: number;
  titles: number;
  codes: string[];
}

describe('a hung accounting (SIGSTOP) under load', () => {
  it('costs queries touching it the deadline at most, with partial data; tasks-only queries answer as usual', async () => {
    process.kill(accounting.pid!, 'SIGSTOP');
    stopped = true;
    const outcomes: Outcome[] = [];
    // Four clients, each alternating a query with prices and one without, for the deadline
    // and then the breaker's open time.
    await Promise.all(
      [0, 1, 2, 3].map(async (client) => {
        for (let i = 0; i < 8; i++) {
          const query = (client + i) % 2 === 0 ? 'prices' : 'tasks';
          const started = performance.now();
          const res = await admin.request<{ tasks: { nodes: Array<{ title: string }> } }>(
            query === 'prices' ? WITH_PRICES : TASKS_ONLY,
          );
          outcomes.push({
            query,
            ms: performance.now() - started,
            titles: res.data?.tasks.nodes.length ?? 0,
            codes: (res.errors ?? []).map((e) => String(e.extensions?.code)),
          });
        }
      }),
    );
    const prices = outcomes.filter((o) => o.query === 'prices');
    const tasks = outcomes.filter((o) => o.query === 'tasks');
    const slowest = (list: Outcome[]) => Math.max(...list.map((o) => o.ms));
    console.info(
      `hung accounting: ${prices.length} price queries, slowest ${slowest(prices).toFixed(0)} ms ` +
        `(${prices.filter((o) => o.codes.includes('SUBGRAPH_TIMEOUT')).length} timed out, ` +
        `${prices.filter((o) => o.codes.includes('SUBGRAPH_UNAVAILABLE')).length} refused by the open breaker); ` +
        `${tasks.length} tasks-only queries, slowest ${slowest(tasks).toFixed(0)} ms`,
    );
    for (const o of prices) {
      expect(o.ms).toBeLessThan(DEADLINE_MS + 1_000);
      expect(o.titles).toBeGreaterThan(0);
      expect(o.codes.length).toBe(1);
      expect(['SUBGRAPH_TIMEOUT', 'SUBGRAPH_UNAVAILABLE']).toContain(o.codes[0]);
    }
    expect(prices.some((o) => o.codes.includes('SUBGRAPH_TIMEOUT'))).toBe(true);
    for (const o of tasks) {
      expect(o.codes).toEqual([]);
      // Never the hung subgraph's deadline.
      expect(o.ms).toBeLessThan(DEADLINE_MS / 2);
    }
  }, 120_000);

  it('serves prices again once it resumes (the breaker lets a trial call through)', async () => {
    process.kill(accounting.pid!, 'SIGCONT');
    stopped = false;
    await waitFor(
      'prices again',
      async () => (await admin.request(WITH_PRICES)).errors === undefined,
      30_000,
    );
  }, 60_000);
});
