/**
 * Footprint benchmark (issue 11, figure 8; issue 25's bars): starts the whole system as
 * `pnpm start` does (scripts/start.ts) on databases and a NATS namespace of its own, three ways
 * per run, and reports
 * - `pnpm start` (every service in one process, from the sources) on fresh databases: its cold
 *   start (spawn → every service's /readyz answers 200 and the gateway answers a query) and
 *   the resident memory (RSS) of the supervisor and the service process idle after start;
 * - `pnpm start --prod` (the same from the build, `pnpm build`'s dist/, which this bench makes
 *   first) on the databases the first start left: the cold start of the issue's bar;
 * - `pnpm start --separate` (a process per service, from the sources, as before issue 25) on
 *   the same databases: each service's RSS, for comparison;
 * medians of RUNS runs, and, in the last run, the peak RSS under LOAD_SECONDS of mixed traffic
 * through the gateway by CLIENTS workers (logins, createTask, completeTask, MyTasks and
 * MyAccount), one process and a process per service.
 * Run: `pnpm bench footprint` (RUNS=3 LOAD_SECONDS=20 CLIENTS=8 by default).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { removeStreams } from '@ates/events';
import {
  DEFAULT_NATS_URL,
  DEFAULT_POSTGRES_URL,
  dropDatabase,
  natsServers,
  withDatabase,
} from '@ates/service-kit';
import { GraphQLClient, ops } from '@ates/testing';
import { processRssMiB } from '../lib/cpu.ts';
import { freePort, sleep } from '../lib/processes.ts';
import { createReport, writeReport, type Figure } from '../lib/report.ts';
import { summarize } from '../lib/stats.ts';
import { buildServices } from '../../scripts/lib/build.ts';
import { ALL_IN_ONE, distEntry, services, type ServiceSpec } from '../../scripts/lib/services.ts';
import { repoRoot } from '../../scripts/lib/subgraphs.ts';

const RUNS = Number(process.env.RUNS ?? 3);
const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 20);
const CLIENTS = Number(process.env.CLIENTS ?? 8);
/** How long the system sits idle after start before its RSS is read. */
const IDLE_SETTLE_MS = Number(process.env.IDLE_SETTLE_MS ?? 5000);
const START_TIMEOUT_MS = 120_000;
const SAMPLE_EVERY_MS = 250;
const SUPERVISOR = 'start (supervisor)';
/** The issue's bars: the default stack's idle RSS, and a cold start from the build. */
const RSS_GOAL_MIB = 600;
const COLD_START_GOAL_MS = 3000;

/** How `pnpm start` is run: its arguments, and whether it runs a process per service. */
interface Shape {
  name: 'default' | 'build' | 'separate';
  args: string[];
  separate: boolean;
}
const SHAPES: Record<Shape['name'], Shape> = {
  default: { name: 'default', args: [], separate: false },
  build: { name: 'build', args: ['--prod'], separate: false },
  separate: { name: 'separate', args: ['--separate'], separate: true },
};
/** Each client's operations, in turn: a log-in (a deliberately slow password hash) 1 in 20. */
const MIX = [
  ...Array<string>(6).fill('myTasks'),
  ...Array<string>(5).fill('createTask'),
  ...Array<string>(4).fill('myAccount'),
  ...Array<string>(4).fill('completeTask'),
  'logIn',
];

const postgresUrl = process.env.ATES_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
const natsUrl = process.env.NATS_URL ?? DEFAULT_NATS_URL;

interface RunningSystem {
  shape: Shape;
  child: ChildProcess;
  specs: ServiceSpec[];
  ports: Map<string, number>;
  /** The last lines the system printed, for a failure's message. */
  tail: string[];
  gateway: GraphQLClient;
}

/** Ports, databases, namespace and data directory of one run, shared by its three starts. */
interface Setting {
  env: NodeJS.ProcessEnv;
  ports: Map<string, number>;
  databases: string[];
  namespace: string;
  dataDir: string;
}

