/**
 * The real system for figure 7, started by main.ts (the clients are in processes of their
 * own): users, tasks, accounting, analytics and the gateway (one per GATEWAY_VARIANTS entry,
 * for a same-run before/after) each in a process of their own, as `pnpm start` runs them, on fresh databases (`ates_bench_subscriptions_<pid>_*`)
 * and a NATS namespace of this run, both removed at the end. `WORKERS` workers and `STAFF`
 * admins/accountants are created through the public API; their tokens are signed with the
 * run's key (logging thousands of popugs in would only measure scrypt).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, removeStreams } from '@ates/events';
import {
  DEFAULT_NATS_URL,
  DEFAULT_POSTGRES_URL,
  dropDatabase,
  withDatabase,
  type Role,
} from '@ates/service-kit';
import { GraphQLClient, generateTestKeys, ops, signRawToken } from '@ates/testing';

const WORKERS = Number(process.env.WORKERS ?? 500);
const STAFF = Number(process.env.STAFF ?? 20);
/** One gateway per variant, all in front of the same subgraphs (the first is `gateway`). */
const GATEWAY_VARIANTS = (process.env.GATEWAY_VARIANTS ?? 'on').split(',');
/** What each variant turns off: a fix's before, for a same-run before/after. */
const VARIANT_ENV: Record<string, Record<string, string>> = {
  on: {},
  broadcast: { ATES_SUBSCRIPTION_DEDUP: 'broadcast' },
  'per-subscriber': { ATES_SUBSCRIPTION_SERIALISE: 'per-subscriber' },
};
import { benchServices, freePort, waitHealthy } from '../lib/processes.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const postgresBase = process.env.ATES_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
const natsUrl = process.env.NATS_URL ?? DEFAULT_NATS_URL;
const ADMIN = { login: 'admin', password: 'admin-password-1' };

export interface SystemReady {
  type: 'ready';
  gatewayUrl: string;
  /** One gateway per GATEWAY_VARIANTS entry: its process name, URL and variant (VARIANT_ENV). */
  gateways: Array<{ name: string; url: string; variant: string }>;
  adminToken: string;
  workers: Array<{ id: string; token: string }>;
  staff: Array<{ id: string; role: Role; token: string }>;
  processes: Array<{ name: string; pid: number }>;
}

export interface SystemStats {
  type: 'stats';
  gateway: { sockets: number; upstreams: number };
  accounting: { listeners: number; sockets: number };
}

/** Sum of a Prometheus gauge's samples whose labels contain `labels` (e.g. `kind="sockets"`). */
function gauge(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#') || !line.includes(labels)) continue;
    if (line[name.length] !== '{' && line[name.length] !== ' ') continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const id = process.pid;
const namespace = `benchsubs${id}`;
const keys = generateTestKeys();
const specs = benchServices(['users', 'tasks', 'accounting', 'analytics', 'gateway'] as const);
const databases: string[] = [];
const children: Array<{ name: string; child: ChildProcess; base: string }> = [];
const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: 'production',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  HOST: '127.0.0.1',
  NATS_URL: natsUrl,
  ATES_NATS_NAMESPACE: namespace,
  ATES_JWT_PUBLIC_KEY: keys.publicKeyPem,
  ATES_JWT_PRIVATE_KEY: keys.privateKeyPem,
  ATES_PASSWORD_COST: '10',
  ATES_ADMIN_LOGIN: ADMIN.login,
  ATES_ADMIN_PASSWORD: ADMIN.password,
  // Required in production: the gateway signs the client address for the subgraphs with it.
  ATES_INTERNAL_SECRET: `bench-subscriptions-${id}-internal-secret`,
  ATES_TIMEZONE: 'UTC',
  // The bench's subscribers all connect from 127.0.0.1: lift the gateway's per-address cap.
  ATES_WS_MAX_CONNECTIONS_PER_ADDRESS: '100000',
  // A starved client process answers pings late: at 10,000 clients on a loaded machine the
  // default 12 s pong deadline dropped live ones. The same for B_ws (BENCH_WS_KEEPALIVE_MS).
  ATES_WS_KEEPALIVE_MS: process.env.BENCH_WS_KEEPALIVE_MS ?? '60000',
};
// The CPU profile flag is for the services (BENCH_CPU_PROF), not inherited by accident.
delete env.NODE_OPTIONS;

let stopping: Promise<void> | undefined;
const stopAll = () => (stopping ??= stopServices());
async function stopServices(): Promise<void> {
  for (const { child } of [...children].reverse()) {
    if (child.exitCode !== null) continue;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
  const nats = await connectNats(natsUrl, { name: 'ates-bench' });
  const jsm = await jetstreamManager(nats);
  await removeStreams(jsm, namespace).catch(() => undefined);
  await nats.close();
  for (const url of databases) await dropDatabase(url);
}

// Stopped by the bench (or because it died): stop the services and remove what they used.
process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));
process.once('disconnect', () => void stopAll().then(() => process.exit(0)));

