/**
 * Figure 7 of issue 11: 1,000 concurrent subscribers on the real gateway (graphql-ws at
 * /graphql), half of them ADMIN/ACCOUNTANT on `accountingToday`, half of them distinct workers
 * on `myAccount`, while tasks are assigned through the gateway (each assignment: task tracker
 * → JetStream → accounting charges the fee → live feed → gateway → every subscriber allowed to
 * see it). Read against B_ws, a plain graphql-ws server fanning events out to 1,000 clients,
 * measured in the same run, interleaved round by round.
 *
 *   deliveries/s: an admin shuffles the OPEN_TASKS open tasks (a burst of assignments, as fast
 *                 as the pipeline turns them into fees); deliveries received by all clients ÷
 *                 (last delivery − shuffle sent);
 *   latency:      a steady stream of new tasks; commit (the createTask mutation returned) → the
 *                 client received the event reflecting it.
 *
 * Env: RUNS (3), SUBSCRIBERS (1000, half of each kind), OPEN_TASKS (100, created by CONCURRENCY
 * (16) admins at once), EVENTS per B_ws run (40), LATENCY_SECONDS (4) at STEADY_RATE (5)
 * new tasks/s and again at half of the fan-out saturation.
 */
import { print } from 'graphql';
import { GraphQLClient, ops } from '@ates/testing';
import { processCpuMs, processRssMiB, selfCpuMs } from '../lib/cpu.ts';
import { createReport, writeReport } from '../lib/report.ts';
import { percentile, ratio, summarize } from '../lib/stats.ts';
import { forkChild, subscribeAll, waitForCount } from './clients.ts';
import type { SystemReady, SystemStats } from './system-server.ts';

const RUNS = Number(process.env.RUNS ?? 3);
const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000);
const OPEN_TASKS = Number(process.env.OPEN_TASKS ?? 100);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const EVENTS = Number(process.env.EVENTS ?? 40);
const LATENCY_SECONDS = Number(process.env.LATENCY_SECONDS ?? 4);
const STEADY_RATE = Number(process.env.STEADY_RATE ?? 5);
const STAFF_SUBS = Math.floor(SUBSCRIBERS / 2);
const WORKER_SUBS = SUBSCRIBERS - STAFF_SUBS;

const OnAccountingToday = print(ops.OnAccountingTodayDocument);
const OnMyAccount = print(ops.OnMyAccountDocument);
const CreateTask = ops.CreateTaskDocument;
const ShuffleTasks = ops.ShuffleTasksDocument;
const TICK = 'subscription { tick { seq day managementEarnings feesCharged rewardsPaid } }';

/**
 * The same suite on the code before the fixes (gateway 923e6ba: one upstream socket, one
 * upstream subscription and one plan execution per client subscription; accounting reading
 * today's figures once per subscriber per event), `RUNS=1 OPEN_TASKS=40`, 2026-11-24. Kept for
 * the before/after record in the report's details; not re-measured.
 */