async function settingFor(run: number): Promise<Setting> {
  const namespace = `bench_fp_${process.pid}_${run}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-bench-footprint-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ATES_POSTGRES_URL: postgresUrl,
    NATS_URL: natsUrl,
    ATES_NATS_NAMESPACE: namespace,
    ATES_DATA_DIR: dataDir,
  };
  const ports = new Map<string, number>();
  const databases = new Set<string>();
  for (const spec of services()) {
    if (spec.port) {
      const port = await freePort();
      ports.set(spec.name, port);
      env[spec.port.env] = String(port);
    }
    if (spec.database) {
      const url = withDatabase(
        postgresUrl,
        `ates_bench_footprint_${process.pid}_${run}_${spec.database.name}`,
      );
      env[spec.database.env] = url;
      databases.add(url);
    }
  }
  return { env, ports, databases: [...databases], namespace, dataDir };
}

/** Drops what a run made: its databases, streams and data directory. */
async function removeSetting(setting: Setting): Promise<void> {
  for (const url of setting.databases) await dropDatabase(url);
  const nc = await connect({ servers: natsServers(natsUrl) });
  try {
    const jsm = await jetstreamManager(nc);
    await removeStreams(jsm, setting.namespace);
  } finally {
    await nc.close();
  }
  fs.rmSync(setting.dataDir, { recursive: true, force: true });
}

async function spawnSystem(
  setting: Setting,
  shape: Shape,
): Promise<{ system: RunningSystem; coldStartMs: number }> {
  const specs = services();
  const { env, ports } = setting;
  const gatewayPort = ports.get('gateway');
  if (gatewayPort === undefined) throw new Error('no gateway in scripts/lib/services.ts');
  const tail: string[] = [];
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'scripts/start.ts'), ...shape.args],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) tail.push(line);
    if (tail.length > 200) tail.splice(0, tail.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const system: RunningSystem = {
    shape,
    child,
    specs,
    ports,
    tail,
    gateway: new GraphQLClient(`http://127.0.0.1:${gatewayPort}/graphql`),
  };
  try {
    await waitUntilReady(system, started);
  } catch (error) {
    await stopSystem(system);
    throw error;
  }
  return { system, coldStartMs: performance.now() - started };
}

async function answers(url: string, init?: RequestInit): Promise<boolean> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false; // not listening yet
  }
}

/** Every service's /readyz is 200 and the gateway answers a query through the supergraph. */
async function waitUntilReady(system: RunningSystem, started: number): Promise<void> {
  const pending = new Set(system.specs.filter((s) => system.ports.has(s.name)).map((s) => s.name));
  let gatewayAnswered = false;
  while (pending.size > 0 || !gatewayAnswered) {
    if (system.child.exitCode !== null)
      throw new Error(
        `pnpm start exited with ${system.child.exitCode}:\n${system.tail.slice(-30).join('\n')}`,
      );
    if (performance.now() - started > START_TIMEOUT_MS)
      throw new Error(
        `not ready after ${START_TIMEOUT_MS} ms (waiting for ${[...pending].join(', ') || 'a query'}):\n${system.tail.slice(-30).join('\n')}`,
      );
    for (const name of [...pending])
      if (await answers(`http://127.0.0.1:${system.ports.get(name)}/readyz`)) pending.delete(name);
    if (pending.size === 0 && !gatewayAnswered)
      gatewayAnswered = await answers(system.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    if (pending.size > 0 || !gatewayAnswered) await sleep(50);
  }
}

/**
 * The supervisor and the processes it started (its children), by name: each service's, or
 * the one that runs them all (`all-in-one`).
 */
function processesOf(system: RunningSystem): Map<string, number> {
  const supervisor = system.child.pid;
  if (supervisor === undefined) throw new Error('pnpm start has no pid');
  const out = new Map<string, number>([[SUPERVISOR, supervisor]]);
  const prod = system.shape.args.includes('--prod');
  const entryOf = (spec: { name: string; entry: string }) =>
    prod ? distEntry(spec.name) : path.join(repoRoot, spec.entry);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    let cmdline: string[];
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // the process ended while the list was read
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== supervisor) continue;
    const spec = [ALL_IN_ONE, ...system.specs].find((s) => cmdline.includes(entryOf(s)));
    if (spec) out.set(spec.name, Number(entry));
  }
  const expected = system.shape.separate ? system.specs.map((s) => s.name) : [ALL_IN_ONE.name];
  const missing = expected.filter((name) => !out.has(name));
  if (missing.length > 0) throw new Error(`no process found for ${missing.join(', ')}`);
  return out;
}

