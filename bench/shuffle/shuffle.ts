/**
 * Shuffle benchmark (issue 4/11): how long `shuffleTasks` takes for 1k / 10k / 100k open
 * tasks on the real tasks schema, against a raw multi-row insert of as many rows measured in
 * the same run (B_pg), so the figure holds on a noisy machine. Run: `pnpm --filter @ates/bench shuffle`.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  applyMigrations,
  connectDatabase,
  createLogger,
  DEFAULT_POSTGRES_URL,
  dropDatabase,
  seededRandom,
  systemClock,
  withDatabase,
} from '@ates/service-kit';
import { migrationsFolder } from '@ates/tasks';
import * as tables from '../../subgraphs/tasks/src/db/tables.ts';
import { shuffleTasks } from '../../subgraphs/tasks/src/use-cases/shuffle-tasks.ts';

const SIZES = (process.env.SIZES ?? '1000,10000,100000').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 3);
const POPUGS = 30;
const base = process.env.ATES_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const url = withDatabase(base, `ates_bench_shuffle_${process.pid}`);
  await applyMigrations(url, migrationsFolder);
  const database = connectDatabase(url, tables, { max: 4 });
  const { sql } = database;
  const logger = createLogger({ service: 'bench', level: process.env.LOG_LEVEL ?? 'silent' });
  const results: Array<Record<string, number>> = [];
  try {
    const popugIds = Array.from({ length: POPUGS }, () => randomUUID());
    await sql`insert into popugs ${sql(popugIds.map((id) => ({ id, login: id, name: id, role: 'WORKER', role_changed_at: new Date().toISOString(), profile_changed_at: new Date().toISOString() })))}`;
    for (const n of SIZES) {
      const shuffleMs: number[] = [];
      const insertMs: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        await sql`truncate tasks, outbox`;
        const rows = Array.from({ length: n }, (_, i) => ({
          id: randomUUID(),
          title: `Task ${i}`,
          description: '',
          status: 'OPEN',
          assignee_id: popugIds[i % POPUGS]!,
          created_by: popugIds[0]!,
          created_at: new Date().toISOString(),
          assignment_count: 1,
        }));
        // B_pg: a raw multi-row insert of as many rows, in the same run.
        const t0 = performance.now();
        for (let i = 0; i < rows.length; i += 5000)
          await sql`insert into tasks ${sql(rows.slice(i, i + 5000))}`;
        insertMs.push(performance.now() - t0);
        await sql`vacuum analyze tasks`;
        const t1 = performance.now();
        const { reassigned } = await shuffleTasks(
          {
            db: database.db,
            sql,
            clock: systemClock,
            random: seededRandom(run + 1),
            logger,
            newId: randomUUID,
          },
          { userId: popugIds[0]!, role: 'MANAGER' },
        );
        shuffleMs.push(performance.now() - t1);
        if (reassigned !== n) throw new Error(`reassigned ${reassigned} of ${n}`);
        const [{ events }] = await sql<[{ events: number }]>`select count(*)::int as events from outbox`;
        if (events !== n) throw new Error(`expected ${n} outbox events, found ${events}`);
      }
      const s = median(shuffleMs);
      const ins = median(insertMs);
      results.push({
        openTasks: n,
        shuffleMsMedian: Math.round(s),
        shuffleMsMin: Math.round(Math.min(...shuffleMs)),
        shuffleMsMax: Math.round(Math.max(...shuffleMs)),
        tasksPerSecond: Math.round((n / s) * 1000),
        baselineInsertMsMedian: Math.round(ins),
        ratioToInsert: Number((s / ins).toFixed(2)),
      });
      console.log(results.at(-1));
    }
  } finally {
    await database.close();
    await dropDatabase(url);
  }
  const largest = results.at(-1)!;
  const smallest = results[0]!;
  const growth =
    largest.shuffleMsMedian! / smallest.shuffleMsMedian! / (largest.openTasks! / smallest.openTasks!);
  const report = {
    benchmark: 'shuffle',
    date: new Date().toISOString(),
    machine: `${process.platform} ${process.arch}, node ${process.version}`,
    runs: RUNS,
    results,
    growthPerTaskLargestVsSmallest: Number(growth.toFixed(2)),
    goal: '100k open tasks ≤ 5 s; time grows linearly or better (growth per task ≤ 1)',
    met: largest.openTasks === 100000 ? largest.shuffleMsMedian! <= 5000 && growth <= 1.0 : undefined,
  };
  const out = path.resolve(import.meta.dirname, '../results/shuffle.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  console.log(report);
}

await main();