const BEFORE_FIXES = {
  bws: 14_863,
  deliveriesPerSecond: 1_494,
  ratio: 0.1,
  cpuMsPer1000Deliveries: { accounting: 512.4, gateway: 182.5, tasks: 6.5, users: 3.1, analytics: 4.2 },
  gateway: { sockets: 1000, upstreams: 1000 },
  accounting: { listeners: 1000, sockets: 1000 },
  latencyP99Ms: { tasksPerSecond: 1.5, median: 419, min: 368, max: 469 },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[subscriptions] ${line}`);

// ── B_ws ────────────────────────────────────────────────────────────────────────────────────
log(`B_ws: plain graphql-ws server, ${SUBSCRIBERS} clients`);
const baseline = await forkChild<{ url: string }>('baseline-server.ts');
const baselinePool = await subscribeAll(
  baseline.ready.url,
  Array.from({ length: SUBSCRIBERS }, () => ({ query: TICK })),
);
while ((await baseline.child.ask<{ count: number }>('subscribers', 'subscribers')).count < SUBSCRIBERS)
  await sleep(50);

const baselineCpu = { server: 0, clients: 0, deliveries: 0 };
async function baselineRound(): Promise<number> {
  baselinePool.reset();
  const target = SUBSCRIBERS * EVENTS;
  const server0 = processCpuMs(baseline.child.process.pid ?? 0);
  const clients0 = selfCpuMs();
  const t0 = performance.now();
  baseline.child.process.send({ type: 'publish', count: EVENTS });
  await waitForCount(baselinePool.count, target);
  if (baselinePool.count() < target)
    throw new Error(`B_ws lost deliveries: ${baselinePool.count()}/${target}`);
  baselineCpu.server += processCpuMs(baseline.child.process.pid ?? 0) - server0;
  baselineCpu.clients += selfCpuMs() - clients0;
  baselineCpu.deliveries += target;
  return (target / (baselinePool.lastAt() - t0)) * 1000;
}
await baselineRound(); // warm-up
Object.assign(baselineCpu, { server: 0, clients: 0, deliveries: 0 });

// ── The system ──────────────────────────────────────────────────────────────────────────────
log(`starting the system (${WORKER_SUBS} workers) …`);
const sys = await forkChild<SystemReady>('system-server.ts', { WORKERS: String(WORKER_SUBS) });
const { gatewayUrl, staff, workers } = sys.ready;
const subscribedWorkers = new Set(workers.map((w) => w.id));
/** Deliveries tasks should cause: every accountingToday subscriber, and the assignee's myAccount (accountants get tasks too). */
const expectedFor = (tasks: Array<{ assigneeId: string }>) =>
  tasks.length * STAFF_SUBS + tasks.filter((t) => subscribedWorkers.has(t.assigneeId)).length;
const admin = new GraphQLClient(gatewayUrl, sys.ready.adminToken);
log(`subscribing ${STAFF_SUBS} × accountingToday (${staff.length} staff) + ${WORKER_SUBS} × myAccount`);
const staffPool = await subscribeAll(
  gatewayUrl,
  Array.from({ length: STAFF_SUBS }, (_, i) => ({
    token: staff[i % staff.length]!.token,
    query: OnAccountingToday,
  })),
);
const workerPool = await subscribeAll(
  gatewayUrl,
  workers.map((w) => ({ token: w.token, query: OnMyAccount, keep: true })),
);
const stats = () => sys.child.ask<SystemStats>('stats', 'stats');
/** CPU time (ms) of each service process so far. */
const cpuOf = () => Object.fromEntries(sys.ready.processes.map((p) => [p.name, processCpuMs(p.pid)]));
const rssOf = () => Object.fromEntries(sys.ready.processes.map((p) => [p.name, processRssMiB(p.pid)]));
const settle = () => sys.child.ask('settle', 'settled');
while ((await stats()).gateway.sockets < SUBSCRIBERS) await sleep(50);
// graphql-ws does not acknowledge a subscription: wait until accounting's live listeners (one
// per myAccount subscriber at least; accountingToday ones may be shared) stop changing.
for (let last = -1, stableSince = performance.now(); ; await sleep(100)) {
  const listeners = (await stats()).accounting.listeners;
  if (listeners !== last) [last, stableSince] = [listeners, performance.now()];
  else if (listeners >= WORKER_SUBS && performance.now() - stableSince > 1500) break;
}
const idleStats = { ...(await stats()), rssMiB: rssOf() };

let taskSeq = 0;
async function createTask(): Promise<{ id: string; assigneeId: string; committedAt: number }> {
  taskSeq += 1;
  const { createTask } = await admin.ok<{ createTask: { id: string; assignee: { id: string } } }>(
    CreateTask,
    {
      input: { title: `Bench task ${taskSeq}`, description: '' },
    },
  );
  return { id: createTask.id, assigneeId: createTask.assignee.id, committedAt: performance.now() };
}

const total = () => staffPool.count() + workerPool.count();
const resetAll = () => {
  staffPool.reset();
  workerPool.reset();
};

// Warm-up: every accountingToday subscriber sees events before anything is measured.
for (let i = 0; i < 3; i++) await createTask();
await waitForCount(staffPool.count, STAFF_SUBS * 3, 20_000);
if (staffPool.count() < STAFF_SUBS * 3)
  throw new Error(`warm-up: ${staffPool.count()}/${STAFF_SUBS * 3} deliveries`);
await settle();
await sleep(500);

// The open tasks every throughput round shuffles (the warm-up's three among them).
{
  let next = 3;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPEN_TASKS) {
        next += 1;
        await createTask();
      }
    }),
  );
}

async function throughputRound() {
  await settle();
  await sleep(300);
  resetAll();
  const cpu0 = cpuOf();
  const clients0 = selfCpuMs();
  const t0 = performance.now();
  const { shuffleTasks } = await admin.ok<{ shuffleTasks: { reassigned: number } }>(ShuffleTasks);
  const shuffledInMs = Math.round(performance.now() - t0);
  // Each reassignment is charged a fee: one accountingToday event for every staff subscriber.
  await waitForCount(staffPool.count, shuffleTasks.reassigned * STAFF_SUBS);
  // The assignees' myAccount: as many as the shuffle gave subscribed workers; until quiet.
  await waitForCount(total, Number.POSITIVE_INFINITY, 1000);
  const received = total();
  const elapsed = Math.max(staffPool.lastAt(), workerPool.lastAt()) - t0;
  const cpu1 = cpuOf();
  const per1000 = (ms: number) => Math.round((ms / received) * 1000 * 10) / 10;
  const cpuPer1000 = Object.fromEntries(
    Object.entries(cpu1).map(([name, ms]) => [name, per1000(ms - (cpu0[name] ?? 0))]),
  );
  const clientsCpu = selfCpuMs() - clients0;
  const errors = [...staffPool.subscribers, ...workerPool.subscribers].reduce((n, s) => n + s.errors, 0);
  const perStaff = staffPool.subscribers.map((s) => s.received.length);
  return {
    deliveriesPerSecond: (received / elapsed) * 1000,
    reassigned: shuffleTasks.reassigned,
    received,
    // Every staff subscriber got one accountingToday per fee, none missing.
    expected: shuffleTasks.reassigned * STAFF_SUBS + workerPool.count(),
    staffDeliveries: { min: Math.min(...perStaff), max: Math.max(...perStaff) },
    myAccountDeliveries: workerPool.count(),
    elapsedMs: Math.round(elapsed),
    shuffledInMs,
    cpuMsPer1000Deliveries: { ...cpuPer1000, clients: per1000(clientsCpu) },
    errors,
  };
}

/** Tasks at a steady rate; each delivery's latency from the commit of the change it shows. */
async function latencyRound(perSecond: number) {
  await settle();
  await sleep(300);
  resetAll();
  const count = Math.max(5, Math.round(perSecond * LATENCY_SECONDS));
  const commits: Array<{ id: string; assigneeId: string; committedAt: number }> = [];
  const t0 = performance.now();
  for (let k = 0; k < count; k++) {
    const due = t0 + (k * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    commits.push(await createTask());
  }
  await waitForCount(total, expectedFor(commits));
  const latencies: number[] = [];
  let unmatched = 0;
  // accountingToday: one event per transaction, in order: the k-th delivery reflects task k.
  for (const s of staffPool.subscribers) {
    s.received.forEach(({ at }, k) => {
      const commit = commits[k];
      if (commit) latencies.push(at - commit.committedAt);
      else unmatched += 1;
    });
  }
  // myAccount: the newest transaction names its task.
  const byTask = new Map(commits.map((c) => [c.id, c.committedAt]));
  for (const s of workerPool.subscribers) {
    for (const { at, result } of s.received) {
      const account = (
        result.data as {
          myAccount?: { transactions: { nodes: Array<{ task: { id: string } | null }> } };
        } | null
      )?.myAccount;
      const committedAt = byTask.get(account?.transactions.nodes[0]?.task?.id ?? '');
      if (committedAt === undefined) unmatched += 1;
      else latencies.push(at - committedAt);
    }
  }
  const expected = expectedFor(commits);
  return {
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
    max: Math.round(Math.max(...latencies)),
    deliveries: latencies.length,
    expected,
    unmatched,
    tasksPerSecond: perSecond,
  };
}

const baselineRuns: number[] = [];
const throughputRuns: Array<Awaited<ReturnType<typeof throughputRound>>> = [];
for (let run = 0; run < RUNS; run++) {
  baselineRuns.push(await baselineRound());
  throughputRuns.push(await throughputRound());
  log(
    `run ${run + 1}/${RUNS}: B_ws ${Math.round(baselineRuns[run]!)}/s, gateway ${Math.round(throughputRuns[run]!.deliveriesPerSecond)}/s ` +
      `(${throughputRuns[run]!.received}/${throughputRuns[run]!.expected} in ${throughputRuns[run]!.elapsedMs} ms)`,
  );
}
const loadStats = { ...(await stats()), rssMiB: rssOf() };
const saturation = summarize(
  throughputRuns.map((r) => r.deliveriesPerSecond),
  0,
).median;
// Two steady loads: a busy company (STEADY_RATE new tasks/s, each one fee fanned out to every
// staff subscriber), and half of the fan-out's saturation, where the task pipeline itself
// (every creation crossing the gateway, users, tasks, accounting, analytics) is the load.
const halfRate = Math.max(0.2, Math.round((saturation / 2 / (STAFF_SUBS + 1)) * 10) / 10);
const rates = [Math.min(STEADY_RATE, halfRate), halfRate];
const latencyRuns: Array<Awaited<ReturnType<typeof latencyRound>>> = [];
for (const rate of rates) {
  log(`latency at a steady ${rate} tasks/s (${Math.round(rate * (STAFF_SUBS + 1))} deliveries/s)`);
  for (let run = 0; run < RUNS; run++) latencyRuns.push(await latencyRound(rate));
}

const clientRssMiB = processRssMiB(process.pid);
await Promise.all([staffPool.dispose(), workerPool.dispose(), baselinePool.dispose()]);
await sys.child.stop();
await baseline.child.stop();

// ── Report ──────────────────────────────────────────────────────────────────────────────────
const report = createReport(
  'subscriptions',
  `Subscriptions: ${SUBSCRIBERS} concurrent graphql-ws subscribers through the gateway`,
  process.env.BENCH_COMMAND ?? 'pnpm bench subscriptions',
);
const bws = summarize(baselineRuns, 0);
const deliveries = summarize(
  throughputRuns.map((r) => r.deliveriesPerSecond),
  0,
);
const ratios = summarize(
  throughputRuns.map((r, i) => r.deliveriesPerSecond / baselineRuns[i]!),
  2,
);
const lost =
  throughputRuns.some((r) => r.staffDeliveries.min < r.reassigned) ||
  latencyRuns.some((r) => r.deliveries + r.unmatched < r.expected);
report.figures.push({
  id: 'subscriptions.bws',
  title: `B_ws: plain graphql-ws fan-out of one event to ${SUBSCRIBERS} clients`,
  value: bws,
  unit: 'deliveries/s',
  note: `${EVENTS} events back to back per run; server in its own process, clients in another`,
});
const deliveriesMet = ratios.median >= 0.6 && !lost;
report.figures.push({
  id: 'subscriptions.deliveries',
  title: `Gateway fan-out: ${STAFF_SUBS} accountingToday + ${WORKER_SUBS} myAccount subscribers (${workers.length} workers)`,
  value: deliveries,
  unit: 'deliveries/s',
  baseline: { name: 'B_ws', value: bws, unit: 'deliveries/s' },
  ratio: ratios,
  goal: '≥ 0.6× B_ws',
  met: deliveriesMet,
  ...(deliveriesMet
    ? {}
    : {
        note: lost
          ? 'deliveries were lost (see details)'
          : `${ratio(deliveries.median, bws.median)}× of B_ws: besides fanning out, the system runs the whole business path of each event (task tracker, JetStream, accounting, analytics, the gateway's plan) on the same two cores as the 1,000 clients`,
      }),
});
rates.forEach((rate, i) => {
  const runs = latencyRuns.filter((r) => r.tasksPerSecond === rate);
  const p99 = summarize(
    runs.map((r) => r.p99),
    0,
  );
  const met = p99.median <= 250;
  const load = i === 0 ? 'a busy company' : 'half of the fan-out saturation';
  report.figures.push({
    id: i === 0 ? 'subscriptions.latency' : 'subscriptions.latency.half',
    title: `Commit → client p99 at ${rate} new tasks/s (${Math.round(rate * (STAFF_SUBS + 1))} deliveries/s, ${load})`,
    value: p99,
    unit: 'ms',
    goal: '≤ 250 ms',
    met,
    ...(met
      ? {}
      : {
          note: `p50 ${
            summarize(
              runs.map((r) => r.p50),
              0,
            ).median
          } ms: at ${rate} task creations/s the task pipeline (each creation through the gateway, users, tasks, accounting and analytics) and the fan-out to 1,000 clients share the two cores, and events queue`,
        }),
  });
});
report.details = {
  beforeFixes: BEFORE_FIXES,
  parameters: {
    RUNS,
    SUBSCRIBERS,
    STAFF_SUBS,
    WORKER_SUBS,
    staffUsers: staff.length,
    OPEN_TASKS,
    CONCURRENCY,
    EVENTS,
    LATENCY_SECONDS,
    STEADY_RATE,
  },
  baselineRuns: baselineRuns.map(Math.round),
  throughputRuns: throughputRuns.map((r) => ({
    ...r,
    deliveriesPerSecond: Math.round(r.deliveriesPerSecond),
  })),
  latencyRuns,
  liveStats: { idle: idleStats, underLoad: loadStats },
  clientProcessRssMiB: clientRssMiB,
  baselineCpuMsPer1000: {
    server: Math.round((baselineCpu.server / baselineCpu.deliveries) * 1000 * 10) / 10,
    clients: Math.round((baselineCpu.clients / baselineCpu.deliveries) * 1000 * 10) / 10,
  },
};
writeReport(report);
