/**
 * Analytics benchmark (issues 7 and 11, figure 6): the time of the analytics dashboard query
 * on the analytics subgraph (over HTTP, as the gateway calls it) with 10k, 100k and 1M
 * transactions of history, against a trivial query on the same server in the same run.
 * Goal: p99 ≤ 20 ms at every size and ≤ 1.2× from the smallest to the largest.
 * Run: `pnpm bench analytics` (SIZES=10000,100000 RUNS=3 REQUESTS=1000 to change).
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, streamName } from '@ates/events';
import {
  applyMigrations,
  connectDatabase,
  createLogger,
  DEFAULT_NATS_URL,
  DEFAULT_POSTGRES_URL,
  dropDatabase,
  ManualClock,
  TokenSigner,
  withDatabase,
} from '@ates/service-kit';
import { migrationsFolder, startAnalyticsService, type AnalyticsService } from '@ates/analytics';
import * as tables from '../../subgraphs/analytics/src/db/tables.ts';
import { addDays, periodStart, type Period } from '../../subgraphs/analytics/src/domain/calendar.ts';
import {
  analyticsDays,
  analyticsToday,
  periodOf,
  topTask,
  topTaskLoader,
} from '../../subgraphs/analytics/src/use-cases/read-analytics.ts';
import type { AnalyticsDeps } from '../../subgraphs/analytics/src/use-cases/deps.ts';
import { createReport, writeReport } from '../lib/report.ts';
import { ratio, summarize } from '../lib/stats.ts';
import { bulkLoadReadModel, dropStagedHistory, readModelSize, stageHistory } from './db/history.ts';
import { FIRST_DAY, projectHistory } from './history.ts';

const SIZES = (process.env.SIZES ?? '10000,100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.RUNS ?? 3);
const REQUESTS = Number(process.env.REQUESTS ?? 1000);
const PER_DAY = 300;
const ACCOUNTS = 300;
const TZ = 'UTC';
const postgresUrl =
  process.env.ATES_BENCH_POSTGRES_URL ?? process.env.ATES_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
const natsUrl = process.env.NATS_URL ?? DEFAULT_NATS_URL;
const logger = createLogger({ service: 'bench-analytics', level: process.env.LOG_LEVEL ?? 'silent' });

// The AnalyticsDashboard operation (operations/analytics.graphql), without the fields the tasks and users subgraphs add.
const DASHBOARD = `query AnalyticsDashboard($from: Date!, $to: Date!, $day: Date) {
  analytics {
    today { day managementEarnings popugsInRed }
    days(from: $from, to: $to) { day managementEarnings popugsInRed }
    dayTop: mostExpensiveTask(period: DAY, day: $day) { reward completedAt task { id } }
    weekTop: mostExpensiveTask(period: WEEK, day: $day) { reward completedAt task { id } }
    monthTop: mostExpensiveTask(period: MONTH, day: $day) { reward completedAt task { id } }
  }
}`;
const TRIVIAL = `{ __typename }`;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Mulberry32: the same query days in every run and size. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One request to the subgraph, in milliseconds. */
async function timeOne(url: string, token: string, query: string, variables: Record<string, unknown>) {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { errors?: unknown };
  const ms = performance.now() - started;
  if (body.errors) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
  return ms;
}

/** The dashboard's reads without GraphQL or HTTP (the read model's own cost), in milliseconds. */
async function timeReadModel(deps: AnalyticsDeps, day: string) {
  const started = performance.now();
  const tops = topTaskLoader(deps);
  await Promise.all([
    analyticsToday(deps),
    analyticsDays(deps, addDays(day, -30), day),
    ...(['DAY', 'WEEK', 'MONTH'] as const).map((p) => tops.load(periodOf(deps, p, day))),
  ]);
  return performance.now() - started;
}

/** Every answer of the read model for every day of the history: to compare two builds. */
async function allAnswers(deps: AnalyticsDeps, days: number) {
  const last = addDays(FIRST_DAY, days - 1);
  const out: unknown[] = [await analyticsDays(deps, FIRST_DAY, last)];
  for (let i = 0; i < days; i++) {
    const day = addDays(FIRST_DAY, i);
    for (const period of ['DAY', 'WEEK', 'MONTH'] as Period[])
      if (periodStart(period, day) === day || i === 0)
        out.push([period, day, await topTask(deps, period, day)]);
  }
  return out;
}

