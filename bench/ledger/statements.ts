/**
 * What Postgres does per posting, statement by statement: accounting's consumer applies the
 * bench's event stream (per task two assignments and a completion, spread over 1,000 popugs)
 * in batches of 500, with auto_explain on for the measured batches, and each statement's
 * buffers touched and WAL records and bytes are summed and divided by the postings. Unlike
 * times, these counters do not depend on what else the machine runs, so a change to the rows
 * a posting writes can be compared run against run on a busy machine (WAL bytes include full
 * page images after a checkpoint: compare records first). Times are shown, and are noisy.
 * Run: `pnpm --filter @ates/bench ledger:statements` (POSTINGS, default 1,500).
 */
import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { makeEvent, type AnyEventEnvelope } from '@ates/events';
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

const POSTINGS = Number(process.env.POSTINGS ?? 1_500);
const BATCH = 500;
const POPUGS = 1_000;
const logger = createLogger({ service: 'bench-ledger-statements', level: 'silent' });
const url = withDatabase(
  process.env.ATES_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
  `ates_bench_ledger_statements_${process.pid}`,
);

const popugs = Array.from({ length: POPUGS }, () => randomUUID());
let next = 0;
/** As the ledger bench's stream: per task two assignments and a completion, steps interleaved. */
function stream(postings: number): AnyEventEnvelope[] {
  const steps: AnyEventEnvelope[][] = [[], [], []];
  for (let i = 0; i < postings / 3; i++) {
    const taskId = randomUUID();
    const [first, second] = [popugs[next++ % POPUGS]!, popugs[next++ % POPUGS]!];
    const at = new Date().toISOString();
    const task = { taskId, title: 'Feed the parrots', jiraId: null };
    const common = { producer: 'tasks', aggregateId: taskId } as const;
    steps[0]!.push(
      makeEvent({
        ...common,
        type: 'task.assigned',
        version: 1 as const,
        data: { ...task, assigneeId: first, previousAssigneeId: null, assignmentNo: 1, assignedAt: at },
      }),
    );
    steps[1]!.push(
      makeEvent({
        ...common,
        type: 'task.assigned',
        version: 1 as const,
        data: { ...task, assigneeId: second, previousAssigneeId: first, assignmentNo: 2, assignedAt: at },
      }),
    );
    steps[2]!.push(
      makeEvent({
        ...common,
        type: 'task.completed',
        version: 1,
        data: { ...task, assigneeId: second, completedAt: at },
      }),
    );
  }
  return steps.flat();
}

let seq = 1;
/** The next events as messages, numbered on from the last. */
const messages = (events: AnyEventEnvelope[]) => {
  const msgs = fakeMessages(events, seq);
  seq += events.length;
  return msgs;
};

/** Applies `events` in batches as the consumer does, on a client whose notices go to `onPlan`. */
async function consume(events: AnyEventEnvelope[], onPlan?: (plan: string) => void) {
  const sql = postgres(url, {
    max: 1,
    onnotice: (notice) => onPlan?.(String(notice.message)),
  });
  try {
    if (onPlan) {
      await sql`load 'auto_explain'`;
      for (const setting of [
        'log_min_duration = 0',
        'log_analyze = on',
        'log_buffers = on',
        'log_wal = on',
        'log_nested_statements = on',
        'log_level = notice',
      ])
        await sql.unsafe(`set auto_explain.${setting}`);
    }
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
    for (let i = 0; i < events.length; i += BATCH) {
      const items = [];
      for (const msg of messages(events.slice(i, i + BATCH))) {
        const item = await processor.prepare(msg);
        if (item) items.push(item);
      }
      await processor.applyBatch(items);
    }
  } finally {
    await sql.end();
  }
}

interface Counters {
  calls: number;
  ms: number;
  buffers: number;
  walRecords: number;
  walBytes: number;
}

/** A plan's statement (its top node, or the query for a read) and the top node's counters. */
function readPlan(plan: string): [string, Counters] {
  const lines = plan.split('\n');
  const queryEnd = lines.findIndex(
    (l, i) => i > 0 && /^[A-Z]/.test(l.trim()) && !/^Query Text/.test(l.trim()),
  );
  const top = lines[queryEnd]?.trim().replace(/\s+\(cost.*/, '') ?? '?';
  const query = lines
    .slice(0, Math.max(queryEnd, 1))
    .join(' ')
    .replace(/.*Query Text:/, '')
    .replace(/\s+/g, ' ')
    .trim();
  const label = /^(Insert|Update|Delete) on/.test(top) ? top : `${top}: ${query.slice(0, 60)}`;
  const after = lines.slice(queryEnd + 1);
  const first = (re: RegExp) => after.find((l) => re.test(l)) ?? '';
  const buffers = first(/^\s*Buffers:/);
  const wal = first(/^\s*WAL:/);
  const n = (re: RegExp, text: string) => Number(re.exec(text)?.[1] ?? 0);
  return [
    label,
    {
      calls: 1,
      ms: n(/duration: ([\d.]+) ms/, plan),
      buffers: n(/hit=(\d+)/, buffers) + n(/read=(\d+)/, buffers),
      walRecords: n(/records=(\d+)/, wal),
      walBytes: n(/bytes=(\d+)/, wal),
    },
  ];
}

async function main() {
  await applyMigrations(url, migrationsFolder);
  try {
    // Warm-up: every popug's account open, the caches full.
    await consume(stream(3_000));
    const plans: string[] = [];
    await consume(stream(POSTINGS), (plan) => plans.push(plan));
    const byStatement = new Map<string, Counters>();
    for (const plan of plans) {
      const [label, c] = readPlan(plan);
      const sum = byStatement.get(label) ?? { calls: 0, ms: 0, buffers: 0, walRecords: 0, walBytes: 0 };
      for (const key of Object.keys(c) as (keyof Counters)[]) sum[key] += c[key];
      byStatement.set(label, sum);
    }
    const per = (x: number, digits: number) => (x / POSTINGS).toFixed(digits);
    const rows = [...byStatement].sort(
      ([, a], [, b]) => b.walRecords - a.walRecords || b.buffers - a.buffers,
    );
    console.log(`Per posting, ${POSTINGS} postings in batches of ${BATCH}:`);
    console.log('calls  buffers  WAL records  WAL bytes  µs (noisy)  statement');
    const total: Counters = { calls: 0, ms: 0, buffers: 0, walRecords: 0, walBytes: 0 };
    for (const [label, c] of rows) {
      for (const key of Object.keys(c) as (keyof Counters)[]) total[key] += c[key];
      console.log(
        `${String(c.calls).padStart(5)}  ${per(c.buffers, 1).padStart(7)}  ${per(c.walRecords, 2).padStart(11)}  ` +
          `${per(c.walBytes, 0).padStart(9)}  ${per(c.ms * 1000, 1).padStart(10)}  ${label}`,
      );
    }
    console.log(
      `${String(total.calls).padStart(5)}  ${per(total.buffers, 1).padStart(7)}  ${per(total.walRecords, 2).padStart(11)}  ` +
        `${per(total.walBytes, 0).padStart(9)}  ${per(total.ms * 1000, 1).padStart(10)}  total`,
    );
  } finally {
    await dropDatabase(url);
  }
}

await main();
