/**
 * Figure 7 of issue 11, and issue 25's 10,000 subscribers: concurrent graphql-ws subscribers on
 * the real gateway (graphql-ws at /graphql) while tasks are assigned through it (each
 * assignment: task tracker → JetStream → accounting charges the fee → live feed → gateway →
 * every subscriber allowed to see it). Read against B_ws, a plain graphql-ws server fanning
 * events out to as many clients, measured in the same run, interleaved round by round. The
 * subscribers live in processes of their own (one for B_ws' clients, one for the gateway's),
 * never in the servers' or in this one.
 *
 * Scales (SCALES, default 1000,10000):
 *   1,000:  500 ADMIN/ACCOUNTANT `accountingToday` subscribers (20 staff) + 500 distinct workers
 *           on `myAccount`, one tab each (the mix of the figures kept since issue 11);
 *   larger: a company: 80% `myAccount` from workers with TABS (4) tabs each, 20% `accountingToday`
 *           from staff with TABS tabs each (10,000: 2,000 workers, 500 staff).
 *
 *   deliveries/s: the fan-out's capacity. Tasks are created one at a time through the gateway,
 *                 open-loop at CAPACITY_FACTOR (2) × what would match B_ws if each creation
 *                 were one push to every staff subscriber (at most MAX_CREATE_RATE/s), for
 *                 CAPACITY_SECONDS; each fee is its own transaction.applied while accounting
 *                 keeps up, so each creation is a push to every accountingToday subscriber and
 *                 to the assignee's tabs. Deliveries the clients received from 1 s after the
 *                 first creation to the last one ÷ that window; pushes per creation and the
 *                 drain after the last creation say whether the fan-out was the limit;
 *   shuffle:      an admin shuffles the open tasks (a burst of assignments, whose fees
 *                 accounting announces in a few batches): pushes received by all clients ÷
 *                 (last delivery − shuffle sent), without a bar;
 *   latency:      a steady stream of new tasks; commit (the createTask mutation returned) → the
 *                 client received the event reflecting it.
 *
 * Before/after a fix (VARIANTS, default `on,broadcast`; the first must be `on`, the gateway as
 * shipped): `broadcast` is a gateway with ATES_SUBSCRIPTION_DEDUP=broadcast (before the
 * per-viewer dedup), `per-subscriber` one with ATES_SUBSCRIPTION_SERIALISE=per-subscriber
 * (before a shared result was serialised once). Each stands beside the first, on the same
 * subgraphs; the clients subscribe to one, then the next, and the same rounds run on each.
 *
 * Env: RUNS (3), SCALES, TABS (4), VARIANTS, DEDUP_AB (1), OPEN_TASKS (100, created by CONCURRENCY (16)
 * admins at once), ROUND_DELIVERIES per B_ws run (40,000), LATENCY_SECONDS (4) at STEADY_RATE
 * (5) new tasks/s and again at half of B_ws' fan-out.
 */
import fs from 'node:fs';
import { print } from 'graphql';
import { GraphQLClient, ops } from '@ates/testing';
import { processCpuMs, processRssMiB } from '../lib/cpu.ts';
import { createReport, readReports, writeReport, type Figure } from '../lib/report.ts';
import { ratio, summarize } from '../lib/stats.ts';
import type { GroupStats, LatencySummary } from './client-process.ts';
import { forkChild, nowMs, waitForCount } from './clients.ts';
import type { SystemReady, SystemStats } from './system-server.ts';

const RUNS = Number(process.env.RUNS ?? 3);
const SCALES = (process.env.SCALES ?? '1000,10000').split(',').map(Number);
const TABS = Number(process.env.TABS ?? 4);
const DEDUP_AB = process.env.DEDUP_AB !== '0';
type Variant = 'on' | 'broadcast' | 'per-subscriber';
const OPEN_TASKS = Number(process.env.OPEN_TASKS ?? 100);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const ROUND_DELIVERIES = Number(process.env.ROUND_DELIVERIES ?? 40_000);
const LATENCY_SECONDS = Number(process.env.LATENCY_SECONDS ?? 4);
const STEADY_RATE = Number(process.env.STEADY_RATE ?? 5);
const CAPACITY_FACTOR = Number(process.env.CAPACITY_FACTOR ?? 2);
const CAPACITY_SECONDS = Number(process.env.CAPACITY_SECONDS ?? 6);
const MAX_CREATE_RATE = Number(process.env.MAX_CREATE_RATE ?? 50);
/** The start of a capacity round left out of its window (subscribers' queues filling up). */
const CAPACITY_RAMP_MS = 1000;
// Both servers' ping interval and pong deadline (see system-server.ts).
process.env.BENCH_WS_KEEPALIVE_MS ??= '60000';
const VARIANTS = (process.env.VARIANTS ?? (DEDUP_AB ? 'on,broadcast' : 'on')).split(',') as Variant[];
if (VARIANTS[0] !== 'on' || VARIANTS.some((v) => !['on', 'broadcast', 'per-subscriber'].includes(v)))
  throw new Error(
    `VARIANTS: \`on\` first, then \`broadcast\` and/or \`per-subscriber\` (got ${VARIANTS.join(',')})`,
  );

