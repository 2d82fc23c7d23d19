import fs from 'node:fs';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  createLogger,
  repoRoot,
  setDefaultPoolMax,
  seededRandom,
  type Clock,
  type Logger,
  type RandomSource,
} from '@ates/service-kit';
import { startAccountingService, type AccountingService } from '@ates/accounting';
import { startAnalyticsService, type AnalyticsService } from '@ates/analytics';
import { startGateway, type GatewayConfig, type GatewayService } from '@ates/gateway';
import { startTasksService, type TasksService } from '@ates/tasks';
import { startUsersService, type ThrottlePolicy, type UsersService } from '@ates/users';
import {
  createTestDatabase,
  createTestNamespace,
  generateTestKeys,
  GraphQLClient,
  ops,
  testNatsUrl,
  type TestDatabase,
  type TestKeys,
} from '@ates/testing';

// Several systems run at once (one per test file, files in parallel): small pools keep them
// all within Postgres' max_connections.
setDefaultPoolMax(3);

export const ADMIN = { login: 'admin', password: 'admin-password-1' };

export interface SystemOptions {
  /** Seed of the task tracker's random source (assignments), for reproducible tests. */
  seed?: number;
  random?: RandomSource;
  /** Accounting's clock (business days), price source and company time zone (default UTC). */
  accounting?: {
    clock?: Clock;
    random?: RandomSource;
    timeZone?: string;
    /** Lanes of its task consumer (default: the service's); 1 prices tasks in arrival order. */
    taskLanes?: number;
  };
  /**
   * The clock of the task tracker (creation and completion times) and of analytics ("today"),
   * and accounting's unless it has its own. Analytics uses accounting's time zone.
   */
  clock?: Clock;
  /** Log-in throttling of the users service (default: the production default). */
  throttle?: Partial<ThrottlePolicy>;
  /** Peers whose X-Forwarded-For the gateway believes (default none: the peer is the client). */
  trustedProxies?: string[];
  /** Built bundles the gateway serves: the explorer at /explorer, the web UI at /. */
  explorerDir?: string;
  uiDir?: string;
  /** The gateway's ATES_TRUSTED_DOCUMENTS (default off: any document runs). */
  trustedDocuments?: 'off' | 'only';
  /** Each service's logger (tests that read the logs); default silent, or `ATES_TEST_LOG_LEVEL`. */
  logger?: (service: string) => Logger;
}

