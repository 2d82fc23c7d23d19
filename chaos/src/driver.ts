import { ops, type GraphQLResponse } from '@ates/testing';
import { TimedClient } from './client.ts';
import { ADMIN, type ChaosCluster } from './cluster.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type OpKind = 'signUp' | 'createTask' | 'completeTask' | 'shuffleTasks' | 'read';
export const OP_KINDS: OpKind[] = ['signUp', 'createTask', 'completeTask', 'shuffleTasks', 'read'];

/**
 * The mix, in per-mille: mostly creations and completions (as many completions as creations, so
 * the open tasks stay few and popugs end the day in plus as well as in red), now and then a
 * shuffle (it charges every open task's new assignee), and reads of accounts and analytics.
 */
const MIX: Array<[OpKind, number]> = [
  ['signUp', 50],
  ['createTask', 390],
  ['completeTask', 420],
  ['shuffleTasks', 12],
  ['read', 128],
];

const ANALYTICS_TODAY = `query ChaosAnalyticsToday { analytics { today { day managementEarnings popugsInRed } } }`;

/**
 * Errors the API gives by design when the driver's view is stale (a task moved to someone
 * else by a shuffle, completed meanwhile): the request was answered, the system said no.
 */
const BUSINESS_CODES = new Set([
  'FORBIDDEN',
  'CONFLICT',
  'FAILED_PRECONDITION',
  'NOT_FOUND',
  'BAD_USER_INPUT',
]);

export type Outcome = 'ok' | 'rejected' | 'failed' | 'noop';

export interface DriverStats {
  started: number;
  byKind: Record<OpKind, Record<Outcome, number>>;
  /** Distinct failure messages with their counts (for the report). */
  failures: Map<string, number>;
}

interface Popug {
  id: string;
  login: string;
  token: string;
}

/** Open tasks and their assignees, without prices (so it works while accounting is down). */
const OPEN_TASKS = `query ChaosOpenTasks { tasks(status: OPEN, first: 50) { nodes { id assignee { id } } } }`;
interface OpenTasks {
  tasks: { nodes: Array<{ id: string; assignee: { id: string } }> };
}

/** A small seeded PRNG (mulberry32), so a run's operation mix can be repeated with CHAOS_SEED. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The load: a fixed number of operations, `concurrency` at a time, alternating the two
 * gateways. Before operation i it awaits `gate(i)`, which the fault schedule uses to keep the
 * load from running ahead of a fault that is still in progress. Failures are counted, never
 * retried blindly: the checks afterwards compare what the services recorded, not what the
 * driver believes it did.
 */
export class LoadDriver {
  readonly stats: DriverStats;
  private readonly workers: Popug[] = [];
  private readonly byId = new Map<string, Popug>();
  private admin!: Popug;
  private manager!: Popug;
  private nextUser = 0;
  private nextTask = 0;
  private readonly random: () => number;

  constructor(
    private readonly cluster: ChaosCluster,
    readonly seed: number,
  ) {
    this.random = seeded(seed);
    const byKind = {} as DriverStats['byKind'];
    for (const kind of OP_KINDS) byKind[kind] = { ok: 0, rejected: 0, failed: 0, noop: 0 };
    this.stats = { started: 0, byKind, failures: new Map() };
  }

  get completed(): number {
    return OP_KINDS.reduce((n, k) => n + Object.values(this.stats.byKind[k]).reduce((a, b) => a + b, 0), 0);
  }