async function startService(spec: (typeof specs)[number], name: string, own: Record<string, string> = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const extra: Record<string, string> = { [spec.portEnv]: String(port), ...own };
  if (spec.databaseEnv) {
    const url = withDatabase(postgresBase, `ates_bench_subscriptions_${id}_${spec.name}`);
    databases.push(url);
    extra[spec.databaseEnv] = url;
  }
  for (const { name: other, base: url } of children)
    extra[`ATES_${other.toUpperCase()}_URL`] = `${url}/graphql`;
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${name}`]
        : []),
      '--import',
      'tsx',
      spec.entry,
    ],
    { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'], env: { ...env, ...extra } },
  );
  children.push({ name, child, base });
  await waitHealthy(`${base}/healthz`, child, name);
}

const gateways: SystemReady['gateways'] = [];
try {
  for (const spec of specs) {
    if (spec.name !== 'gateway') {
      await startService(spec, spec.name);
      continue;
    }
    for (const [i, variant] of GATEWAY_VARIANTS.entries()) {
      const name = i === 0 ? 'gateway' : `gateway-${variant}`;
      const own = VARIANT_ENV[variant];
      if (!own) throw new Error(`unknown gateway variant ${variant}`);
      await startService(spec, name, own);
      gateways.push({ name, variant, url: '' });
    }
  }
} catch (error) {
  await stopAll();
  throw error;
}

const baseOf = (name: string) => children.find((c) => c.name === name)!.base;
const metrics = async (name: string) => (await fetch(`${baseOf(name)}/metrics`)).text();
const gatewayUrl = `${baseOf('gateway')}/graphql`;
for (const g of gateways) g.url = `${baseOf(g.name)}/graphql`;
const client = new GraphQLClient(gatewayUrl);
const { logIn } = await client.ok(ops.LogInDocument, ADMIN);
const admin = client.withToken(logIn.token);
const tokenFor = (userId: string, role: Role) => {
  const now = Math.floor(Date.now() / 1000);
  return signRawToken(keys.privateKeyPem, { role }, { issuedAt: now, expiresAt: now + 900, subject: userId });
};

async function create(role: Role, i: number) {
  const login = `${role.toLowerCase()}${i}b${Math.random().toString(36).slice(2, 6)}`;
  const created = await admin.ok(ops.CreateUserDocument, {
    input: { login, password: 'popug-password-1', role, name: `Popug ${login}`, email: `${login}@ates.test` },
  });
  return { id: created.createUser.id, role, token: await tokenFor(created.createUser.id, role) };
}

async function createMany(roles: Role[]) {
  const out: Array<{ id: string; role: Role; token: string }> = [];
  for (let i = 0; i < roles.length; i += 16) {
    out.push(...(await Promise.all(roles.slice(i, i + 16).map((role, j) => create(role, i + j)))));
  }
  return out;
}

/** Every service has published its outbox and its consumers have nothing left to apply. */
async function settle(): Promise<void> {
  let quiet = 0;
  while (quiet < 2) {
    let busy = 0;
    for (const { name } of children) {
      if (name.startsWith('gateway')) continue;
      const text = await metrics(name);
      busy +=
        gauge(text, 'ates_outbox_backlog') +
        gauge(text, 'ates_consumer_lag_messages') +
        gauge(text, 'ates_consumer_ack_pending_messages');
    }
    quiet = busy === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const workers = await createMany(Array.from({ length: WORKERS }, () => 'WORKER' as const));
const staff = await createMany(
  Array.from({ length: STAFF }, (_, i) => (i % 2 === 0 ? 'ADMIN' : 'ACCOUNTANT') as Role),
);
await settle();

process.on('message', (message: { type: string; gateway?: string }) => {
  if (message.type === 'stats') {
    void Promise.all([metrics(message.gateway ?? 'gateway'), metrics('accounting')]).then(([g, a]) =>
      process.send?.({
        type: 'stats',
        gateway: {
          sockets: gauge(g, 'ates_live_subscriptions', 'kind="sockets"'),
          upstreams: gauge(g, 'ates_live_subscriptions', 'kind="upstreams"'),
        },
        accounting: {
          listeners: gauge(a, 'ates_live_subscriptions', 'kind="listeners"'),
          sockets: gauge(a, 'ates_live_subscriptions', 'kind="sockets"'),
        },
      } satisfies SystemStats),
    );
  }
  // Tokens live at most 15 min: each phase of the bench subscribes with fresh ones.
  if (message.type === 'tokens')
    void Promise.all([
      ...workers.map(async (w) => ({ ...w, token: await tokenFor(w.id, w.role) })),
      ...staff.map(async (s) => ({ ...s, token: await tokenFor(s.id, s.role) })),
    ]).then((fresh) =>
      process.send?.({
        type: 'tokens',
        workers: fresh.slice(0, workers.length).map(({ id: userId, token }) => ({ id: userId, token })),
        staff: fresh.slice(workers.length),
      }),
    );
  if (message.type === 'settle') void settle().then(() => process.send?.({ type: 'settled' }));
  if (message.type === 'stop') void stopAll().then(() => process.exit(0));
});

process.send?.({
  type: 'ready',
  gatewayUrl,
  gateways,
  adminToken: logIn.token,
  workers: workers.map(({ id: userId, token }) => ({ id: userId, token })),
  staff,
  processes: children.map(({ name, child }) => ({ name, pid: child.pid ?? 0 })),
} satisfies SystemReady);
