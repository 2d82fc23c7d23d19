/**
 * The real system for figure 1: users, tasks, accounting and the aTES gateway, each a process
 * of its own started from its `main.ts` exactly as `pnpm start` does, on fresh databases
 * (`ates_bench_dashboard_<pid>_*`) and a NATS namespace of its own; then seeded through the
 * public API: WORKERS workers, TASKS tasks (assigned by the tracker), a share of them
 * completed by their assignees, and accounting's ledger built from the events.
 * Tokens of the workers are signed with the run's key (logging hundreds in would only
 * measure scrypt); the admin logs in.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { removeStreams } from '@ates/events';
import postgres from 'postgres';
import {
  natsServers,
  DEFAULT_NATS_URL,
  DEFAULT_POSTGRES_URL,
  dropDatabase,
  repoRoot,
  withDatabase,
} from '@ates/service-kit';
import { generateTestKeys, GraphQLClient, ops, signRawToken, type TestKeys } from '@ates/testing';
import {
  benchServices,
  freePort,
  sleep,
  startChild,
  stopChild,
  waitForHttp,
  type Child,
} from '../lib/processes.ts';

const postgresUrl = process.env.ATES_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
const natsUrl = process.env.NATS_URL ?? DEFAULT_NATS_URL;

export interface Worker {
  id: string;
  token: string;
}

export interface RealSystem {
  gatewayUrl: string;
  /** Subgraph URLs by name, for another gateway in front of the same subgraphs. */
  subgraphUrls: Record<'users' | 'tasks' | 'accounting', string>;
  processes: Record<'users' | 'tasks' | 'accounting' | 'gateway', Child>;
  /** The names of its databases (Postgres' CPU is read by database). */
  databaseNames: string[];
  workers: Worker[];
  seeded: { tasks: number; done: number; transactions: number; seedMs: number };
  keys: TestKeys;
  stop(): Promise<void>;
}

const SPECS = benchServices(['users', 'tasks', 'accounting', 'gateway'] as const);

