/**
 * What accounting's Postgres does per paid account at the end of day, statement by statement:
 * the payout worker closes and pays N accounts (an in-process provider confirms every payment:
 * the bank is not measured) on connections with auto_explain; each statement's buffers and WAL
 * records and bytes (its top node's and its CTEs') per account. Unlike times, these counters do
 * not depend on what else the machine runs, so shapes compare run against run on a busy machine.
 * Run: `pnpm --filter @ates/bench end-of-day:statements` (N, default 10,000).
 */
import { randomUUID } from 'node:crypto';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import {
  applyMigrations,
  createLogger,
  DEFAULT_POSTGRES_URL,
  dropDatabase,
  ManualClock,
  seededRandom,
  withDatabase,
} from '@ates/service-kit';
import { migrationsFolder } from '@ates/accounting';
import * as tables from '../../subgraphs/accounting/src/db/tables.ts';
import { PayoutWorker } from '../../subgraphs/accounting/src/payout-worker/worker.ts';
import type { AccountingDeps } from '../../subgraphs/accounting/src/use-cases/deps.ts';
import type { PaymentProvider } from '../../packages/payments/src/index.ts';
import { seedAccountsInPlus } from '../lib/db/accounting.ts';

const N = Number(process.env.N ?? 10_000);
const DAY = '2026-03-01';
const url = withDatabase(
  process.env.ATES_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL,
  `ates_bench_eod_statements_${process.pid}`,
);
const logger = createLogger({ service: 'bench-end-of-day-statements', level: 'silent' });

/** Counters of one statement (summed over its calls). */
interface C {
  calls: number;
  buffers: number;
  walRecords: number;
  walBytes: number;
  ms: number;
}
/** A plan's statement (its top node and the start of its text) and its counters. */
function readPlan(plan: string): [string, C] {
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
  const label = /^(Insert|Update|Delete) on/.test(top)
    ? `${top} | ${query.slice(0, 50)}`
    : `${top}: ${query.slice(0, 70)}`;
  const n = (re: RegExp, t: string) => Number(re.exec(t)?.[1] ?? 0);
  // The top node and each CTE's node (their counters are not in the top node's).
  const roots = [queryEnd, ...lines.flatMap((l, i) => (/^\s*CTE \w+/.test(l) ? [i + 1] : []))];
  let bufs = 0,
    recs = 0,
    bytes = 0;
  for (const r of roots) {
    for (let i = r + 1; i < lines.length && !lines[i]!.includes('->') && !/^\s*CTE /.test(lines[i]!); i++) {
      const l = lines[i]!;
      if (/^\s*Buffers:/.test(l)) bufs += n(/hit=(\d+)/, l) + n(/read=(\d+)/, l);
      if (/^\s*WAL:/.test(l)) {
        recs += n(/records=(\d+)/, l);
        bytes += n(/bytes=(\d+)/, l);
      }
    }
  }
  return [
    label,
    { calls: 1, ms: n(/duration: ([\d.]+) ms/, plan), buffers: bufs, walRecords: recs, walBytes: bytes },
  ];
}

await applyMigrations(url, migrationsFolder);
const plans: string[] = [];
let on = false;
const sql = postgres(url, {
  max: 10,
  onnotice: (x) => {
    if (on) plans.push(String(x.message));
  },
  connection: {
    session_preload_libraries: 'auto_explain',
    'auto_explain.log_min_duration': '0',
    'auto_explain.log_analyze': 'on',
    'auto_explain.log_buffers': 'on',
    'auto_explain.log_wal': 'on',
    'auto_explain.log_nested_statements': 'on',
    'auto_explain.log_level': 'notice',
  },
});
try {
  const clock = new ManualClock(new Date(`${DAY}T23:59:00Z`));
  const deps: AccountingDeps = {
    db: drizzle(sql, { schema: tables }),
    sql,
    clock,
    random: seededRandom(5),
    timeZone: 'UTC',
    logger,
    newId: randomUUID,
  };
  const provider: PaymentProvider = {
    pay: () => Promise.reject(new Error('payMany only')),
    payMany: async (rs: readonly { idempotencyKey: string }[]) =>
      rs.map((r) => ({
        ok: true as const,
        receipt: {
          status: 'PAID' as const,
          providerPaymentId: `bank-${r.idempotencyKey}`,
          paidAt: new Date(),
        },
      })),
  };
  const worker = new PayoutWorker({
    deps,
    provider,
    retry: { initialDelayMs: 5000, maxDelayMs: 60000, jitter: 0.2 },
    maxIdleMs: 60000,
  });
  await seedAccountsInPlus(sql, N, DAY);
  clock.set(new Date('2026-03-02T00:00:05Z'));
  on = true;
  const r = await worker.runOnce();
  on = false;
  if (r.pay?.paid !== N) throw new Error(`paid ${r.pay?.paid}`);
  const by = new Map<string, C>();
  for (const p of plans) {
    const [l, c] = readPlan(p);
    const s = by.get(l) ?? { calls: 0, buffers: 0, walRecords: 0, walBytes: 0, ms: 0 };
    for (const k of Object.keys(c) as (keyof C)[]) s[k] += c[k];
    by.set(l, s);
  }
  const t: C = { calls: 0, buffers: 0, walRecords: 0, walBytes: 0, ms: 0 };
  console.log(`per account, ${N} accounts: buffers  WALrec  WALbytes  µs  calls  statement`);
  for (const [l, c] of [...by].sort(([, a], [, b]) => b.walBytes - a.walBytes)) {
    for (const k of Object.keys(c) as (keyof C)[]) t[k] += c[k];
    console.log(
      `${(c.buffers / N).toFixed(2).padStart(7)} ${(c.walRecords / N).toFixed(2).padStart(7)} ${(c.walBytes / N).toFixed(0).padStart(8)} ${((c.ms * 1000) / N).toFixed(1).padStart(6)} ${String(c.calls).padStart(6)}  ${l}`,
    );
  }
  console.log(
    `${(t.buffers / N).toFixed(2).padStart(7)} ${(t.walRecords / N).toFixed(2).padStart(7)} ${(t.walBytes / N).toFixed(0).padStart(8)} ${((t.ms * 1000) / N).toFixed(1).padStart(6)} ${String(t.calls).padStart(6)}  TOTAL`,
  );
} finally {
  await sql.end();
  await dropDatabase(url);
}
