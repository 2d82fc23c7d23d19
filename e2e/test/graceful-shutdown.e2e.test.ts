import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connectNats, ensureStreams, makeEvent, subjectFor, type AnyEventEnvelope } from '@ates/events';
import { connectDatabase, repoRoot, TokenSigner, type Database } from '@ates/service-kit';
import {
  createTestDatabase,
  createTestNamespace,
  generateTestKeys,
  testNatsUrl,
  waitFor,
  type TestDatabase,
} from '@ates/testing';

// Fewer than the service's database pool (10), so each holds a connection waiting on the lock.
const IN_FLIGHT = 8;

type LogLine = { msg: string; level: string; url?: string; type?: string } & Record<string, unknown>;

/** The tasks subgraph as production runs it: its own Node process, configured by environment. */
class TasksProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/tasks/src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.lines.push({ msg: line, level: 'raw' });
        }
        for (const wake of this.listeners) wake();
      });
    }
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        resolve({ code, signal });
        for (const wake of this.listeners) wake();
      }),
    );
  }

  /** Resolves with the first log line that matches (waits for the process to write it). */
  line(what: string, match: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.find(match);
        if (found) return done(() => resolve(found));
        if (this.child.exitCode !== null || this.child.signalCode !== null)
          done(() => reject(new Error(`tasks exited before logging ${what}: ${this.tail()}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no ${what} within ${timeoutMs} ms: ${this.tail()}`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
      check();
    });
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private tail(): string {
    return JSON.stringify(this.lines.slice(-5));
  }
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

function worker(): AnyEventEnvelope {
  const userId = randomUUID();
  const login = `drain${userId.slice(0, 6)}`;
  return makeEvent({
    type: 'user.created',
    version: 1,
    producer: 'users',
    aggregateId: userId,
    data: {
      userId,
      login,
      name: login,
      email: `${login}@ates.test`,
      role: 'WORKER',
      createdAt: new Date().toISOString(),
    },
  });
}

const keys = generateTestKeys();
const namespace = createTestNamespace();
let testDb: TestDatabase;
let database: Database<Record<string, never>>;
let tasks: TasksProcess;

beforeAll(async () => {
  testDb = await createTestDatabase('shutdown_tasks');
  database = connectDatabase(testDb.url, {}, { max: 4 });
  const nats = await connectNats(testNatsUrl(), { name: 'shutdown-test' });
  try {
    await ensureStreams(await jetstreamManager(nats), namespace);
    const js = jetstream(nats);
    for (const event of [worker(), worker(), worker()])
      await js.publish(subjectFor(namespace, event.type), JSON.stringify(event), { msgID: event.id });
  } finally {
    await nats.close();
  }
  tasks = new TasksProcess({
    NODE_ENV: 'development',
    LOG_LEVEL: 'debug',
    HOST: '127.0.0.1',
    TASKS_PORT: '0',
    TASKS_DATABASE_URL: testDb.url,
    NATS_URL: testNatsUrl(),
    ATES_NATS_NAMESPACE: namespace,
    ATES_JWT_PUBLIC_KEY: keys.publicKeyPem,
  });
});
afterAll(async () => {
  tasks?.kill();
  await database?.close();
  await testDb?.drop();
});

describe('graceful shutdown', () => {
  it('on SIGTERM, finishes the requests in flight (their tasks and events whole), refuses new ones and exits 0', async () => {
    const ready = await tasks.line('readiness', (l) => l.msg === 'tasks subgraph ready');
    const url = ready.url!;
    const port = Number(new URL(url).port);
    // The popugs arrive by the users' events: wait until all three were applied.
    await waitFor(
      'the three workers to be known',
      () => tasks.lines.filter((l) => l.msg === 'event handled' && l.type === 'user.created').length === 3,
      20_000,
    );
    const signer = await TokenSigner.fromPem(keys.privateKeyPem, 900);
    const token = await signer.sign({ userId: randomUUID(), role: 'MANAGER' }, new Date());

    // Hold every task insert at the database, so the requests are surely in flight at SIGTERM.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const holding = database.sql.begin(async (tx) => {
      await tx`lock table tasks in share mode`;
      await gate;
    });
    const requests = Array.from({ length: IN_FLIGHT }, (_, i) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: 'mutation ($input: CreateTaskInput!) { createTask(input: $input) { id title } }',
          variables: { input: { title: `Drained ${i}`, description: '' } },
        }),
      })
        .then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { data?: { createTask: { id: string } } },
        }))
        // A request cut off shows up as status 0 in the assertions, not as an unhandled rejection.
        .catch((error: unknown) => ({
          status: 0,
          body: { error: String(error) } as { data?: { createTask: { id: string } } },
        })),
    );
    await waitFor(
      `${IN_FLIGHT} task inserts to wait on the lock`,
      async () => {
        const [row] = await database.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where application_name = 'ates-tasks' and wait_event_type = 'Lock' and datname = ${testDb.name}`;
        return row?.n === IN_FLIGHT;
      },
      20_000,
    );

    tasks.signal('SIGTERM');
    await tasks.line('the shutdown', (l) => l.msg === 'shutting down');
    await waitFor('the port to close', () => refused(port), 10_000);
    release();
    await holding;

    const answers = await Promise.all(requests);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.data?.createTask.id).toBeTruthy();
    }
    expect(await tasks.exited).toEqual({ code: 0, signal: null });

    // Every drained request is whole: its task, and its two events published before the exit.
    const ids = answers.map((a) => a.body.data!.createTask.id);
    const [stored] = await database.sql<{ n: number }[]>`
      select count(*)::int as n from tasks where id = any(${ids}::uuid[])`;
    expect(stored?.n).toBe(IN_FLIGHT);
    const outbox = await database.sql<{ type: string; published: boolean }[]>`
      select type, published_at is not null as published from outbox
      where aggregate_id = any(${ids}::text[])`;
    expect(outbox.filter((r) => r.type === 'task.created')).toHaveLength(IN_FLIGHT);
    expect(outbox.filter((r) => r.type === 'task.assigned')).toHaveLength(IN_FLIGHT);
    expect(outbox.every((r) => r.published)).toBe(true);
    const order = ['shutting down', 'consumer stopped', 'stopped'];
    expect(tasks.lines.filter((l) => order.includes(l.msg)).map((l) => l.msg)).toEqual(order);
  });
});