export interface TestSystem {
  gateway: GatewayService;
  users: UsersService;
  /** The running task tracker; throws while it is stopped. */
  readonly tasks: TasksService;
  /** The task tracker's database, which outlives a stop (a restore works on it). */
  tasksDatabaseUrl: string;
  /** Stops the task tracker alone: its database, durable consumer and port stay. */
  stopTasks(): Promise<void>;
  /** Starts the task tracker again on the same port, database and namespace. */
  startTasks(): Promise<void>;
  /** The running accounting service; throws while it is stopped. */
  readonly accounting: AccountingService;
  /** Accounting's database, which outlives a stop. */
  accountingDatabaseUrl: string;
  /** Stops accounting alone (data problem 1): its database, durable consumers and port stay. */
  stopAccounting(): Promise<void>;
  /** Starts accounting again on the same port, database and namespace; it catches up by itself. */
  startAccounting(): Promise<void>;
  /** The running analytics service; throws while it is stopped. */
  readonly analytics: AnalyticsService;
  /** Analytics' database, which outlives a stop (a rebuild works on it). */
  analyticsDatabaseUrl: string;
  /** Stops analytics alone: its database, durable consumers and port stay. */
  stopAnalytics(): Promise<void>;
  /** Starts analytics again on the same port, database and namespace; it catches up by itself. */
  startAnalytics(): Promise<void>;
  keys: TestKeys;
  /** The gateway's and subgraphs' shared ATES_INTERNAL_SECRET. */
  internalSecret: string;
  namespace: string;
  /** Anonymous client of the gateway. */
  client: GraphQLClient;
  /** Logs in through the gateway and returns a client holding the token. */
  logIn(login: string, password: string): Promise<GraphQLClient>;
  admin(): Promise<GraphQLClient>;
  /** Waits until every event published so far has been applied by its consumers (no sleeping). */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A free port below Linux's ephemeral range (32768+) for a service the tests restart: a port
 * picked by the kernel (port 0) is often taken by some other process's outgoing connection
 * by the time the service listens on it again.
 */
async function restartablePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

const defaultLogger = (service: string) =>
  createLogger({ service, level: process.env.ATES_TEST_LOG_LEVEL ?? 'silent' });

/**
 * The real system in this test process: every subgraph and the gateway on ephemeral ports,
 * each service with its own fresh database, one NATS namespace for the file, and HTTP and
 * JetStream between them exactly as in production.
 */
export async function startSystem(label: string, options: SystemOptions = {}): Promise<TestSystem> {
  const logger = options.logger ?? defaultLogger;
  const keys = generateTestKeys();
  const internalSecret = randomBytes(32).toString('base64url');
  const namespace = createTestNamespace();
  const databases: TestDatabase[] = [];
  const newDb = async (name: string) => {
    const db = await createTestDatabase(`${label}_${name}`);
    databases.push(db);
    return db.url;
  };
  const common = {
    host: '127.0.0.1',
    port: 0,
    natsUrl: testNatsUrl(),
    natsNamespace: namespace,
    publicKeyPem: keys.publicKeyPem,
    introspection: true,
    maxBodyBytes: 1_000_000,
  };
  const users = await startUsersService({
    ...common,
    databaseUrl: await newDb('users'),
    privateKeyPem: keys.privateKeyPem,
    tokenTtlSeconds: 900,
    passwordCost: 12,
    adminSeed: { ...ADMIN, email: 'admin@ates.test', name: 'Admin' },
    logger: logger('users'),
    internalSecret,
    ...(options.throttle ? { throttle: options.throttle } : {}),
  });
  const tasksDatabaseUrl = await newDb('tasks');
  const launchTasks = (port: number) =>
    startTasksService({
      ...common,
      port,
      databaseUrl: tasksDatabaseUrl,
      logger: logger('tasks'),
      clock: options.clock,
      random: options.random ?? (options.seed === undefined ? undefined : seededRandom(options.seed)),
    });
  let tasks: TasksService | null = await launchTasks(await restartablePort());
  const tasksPort = Number(new URL(tasks.url).port);
  const accountingDatabaseUrl = await newDb('accounting');
  const launchAccounting = (port: number) =>
    startAccountingService({
      ...common,
      port,
      databaseUrl: accountingDatabaseUrl,
      timeZone: options.accounting?.timeZone ?? 'UTC',
      clock: options.accounting?.clock ?? options.clock,
      random: options.accounting?.random,
      ...(options.accounting?.taskLanes === undefined ? {} : { taskLanes: options.accounting.taskLanes }),
      logger: logger('accounting'),
    });
  let accounting: AccountingService | null = await launchAccounting(await restartablePort());
  // The gateway keeps the first URL: a restart listens on the same port.
  const accountingPort = Number(new URL(accounting.url).port);
  const analyticsDatabaseUrl = await newDb('analytics');
  const launchAnalytics = (port: number) =>
    startAnalyticsService({
      ...common,
      port,
      databaseUrl: analyticsDatabaseUrl,
      timeZone: options.accounting?.timeZone ?? 'UTC',
      clock: options.clock ?? options.accounting?.clock,
      logger: logger('analytics'),
    });
  let analytics: AnalyticsService | null = await launchAnalytics(await restartablePort());
  const analyticsPort = Number(new URL(analytics.url).port);
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
    internalSecret,
    trustedProxies: options.trustedProxies ?? [],
    explorerDir: options.explorerDir,
    uiDir: options.uiDir,
    ...(options.trustedDocuments ? { trustedDocuments: { mode: options.trustedDocuments } } : {}),
  });
  const client = new GraphQLClient(gateway.url);
  const logIn = async (login: string, password: string) => {
    const data = await client.ok(ops.LogInDocument, { login, password });
    return client.withToken(data.logIn.token);
  };
  return {
    gateway,
    users,
    get tasks() {
      if (!tasks) throw new Error('the task tracker is stopped');
      return tasks;
    },
    tasksDatabaseUrl,
    stopTasks: async () => {
      await tasks?.stop();
      tasks = null;
    },
    startTasks: async () => {
      if (tasks) throw new Error('the task tracker is already running');
      tasks = await launchTasks(tasksPort);
    },
    internalSecret,
    get accounting() {
      if (!accounting) throw new Error('accounting is stopped');
      return accounting;
    },
    accountingDatabaseUrl,
    stopAccounting: async () => {
      await accounting?.stop();
      accounting = null;
    },
    startAccounting: async () => {
      if (accounting) throw new Error('accounting is already running');
      accounting = await launchAccounting(accountingPort);
    },
    get analytics() {
      if (!analytics) throw new Error('analytics is stopped');
      return analytics;
    },
    analyticsDatabaseUrl,
    stopAnalytics: async () => {
      await analytics?.stop();
      analytics = null;
    },
    startAnalytics: async () => {
      if (analytics) throw new Error('analytics is already running');
      analytics = await launchAnalytics(analyticsPort);
    },
    keys,
    namespace,
    client,
    logIn,
    admin: () => logIn(ADMIN.login, ADMIN.password),
    settle: async () => {
      await users.outboxDrained();
      if (tasks) {
        await tasks.usersCaughtUp();
        await tasks.outboxDrained();
      }
      if (accounting) {
        await accounting.caughtUp();
        await accounting.outboxDrained();
      }
      if (analytics) await analytics.caughtUp();
    },
    stop: async () => {
      await gateway.stop();
      await analytics?.stop();
      await accounting?.stop();
      await tasks?.stop();
      await users.stop();
      for (const db of databases) await db.drop();
    },
  };
}

/** Another gateway in front of a running system's subgraphs, configured as the test needs. */
export function startGatewayBeside(
  system: TestSystem,
  name: string,
  config: Partial<GatewayConfig> = {},
): Promise<GatewayService> {
  return startGateway({
    host: '127.0.0.1',
    port: 0,
    supergraphSdl: fs.readFileSync(path.join(repoRoot, 'schema/supergraph.graphql'), 'utf8'),
    urlOverrides: Object.fromEntries(system.gateway.endpoints.map((e) => [e.name, e.url])),
    publicKeyPem: system.keys.publicKeyPem,
    introspection: false,
    maxBodyBytes: 1_000_000,
    logger: createLogger({ service: name, level: 'silent' }),
    ...config,
  });
}
