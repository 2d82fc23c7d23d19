import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres, { type Sql } from 'postgres';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, ensureStreams } from '@ates/events';
import { ensureDatabase, ensureDevKeys, withDatabase } from '@ates/service-kit';
import { Balancer } from '../../scripts/lib/balancer.ts';
import { TimedClient } from './client.ts';
import { freePort, PrivateNatsCluster, PrivatePostgres } from './infra.ts';
import { ServiceProcess, type ProcessSpec, type UnexpectedExit } from './processes.ts';
import type { ChaosSettings } from './settings.ts';

/** Every stream is replicated on all three NATS nodes: one node may fail. */
const STREAM_REPLICAS = 3;

export const ADMIN = { login: 'chaosadmin', password: 'chaos-admin-password-1' };

/** Services with a database of their own (the payout worker shares accounting's). */
export type DatabaseName = 'users' | 'tasks' | 'accounting' | 'analytics' | 'email' | 'bank';
export const DATABASES: DatabaseName[] = ['users', 'tasks', 'accounting', 'analytics', 'email', 'bank'];

/** Subgraphs behind a balancer (the gateways reach each through it). */
const SUBGRAPHS = ['users', 'tasks', 'accounting', 'analytics'] as const;
type Subgraph = (typeof SUBGRAPHS)[number];

interface ServiceDef {
  service: string;
  entry: string;
  instances: number;
  portEnv: string;
  database?: { env: string; name: DatabaseName };
  env?: (cluster: ClusterAddresses) => NodeJS.ProcessEnv;
}

interface ClusterAddresses {
  balancerPorts: Record<Subgraph, number>;
  bankUrl: string;
}

/**
 * Every process `pnpm start` runs, as `scripts/lib/services.ts` lists them, with two instances
 * of every service that consumes events (tasks, accounting, analytics, the email worker), of the
 * payout worker and of the gateway. The users service and the payment sandbox (no consumers)
 * run once.
 */
const SERVICES: ServiceDef[] = [
  {
    service: 'users',
    entry: 'subgraphs/users/src/main.ts',
    instances: 1,
    portEnv: 'USERS_PORT',
    database: { env: 'USERS_DATABASE_URL', name: 'users' },
  },
  {
    service: 'tasks',
    entry: 'subgraphs/tasks/src/main.ts',
    instances: 2,
    portEnv: 'TASKS_PORT',
    database: { env: 'TASKS_DATABASE_URL', name: 'tasks' },
  },
  {
    service: 'accounting',
    entry: 'subgraphs/accounting/src/main.ts',
    instances: 2,
    portEnv: 'ACCOUNTING_PORT',
    database: { env: 'ACCOUNTING_DATABASE_URL', name: 'accounting' },
  },
  {
    service: 'analytics',
    entry: 'subgraphs/analytics/src/main.ts',
    instances: 2,
    portEnv: 'ANALYTICS_PORT',
    database: { env: 'ANALYTICS_DATABASE_URL', name: 'analytics' },
  },
  {
    service: 'payment-sandbox',
    entry: 'workers/payment-sandbox/src/main.ts',
    instances: 1,
    portEnv: 'PAYMENT_SANDBOX_PORT',
    database: { env: 'PAYMENT_SANDBOX_DATABASE_URL', name: 'bank' },
  },
  {
    service: 'payout-worker',
    entry: 'subgraphs/accounting/src/payout-worker/main.ts',
    instances: 2,
    portEnv: 'PAYOUT_WORKER_PORT',
    database: { env: 'ACCOUNTING_DATABASE_URL', name: 'accounting' },
    env: ({ bankUrl }) => ({
      PAYMENT_PROVIDER_URL: bankUrl,
      PAYMENT_PROVIDER_TIMEOUT_MS: '5000',
      PAYOUT_RETRY_INITIAL_MS: '500',
      PAYOUT_RETRY_MAX_MS: '5000',
      PAYOUT_WORKER_MAX_IDLE_MS: '5000',
    }),
  },
  {
    service: 'email',
    entry: 'workers/email/src/main.ts',
    instances: 2,
    portEnv: 'EMAIL_WORKER_PORT',
    database: { env: 'EMAIL_DATABASE_URL', name: 'email' },
  },
  {
    service: 'gateway',
    entry: 'gateway/src/main.ts',
    instances: 2,
    portEnv: 'GATEWAY_PORT',
    env: ({ balancerPorts }) => ({
      ATES_USERS_URL: `http://127.0.0.1:${balancerPorts.users}/graphql`,
      ATES_TASKS_URL: `http://127.0.0.1:${balancerPorts.tasks}/graphql`,
      ATES_ACCOUNTING_URL: `http://127.0.0.1:${balancerPorts.accounting}/graphql`,
      ATES_ANALYTICS_URL: `http://127.0.0.1:${balancerPorts.analytics}/graphql`,
    }),
  },
];

