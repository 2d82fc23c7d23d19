/**
 * Footprint benchmark (issue 11, figure 8): starts the whole system exactly as `pnpm start`
 * does (scripts/start.ts, every service a process of its own) on fresh databases and a NATS
 * namespace of its own, and reports
 * - cold start: from spawning `pnpm start`'s script until every service's /readyz answers 200
 *   and the gateway answers a query (median of RUNS starts);
 * - the resident memory (RSS) of each process idle after start (median of RUNS starts) and its
 *   peak under LOAD_SECONDS of mixed traffic through the gateway by CLIENTS workers (logins,
 *   createTask, completeTask, MyTasks and MyAccount), in the last start; and the totals.
 * The issue sets no goals here: the figures are reported, without a verdict.
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
import { services, type ServiceSpec } from '../../scripts/lib/services.ts';
import { repoRoot } from '../../scripts/lib/subgraphs.ts';

const RUNS = Number(process.env.RUNS ?? 3);
const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 20);
const CLIENTS = Number(process.env.CLIENTS ?? 8);
/** How long the system sits idle after start before its RSS is read. */
const IDLE_SETTLE_MS = Number(process.env.IDLE_SETTLE_MS ?? 5000);
const START_TIMEOUT_MS = 120_000;
const SAMPLE_EVERY_MS = 250;
const SUPERVISOR = 'start (supervisor)';
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
  child: ChildProcess;
  specs: ServiceSpec[];
  ports: Map<string, number>;
  databases: string[];
  namespace: string;
  dataDir: string;
  /** The last lines the system printed, for a failure's message. */
  tail: string[];
  gateway: GraphQLClient;
}

async function spawnSystem(run: number): Promise<{ system: RunningSystem; coldStartMs: number }> {
  const specs = services();
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
  for (const spec of specs) {
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
  const gatewayPort = ports.get('gateway');
  if (gatewayPort === undefined) throw new Error('no gateway in scripts/lib/services.ts');
  const tail: string[] = [];
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/start.ts')], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) tail.push(line);
    if (tail.length > 200) tail.splice(0, tail.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const system: RunningSystem = {
    child,
    specs,
    ports,
    databases: [...databases],
    namespace,
    dataDir,
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

/** The supervisor and the service processes it started (its children), by service name. */
function processesOf(system: RunningSystem): Map<string, number> {
  const supervisor = system.child.pid;
  if (supervisor === undefined) throw new Error('pnpm start has no pid');
  const out = new Map<string, number>([[SUPERVISOR, supervisor]]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    let cmdline: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // the process ended while the list was read
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== supervisor) continue;
    const spec = system.specs.find((s) => cmdline.includes(path.join(repoRoot, s.entry)));
    if (spec) out.set(spec.name, Number(entry));
  }
  const missing = system.specs.filter((s) => !out.has(s.name)).map((s) => s.name);
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
  for (const url of system.databases) await dropDatabase(url);
  const nc = await connect({ servers: natsServers(natsUrl) });
  try {
    const jsm = await jetstreamManager(nc);
    await removeStreams(jsm, system.namespace);
  } finally {
    await nc.close();
  }
  fs.rmSync(system.dataDir, { recursive: true, force: true });
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
    const login = `worker${i}x${process.pid}`;
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

async function main() {
  const report = createReport(
    'footprint',
    'Footprint: memory and cold start of pnpm start',
    process.env.BENCH_COMMAND ?? 'pnpm bench footprint',
  );
  const coldStartMs: number[] = [];
  const idle = new Map<string, number[]>();
  let load: LoadResult | undefined;
  for (let run = 0; run < RUNS; run++) {
    const { system, coldStartMs: ms } = await spawnSystem(run);
    try {
      coldStartMs.push(ms);
      const pids = processesOf(system);
      await sleep(IDLE_SETTLE_MS);
      const rss = rssOf(pids);
      for (const [name, mib] of rss) idle.set(name, [...(idle.get(name) ?? []), mib]);
      console.log(
        `start ${run + 1}/${RUNS}: ready in ${Math.round(ms)} ms; idle RSS ${[...rss].map(([n, m]) => `${n} ${m}`).join(', ')} MiB`,
      );
      if (run === RUNS - 1) {
        load = await driveLoad(system, pids);
        console.log(
          `load: ${load.operations} operations in ${LOAD_SECONDS} s by ${CLIENTS} clients (${load.errors} errors); peak RSS ${[...load.peakRss].map(([n, m]) => `${n} ${m}`).join(', ')} MiB`,
        );
      }
    } finally {
      await stopSystem(system);
    }
  }
  if (!load) throw new Error('RUNS must be ≥ 1');
  if (load.errors > load.operations * 0.01)
    throw new Error(`${load.errors} of ${load.operations} operations failed under load`);

  const figures: Figure[] = [
    {
      id: 'footprint.coldStart',
      title: 'Cold start of pnpm start (spawn → every /readyz and a gateway query answer; fresh databases)',
      value: summarize(coldStartMs, 0),
      unit: 'ms',
      note: 'includes creating and migrating every database; bundles already built',
    },
  ];
  const names = [...idle.keys()];
  const serviceNames = names.filter((n) => n !== SUPERVISOR);
  for (const name of names) {
    figures.push({
      id: `footprint.rss.idle.${name}`,
      title: `RSS idle: ${name}`,
      value: summarize(idle.get(name)!, 1),
      unit: 'MiB',
    });
    figures.push({
      id: `footprint.rss.load.${name}`,
      title: `RSS peak under load: ${name}`,
      value: load.peakRss.get(name)!,
      unit: 'MiB',
    });
  }
  const idleTotals = idle
    .get(serviceNames[0]!)!
    .map((_, run) => serviceNames.reduce((sum, name) => sum + idle.get(name)![run]!, 0));
  const loadTotal = serviceNames.reduce((sum, name) => sum + load.peakRss.get(name)!, 0);
  figures.push(
    {
      id: 'footprint.rss.idle.total',
      title: `RSS idle: all ${serviceNames.length} service processes`,
      value: summarize(idleTotals, 1),
      unit: 'MiB',
      note: `plus the pnpm start supervisor; Postgres and NATS not included`,
    },
    {
      id: 'footprint.rss.load.total',
      title: `RSS peak under load: all ${serviceNames.length} service processes (sum of per-process peaks)`,
      value: Number(loadTotal.toFixed(1)),
      unit: 'MiB',
      note: `${CLIENTS} clients for ${LOAD_SECONDS} s: ${load.operations} operations (${Math.round(load.operations / LOAD_SECONDS)}/s), ${load.errors} errors`,
    },
  );
  report.figures.push(...figures);
  report.details = {
    runs: RUNS,
    loadSeconds: LOAD_SECONDS,
    clients: CLIENTS,
    idleSettleMs: IDLE_SETTLE_MS,
    coldStartMs: coldStartMs.map(Math.round),
    idleRssMiB: Object.fromEntries(idle),
    load: {
      operations: load.operations,
      errors: load.errors,
      byKind: load.byKind,
      peakRssMiB: Object.fromEntries(load.peakRss),
      endRssMiB: Object.fromEntries(load.endRss),
    },
  };
  writeReport(report);
}

await main();