interface Built {
  size: number;
  days: number;
  url: string;
  database: ReturnType<typeof connectDatabase<typeof tables>>;
  service: AnalyticsService;
  deps: AnalyticsDeps;
  facts: Record<string, unknown>;
}

/** One database per size with its read model, and the analytics subgraph serving it. */
async function build(size: number, id: string, publicKey: string, check: boolean): Promise<Built> {
  const url = withDatabase(postgresUrl, `ates_bench_analytics_${id}_${size}`);
  await applyMigrations(url, migrationsFolder);
  const database = connectDatabase(url, tables, { max: 4, applicationName: 'ates-bench' });
  const days = Math.ceil(size / PER_DAY);
  const started = performance.now();
  await stageHistory(database.sql, { transactions: size, perDay: PER_DAY, accounts: ACCOUNTS }, FIRST_DAY);
  const clock = new ManualClock(new Date(`${addDays(FIRST_DAY, days - 1)}T12:00:00Z`));
  const deps: AnalyticsDeps = { db: database.db, readDb: database.db, clock, timeZone: TZ, logger };
  const facts: Record<string, unknown> = {};
  if (check) {
    // The bulk load must build what the projection builds: compare every answer.
    const projectedAt = performance.now();
    await projectHistory(database.sql, database.db, TZ);
    const projectedMs = performance.now() - projectedAt;
    const projected = await allAnswers(deps, days);
    await bulkLoadReadModel(database.sql);
    if (JSON.stringify(projected) !== JSON.stringify(await allAnswers(deps, days)))
      throw new Error('the bulk load differs from the projection; fix bench/analytics/db/history.ts');
    facts.checkedAgainstProjection = {
      answersCompared: projected.length,
      projectionEventsPerSec: Math.round(((size * 7) / 4 / projectedMs) * 1000),
    };
  } else await bulkLoadReadModel(database.sql);
  await dropStagedHistory(database.sql);
  Object.assign(facts, await readModelSize(database.sql), {
    loadMs: Math.round(performance.now() - started),
  });
  const service = await startAnalyticsService({
    host: '127.0.0.1',
    port: 0,
    databaseUrl: url,
    natsUrl,
    natsNamespace: `bench${id}${size}`,
    publicKeyPem: publicKey,
    timeZone: TZ,
    introspection: false,
    maxBodyBytes: 1_000_000,
    logger,
    clock,
  });
  console.log(`built ${size} transactions`, facts);
  return { size, days, url, database, service, deps, facts };
}

async function teardown(built: Built, id: string) {
  await built.service.stop();
  await built.database.close();
  await dropDatabase(built.url);
  const nats = await connectNats(natsUrl, { name: 'ates-bench' });
  const jsm = await jetstreamManager(nats);
  for (const domain of ['users', 'tasks', 'accounting', 'jobs'])
    await jsm.streams.delete(streamName(`bench${id}${built.size}`, domain)).catch(() => undefined);
  await nats.close();
}

