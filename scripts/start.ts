/**
 * `pnpm start`: one command that brings up all of aTES on local defaults.
 * Postgres and NATS are used where they answer; otherwise an embedded Postgres and a
 * `nats-server` from PATH are started under `.data/`. Every service runs in one Node process
 * (scripts/all-in-one.ts), each on its own port, database and consumers; `--separate` gives
 * each a process of its own, as in production. A process that dies after it started is
 * restarted with backoff (1 s doubling to 30 s); Ctrl-C stops everything cleanly.
 * `--prod` runs the build (`pnpm build`: dist/) instead of the TypeScript sources.
 *
 * `pnpm start --cluster`: the scale-out shape on one machine — a 3-node JetStream cluster
 * (unless `NATS_URL` names one), streams with 3 replicas, two replicas of every service, and on
 * each service's usual port a TCP balancer in front of its replicas (docs/scaling.md).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_NATS_URL,
  DEFAULT_POSTGRES_URL,
  ensureDevKeys,
  natsAddress,
  telemetrySettings,
  withDatabase,
} from '@ates/service-kit/local';
import { parseCli } from '@ates/service-kit/cli';
import { Balancer } from './lib/balancer.ts';
import { buildBundle, staleBundles } from './lib/builds.ts';
import {
  anyReachable,
  findOnPath,
  isReachable,
  parseClusterPorts,
  startEmbeddedPostgres,
  startNatsCluster,
  startNatsServer,
  type StartedInfra,
} from './lib/infra.ts';
import { runService, superviseService, waitForHttp, type SupervisedProcess } from './lib/processes.ts';
import {
  ALL_IN_ONE,
  allInOneArgs,
  distEntry,
  serviceArgs,
  services,
  type ServiceSpec,
} from './lib/services.ts';
import { repoRoot } from './lib/subgraphs.ts';

const { values: flags } = parseCli('pnpm start', {
  usage: `Usage: pnpm start [--prod] [--separate | --cluster]

Starts all of aTES: every subgraph, worker and the gateway (web UI and GraphQL on
http://127.0.0.1:4000), all in one Node process, each on its own port and database.
Uses the PostgreSQL and NATS that answer (ATES_POSTGRES_URL, NATS_URL), else starts an
embedded PostgreSQL and nats-server under .data/.
Ports and the rest of the configuration: the README's configuration table.

Options:
  --prod       run the build (dist/, from \`pnpm build\`) with plain node, no TypeScript loader
  --separate   every service in a process of its own, as compose and production run them
  --cluster    a 3-node JetStream cluster (ATES_NATS_CLUSTER_PORTS, default 4222,4223,4224;
               or the one NATS_URL lists), R3 streams, two replicas of every service, each
               behind a balancer on the service's usual port (docs/scaling.md)
  -h, --help   this text`,
  options: {
    prod: { type: 'boolean', default: false },
    separate: { type: 'boolean', default: false },
    cluster: { type: 'boolean', default: false },
  },
});

const dataDir = process.env.ATES_DATA_DIR ?? path.join(repoRoot, '.data');
const cluster = flags.cluster;
/**
 * Every service in one process (the default), or each in its own: `--separate`, `--cluster`,
 * and with tracing on, where each process names its spans after its service.
 */
const tracing = telemetrySettings().enabled;
const allInOne = !flags.separate && !cluster && !tracing;
/**
 * In cluster mode, replica k of a service listens on its port + k × this step (100 unless
 * `ATES_REPLICA_PORT_STEP` says otherwise, e.g. to keep a run inside a block of ports on a
 * shared machine); the port itself is its balancer.
 */
const REPLICA_PORT_STEP = Number(process.env.ATES_REPLICA_PORT_STEP ?? 100);
if (!Number.isInteger(REPLICA_PORT_STEP) || REPLICA_PORT_STEP < 1)
  throw new Error(
    `ATES_REPLICA_PORT_STEP must be a positive integer, got ${process.env.ATES_REPLICA_PORT_STEP}`,
  );
const say = (line: string) => process.stdout.write(`${'aTES'.padEnd(10)} │ ${line}\n`);

const started: StartedInfra[] = [];
const balancers: Balancer[] = [];
const running: SupervisedProcess[] = [];
let stopping = false;

let stopped: Promise<void> | undefined;

