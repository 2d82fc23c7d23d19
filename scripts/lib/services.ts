import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './subgraphs.ts';

/**
 * Every process `pnpm start` runs, in start order. `database` names the service's own
 * database (created and migrated by the service at start); `portEnv` its listening port.
 */
export interface ServiceSpec {
  name: string;
  entry: string;
  port?: { env: string; value: number };
  database?: { env: string; name: string; migrations: string };
  /** Waited for before the next group starts. */
  healthPath?: string;
  /** Where its clients find it, set from its port unless given (`path` after the origin). */
  address?: { env: string; path: string };
  group: number;
}

const ALL: ServiceSpec[] = [
  {
    name: 'users',
    entry: 'subgraphs/users/src/main.ts',
    port: { env: 'USERS_PORT', value: 4001 },
    address: { env: 'ATES_USERS_URL', path: '/graphql' },
    database: { env: 'USERS_DATABASE_URL', name: 'ates_users', migrations: 'subgraphs/users/drizzle' },
    healthPath: '/healthz',
    group: 1,
  },
  {
    name: 'tasks',
    entry: 'subgraphs/tasks/src/main.ts',
    port: { env: 'TASKS_PORT', value: 4002 },
    address: { env: 'ATES_TASKS_URL', path: '/graphql' },
    database: { env: 'TASKS_DATABASE_URL', name: 'ates_tasks', migrations: 'subgraphs/tasks/drizzle' },
    healthPath: '/healthz',
    group: 1,
  },
  {
    name: 'accounting',
    entry: 'subgraphs/accounting/src/main.ts',
    port: { env: 'ACCOUNTING_PORT', value: 4003 },
    address: { env: 'ATES_ACCOUNTING_URL', path: '/graphql' },
    database: {
      env: 'ACCOUNTING_DATABASE_URL',
      name: 'ates_accounting',
      migrations: 'subgraphs/accounting/drizzle',
    },
    healthPath: '/healthz',
    group: 1,
  },
  {
    name: 'analytics',
    entry: 'subgraphs/analytics/src/main.ts',
    port: { env: 'ANALYTICS_PORT', value: 4004 },
    address: { env: 'ATES_ANALYTICS_URL', path: '/graphql' },
    database: {
      env: 'ANALYTICS_DATABASE_URL',
      name: 'ates_analytics',
      migrations: 'subgraphs/analytics/drizzle',
    },
    healthPath: '/healthz',
    group: 1,
  },
  {
    name: 'payment-sandbox',
    entry: 'workers/payment-sandbox/src/main.ts',
    port: { env: 'PAYMENT_SANDBOX_PORT', value: 4010 },
    address: { env: 'PAYMENT_PROVIDER_URL', path: '' },
    database: {
      env: 'PAYMENT_SANDBOX_DATABASE_URL',
      name: 'ates_payment_sandbox',
      migrations: 'workers/payment-sandbox/drizzle',
    },
    healthPath: '/healthz',
    group: 1,
  },
  {
    // Closes each business day and pays out through the payment provider; accounting's
    // database (migrated by whichever of the two starts first), so no database of its own.
    name: 'payout-worker',
    entry: 'subgraphs/accounting/src/payout-worker/main.ts',
    port: { env: 'PAYOUT_WORKER_PORT', value: 4012 },
    healthPath: '/healthz',
    group: 1,
  },
  {
    name: 'email',
    entry: 'workers/email/src/main.ts',
    port: { env: 'EMAIL_WORKER_PORT', value: 4011 },
    database: { env: 'EMAIL_DATABASE_URL', name: 'ates_email', migrations: 'workers/email/drizzle' },
    healthPath: '/healthz',
    group: 1,
  },
  {
    name: 'gateway',
    entry: 'gateway/src/main.ts',
    port: { env: 'GATEWAY_PORT', value: 4000 },
    healthPath: '/healthz',
    group: 2,
  },
];

/** The services whose code exists in this checkout. */
export function services(): ServiceSpec[] {
  return ALL.filter((s) => fs.existsSync(path.join(repoRoot, s.entry)));
}

/** The module each service runs first (`--import`): OpenTelemetry, when OTEL_* turn it on. */
export const TELEMETRY_ENTRY = 'packages/service-kit/src/telemetry/register.ts';

/** Where `pnpm build` writes the runnable JavaScript: `node dist/<name>.js`. */
export const distDir = path.join(repoRoot, 'dist');

/** The built entry of a service or command: `gateway` → `dist/gateway.js`. */
export function distEntry(name: string): string {
  return path.join(distDir, `${name}.js`);
}

/**
 * The node arguments that run a service: its build (`--prod`) or its sources through tsx, with
 * the telemetry module loaded first either way, so its instrumentations see `http` and
 * `graphql` load. (Compose and the Dockerfile spell out the same for the build.)
 */
export function serviceArgs(spec: { name: string; entry: string }, prod: boolean): string[] {
  return prod
    ? ['--import', pathToFileURL(distEntry('telemetry')).href, distEntry(spec.name)]
    : [
        '--import',
        'tsx',
        '--import',
        pathToFileURL(path.join(repoRoot, TELEMETRY_ENTRY)).href,
        path.join(repoRoot, spec.entry),
      ];
}

/** The process that runs several services (scripts/all-in-one.ts): `pnpm start`'s default. */
export const ALL_IN_ONE = { name: 'all-in-one', entry: 'scripts/all-in-one.ts' };

/**
 * The node arguments that run `specs` in one process: a group's services start together, a
 * group once the one before it has started (`--then` between groups), as `pnpm start` would.
 */
export function allInOneArgs(specs: ServiceSpec[], prod: boolean): string[] {
  const groups = [...new Set(specs.map((s) => s.group))].sort((a, b) => a - b);
  const entries = groups.map((group) =>
    specs
      .filter((s) => s.group === group)
      .map((s) => (prod ? distEntry(s.name) : path.join(repoRoot, s.entry))),
  );
  return [
    ...serviceArgs(ALL_IN_ONE, prod),
    ...entries.flatMap((wave, i) => (i === 0 ? wave : ['--then', ...wave])),
  ];
}