  private client(gateway: number, popug?: Popug): TimedClient {
    const urls = this.cluster.gatewayUrls();
    return new TimedClient(urls[gateway % urls.length]!, popug?.token);
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /** Admin log-in, a manager, and the first popugs; retried until the system answers (start-up). */
  async setup(initialWorkers: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    const retry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await fn();
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`setup: ${what}: ${String(error)}`);
          await sleep(500);
        }
      }
    };
    const adminLogin = await retry('admin log-in', () =>
      this.client(0).ok(ops.LogInDocument, { login: ADMIN.login, password: ADMIN.password }),
    );
    this.admin = { id: adminLogin.logIn.user.id, login: ADMIN.login, token: adminLogin.logIn.token };
    const managerLogin = `chaosmanager${this.cluster.runId}`;
    await retry('manager', () =>
      this.client(0, this.admin).ok(ops.CreateUserDocument, {
        input: {
          login: managerLogin,
          password: 'chaos-password-1',
          role: 'MANAGER',
          name: 'Chaos Manager',
          email: `${managerLogin}@chaos.ates`,
        },
      }),
    );
    const manager = await retry('manager log-in', () =>
      this.client(1).ok(ops.LogInDocument, { login: managerLogin, password: 'chaos-password-1' }),
    );
    this.manager = { id: manager.logIn.user.id, login: managerLogin, token: manager.logIn.token };
    for (let i = 0; i < initialWorkers; i++) await retry('sign-up', () => this.signUp(i % 2));
  }

  private async signUp(gateway: number): Promise<void> {
    const n = this.nextUser++;
    const login = `popug${this.cluster.runId}n${n}`;
    const data = await this.client(gateway).ok(ops.SignUpDocument, {
      input: { login, password: 'chaos-password-1', name: `Popug ${n}`, email: `${login}@chaos.ates` },
    });
    this.addWorker({ id: data.signUp.user.id, login, token: data.signUp.token });
  }

  private addWorker(popug: Popug): void {
    this.workers.push(popug);
    this.byId.set(popug.id, popug);
  }

  private chooseKind(): OpKind {
    let roll = this.random() * 1000;
    for (const [kind, weight] of MIX) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return 'createTask';
  }

  /** Runs `operations` operations; `gate(i)` is awaited before operation i starts. */
  async run(operations: number, concurrency: number, gate: (i: number) => Promise<void>): Promise<void> {
    const lane = async () => {
      for (;;) {
        const i = this.stats.started;
        if (i >= operations) return;
        this.stats.started += 1;
        await gate(i);
        const kind = this.chooseKind();
        const outcome = await this.execute(kind, i % 2);
        this.stats.byKind[kind][outcome] += 1;
        if (outcome === 'failed') await sleep(200);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  }

  private async execute(kind: OpKind, gateway: number): Promise<Outcome> {
    try {
      switch (kind) {
        case 'signUp': {
          const n = this.nextUser++;
          const login = `popug${this.cluster.runId}n${n}`;
          const response = await this.client(gateway).request(ops.SignUpDocument, {
            input: { login, password: 'chaos-password-1', name: `Popug ${n}`, email: `${login}@chaos.ates` },
          });
          const outcome = this.classify(kind, response);
          if (outcome === 'ok' && response.data)
            this.addWorker({ id: response.data.signUp.user.id, login, token: response.data.signUp.token });
          return outcome;
        }
        case 'createTask': {
          const n = this.nextTask++;
          const creator = this.random() < 0.2 ? this.manager : this.pick(this.workers);
          const response = await this.client(gateway, creator).request(ops.CreateTaskDocument, {
            input: {
              title: `Chaos task ${n}`,
              jiraId: `CHAOS-${n + 1}`,
              description: `created by ${creator.login}`,
            },
          });
          return this.classify(kind, response);
        }
        case 'completeTask': {
          // Completed by its assignee, with the assignee's own token.
          const open = await this.client(gateway, this.manager).request<OpenTasks>(OPEN_TASKS);
          const outcome = this.classify(kind, open);
          if (outcome !== 'ok') return outcome;
          const mine = (open.data?.tasks.nodes ?? []).filter((t) => this.byId.has(t.assignee.id));
          if (mine.length === 0) return 'noop';
          const task = this.pick(mine);
          const response = await this.client(gateway, this.byId.get(task.assignee.id)).request(
            ops.CompleteTaskDocument,
            { id: task.id },
          );
          return this.classify(kind, response);
        }
        case 'shuffleTasks': {
          const who = this.random() < 0.5 ? this.manager : this.admin;
          return this.classify(kind, await this.client(gateway, who).request(ops.ShuffleTasksDocument));
        }
        case 'read': {
          // A popug's own account (accounting), or the admin's analytics (analytics).
          if (this.random() < 0.25)
            return this.classify(kind, await this.client(gateway, this.admin).request(ANALYTICS_TODAY));
          const worker = this.pick(this.workers);
          return this.classify(
            kind,
            await this.client(gateway, worker).request(ops.MyAccountDocument, { first: 5 }),
          );
        }
      }
    } catch (error) {
      this.fail(kind, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      return 'failed';
    }
  }

  private classify(kind: OpKind, response: GraphQLResponse<unknown>): Outcome {
    const errors = response.errors ?? [];
    if (errors.length === 0 && response.data) return 'ok';
    if (errors.length > 0 && errors.every((e) => BUSINESS_CODES.has(String(e.extensions?.code))))
      return 'rejected';
    const first = errors[0];
    this.fail(
      kind,
      first
        ? `${String(first.extensions?.code ?? 'NO_CODE')}: ${first.message}`
        : `HTTP ${response.status} without data`,
    );
    return 'failed';
  }

  private fail(kind: OpKind, message: string): void {
    const key = `${kind}: ${message.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').slice(0, 160)}`;
    this.stats.failures.set(key, (this.stats.failures.get(key) ?? 0) + 1);
  }

  /** An ADMIN token, for the fault schedule (closing the day) and the checks. */
  adminToken(): string {
    return this.admin.token;
  }
}