async function inBatches<T, R>(
  items: T[],
  size: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  return out;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

export async function startRealSystem(options: {
  workers: number;
  tasks: number;
  doneShare: number;
  /** Extra node flags for every service process (e.g. --cpu-prof). */
  nodeFlags?: string[];
  say: (line: string) => void;
}): Promise<RealSystem> {
  const { say } = options;
  const keys = generateTestKeys();
  const namespace = `bench_dash_${process.pid}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-bench-dashboard-'));
  const admin = { login: 'benchadmin', password: 'bench-admin-password-1' };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // What production runs: graphql-js without its development checks, the gateway signing the
    // client's address for users, introspection closed.
    NODE_ENV: 'production',
    ATES_INTERNAL_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'warn',
    NATS_URL: natsUrl,
    ATES_NATS_NAMESPACE: namespace,
    ATES_DATA_DIR: dataDir,
    ATES_JWT_PUBLIC_KEY: keys.publicKeyPem,
    ATES_JWT_PRIVATE_KEY: keys.privateKeyPem,
    ATES_ADMIN_LOGIN: admin.login,
    ATES_ADMIN_PASSWORD: admin.password,
    ATES_PASSWORD_COST: '10',
    ATES_TIMEZONE: 'UTC',
  };
  const ports = new Map<string, number>();
  const databases: string[] = [];
  for (const spec of SPECS) {
    const port = await freePort();
    ports.set(spec.name, port);
    env[spec.portEnv] = String(port);
    if (spec.databaseEnv) {
      const url = withDatabase(postgresUrl, `ates_bench_dashboard_${process.pid}_${spec.name}`);
      env[spec.databaseEnv] = url;
      databases.push(url);
    }
  }
  const urlOf = (name: string) => `http://127.0.0.1:${ports.get(name)}/graphql`;
  env.ATES_USERS_URL = urlOf('users');
  env.ATES_TASKS_URL = urlOf('tasks');
  env.ATES_ACCOUNTING_URL = urlOf('accounting');
  // Not started: MyTasks and MyAccount never reach analytics.
  env.ATES_ANALYTICS_URL = `http://127.0.0.1:${await freePort()}/graphql`;

  const processes: Partial<Record<(typeof SPECS)[number]['name'], Child>> = {};
  const stop = async () => {
    for (const child of Object.values(processes).reverse()) await stopChild(child);
    for (const url of databases) await dropDatabase(url);
    const nc = await connect({ servers: natsServers(natsUrl) });
    try {
      const jsm = await jetstreamManager(nc);
      await removeStreams(jsm, namespace);
    } finally {
      await nc.close();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    for (const group of [
      SPECS.filter((s) => s.name !== 'gateway'),
      SPECS.filter((s) => s.name === 'gateway'),
    ]) {
      const started = group.map((spec) => {
        const flags = options.nodeFlags ?? [];
        const child = startChild(
          spec.name,
          process.execPath,
          [...flags, '--import', 'tsx', path.join(repoRoot, spec.entry)],
          {
            env,
            cwd: repoRoot,
          },
        );
        processes[spec.name] = child;
        return { spec, child };
      });
      await Promise.all(
        started.map(({ spec, child }) =>
          waitForHttp(child, `http://127.0.0.1:${ports.get(spec.name)}/healthz`),
        ),
      );
    }
    const gatewayUrl = urlOf('gateway');
    const seedStarted = performance.now();
    const anonymous = new GraphQLClient(gatewayUrl);
    const login = await anonymous.ok(ops.LogInDocument, admin);
    const adminClient = anonymous.withToken(login.logIn.token);

    say(`seeding ${options.workers} workers…`);
    const now = Math.floor(Date.now() / 1000);
    const workers = await inBatches(Array.from({ length: options.workers }), 8, async (_, i) => {
      const name = `worker${i}x${Math.random().toString(36).slice(2, 6)}`;
      const created = await adminClient.ok(ops.CreateUserDocument, {
        input: {
          login: name,
          password: 'popug-password-1',
          role: 'WORKER',
          name: `Popug ${name}`,
          email: `${name}@ates.test`,
        },
      });
      const id = created.createUser.id;
      const token = await signRawToken(
        keys.privateKeyPem,
        { role: 'WORKER' },
        { issuedAt: now, expiresAt: now + 900, subject: id },
      );
      return { id, token };
    });

    const tasksDb = postgres(env.TASKS_DATABASE_URL!, { max: 1, onnotice: () => {} });
    const accountingDb = postgres(env.ACCOUNTING_DATABASE_URL!, { max: 1, onnotice: () => {} });
    try {
      // The tracker assigns only the popugs it has heard of (user.created).
      await waitFor('the tracker to know every worker', async () => {
        const [row] = await tasksDb<
          Array<{ n: number }>
        >`select count(*)::int as n from popugs where role = 'WORKER'`;
        return (row?.n ?? 0) >= workers.length;
      });
      say(`seeding ${options.tasks} tasks…`);
      const created = await inBatches(Array.from({ length: options.tasks }), 16, async (_, i) => {
        const result = await adminClient.ok(ops.CreateTaskDocument, {
          input: {
            title: `Bench task ${i}`,
            jiraId: `BENCH-${i + 1}`,
            description: 'seeded by the dashboard bench',
          },
        });
        return { id: result.createTask.id, assigneeId: result.createTask.assignee.id };
      });
      const tokenOf = new Map(workers.map((w) => [w.id, w.token]));
      const toComplete = created.filter((_, i) => i % Math.round(1 / options.doneShare) === 0);
      say(`completing ${toComplete.length} of them…`);
      await inBatches(toComplete, 16, async (task) => {
        const token = tokenOf.get(task.assigneeId);
        if (!token) throw new Error(`task ${task.id} went to ${task.assigneeId}, not a seeded worker`);
        await anonymous.withToken(token).ok(ops.CompleteTaskDocument, { id: task.id });
      });
      // One fee per assignment, one reward per completion: the ledger is complete when all arrived.
      const expected = created.length + toComplete.length;
      let transactions = 0;
      await waitFor(`accounting's ${expected} transactions`, async () => {
        const [row] = await accountingDb<Array<{ n: number }>>`select count(*)::int as n from transactions`;
        transactions = row?.n ?? 0;
        return transactions >= expected;
      });
      const seedMs = performance.now() - seedStarted;
      say(
        `seeded in ${(seedMs / 1000).toFixed(1)} s: ${created.length} tasks, ${toComplete.length} done, ${transactions} transactions`,
      );
      return {
        gatewayUrl,
        subgraphUrls: { users: urlOf('users'), tasks: urlOf('tasks'), accounting: urlOf('accounting') },
        processes: processes as RealSystem['processes'],
        databaseNames: databases.map((url) => decodeURIComponent(new URL(url).pathname.slice(1))),
        workers,
        seeded: { tasks: created.length, done: toComplete.length, transactions, seedMs },
        keys,
        stop,
      };
    } finally {
      await tasksDb.end();
      await accountingDb.end();
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