/** The environment a service gets: nothing of this shell's ATES_/database/NATS settings leaks in. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'])
    if (process.env[key]) env[key] = process.env[key];
  return env;
}

export class ChaosCluster {
  readonly processes: ServiceProcess[] = [];
  readonly balancers = new Map<Subgraph, Balancer>();
  readonly databaseUrls = {} as Record<DatabaseName, string>;
  private readonly pools = new Map<DatabaseName, Sql>();
  bankUrl = '';
  /** The cluster's ATES_INTERNAL_SECRET and the payment sandbox's bearer secret. */
  readonly internalSecret = randomBytes(32).toString('base64url');
  readonly sandboxSecret = randomBytes(32).toString('base64url');
  /** Server restarts (NATS, Postgres) done by faults. */
  serverRestarts = { nats: 0, postgres: 0 };

  private constructor(
    readonly settings: ChaosSettings,
    readonly runDir: string,
    readonly runId: string,
    readonly namespace: string,
    readonly nats: PrivateNatsCluster,
    readonly pg: PrivatePostgres,
  ) {}

  static async start(settings: ChaosSettings, log: (line: string) => void): Promise<ChaosCluster> {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-chaos-'));
    // The Postgres server runs as the `postgres` user when we are root: it must reach its directory.
    fs.chmodSync(runDir, 0o755);
    fs.mkdirSync(path.join(runDir, 'logs'));
    const runId = randomBytes(3).toString('hex');
    log(`run directory ${runDir} (logs/ has every process's output)`);
    const pg = await PrivatePostgres.start(runDir);
    log(`private PostgreSQL on 127.0.0.1:${pg.port}`);
    const nats = await PrivateNatsCluster.start(runDir).catch(async (error: unknown) => {
      await pg.stop();
      throw error;
    });
    log(
      `private 3-node JetStream cluster on ${nats.nodes.map((n) => `${n.name} 127.0.0.1:${n.port}`).join(', ')}`,
    );
    const cluster = new ChaosCluster(settings, runDir, runId, `tchaos${runId}`, nats, pg);
    try {
      await cluster.boot(log);
    } catch (error) {
      log(`start-up failed; kept ${runDir} for a look`);
      await cluster.stop({ keepRunDir: true });
      throw error;
    }
    return cluster;
  }

  private async boot(log: (line: string) => void): Promise<void> {
    await this.ensureStreams();
    const dataDir = path.join(this.runDir, 'data');
    const keys = ensureDevKeys(dataDir);
    for (const name of DATABASES) {
      const url = withDatabase(this.pg.url, `ates_t_chaos_${this.runId}_${name}`);
      await ensureDatabase(url);
      this.databaseUrls[name] = url;
    }
    const balancerPorts = {} as Record<Subgraph, number>;
    for (const name of SUBGRAPHS) balancerPorts[name] = await freePort();
    const bankPort = await freePort();
    this.bankUrl = `http://127.0.0.1:${bankPort}`;
    const common: NodeJS.ProcessEnv = {
      ...baseEnv(),
      NODE_ENV: 'production',
      LOG_LEVEL: this.settings.logLevel,
      HOST: '127.0.0.1',
      ATES_DATA_DIR: dataDir,
      NATS_URL: this.nats.url,
      ATES_NATS_NAMESPACE: this.namespace,
      ATES_NATS_STREAM_REPLICAS: String(STREAM_REPLICAS),
      ATES_JWT_PUBLIC_KEY: keys.publicKeyPath,
      ATES_TIMEZONE: 'UTC',
      // users
      ATES_JWT_PRIVATE_KEY: keys.privateKeyPath,
      ATES_ADMIN_LOGIN: ADMIN.login,
      ATES_ADMIN_PASSWORD: ADMIN.password,
      ATES_ADMIN_EMAIL: 'admin@chaos.ates',
      ATES_PASSWORD_COST: '10',
      // gateway and services; payment sandbox and payout workers
      ATES_INTERNAL_SECRET: this.internalSecret,
      ATES_PAYMENT_SANDBOX_SECRET: this.sandboxSecret,
      // email worker: one .eml per email, no SMTP
      EMAIL_MAIL_DIR: path.join(this.runDir, 'mail'),
    };
    const addresses: ClusterAddresses = { balancerPorts, bankUrl: this.bankUrl };
    const upstreams = new Map<string, number[]>();
    for (const def of SERVICES) {
      for (let i = 1; i <= def.instances; i++) {
        const port = def.service === 'payment-sandbox' ? bankPort : await freePort();
        upstreams.set(def.service, [...(upstreams.get(def.service) ?? []), port]);
        const base = `http://127.0.0.1:${port}`;
        const spec: ProcessSpec = {
          name: def.instances > 1 ? `${def.service}-${i}` : def.service,
          service: def.service,
          entry: def.entry,
          env: {
            ...common,
            ...def.env?.(addresses),
            [def.portEnv]: String(port),
            ...(def.database ? { [def.database.env]: this.databaseUrls[def.database.name] } : {}),
          },
          healthUrl: `${base}/healthz`,
          readyUrl: `${base}/readyz`,
          metricsUrl: `${base}/metrics`,
        };
        this.processes.push(new ServiceProcess(spec, path.join(this.runDir, 'logs')));
      }
    }
    for (const name of SUBGRAPHS) {
      const balancer = new Balancer(name, upstreams.get(name) ?? []);
      await balancer.listen(balancerPorts[name]);
      this.balancers.set(name, balancer);
    }
    // Like `pnpm start`: first instances (each migrates its database and creates the streams),
    // then the second instances, then the gateways.
    const started = Date.now();
    const firsts = this.processes.filter((p) => p.service !== 'gateway' && !p.name.endsWith('-2'));
    await Promise.all(firsts.map((p) => p.start()));
    const seconds = this.processes.filter((p) => p.service !== 'gateway' && p.name.endsWith('-2'));
    await Promise.all(seconds.map((p) => p.start()));
    await Promise.all(this.instances('gateway').map((p) => p.start()));
    log(
      `${this.processes.length} processes up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${this.processes
        .map((p) => p.name)
        .join(', ')}`,
    );
  }

  /**
   * The streams with 3 replicas, created once before the services start (as `pnpm start
   * --cluster` does), retried while the new cluster still elects its metadata leader.
   */
  private async ensureStreams(): Promise<void> {
    const nc = await connectNats(this.nats.url, { name: 'chaos-streams' });
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await ensureStreams(await jetstreamManager(nc), this.namespace, { replicas: STREAM_REPLICAS });
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } finally {
      await nc.close();
    }
  }

  instances(service: string): ServiceProcess[] {
    return this.processes.filter((p) => p.service === service);
  }

  process(name: string): ServiceProcess {
    const found = this.processes.find((p) => p.name === name);
    if (!found) throw new Error(`no process ${name}`);
    return found;
  }

  /** The gateways' GraphQL endpoints, for the load driver to alternate. */
  gatewayUrls(): string[] {
    return this.instances('gateway').map((p) => p.spec.healthUrl.replace(/\/healthz$/, '/graphql'));
  }

  client(index = 0, token?: string): TimedClient {
    const urls = this.gatewayUrls();
    return new TimedClient(urls[index % urls.length]!, token);
  }

  /** A small pool on one service's database, for the checks (reconnects after a Postgres restart). */
  sql(name: DatabaseName): Sql {
    let pool = this.pools.get(name);
    if (!pool) {
      pool = postgres(this.databaseUrls[name], { max: 2, onnotice: () => {}, connect_timeout: 5 });
      this.pools.set(name, pool);
    }
    return pool;
  }

  /** Closes the checks' pool on one database (a restore refuses while sessions are open on it). */
  async releaseSql(name: DatabaseName): Promise<void> {
    const pool = this.pools.get(name);
    this.pools.delete(name);
    await pool?.end({ timeout: 5 });
  }

  /** Every process killed with SIGKILL so far. */
  get kills(): number {
    return this.processes.reduce((n, p) => n + p.kills, 0);
  }

  /** Restarts of processes after a kill or a crash (the first start of each is not counted). */
  get restarts(): number {
    return this.processes.reduce((n, p) => n + Math.max(0, p.starts - 1), 0);
  }

  unexpectedExits(): UnexpectedExit[] {
    return this.processes.flatMap((p) => p.unexpectedExits);
  }

  /** Waits until every process is up (crashed ones are restarted by the restart policy). */
  async allRunning(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.waitRunning()));
  }

  async stop(options: { keepRunDir: boolean }): Promise<void> {
    for (const p of this.processes) p.supervised = false;
    const order = [
      'gateway',
      'email',
      'payout-worker',
      'payment-sandbox',
      'analytics',
      'accounting',
      'tasks',
    ];
    for (const service of order) await Promise.all(this.instances(service).map((p) => p.stop()));
    await Promise.all(this.processes.map((p) => p.stop()));
    for (const balancer of this.balancers.values()) await balancer.close();
    for (const pool of this.pools.values()) await pool.end({ timeout: 2 });
    await this.nats.stop();
    await this.pg.stop();
    if (!options.keepRunDir) fs.rmSync(this.runDir, { recursive: true, force: true });
  }
}