async function main() {
  const id = randomBytes(4).toString('hex');
  const keys = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const token = await (
    await TokenSigner.fromPem(keys.privateKey, 900)
  ).sign({ userId: randomUUID(), role: 'ADMIN' }, new Date());
  const built: Built[] = [];
  const samples = new Map<
    number,
    { dashboard: number[]; trivial: number[]; readModel: number[]; runP99: number[] }
  >();
  try {
    for (const [i, size] of SIZES.entries())
      built.push(await build(size, id, keys.publicKey, i === 0 && process.env.CHECK !== 'false'));
    for (const b of built) samples.set(b.size, { dashboard: [], trivial: [], readModel: [], runP99: [] });
    // Requests interleave the sizes one by one, so the machine's noise falls on all of them alike.
    const next = random(7);
    for (let run = -1; run < RUNS; run++) {
      const runTimes = new Map(built.map((b) => [b.size, [] as number[]]));
      for (let i = 0; i < (run < 0 ? 300 : REQUESTS); i++) {
        for (let k = 0; k < built.length; k++) {
          const b = built[(i + k) % built.length]!;
          const day = addDays(FIRST_DAY, Math.floor(next() * b.days));
          const dashboard = await timeOne(b.service.url, token, DASHBOARD, {
            from: addDays(day, -30),
            to: day,
            day,
          });
          const trivial = await timeOne(b.service.url, token, TRIVIAL, {});
          const readModel = await timeReadModel(b.deps, day);
          if (run < 0) continue; // warm-up
          const s = samples.get(b.size)!;
          s.dashboard.push(dashboard);
          s.trivial.push(trivial);
          s.readModel.push(readModel);
          runTimes.get(b.size)!.push(dashboard);
        }
      }
      for (const b of built) {
        if (run >= 0)
          samples.get(b.size)!.runP99.push(
            quantile(
              runTimes.get(b.size)!.sort((x, y) => x - y),
              0.99,
            ),
          );
      }
      console.log(run < 0 ? 'warmed up' : `run ${run + 1}/${RUNS} done`);
    }
  } finally {
    for (const b of built) await teardown(b, id);
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const results = built.map((b) => {
    const s = samples.get(b.size)!;
    const all = sorted(s.dashboard);
    const trivial = sorted(s.trivial);
    const readModel = sorted(s.readModel);
    return {
      transactions: b.size,
      days: b.days,
      ...b.facts,
      requests: all.length,
      p50Ms: round2(quantile(all, 0.5)),
      p95Ms: round2(quantile(all, 0.95)),
      p99Ms: round2(quantile(all, 0.99)),
      p99MsMedianOfRuns: round2(median(s.runP99)),
      p99MsMinMaxOfRuns: [round2(Math.min(...s.runP99)), round2(Math.max(...s.runP99))],
      maxMs: round2(all.at(-1)!),
      readModelP50Ms: round2(quantile(readModel, 0.5)),
      readModelP99Ms: round2(quantile(readModel, 0.99)),
      baselineTrivialQueryP50Ms: round2(quantile(trivial, 0.5)),
      baselineTrivialQueryP99Ms: round2(quantile(trivial, 0.99)),
    };
  });
  const first = results[0]!;
  const last = results.at(-1)!;
  const growth = last.p99Ms / first.p99Ms;
  const report = createReport(
    'analytics',
    'Analytics queries (figure 6)',
    process.env.BENCH_COMMAND ?? 'pnpm bench analytics',
  );
  for (const [i, b] of built.entries()) {
    const s = samples.get(b.size)!;
    const r = results[i]!;
    const p99 = summarize(s.runP99);
    report.figures.push({
      id: `analytics.p99.${b.size}`,
      title: `AnalyticsDashboard p99, ${b.size.toLocaleString('en-US')} transactions`,
      value: p99,
      unit: 'ms',
      baseline: {
        name: '`{ __typename }` p99 on the same server',
        value: r.baselineTrivialQueryP99Ms,
        unit: 'ms',
      },
      ratio: ratio(p99.median, r.baselineTrivialQueryP99Ms),
      goal: 'p99 ≤ 20 ms',
      met: p99.median <= 20,
      ...(p99.median <= 20 ? {} : { note: 'p99 above 20 ms; see details.results for the read-model share' }),
    });
  }
  report.figures.push({
    id: 'analytics.growth',
    title: `p99 growth, ${first.transactions.toLocaleString('en-US')} → ${last.transactions.toLocaleString('en-US')} transactions`,
    value: round2(growth),
    unit: '×',
    goal: '≤ 1.2×',
    met: growth <= 1.2,
  });
  report.details = {
    query:
      'AnalyticsDashboard (today, 31 days, most expensive of day/week/month) on the analytics subgraph over HTTP, one at a time, random days, the sizes interleaved request by request; readModel* = the same reads without GraphQL/HTTP; baseline `{ __typename }` on the same server in the same runs',
    history: `${PER_DAY} transactions a day over ${ACCOUNTS} accounts; per task 3 fees and 1 reward`,
    runs: RUNS,
    requestsPerRun: REQUESTS,
    results,
    p99GrowthLargestVsSmallest: round2(growth),
    p50GrowthLargestVsSmallest: round2(last.p50Ms / first.p50Ms),
    readModelP99GrowthLargestVsSmallest: round2(last.readModelP99Ms / first.readModelP99Ms),
  };
  writeReport(report);
}

await main();