const rssOf = (pids: Map<string, number>) =>
  new Map([...pids].map(([name, pid]) => [name, processRssMiB(pid)]));

async function stopSystem(system: RunningSystem): Promise<void> {
  const { child } = system;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM'); // start.ts stops every service, then exits
    const stopped = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]);
    if (!stopped) {
      console.warn('pnpm start did not stop within 30 s: killing it and its services');
      for (const pid of processesOf(system).values()) process.kill(pid, 'SIGKILL');
    }
  }
}

interface LoadResult {
  operations: number;
  errors: number;
  byKind: Record<string, number>;
  peakRss: Map<string, number>;
  endRss: Map<string, number>;
}

/** CLIENTS workers drive mixed traffic through the gateway for LOAD_SECONDS; RSS is sampled meanwhile. */
async function driveLoad(system: RunningSystem, pids: Map<string, number>): Promise<LoadResult> {
  const anonymous = system.gateway;
  const logIn = async (login: string, password: string) =>
    anonymous.withToken((await anonymous.ok(ops.LogInDocument, { login, password })).logIn.token);
  const admin = await logIn('admin', 'admin');
  const password = 'popug-password-1';
  const logins: string[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const login = `worker${i}x${process.pid}${system.shape.name}`;
    await admin.ok(ops.CreateUserDocument, {
      input: { login, password, role: 'WORKER', name: `Worker ${i}`, email: `${login}@ates.test` },
    });
    logins.push(login);
  }
  const workers = await Promise.all(logins.map((login) => logIn(login, password)));
  // The task tracker learns about the new popugs from users' events: wait until it can assign.
  const deadline = performance.now() + 30_000;
  for (;;) {
    const created = await workers[0]!.request(ops.CreateTaskDocument, {
      input: { title: 'Warm-up task', description: '' },
    });
    if (!created.errors?.length) break;
    if (performance.now() > deadline)
      throw new Error(`cannot create tasks: ${JSON.stringify(created.errors)}`);
    await sleep(200);
  }

  const peakRss = rssOf(pids);
  const sampler = setInterval(() => {
    for (const [name, mib] of rssOf(pids)) peakRss.set(name, Math.max(peakRss.get(name) ?? 0, mib));
  }, SAMPLE_EVERY_MS);
  const byKind: Record<string, number> = {};
  let errors = 0;
  const end = performance.now() + LOAD_SECONDS * 1000;
  const loop = async (client: GraphQLClient, login: string, index: number) => {
    let step = index;
    while (performance.now() < end) {
      step += 1;
      const kind = MIX[step % MIX.length]!;
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      let result: { errors?: unknown[] };
      if (kind === 'myTasks') result = await client.request(ops.MyTasksDocument, { status: 'OPEN' });
      else if (kind === 'myAccount') result = await client.request(ops.MyAccountDocument, {});
      else if (kind === 'createTask')
        result = await client.request(ops.CreateTaskDocument, {
          input: { title: `Task ${login} ${step}`, description: 'footprint load' },
        });
      else if (kind === 'logIn') result = await anonymous.request(ops.LogInDocument, { login, password });
      else {
        const mine = await client.ok(ops.MyTasksDocument, { status: 'OPEN' });
        const task = mine.me?.tasks[0];
        result = task ? await client.request(ops.CompleteTaskDocument, { id: task.id }) : {};
      }
      if (result.errors?.length) errors += 1;
    }
  };
  try {
    await Promise.all(workers.map((client, i) => loop(client, logins[i]!, i)));
  } finally {
    clearInterval(sampler);
  }
  const endRss = rssOf(pids);
  for (const [name, mib] of endRss) peakRss.set(name, Math.max(peakRss.get(name) ?? 0, mib));
  const operations = Object.values(byKind).reduce((a, b) => a + b, 0);
  return { operations, errors, byKind, peakRss, endRss };
}