const OnAccountingToday = print(ops.OnAccountingTodayDocument);
const OnMyAccount = print(ops.OnMyAccountDocument);
const CreateTask = ops.CreateTaskDocument;
const CompleteTask = ops.CompleteTaskDocument;
const ShuffleTasks = ops.ShuffleTasksDocument;
const TICK = 'subscription { tick { seq day managementEarnings feesCharged rewardsPaid } }';

interface Mix {
  subscribers: number;
  staffSubs: number;
  staffUsers: number;
  workerViewers: number;
  tabs: number;
}

function mixFor(subscribers: number): Mix {
  if (subscribers <= 1000) {
    const staffSubs = Math.floor(subscribers / 2);
    return { subscribers, staffSubs, staffUsers: 20, workerViewers: subscribers - staffSubs, tabs: 1 };
  }
  const staffSubs = Math.round(subscribers * 0.2);
  return {
    subscribers,
    staffSubs,
    staffUsers: Math.ceil(staffSubs / TABS),
    workerViewers: Math.ceil((subscribers - staffSubs) / TABS),
    tabs: TABS,
  };
}
const mixes = SCALES.map(mixFor);
/** 1,000 keeps the ids of issue 11's figures; other scales get theirs beside them. */
const idOf = (n: number, figure: string) =>
  n === 1000 ? `subscriptions.${figure}` : `subscriptions.${n / 1000}k.${figure}`;

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

// Every client socket is a file descriptor in its client process, and one more in the server.
const openFiles = Number(/Max open files\s+(\d+)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'))?.[1]);
const largest = Math.max(...SCALES);
if (openFiles < largest + 2000)
  throw new Error(`${largest} subscribers need \`ulimit -n\` ≥ ${largest + 2000} (it is ${openFiles})`);

/** A process of subscribers (client-process.ts). */
async function clientProcess() {
  const { child } = await forkChild<unknown>('client-process.ts');
  const stats = async () =>
    (await child.ask<{ groups: Record<string, GroupStats> }>('stats', 'stats')).groups;
  return {
    child,
    stats,
    total: async () => Object.values(await stats()).reduce((n, g) => n + g.count, 0),
    subscribe: (group: string, url: string, specs: Array<{ token?: string; query: string }>) =>
      child.request({ type: 'subscribe', group, url, specs }, 'subscribed'),
    unsubscribe: () => child.ask('unsubscribe', 'unsubscribed'),
    window: async (from: number, to: number) =>
      (await child.request<{ counts: Record<string, number> }>({ type: 'window', from, to }, 'window'))
        .counts,
    reset: () => child.ask('reset', 'reset-done'),
    latencies: (commits: Array<{ id: string; committedAt: number; fee?: number }>) =>
      child.request<LatencySummary>({ type: 'latencies', commits, ordered: ['staff'] }, 'latencies'),
  };
}

// ── The system: one gateway per variant, the workers and staff of the largest mix ───────────
log(`starting the system (gateways: ${VARIANTS.join(', ')}) …`);
const sys = await forkChild<SystemReady>('system-server.ts', {
  WORKERS: String(Math.max(...mixes.map((m) => m.workerViewers))),
  STAFF: String(Math.max(...mixes.map((m) => m.staffUsers))),
  GATEWAY_VARIANTS: VARIANTS.join(','),
});
let admin = new GraphQLClient(sys.ready.gatewayUrl, sys.ready.adminToken);
/** Tokens live 15 min and a run on a loaded machine lasts longer: each round gets a fresh one. */
async function refreshAdmin() {
  const { staff } = await sys.child.ask<Pick<SystemReady, 'staff'>>('tokens', 'tokens');
  const fresh = staff.find((s) => s.role === 'ADMIN');
  if (fresh) admin = new GraphQLClient(sys.ready.gatewayUrl, fresh.token);
}
const settle = () => sys.child.ask('settle', 'settled');
const statsOf = (gateway: string) => sys.child.request<SystemStats>({ type: 'stats', gateway }, 'stats');
/** CPU time (ms) of each service process so far. */
const cpuOf = () => Object.fromEntries(sys.ready.processes.map((p) => [p.name, processCpuMs(p.pid)]));
/**
 * CPU ms per 1,000 deliveries since `cpu0` (and `clients0`, the gateway's client process): of
 * the gateways only the measured one, named `gateway` whichever variant it runs.
 */
function cpuPer1000Deliveries(
  cpu0: Record<string, number>,
  clients0: number,
  received: number,
  gatewayName: string,
): Record<string, number> {
  const per1000 = (ms: number) => Math.round((ms / received) * 1000 * 10) / 10;
  const clients = processCpuMs(gatewayClients.child.process.pid ?? 0) - clients0;
  return {
    ...Object.fromEntries(
      Object.entries(cpuOf())
        .filter(([name]) => !name.startsWith('gateway') || name === gatewayName)
        .map(([name, ms]) => [
          name.startsWith('gateway') ? 'gateway' : name,
          per1000(ms - (cpu0[name] ?? 0)),
        ]),
    ),
    clients: per1000(clients),
  };
}
const rssOf = () => Object.fromEntries(sys.ready.processes.map((p) => [p.name, processRssMiB(p.pid)]));

let taskSeq = 0;
/** createTask calls the overloaded gateway refused (e.g. its breaker open after a burst), retried. */
let createRetries = 0;
/** The error codes those refusals carried, counted. */
const createRefusals: Record<string, number> = {};
async function createTask(): Promise<{ id: string; assigneeId: string; committedAt: number }> {
  taskSeq += 1;
  for (let attempt = 0; ; attempt++) {
    const result = await admin.request<{ createTask: { id: string; assignee: { id: string } } }>(CreateTask, {
      input: { title: `Bench task ${taskSeq}`, description: '' },
    });
    const created = result.data?.createTask;
    if (created) return { id: created.id, assigneeId: created.assignee.id, committedAt: nowMs() };
    if (attempt >= 40) throw new Error(`createTask failed: ${JSON.stringify(result.errors)}`);
    createRetries += 1;
    for (const error of result.errors ?? []) {
      const code = String((error.extensions as { code?: unknown } | undefined)?.code ?? error.message);
      createRefusals[code] = (createRefusals[code] ?? 0) + 1;
    }
    await sleep(250);
  }
}

// The open tasks every throughput round shuffles (latency rounds complete the ones they add).
{
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < OPEN_TASKS) {
        next += 1;
        await createTask();
      }
    }),
  );
}

