/**
 * The real event pipeline for the events benchmark: the tasks, accounting and analytics services
 * each in a process of its own (as `pnpm start` runs them), on fresh databases and a NATS
 * namespace of this run. The bench produces through the tasks service's own use-cases on the
 * tasks database (the service's relay publishes what they commit), and reads the other two
 * databases to see when the events have been applied.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import postgres from 'postgres';
import { connectNats, ensureStreams, removeStreams } from '@ates/events';
import {
  applyMigrations,
  connectDatabase,
  DEFAULT_NATS_URL,
  DEFAULT_POSTGRES_URL,
  dropDatabase,
  withDatabase,
} from '@ates/service-kit';
import { migrationsFolder as accountingMigrations } from '@ates/accounting';
import { migrationsFolder as analyticsMigrations } from '@ates/analytics';
import { migrationsFolder as tasksMigrations } from '@ates/tasks';
import { generateTestKeys } from '@ates/testing';
import * as tasksTables from '../../subgraphs/tasks/src/db/tables.ts';

import { benchServices, freePort, waitHealthy } from '../lib/processes.ts';

const repo = path.resolve(import.meta.dirname, '../..');
export const postgresBase =
  process.env.ATES_BENCH_POSTGRES_URL ?? process.env.ATES_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
export const natsUrl = process.env.NATS_URL ?? DEFAULT_NATS_URL;

export interface ServiceProcess {
  name: string;
  pid: number;
}

export interface PipelineSystem {
  namespace: string;
  nats: Awaited<ReturnType<typeof connectNats>>;
  tasks: ReturnType<typeof connectDatabase<typeof tasksTables>>;
  /** Plain postgres.js clients on accounting's and analytics' databases (reads only). */
  accounting: postgres.Sql;
  analytics: postgres.Sql;
  processes: ServiceProcess[];
  stop(): Promise<void>;
}

/** Starts tasks, accounting and analytics as processes; `stop()` ends them and removes everything. */
export async function startPipeline(label: string): Promise<PipelineSystem> {
  const id = `${process.pid}_${randomBytes(2).toString('hex')}`;
  const namespace = `bench${label}${id.replace('_', '')}`;
  const keys = generateTestKeys();
  const urls = {
    tasks: withDatabase(postgresBase, `ates_bench_${label}_${id}_tasks`),
    accounting: withDatabase(postgresBase, `ates_bench_${label}_${id}_accounting`),
    analytics: withDatabase(postgresBase, `ates_bench_${label}_${id}_analytics`),
  };
  await applyMigrations(urls.tasks, tasksMigrations);
  await applyMigrations(urls.accounting, accountingMigrations);
  await applyMigrations(urls.analytics, analyticsMigrations);
  const nats = await connectNats(natsUrl, { name: 'ates-bench' });
  const jsm = await jetstreamManager(nats);
  await ensureStreams(jsm, namespace);
  const children: { name: string; child: ChildProcess }[] = [];
  const specs = benchServices(['tasks', 'accounting', 'analytics'] as const);
  const stopChildren = async () => {
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    for (const spec of specs) {
      if (!spec.databaseEnv) throw new Error(`${spec.name} has no database variable`);
      const port = await freePort();
      // BENCH_CPU_PROF=<dir>: each service writes V8 CPU profiles (one per thread) to <dir>/<name> when it stops.
      const profile = process.env.BENCH_CPU_PROF
        ? ['--cpu-prof', `--cpu-prof-dir=${path.join(process.env.BENCH_CPU_PROF, spec.name)}`]
        : [];
      const child = spawn(process.execPath, [...profile, '--import', 'tsx', spec.entry], {
        cwd: repo,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          ...process.env,
          NODE_ENV: 'production',
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
          HOST: '127.0.0.1',
          [spec.portEnv]: String(port),
          [spec.databaseEnv]: urls[spec.name],
          NATS_URL: natsUrl,
          ATES_NATS_NAMESPACE: namespace,
          ATES_JWT_PUBLIC_KEY: keys.publicKeyPem,
          ATES_TIMEZONE: 'UTC',
        },
      });
      children.push({ name: spec.name, child });
      await waitHealthy(`http://127.0.0.1:${port}/healthz`, child, spec.name);
    }
  } catch (error) {
    await stopChildren();
    throw error;
  }
  const tasks = connectDatabase(urls.tasks, tasksTables, { max: 16, applicationName: 'ates-bench' });
  const accounting = postgres(urls.accounting, { max: 2, onnotice: () => {} });
  const analytics = postgres(urls.analytics, { max: 2, onnotice: () => {} });
  return {
    namespace,
    nats,
    tasks,
    accounting,
    analytics,
    processes: children.map(({ name, child }) => ({ name, pid: child.pid ?? 0 })),
    async stop() {
      await stopChildren();
      await tasks.close();
      await accounting.end();
      await analytics.end();
      await removeStreams(jsm, namespace).catch(() => undefined);
      await nats.close();
      for (const url of Object.values(urls)) await dropDatabase(url);
    },
  };
}