async function stopAll(code: number): Promise<never> {
  // A second caller (a service exiting while main() fails) waits for the same stop.
  stopped ??= (async () => {
    stopping = true;
    say('stopping…');
    for (const proc of [...running].reverse()) await proc.stop();
    for (const balancer of balancers) await balancer.close();
    for (const infra of [...started].reverse()) await infra.stop();
    say('stopped');
  })();
  await stopped;
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function ensurePostgres(): Promise<string> {
  const url = process.env.ATES_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
  if (await isReachable(url, 5432)) return url;
  if (process.env.ATES_POSTGRES_URL)
    throw new Error(`PostgreSQL does not answer at ATES_POSTGRES_URL=${url}`);
  say(`no PostgreSQL at ${url}: starting an embedded one under ${path.join(dataDir, 'postgres')}`);
  const pg = await startEmbeddedPostgres(dataDir, Number(new URL(url).port || 5432));
  started.push(pg);
  return pg.url;
}

async function ensureNats(): Promise<string> {
  const url = process.env.NATS_URL ?? DEFAULT_NATS_URL;
  if (process.env.NATS_URL) {
    if (await anyReachable(url)) return url;
    throw new Error(`no NATS server answers at NATS_URL=${url}`);
  }
  const binary = findOnPath('nats-server');
  if (cluster) {
    if (!binary) throw new Error('--cluster needs nats-server on PATH (Debian: apt-get install nats-server)');
    const ports = parseClusterPorts(process.env.ATES_NATS_CLUSTER_PORTS ?? '4222,4223,4224');
    for (const port of ports.flatMap((p) => [p.client, p.route]))
      if (await isReachable(`nats://127.0.0.1:${port}`, port))
        throw new Error(
          `--cluster: something already listens on 127.0.0.1:${port}; pick free ports with ATES_NATS_CLUSTER_PORTS (client ports, or client:route) or give the cluster's NATS_URL`,
        );
    say(
      `starting a ${ports.length}-node JetStream cluster with ${binary} under ${path.join(dataDir, 'nats-N')}`,
    );
    const nats = await startNatsCluster(binary, dataDir, ports, say);
    started.push(nats);
    return nats.url;
  }
  if (await anyReachable(url)) return url;
  if (!binary) {
    throw new Error(
      `no NATS at ${url} and no nats-server on PATH: install it (Debian: apt-get install nats-server) or set NATS_URL`,
    );
  }
  say(`no NATS at ${url}: starting ${binary} -js under ${path.join(dataDir, 'nats')}`);
  const nats = await startNatsServer(binary, dataDir, natsAddress(url).port);
  started.push(nats);
  return nats.url;
}

/** One process of a service; in cluster mode `replica` (1, 2) picks its port and name. */
interface Instance {
  spec: ServiceSpec;
  name: string;
  env: NodeJS.ProcessEnv;
  port?: number;
}

/**
 * The processes to run: one per service, or in cluster mode two per service (the payment
 * sandbox, a stand-in for the external bank, stays single) with a balancer on the usual port
 * of each one that has clients (subgraphs, gateway).
 */
function instancesOf(spec: ServiceSpec, env: NodeJS.ProcessEnv): Instance[] {
  const port = spec.port ? Number(env[spec.port.env]) : undefined;
  if (!cluster || spec.name === 'payment-sandbox') return [{ spec, name: spec.name, env, port }];
  return [1, 2].map((replica) => {
    const replicaPort = port === undefined ? undefined : port + replica * REPLICA_PORT_STEP;
    return {
      spec,
      name: `${spec.name}-${replica}`,
      port: replicaPort,
      env: spec.port ? { ...env, [spec.port.env]: String(replicaPort) } : env,
    };
  });
}

/**
 * Creates the streams with their replica count once, before the services start, so they do not
 * all race to create them on a cluster that may still be electing its leaders (retried until
 * JetStream answers).
 */
async function ensureStreamsOnce(natsUrl: string, replicas: string): Promise<void> {
  const args = [
    '--import',
    'tsx',
    path.join(repoRoot, 'packages/events/src/cli/main.ts'),
    'streams',
    'ensure',
  ];
  args.push('--replicas', replicas);
  if (process.env.ATES_NATS_NAMESPACE) args.push('--namespace', process.env.ATES_NATS_NAMESPACE);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = spawnSync(process.execPath, args, {
      env: { ...process.env, NATS_URL: natsUrl },
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (result.status === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `could not create the streams: ${result.stderr || result.stdout || String(result.error)}`,
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Restarted with backoff if it dies later; failing to start at all stops everything. */
function supervise(name: string, args: string[], env: NodeJS.ProcessEnv, width: number, byService = false) {
  const proc = superviseService(
    () => runService(name, args, env, width, { prefixByService: byService }),
    say,
    (code) => {
      if (stopping) return;
      say(`${name} exited with code ${code} while starting: stopping everything`);
      void stopAll(1);
    },
  );
  running.push(proc);
  return proc;
}

const healthUrl = (spec: ServiceSpec, port: number | undefined) =>
  spec.healthPath && port ? `http://127.0.0.1:${port}${spec.healthPath}` : undefined;

/** Every service in one process; its log lines say which service wrote them. */
async function startAllInOne(specs: ServiceSpec[], env: NodeJS.ProcessEnv): Promise<void> {
  const width = Math.max(10, ...specs.map((s) => s.name.length), ALL_IN_ONE.name.length);
  const proc = supervise(ALL_IN_ONE.name, allInOneArgs(specs, flags.prod), env, width, true);
  const urls = specs.flatMap((spec) => healthUrl(spec, spec.port && Number(env[spec.port.env])) ?? []);
  // One after another: they come up together, and polling all at once takes CPU from their start.
  for (const url of urls) await waitForHttp(url, () => proc.current().child.exitCode === null);
  proc.keepAlive();
}

/** A process per service (per replica in cluster mode), group by group. */
async function startSeparately(specs: ServiceSpec[], env: NodeJS.ProcessEnv): Promise<void> {
  const instances = specs.flatMap((spec) => instancesOf(spec, env));
  if (cluster) {
    for (const spec of specs) {
      const replicas = instances.filter((i) => i.spec === spec && i.port !== undefined);
      if (!spec.port || (!spec.address && spec.name !== 'gateway') || replicas.length < 2) continue;
      const balancer = new Balancer(
        spec.name,
        replicas.map((i) => i.port!),
      );
      await balancer.listen(Number(env[spec.port.env]));
      balancers.push(balancer);
      say(`${spec.name}: balancer on ${env[spec.port.env]} → ${replicas.map((i) => i.port).join(', ')}`);
    }
  }

  const width = Math.max(10, ...instances.map((i) => i.name.length));
  // Group by group, and within one the first replicas (each migrates its database) before the second.
  const waves = [...new Set(instances.map((i) => `${i.spec.group}:${i.name.endsWith('-2') ? 2 : 1}`))].sort();
  for (const wave of waves) {
    const members = instances.filter((i) => `${i.spec.group}:${i.name.endsWith('-2') ? 2 : 1}` === wave);
    const procs = members.map((instance) => ({
      instance,
      proc: supervise(instance.name, serviceArgs(instance.spec, flags.prod), instance.env, width),
    }));
    await Promise.all(
      procs.map(({ instance, proc }) => {
        const url = healthUrl(instance.spec, instance.port);
        return url ? waitForHttp(url, () => proc.current().child.exitCode === null) : Promise.resolve();
      }),
    );
  }
  for (const proc of running) proc.keepAlive();
}

async function main(): Promise<void> {
  if (flags.prod) {
    const missing = [...services(), ...(allInOne ? [ALL_IN_ONE] : [])].filter(
      (spec) => !fs.existsSync(distEntry(spec.name)),
    );
    if (missing.length > 0)
      throw new Error(`no build of ${missing.map((s) => s.name).join(', ')}: run \`pnpm build\` first`);
  }
  const postgresUrl = await ensurePostgres();
  const natsUrl = await ensureNats();
  const replicas = process.env.ATES_NATS_STREAM_REPLICAS ?? (cluster ? '3' : undefined);
  if (replicas && replicas !== '1') {
    say(`creating the streams with ${replicas} replicas`);
    await ensureStreamsOnce(natsUrl, replicas);
  }
  // Generated once before the services start, so they never race to create them.
  ensureDevKeys(dataDir);
  if (!flags.prod) for (const bundle of staleBundles()) buildBundle(bundle, say);

  const specs = services();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ATES_DATA_DIR: dataDir,
    NATS_URL: natsUrl,
    // One per run, shared by the gateway and the services only (signs the client address).
    ATES_INTERNAL_SECRET: process.env.ATES_INTERNAL_SECRET ?? randomBytes(32).toString('base64url'),
    // Only the payment sandbox and accounting's payout worker know it: the sandbox's doors stay shut to others.
    ATES_PAYMENT_SANDBOX_SECRET:
      process.env.ATES_PAYMENT_SANDBOX_SECRET ?? randomBytes(32).toString('base64url'),
  };
  if (cluster) env.ATES_NATS_STREAM_REPLICAS ??= '3';
  for (const spec of specs) {
    if (spec.database && !env[spec.database.env])
      env[spec.database.env] = withDatabase(postgresUrl, spec.database.name);
    if (spec.port && !env[spec.port.env]) env[spec.port.env] = String(spec.port.value);
    // The gateway and the payout worker find a service on whatever port it was given.
    if (spec.port && spec.address && !env[spec.address.env])
      env[spec.address.env] = `http://127.0.0.1:${env[spec.port.env]}${spec.address.path}`;
  }

  if (tracing && !flags.separate && !cluster)
    say('tracing is on: every service in a process of its own, so that each names its spans');
  if (allInOne) await startAllInOne(specs, env);
  else await startSeparately(specs, env);
  const gatewayPort = env.GATEWAY_PORT ?? '4000';
  if (cluster)
    say(
      `cluster: NATS ${natsUrl} (streams with ${env.ATES_NATS_STREAM_REPLICAS} replicas), two replicas of every service behind the balancers`,
    );
  say(
    `ready: web UI at http://127.0.0.1:${gatewayPort}/ and GraphQL at http://127.0.0.1:${gatewayPort}/graphql`,
  );
  if (!process.env.ATES_ADMIN_LOGIN)
    say('first admin (on an empty database): login "admin", password "admin"');
  say('press Ctrl-C to stop');
}

main().catch((error: unknown) => {
  say(`start failed: ${error instanceof Error ? error.message : String(error)}`);
  void stopAll(1);
});