const bwsClients = await clientProcess();
const gatewayClients = await clientProcess();

async function runScale(mix: Mix) {
  const { subscribers: n, staffSubs, staffUsers, workerViewers, tabs } = mix;
  const events = Math.max(2, Math.round(ROUND_DELIVERIES / n));

  // ── B_ws ──────────────────────────────────────────────────────────────────────────────────
  log(`B_ws: plain graphql-ws server, ${n} clients`);
  const baseline = await forkChild<{ url: string }>('baseline-server.ts');
  await bwsClients.subscribe(
    'bws',
    baseline.ready.url,
    Array.from({ length: n }, () => ({ query: TICK })),
  );
  while ((await baseline.child.ask<{ count: number }>('subscribers', 'subscribers')).count < n)
    await sleep(50);
  const baselineCpu = { server: 0, clients: 0, deliveries: 0 };
  /** B_ws clients the server dropped (keep-alive on a starved machine); reported, not hidden. */
  let bwsDropped = 0;
  async function baselineRound(): Promise<number> {
    await bwsClients.reset();
    const { count: connected } = await baseline.child.ask<{ count: number }>('subscribers', 'subscribers');
    bwsDropped = n - connected;
    if (connected < n * 0.99) throw new Error(`B_ws: only ${connected}/${n} clients left connected`);
    const target = connected * events;
    const server0 = processCpuMs(baseline.child.process.pid ?? 0);
    const clients0 = processCpuMs(bwsClients.child.process.pid ?? 0);
    const t0 = nowMs();
    baseline.child.process.send({ type: 'publish', count: events });
    const got = await waitForCount(bwsClients.total, target);
    if (got < target) throw new Error(`B_ws lost deliveries: ${got}/${target}`);
    baselineCpu.server += processCpuMs(baseline.child.process.pid ?? 0) - server0;
    baselineCpu.clients += processCpuMs(bwsClients.child.process.pid ?? 0) - clients0;
    baselineCpu.deliveries += target;
    const { bws } = await bwsClients.stats();
    return (target / (bws!.lastAt - t0)) * 1000;
  }
  const warmBws = await baselineRound(); // warm-up
  Object.assign(baselineCpu, { server: 0, clients: 0, deliveries: 0 });

  const baselineRuns: number[] = [];
  const perVariant = new Map<Variant, Awaited<ReturnType<typeof runVariant>>>();
  let rates: number[] | undefined;

  async function runVariant(variant: Variant) {
    const gateway = sys.ready.gateways.find((g) => g.variant === variant)!;
    const { workers, staff } = await sys.child.ask<Pick<SystemReady, 'workers' | 'staff'>>(
      'tokens',
      'tokens',
    );
    const viewers = workers.slice(0, workerViewers);
    const subscribed = new Set(viewers.map((w) => w.id));
    /** Deliveries tasks should cause: every accountingToday subscriber, and each tab of the assignee's myAccount. */
    const expectedFor = (tasks: Array<{ assigneeId: string }>) =>
      tasks.length * staffSubs + tasks.filter((t) => subscribed.has(t.assigneeId)).length * tabs;
    const tokenOf = new Map([...workers, ...staff].map((u) => [u.id, u.token]));

    log(
      `${n} subscribers on the gateway \`${variant}\`: ${staffSubs} × accountingToday ` +
        `(${staffUsers} staff) + ${workerViewers} workers × ${tabs} tab(s) of myAccount`,
    );
    const subscribeStarted = performance.now();
    await gatewayClients.subscribe(
      'staff',
      gateway.url,
      Array.from({ length: staffSubs }, (_, i) => ({
        token: staff[i % staffUsers]!.token,
        query: OnAccountingToday,
      })),
    );
    await gatewayClients.subscribe(
      'workers',
      gateway.url,
      viewers.flatMap((w) => Array.from({ length: tabs }, () => ({ token: w.token, query: OnMyAccount }))),
    );
    const subscribeMs = Math.round(performance.now() - subscribeStarted);
    while ((await statsOf(gateway.name)).gateway.sockets < n) await sleep(50);
    // graphql-ws does not acknowledge a subscription: wait until accounting's live listeners
    // (one per viewer at least) stop changing.
    for (let last = -1, stableSince = performance.now(); ; await sleep(100)) {
      const listeners = (await statsOf(gateway.name)).accounting.listeners;
      if (listeners !== last) [last, stableSince] = [listeners, performance.now()];
      else if (listeners >= workerViewers && performance.now() - stableSince > 1500) break;
    }
    const idleStats = { ...(await statsOf(gateway.name)), rssMiB: rssOf(), subscribeMs };

    /** The pipeline has nothing left and the clients have received everything it sent. */
    async function quiet(idleMs = 500) {
      await refreshAdmin();
      await settle();
      await waitForCount(gatewayClients.total, Number.POSITIVE_INFINITY, idleMs, idleMs);
    }

    // Warm-up: every accountingToday subscriber sees a push before anything is measured (one push
    // per transaction.applied event, i.e. per batch accounting applied: fewer than the fees).
    const warmup = [];
    for (let i = 0; i < 3; i++) warmup.push(await createTask());
    await quiet(2000);
    const warm = (await gatewayClients.stats()).staff;
    if (!warm || warm.min < 1)
      throw new Error(`warm-up: a staff subscriber got no push (${JSON.stringify(warm)})`);
    await completeAll(warmup, tokenOf);

    /** Each commit's fee (cents): a latency round finds the first accountingToday push that shows it. */
    async function withFees<T extends { id: string }>(tasks: T[]): Promise<Array<T & { fee?: number }>> {
      return Promise.all(
        tasks.map(async (task) => {
          const { data } = await admin.request(ops.TaskDocument, { id: task.id });
          const fee = data?.task?.price?.assignFee;
          return fee === undefined || fee === null ? task : { ...task, fee: Math.round(Number(fee) * 100) };
        }),
      );
    }

    async function throughputRound() {
      await quiet();
      await gatewayClients.reset();
      const cpu0 = cpuOf();
      const clients0 = processCpuMs(gatewayClients.child.process.pid ?? 0);
      const t0 = nowMs();
      const { shuffleTasks } = await admin.ok<{ shuffleTasks: { reassigned: number } }>(ShuffleTasks);
      const shuffledInMs = Math.round(nowMs() - t0);
      // Each reassignment is charged a fee; accounting announces a batch of fees in one event, so
      // every staff subscriber gets one push per batch and each assignee one per batch of theirs.
      await quiet(1000);
      const groups = await gatewayClients.stats();
      const staffStats = groups.staff!;
      const workerStats = groups.workers!;
      const received = staffStats.count + workerStats.count;
      const elapsed = Math.max(staffStats.lastAt, workerStats.lastAt) - t0;
      const cpuPer1000 = cpuPer1000Deliveries(cpu0, clients0, received, gateway.name);
      return {
        deliveriesPerSecond: (received / elapsed) * 1000,
        reassigned: shuffleTasks.reassigned,
        received,
        expected: staffStats.max * staffSubs + workerStats.count,
        // Every staff subscriber got every push (one per batch of fees), none missing.
        staffDeliveries: { min: staffStats.min, max: staffStats.max },
        myAccountDeliveries: workerStats.count,
        elapsedMs: Math.round(elapsed),
        shuffledInMs,
        cpuMsPer1000Deliveries: cpuPer1000,
        errors: staffStats.errors + workerStats.errors,
      };
    }

    /** Tasks at a steady rate; each delivery's latency from the commit of the change it shows. */
    async function latencyRound(perSecond: number) {
      await quiet();
      await gatewayClients.reset();
      const count = Math.max(5, Math.round(perSecond * LATENCY_SECONDS));
      const commits: Array<{ id: string; assigneeId: string; committedAt: number }> = [];
      const t0 = performance.now();
      for (let k = 0; k < count; k++) {
        const due = t0 + (k * 1000) / perSecond;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        commits.push(await createTask());
      }
      const expected = expectedFor(commits);
      await quiet(1000);
      const summary = await gatewayClients.latencies(await withFees(commits));
      // Every round shuffles the same open tasks: the ones made here are completed.
      await completeAll(commits, tokenOf);
      return { ...summary, expected, tasksPerSecond: perSecond };
    }

    /**
     * Tasks created one at a time at `perSecond` (open-loop, at most CONCURRENCY in flight) for
     * CAPACITY_SECONDS: deliveries/s received inside the window in which creations were sent.
     */
    async function capacityRound(perSecond: number) {
      await quiet();
      await gatewayClients.reset();
      const cpu0 = cpuOf();
      const clients0 = processCpuMs(gatewayClients.child.process.pid ?? 0);
      const count = Math.max(5, Math.round(perSecond * CAPACITY_SECONDS));
      const commits: Array<{ id: string; assigneeId: string; committedAt: number }> = [];
      const inFlight = new Set<Promise<void>>();
      const t0 = nowMs();
      const p0 = performance.now();
      for (let k = 0; k < count; k++) {
        const wait = p0 + (k * 1000) / perSecond - performance.now();
        if (wait > 0) await sleep(wait);
        while (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
        const created: Promise<void> = createTask()
          .then((task) => void commits.push(task))
          .finally(() => inFlight.delete(created));
        inFlight.add(created);
      }
      await Promise.all(inFlight);
      const sentAt = nowMs();
      const from = t0 + CAPACITY_RAMP_MS;
      const windowCounts = await gatewayClients.window(from, sentAt);
      await quiet(1000);
      const groups = await gatewayClients.stats();
      const staffStats = groups.staff!;
      const workerStats = groups.workers!;
      const received = staffStats.count + workerStats.count;
      const inWindow = Object.values(windowCounts).reduce((a, b) => a + b, 0);
      const cpuPer1000 = cpuPer1000Deliveries(cpu0, clients0, received, gateway.name);
      const lastAt = Math.max(staffStats.lastAt, workerStats.lastAt);
      await completeAll(commits, tokenOf);
      return {
        deliveriesPerSecond: (inWindow / (sentAt - from)) * 1000,
        created: commits.length,
        createdPerSecond: Math.round((commits.length / (sentAt - t0)) * 1000 * 10) / 10,
        offeredRate: perSecond,
        // 1 while accounting applied each fee on its own; below 1 when it batched some.
        pushesPerCreation: Math.round((staffStats.max / commits.length) * 100) / 100,
        received,
        inWindow,
        windowMs: Math.round(sentAt - from),
        // How long the clients kept receiving after the last creation returned (the backlog).
        drainMs: Math.round(lastAt - sentAt),
        expected: expectedFor(commits),
        staffDeliveries: { min: staffStats.min, max: staffStats.max },
        myAccountDeliveries: workerStats.count,
        cpuMsPer1000Deliveries: cpuPer1000,
        errors: staffStats.errors + workerStats.errors,
      };
    }
    // Twice what would match B_ws if every creation were its own push (capped): the fan-out,
    // not the rate of creations, is then what limits the deliveries.
    const createRate = Math.min(
      MAX_CREATE_RATE,
      Math.round(((CAPACITY_FACTOR * warmBws) / (staffSubs + tabs)) * 10) / 10,
    );

    const capacityRuns: Array<Awaited<ReturnType<typeof capacityRound>> & { bws: number }> = [];
    const throughputRuns: Array<Awaited<ReturnType<typeof throughputRound>> & { bws: number }> = [];
    for (let run = 0; run < RUNS; run++) {
      const bws = await baselineRound();
      if (variant === 'on') baselineRuns.push(bws);
      const capacity = await capacityRound(createRate);
      capacityRuns.push({ ...capacity, bws: Math.round(bws) });
      log(
        `${variant} run ${run + 1}/${RUNS}: B_ws ${Math.round(bws)}/s, gateway ${Math.round(capacity.deliveriesPerSecond)}/s ` +
          `(${capacity.created} tasks at ${capacity.createdPerSecond}/s of ${createRate}/s offered, ` +
          `${capacity.pushesPerCreation} pushes per task, ${capacity.received}/${capacity.expected}, drain ${capacity.drainMs} ms)`,
      );
      const round = await throughputRound();
      throughputRuns.push({ ...round, bws: Math.round(bws) });
      log(
        `${variant} run ${run + 1}/${RUNS}: shuffle ${Math.round(round.deliveriesPerSecond)}/s ` +
          `(${round.received}/${round.expected} in ${round.elapsedMs} ms)`,
      );
    }
    const loadStats = { ...(await statsOf(gateway.name)), rssMiB: rssOf() };
    if (!rates) {
      // Two steady loads: a busy company (STEADY_RATE new tasks/s, each fee fanned out to every
      // staff subscriber), and half of what B_ws fans out, where the task pipeline itself (every
      // creation crossing the gateway, users, tasks, accounting, analytics) is the load. B_ws, not
      // the throughput round: that round's pushes are one per batch of fees, not one per fee.
      const saturation = summarize(
        capacityRuns.map((r) => r.bws),
        0,
      ).median;
      const halfRate = Math.max(0.2, Math.round((saturation / 2 / (staffSubs + tabs)) * 10) / 10);
      rates = [Math.min(STEADY_RATE, halfRate), halfRate];
    }
    const latencyRuns: Array<Awaited<ReturnType<typeof latencyRound>>> = [];
    for (const rate of rates) {
      log(
        `${variant}: latency at a steady ${rate} tasks/s (${Math.round(rate * (staffSubs + tabs))} deliveries/s)`,
      );
      for (let run = 0; run < RUNS; run++) latencyRuns.push(await latencyRound(rate));
    }
    const clientRssMiB = processRssMiB(gatewayClients.child.process.pid ?? 0);
    await gatewayClients.unsubscribe();
    while ((await statsOf(gateway.name)).gateway.upstreams > 0) await sleep(100);
    return {
      capacityRuns,
      createRate,
      throughputRuns,
      latencyRuns,
      liveStats: { idle: idleStats, underLoad: loadStats },
      clientRssMiB,
    };
  }

  for (const variant of VARIANTS) perVariant.set(variant, await runVariant(variant));
  await bwsClients.unsubscribe();
  await baseline.child.stop();
  return { mix, events, baselineRuns, baselineCpu, bwsDropped, rates: rates!, perVariant };
}

/** Completes the tasks that the users we hold tokens for were given (best effort: quiet pipeline after). */
async function completeAll(tasks: Array<{ id: string; assigneeId: string }>, tokenOf: Map<string, string>) {
  for (let i = 0; i < tasks.length; i += CONCURRENCY) {
    await Promise.all(
      tasks.slice(i, i + CONCURRENCY).map(async (task) => {
        const token = tokenOf.get(task.assigneeId);
        // Best effort: a task left open is shuffled again, nothing more.
        if (token)
          await new GraphQLClient(sys.ready.gatewayUrl, token).request(CompleteTask, { id: task.id });
      }),
    );
  }
}

const results: Array<Awaited<ReturnType<typeof runScale>>> = [];

// ── Report (written after each scale: a later scale failing keeps the figures of the others) ─
function writeResults() {
  const report = createReport(
    'subscriptions',
    `Subscriptions: ${SCALES.map((n) => n.toLocaleString('en')).join(' and ')} concurrent graphql-ws subscribers through the gateway`,
    process.env.BENCH_COMMAND ?? 'pnpm bench subscriptions',
  );
  const lostIn = (v: {
    capacityRuns: Array<{ staffDeliveries: { min: number; max: number } }>;
    throughputRuns: Array<{ staffDeliveries: { min: number; max: number } }>;
    latencyRuns: Array<{ deliveries: number; unmatched: number; expected: number }>;
  }) =>
    [...v.capacityRuns, ...v.throughputRuns].some(
      (r) => r.staffDeliveries.min < Math.max(1, r.staffDeliveries.max),
    ) || v.latencyRuns.some((r) => r.deliveries + r.unmatched < r.expected);
  const details: Record<string, unknown> = {
    beforeFixes: BEFORE_FIXES,
    createTaskRetries: createRetries,
    createTaskRefusals: createRefusals,
  };

  for (const { mix, events, baselineRuns, baselineCpu, bwsDropped, rates, perVariant } of [...results].sort(
    (a, b) => a.mix.subscribers - b.mix.subscribers,
  )) {
    const n = mix.subscribers;
    const after = perVariant.get('on')!;
    const bws = summarize(baselineRuns, 0);
    const deliveries = summarize(
      after.capacityRuns.map((r) => r.deliveriesPerSecond),
      0,
    );
    const ratios = summarize(
      after.capacityRuns.map((r, i) => r.deliveriesPerSecond / baselineRuns[i]!),
      2,
    );
    const pushesPerCreation = summarize(
      after.capacityRuns.map((r) => r.pushesPerCreation),
      2,
    ).median;
    const createdPerSecond = summarize(
      after.capacityRuns.map((r) => r.createdPerSecond),
      1,
    ).median;
    const drainMs = summarize(
      after.capacityRuns.map((r) => r.drainMs),
      0,
    ).median;
    const lost = lostIn(after);
    const deliveriesGoal = n === 1000 ? 0.6 : 1;
    const what =
      mix.tabs === 1
        ? `${mix.staffSubs} accountingToday + ${mix.workerViewers} myAccount subscribers (${mix.workerViewers} workers)`
        : `${mix.staffSubs} accountingToday (${mix.staffUsers} staff) + ${mix.workerViewers * mix.tabs} myAccount subscribers (${mix.workerViewers} workers × ${mix.tabs} tabs)`;
    report.figures.push({
      id: idOf(n, 'bws'),
      title: `B_ws: plain graphql-ws fan-out of one event to ${n} clients`,
      value: bws,
      unit: 'deliveries/s',
      note: `${events} events back to back per run; server in its own process, clients in another`,
    });
    const deliveriesMet = ratios.median >= deliveriesGoal && !lost;
    const round =
      `round: tasks created one at a time through the gateway at ${after.createRate}/s offered ` +
      `(${createdPerSecond}/s done) for ${CAPACITY_SECONDS} s, ${pushesPerCreation} accountingToday pushes per task ` +
      `(1 = each fee its own transaction.applied), deliveries counted from ${CAPACITY_RAMP_MS / 1000} s in to the last creation; ` +
      `the clients still received for ${drainMs} ms after it`;
    const figure: Figure = {
      id: idOf(n, 'deliveries'),
      title: `Gateway fan-out capacity: ${what}`,
      value: deliveries,
      unit: 'deliveries/s',
      baseline: { name: 'B_ws', value: bws, unit: 'deliveries/s' },
      ratio: ratios,
      goal: `≥ ${deliveriesGoal}× B_ws`,
      met: deliveriesMet,
      note: round,
    };
    if (!deliveriesMet)
      figure.note = lost
        ? `deliveries were lost (see details); ${round}`
        : `${ratio(deliveries.median, bws.median)}× of B_ws: besides fanning out, the system runs the whole business path of each event (task tracker, JetStream, accounting, analytics, the gateway's plan) on the same two cores as the ${n} clients; ${round}`;
    report.figures.push(figure);
    // The fan-out's own cost, apart from the pipeline sharing the cores: deliveries per second
    // of the server's CPU (the gateway's also plans the round's createTask mutations).
    const bwsPerCpu = Math.round(1e6 / ((baselineCpu.server / baselineCpu.deliveries) * 1000));
    const perCpu = summarize(
      after.capacityRuns.map((r) => 1e6 / (r.cpuMsPer1000Deliveries.gateway ?? Number.POSITIVE_INFINITY)),
      0,
    );
    report.figures.push({
      id: idOf(n, 'deliveries.per-cpu'),
      title: `${n} subscribers: deliveries per second of the gateway's CPU (capacity round)`,
      value: perCpu,
      unit: 'deliveries/CPU-s',
      baseline: { name: "B_ws' server", value: bwsPerCpu, unit: 'deliveries/CPU-s' },
      ratio: ratio(perCpu.median, bwsPerCpu),
      note: "the gateway's process CPU over the round, which also serves the round's createTask mutations; B_ws' server over its rounds",
    });
    const shuffle = summarize(
      after.throughputRuns.map((r) => r.deliveriesPerSecond),
      0,
    );
    report.figures.push({
      id: idOf(n, 'shuffle'),
      title: `${n} subscribers: pushes of a ${OPEN_TASKS}-task shuffle (its fees announced in a few batches)`,
      value: shuffle,
      unit: 'deliveries/s',
      note: `${summarize(
        after.throughputRuns.map((r) => r.received),
        0,
      ).median.toLocaleString('en-US')} pushes in ${summarize(
        after.throughputRuns.map((r) => r.elapsedMs),
        0,
      ).median.toLocaleString(
        'en-US',
      )} ms from the shuffle sent to the last delivery; few pushes, so not a capacity figure`,
    });
    rates.forEach((rate, i) => {
      const runs = after.latencyRuns.filter((r) => r.tasksPerSecond === rate);
      const p99 = summarize(
        runs.map((r) => r.p99),
        0,
      );
      const met = p99.median <= 250;
      const load = i === 0 ? 'a busy company' : "half of B_ws' fan-out";
      const p50 = summarize(
        runs.map((r) => r.p50),
        0,
      ).median;
      report.figures.push({
        id: idOf(n, i === 0 ? 'latency' : 'latency.half'),
        title: `${n} subscribers: commit → client p99 at ${rate} new tasks/s (${Math.round(rate * (mix.staffSubs + mix.tabs))} deliveries/s, ${load})`,
        value: p99,
        unit: 'ms',
        goal: '≤ 250 ms',
        met,
        ...(met
          ? {}
          : {
              note: `p50 ${p50} ms: at ${rate} task creations/s the task pipeline (each creation through the gateway, users, tasks, accounting and analytics) and the fan-out to ${n} clients share the two cores, and events queue`,
            }),
      });
    });
    const dedupBefore = perVariant.get('broadcast');
    const serialiseBefore = perVariant.get('per-subscriber');
    const variantDetails = Object.fromEntries(
      [...perVariant].map(([variant, v]) => [
        variant,
        {
          createRate: v.createRate,
          capacityRuns: v.capacityRuns.map((r) => ({
            ...r,
            deliveriesPerSecond: Math.round(r.deliveriesPerSecond),
          })),
          throughputRuns: v.throughputRuns.map((r) => ({
            ...r,
            deliveriesPerSecond: Math.round(r.deliveriesPerSecond),
          })),
          latencyRuns: v.latencyRuns,
          liveStats: v.liveStats,
          clientProcessRssMiB: v.clientRssMiB,
          lost: lostIn(v),
        },
      ]),
    );
    const medianOf = (v: typeof after, pick: (r: (typeof after.capacityRuns)[number]) => number) =>
      summarize(v.capacityRuns.map(pick), 2).median;
    const beforeAfter = (before: typeof after) => ({
      deliveriesPerSecond: {
        before: medianOf(before, (r) => r.deliveriesPerSecond),
        after: deliveries.median,
      },
      ratioToBws: {
        before: medianOf(before, (r) => r.deliveriesPerSecond / r.bws),
        after: ratios.median,
      },
      gatewayCpuMsPer1000: {
        before: medianOf(before, (r) => r.cpuMsPer1000Deliveries.gateway ?? 0),
        after: medianOf(after, (r) => r.cpuMsPer1000Deliveries.gateway ?? 0),
      },
      accountingCpuMsPer1000: {
        before: medianOf(before, (r) => r.cpuMsPer1000Deliveries.accounting ?? 0),
        after: medianOf(after, (r) => r.cpuMsPer1000Deliveries.accounting ?? 0),
      },
      latencyP99Ms: Object.fromEntries(
        rates.map((rate) => [
          rate,
          {
            before: summarize(
              before.latencyRuns.filter((r) => r.tasksPerSecond === rate).map((r) => r.p99),
              0,
            ).median,
            after: summarize(
              after.latencyRuns.filter((r) => r.tasksPerSecond === rate).map((r) => r.p99),
              0,
            ).median,
          },
        ]),
      ),
      upstreams: {
        before: before.liveStats.idle.gateway.upstreams,
        after: after.liveStats.idle.gateway.upstreams,
      },
      accountingListeners: {
        before: before.liveStats.idle.accounting.listeners,
        after: after.liveStats.idle.accounting.listeners,
      },
    });
    details[n === 1000 ? '1000' : `${n / 1000}k`] = {
      parameters: {
        RUNS,
        ...mix,
        OPEN_TASKS,
        CONCURRENCY,
        CAPACITY_FACTOR,
        CAPACITY_SECONDS,
        MAX_CREATE_RATE,
        EVENTS: events,
        LATENCY_SECONDS,
        STEADY_RATE,
        rates,
      },
      baselineRuns: baselineRuns.map(Math.round),
      bwsClientsDropped: bwsDropped,
      baselineCpuMsPer1000: {
        server: Math.round((baselineCpu.server / baselineCpu.deliveries) * 1000 * 10) / 10,
        clients: Math.round((baselineCpu.clients / baselineCpu.deliveries) * 1000 * 10) / 10,
      },
      // Same run, same subgraphs: the gateway as shipped (after) vs one with a fix turned off.
      ...(dedupBefore ? { dedupBeforeAfter: beforeAfter(dedupBefore) } : {}),
      ...(serialiseBefore ? { serialiseBeforeAfter: beforeAfter(serialiseBefore) } : {}),
      variants: variantDetails,
    };
  }
  // Scales not run this time keep their last figures, marked as such.
  const previous = readReports().find((r) => r.benchmark === 'subscriptions');
  const ids = new Set(report.figures.map((f) => f.id));
  for (const figure of previous?.figures ?? []) {
    if (ids.has(figure.id)) continue;
    const from = `not re-run: from the run of ${previous!.date.slice(0, 16).replace('T', ' ')} UTC`;
    const note = figure.note?.startsWith('not re-run')
      ? figure.note
      : `${from}${figure.note ? `; ${figure.note}` : ''}`;
    report.figures.push({ ...figure, note });
  }
  report.details = details;
  writeReport(report);
}

for (const mix of mixes) {
  results.push(await runScale(mix));
  writeResults();
}
await bwsClients.child.stop();
await gatewayClients.child.stop();
await sys.child.stop();
