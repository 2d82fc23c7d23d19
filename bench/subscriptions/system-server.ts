/**
 * The real system for figure 7, in a child process of main.ts (which holds the 1,000 client
 * sockets, so clients and services do not share one event loop): every subgraph and the
 * gateway in-process on fresh databases and a fresh NATS namespace, with
 * `WORKERS` workers and `STAFF` admins/accountants created through the public API. Tokens are
 * signed with the system's test key (logging 500 popugs in would only measure scrypt).
 */
import fs from 'node:fs';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { startAccountingService } from '@ates/accounting';
import { startAnalyticsService } from '@ates/analytics';
import { connectNats, DOMAINS, streamName } from '@ates/events';
// Not a dependency of @ates/bench: imported from its source, as bench/events imports tables.
import { startGateway } from '../../gateway/src/service.ts';
import {
  createLogger,
  DEFAULT_NATS_URL,
  DEFAULT_POSTGRES_URL,
  dropDatabase,
  ensureDatabase,
  repoRoot,
  type Role,
} from '@ates/service-kit';
import { startTasksService } from '@ates/tasks';
import { GraphQLClient, generateTestKeys, ops, signRawToken } from '@ates/testing';
import { startUsersService } from '@ates/users';
import { processRssMiB } from '../lib/cpu.ts';

const WORKERS = Number(process.env.WORKERS ?? 500);
const STAFF = Number(process.env.STAFF ?? 20);

export interface SystemReady {
  type: 'ready';
  gatewayUrl: string;
  adminToken: string;
  workers: Array<{ id: string; token: string }>;
  staff: Array<{ id: string; role: Role; token: string }>;
  pid: number;
}

const postgresBase = process.env.ATES_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
const natsUrl = process.env.NATS_URL ?? DEFAULT_NATS_URL;
const ADMIN = { login: 'admin', password: 'admin-password-1' };

/**
 * Every subgraph and the gateway in this process (as the e2e harness runs them), each service
 * on a database of its own (`ates_bench_subscriptions_<pid>_<service>`) and all on one NATS
 * namespace of this run; stop() removes both.
 */
async function startBenchSystem() {
  const keys = generateTestKeys();
  const namespace = `benchsubs${process.pid}`;
  const logger = (service: string) => createLogger({ service, level: process.env.LOG_LEVEL ?? 'warn' });
  const urls: string[] = [];
  const newDb = async (service: string) => {
    const url = new URL(postgresBase);
    url.pathname = `/ates_bench_subscriptions_${process.pid}_${service}`;
    await ensureDatabase(url.toString());
    urls.push(url.toString());
    return url.toString();
  };
  const common = {
    host: '127.0.0.1',
    port: 0,
    natsUrl,
    natsNamespace: namespace,
    publicKeyPem: keys.publicKeyPem,
    introspection: false,
    maxBodyBytes: 1_000_000,
  };
  const users = await startUsersService({
    ...common,
    databaseUrl: await newDb('users'),
    privateKeyPem: keys.privateKeyPem,
    tokenTtlSeconds: 3600,
    passwordCost: 12,
    adminSeed: { ...ADMIN, email: 'admin@ates.test', name: 'Admin' },
    logger: logger('users'),
  });
  const tasks = await startTasksService({
    ...common,
    databaseUrl: await newDb('tasks'),
    logger: logger('tasks'),
  });
  const accounting = await startAccountingService({
    ...common,
    databaseUrl: await newDb('accounting'),
    timeZone: 'UTC',
    logger: logger('accounting'),
  });
  const analytics = await startAnalyticsService({
    ...common,
    databaseUrl: await newDb('analytics'),
    timeZone: 'UTC',
    logger: logger('analytics'),
  });
  const gateway = await startGateway({
    ...common,
    supergraphSdl: fs.readFileSync(path.join(repoRoot, 'schema/supergraph.graphql'), 'utf8'),
    urlOverrides: {
      users: users.url,
      tasks: tasks.url,
      accounting: accounting.url,
      analytics: analytics.url,
    },
    limits: { maxDepth: 12, maxFields: 1000, maxAliases: 50 },
    logger: logger('gateway'),
  });
  const client = new GraphQLClient(gateway.url);
  const { logIn } = await client.ok(ops.LogInDocument, ADMIN);
  return {
    keys,
    gateway,
    accounting,
    admin: client.withToken(logIn.token),
    settle: async () => {
      await users.outboxDrained();
      await tasks.usersCaughtUp();
      await tasks.outboxDrained();
      await accounting.caughtUp();
      await accounting.outboxDrained();
      await analytics.caughtUp();
    },
    stop: async () => {
      await gateway.stop();
      await analytics.stop();
      await accounting.stop();
      await tasks.stop();
      await users.stop();
      const nats = await connectNats(natsUrl, { name: 'ates-bench' });
      const jsm = await jetstreamManager(nats);
      for (const domain of DOMAINS)
        await jsm.streams.delete(streamName(namespace, domain)).catch(() => undefined);
      await nats.close();
      for (const url of urls) await dropDatabase(url);
    },
  };
}

const system = await startBenchSystem();
const admin = system.admin;
const now = Math.floor(Date.now() / 1000);
const tokenFor = (id: string, role: Role) =>
  signRawToken(
    system.keys.privateKeyPem,
    { role },
    { issuedAt: now, expiresAt: now + 3 * 3600, subject: id },
  );

async function create(role: Role, i: number) {
  const login = `${role.toLowerCase()}${i}b${Math.random().toString(36).slice(2, 6)}`;
  const created = await admin.ok(ops.CreateUserDocument, {
    input: { login, password: 'popug-password-1', role, name: `Popug ${login}`, email: `${login}@ates.test` },
  });
  return { id: created.createUser.id, role, token: await tokenFor(created.createUser.id, role) };
}

async function createMany(roles: Role[]) {
  const out: Array<{ id: string; role: Role; token: string }> = [];
  for (let i = 0; i < roles.length; i += 8) {
    out.push(...(await Promise.all(roles.slice(i, i + 8).map((role, j) => create(role, i + j)))));
  }
  return out;
}

const workers = await createMany(Array.from({ length: WORKERS }, () => 'WORKER' as const));
const staff = await createMany(
  Array.from({ length: STAFF }, (_, i) => (i % 2 === 0 ? 'ADMIN' : 'ACCOUNTANT') as Role),
);
await system.settle();

process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') {
    process.send?.({
      type: 'stats',
      gateway: system.gateway.liveStats(),
      accounting: system.accounting.liveStats(),
      rssMiB: processRssMiB(process.pid),
    });
  }
  if (message.type === 'settle') {
    void system.settle().then(() => process.send?.({ type: 'settled' }));
  }
  if (message.type === 'stop') {
    void system.stop().then(() => process.exit(0));
  }
});

process.send?.({
  type: 'ready',
  gatewayUrl: system.gateway.url,
  adminToken: admin.token ?? '',
  workers: workers.map(({ id, token }) => ({ id, token })),
  staff,
  pid: process.pid,
} satisfies SystemReady);