/** Idle RSS per process of each start, by name; the totals include the supervisor. */
type IdleRss = Map<string, number[]>;

const record = (idle: IdleRss, rss: Map<string, number>) => {
  for (const [name, mib] of rss) idle.set(name, [...(idle.get(name) ?? []), mib]);
  const total = [...rss.values()].reduce((a, b) => a + b, 0);
  idle.set('total', [...(idle.get('total') ?? []), Number(total.toFixed(1))]);
};

async function main() {
  const report = createReport(
    'footprint',
    'Footprint: memory and cold start of pnpm start',
    process.env.BENCH_COMMAND ?? 'pnpm bench footprint',
  );
  const built = performance.now();
  await buildServices();
  console.log(`pnpm build's services in ${Math.round(performance.now() - built)} ms`);
  const coldStartMs: Record<Shape['name'], number[]> = { default: [], build: [], separate: [] };
  const idle: Record<Shape['name'], IdleRss> = { default: new Map(), build: new Map(), separate: new Map() };
  const loads: Partial<Record<Shape['name'], LoadResult>> = {};
  for (let run = 0; run < RUNS; run++) {
    const setting = await settingFor(run);
    try {
      // Fresh databases first; the build and the separate processes start on what it left.
      for (const shape of [SHAPES.default, SHAPES.build, SHAPES.separate]) {
        const { system, coldStartMs: ms } = await spawnSystem(setting, shape);
        try {
          coldStartMs[shape.name].push(ms);
          const pids = processesOf(system);
          await sleep(IDLE_SETTLE_MS);
          const rss = rssOf(pids);
          record(idle[shape.name], rss);
          console.log(
            `start ${run + 1}/${RUNS} (${shape.name}): ready in ${Math.round(ms)} ms; idle RSS ${[...rss].map(([n, m]) => `${n} ${m}`).join(', ')} MiB`,
          );
          if (run === RUNS - 1 && shape.name !== 'build') {
            const load = await driveLoad(system, pids);
            loads[shape.name] = load;
            console.log(
              `load (${shape.name}): ${load.operations} operations in ${LOAD_SECONDS} s by ${CLIENTS} clients (${load.errors} errors); peak RSS ${[...load.peakRss].map(([n, m]) => `${n} ${m}`).join(', ')} MiB`,
            );
          }
        } finally {
          await stopSystem(system);
        }
      }
    } finally {
      await removeSetting(setting);
    }
  }
  const { default: load, separate: separateLoad } = loads;
  if (!load || !separateLoad) throw new Error('RUNS must be ≥ 1');
  for (const l of [load, separateLoad])
    if (l.errors > l.operations * 0.01)
      throw new Error(`${l.errors} of ${l.operations} operations failed under load`);

  const coldBuild = summarize(coldStartMs.build, 0);
  const idleTotal = summarize(idle.default.get('total')!, 1);
  const figures: Figure[] = [
    {
      id: 'footprint.coldStart',
      title: 'Cold start of pnpm start (spawn → every /readyz and a gateway query answer; fresh databases)',
      value: summarize(coldStartMs.default, 0),
      unit: 'ms',
      note: 'every service in one process, from the sources (tsx); includes creating and migrating every database; web bundles already built',
    },
    {
      id: 'footprint.coldStart.build',
      title: 'Cold start of pnpm start --prod (from the build; existing databases)',
      value: coldBuild,
      unit: 'ms',
      goal: `≤ ${COLD_START_GOAL_MS.toLocaleString('en-US')} ms`,
      met: coldBuild.median <= COLD_START_GOAL_MS,
      note: 'every service in one process, plain node; the supervisor runs through tsx',
    },
    {
      id: 'footprint.coldStart.separate',
      title: 'Cold start of pnpm start --separate (a process per service, sources; existing databases)',
      value: summarize(coldStartMs.separate, 0),
      unit: 'ms',
    },
    {
      id: 'footprint.rss.idle.total',
      title: 'RSS idle: pnpm start, supervisor and the process of every service',
      value: idleTotal,
      unit: 'MiB',
      goal: `≤ ${RSS_GOAL_MIB} MiB`,
      met: idleTotal.median <= RSS_GOAL_MIB,
      note: 'from the sources; Postgres and NATS not included (before issue 25: 8 processes, 1,262 MiB without the supervisor)',
    },
    {
      id: 'footprint.rss.idle.build.total',
      title: 'RSS idle: pnpm start --prod, supervisor and the process of every service',
      value: summarize(idle.build.get('total')!, 1),
      unit: 'MiB',
    },
    {
      id: 'footprint.rss.idle.separate.total',
      title: `RSS idle: pnpm start --separate, supervisor and ${services().length} service processes`,
      value: summarize(idle.separate.get('total')!, 1),
      unit: 'MiB',
    },
  ];
  for (const name of [SUPERVISOR, ALL_IN_ONE.name])
    figures.push(
      {
        id: `footprint.rss.idle.${name}`,
        title: `RSS idle: ${name} (pnpm start)`,
        value: summarize(idle.default.get(name)!, 1),
        unit: 'MiB',
      },
      {
        id: `footprint.rss.load.${name}`,
        title: `RSS peak under load: ${name} (pnpm start)`,
        value: load.peakRss.get(name)!,
        unit: 'MiB',
      },
    );
  for (const spec of services())
    figures.push(
      {
        id: `footprint.rss.idle.${spec.name}`,
        title: `RSS idle: ${spec.name} (pnpm start --separate)`,
        value: summarize(idle.separate.get(spec.name)!, 1),
        unit: 'MiB',
      },
      {
        id: `footprint.rss.load.${spec.name}`,
        title: `RSS peak under load: ${spec.name} (pnpm start --separate)`,
        value: separateLoad.peakRss.get(spec.name)!,
        unit: 'MiB',
      },
    );
  const peakTotal = (l: LoadResult) => [...l.peakRss.values()].reduce((sum, mib) => sum + mib, 0);
  const loadNote = (l: LoadResult) =>
    `${CLIENTS} clients for ${LOAD_SECONDS} s: ${l.operations} operations (${Math.round(l.operations / LOAD_SECONDS)}/s), ${l.errors} errors`;
  figures.push(
    {
      id: 'footprint.rss.load.total',
      title:
        'RSS peak under load: pnpm start, supervisor and the process of every service (sum of per-process peaks)',
      value: Number(peakTotal(load).toFixed(1)),
      unit: 'MiB',
      note: loadNote(load),
    },
    {
      id: 'footprint.rss.load.separate.total',
      title: `RSS peak under load: pnpm start --separate, supervisor and ${services().length} service processes (sum of per-process peaks)`,
      value: Number(peakTotal(separateLoad).toFixed(1)),
      unit: 'MiB',
      note: loadNote(separateLoad),
    },
  );
  report.figures.push(...figures);
  const raw = (rss: IdleRss) => Object.fromEntries(rss);
  const loadDetails = (l: LoadResult) => ({
    operations: l.operations,
    errors: l.errors,
    byKind: l.byKind,
    peakRssMiB: Object.fromEntries(l.peakRss),
    endRssMiB: Object.fromEntries(l.endRss),
  });
  report.details = {
    runs: RUNS,
    loadSeconds: LOAD_SECONDS,
    clients: CLIENTS,
    idleSettleMs: IDLE_SETTLE_MS,
    coldStartMs: Object.fromEntries(Object.entries(coldStartMs).map(([k, v]) => [k, v.map(Math.round)])),
    idleRssMiB: { default: raw(idle.default), build: raw(idle.build), separate: raw(idle.separate) },
    load: { default: loadDetails(load), separate: loadDetails(separateLoad) },
  };
  writeReport(report);
}

await main();
