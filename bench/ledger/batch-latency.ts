/**
 * How long accounting's consumer holds one small batch, as the lag at 1k events/s sees it: per
 * batch TASKS new tasks (`task.created` and `task.assigned` each, what one lane gets from a
 * 50 ms tick of the steady load), applied one batch after another through the consumer's
 * processor on one connection, BATCHES times; prints the batch's wall time p50/p90/p99 and its
 * round trips to Postgres: statements sent after an answer arrived begin a new one, statements
 * sent together (pipelined) share it. Round trips do not depend on the machine's load; wall
 * time on a shared machine is noisy: compare interleaved runs of two builds.
 * Run: `node --import tsx ledger/batch-latency.ts` in bench/ (TASKS=12 BATCHES=300).
 */
import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { AnyEventEnvelope } from '@ates/events';
import {
  applyMigrations,
  createLogger,
  DEFAULT_POSTGRES_URL,
  dropDatabase,
  seededRandom,
  systemClock,
  withDatabase,
} from '@ates/service-kit';
import { migrationsFolder } from '@ates/accounting';
import { fakeMessages, taskEventsProcessor } from './consumer.ts';
import * as tables from '../../subgraphs/accounting/src/db/tables.ts';
import type { AccountingDeps } from '../../subgraphs/accounting/src/use-cases/deps.ts';
import { taskAssigned, taskCreated } from '../../subgraphs/tasks/src/events/task-events.ts';
import { percentile } from '../lib/stats.ts';

const TASKS = Number(process.env.TASKS ?? 12);
const BATCHES = Number(process.env.BATCHES ?? 300);
const POPUGS = 100;
const logger = createLogger({ service: 'bench-batch-latency', level: 'silent' });
const url = withDatabase(
  process.env.ATES_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
  `ates_bench_events_batch_latency_${process.pid}`,
);
const popugs = Array.from({ length: POPUGS }, () => randomUUID());

function batchEvents(n: number): AnyEventEnvelope[] {
  const now = new Date();
  return Array.from({ length: TASKS }, (_, i) => {
    const assigneeId = popugs[(n * TASKS + i) % POPUGS]!;
    const task = {
      id: randomUUID(),
      jiraId: null,
      title: `Bench task ${i}`,
      description: 'bench',
      status: 'OPEN' as const,
      assigneeId,
      createdBy: popugs[0]!,
      createdAt: now,
      completedAt: null,
      assignmentCount: 1,
      completionCount: 0,
    };
    return [
      taskCreated(task),
      taskAssigned(
        {
          taskId: task.id,
          assigneeId,
          previousAssigneeId: null,
          assignmentNo: 1,
          title: task.title,
          jiraId: null,
        },
        now,
      ),
    ];
  }).flat();
}

let seq = 1;
/** The next events as messages, numbered on from the last. */
const messages = (events: AnyEventEnvelope[]) => {
  const msgs = fakeMessages(events, seq);
  seq += events.length;
  return msgs;
};

async function main() {
  await applyMigrations(url, migrationsFolder);
  // A statement built after an answer came in starts a round trip (postgres.js builds each when it sends it).
  let roundTrips = 0;
  let answered = true;
  const sql = postgres(url, {
    max: 1,
    onnotice: () => {},
    debug: () => {
      if (answered) roundTrips += 1;
      answered = false;
    },
  });
  try {
    const deps: AccountingDeps = {
      db: drizzle(sql, { schema: tables }),
      sql,
      clock: systemClock,
      random: seededRandom(7),
      timeZone: 'UTC',
      logger,
      newId: randomUUID,
    };
    const { processor } = taskEventsProcessor(deps, 'accounting-tasks', 1);
    const ms: number[] = [];
    const emit = Socket.prototype.emit;
    Socket.prototype.emit = function (this: Socket, event: string | symbol, ...args: unknown[]) {
      if (event === 'data') answered = true;
      return Reflect.apply(emit, this, [event, ...args]) as boolean;
    } as Socket['emit'];
    for (let n = -20; n < BATCHES; n++) {
      const items = [];
      for (const msg of messages(batchEvents(n + 20))) {
        const item = await processor.prepare(msg);
        if (item) items.push(item);
      }
      if (n === 0) roundTrips = 0;
      const t0 = performance.now();
      await processor.applyBatch(items);
      if (n >= 0) ms.push(performance.now() - t0);
    }
    Socket.prototype.emit = emit;
    const [p50, p90, p99] = [50, 90, 99].map((p) => percentile(ms, p).toFixed(2));
    console.log(
      `batch of ${TASKS * 2} events: p50 ${p50} p90 ${p90} p99 ${p99} ms, ${(roundTrips / BATCHES).toFixed(1)} round trips to Postgres per batch (${BATCHES} batches)`,
    );
  } finally {
    await sql.end();
    await dropDatabase(url);
  }
}

await main();
