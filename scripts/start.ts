/**
 * `pnpm start`: one command that brings up all of aTES on local defaults.
 * Postgres and NATS are used where they answer; otherwise an embedded Postgres and a
 * `nats-server` from PATH are started under `.data/`. Ctrl-C stops everything cleanly.
 * `--prod` runs the build (`pnpm build`: dist/) instead of the TypeScript sources.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DEFAULT_NATS_URL, DEFAULT_POSTGRES_URL, ensureDevKeys, withDatabase } from '@ates/service-kit';
import { parseCli } from '@ates/service-kit/cli';
import { distEntry } from './lib/build.ts';
import { buildBundle, staleBundles } from './lib/builds.ts';
import {
  findOnPath,
  isReachable,
  startEmbeddedPostgres,
  startNatsServer,
  type StartedInfra,
} from './lib/infra.ts';
import { runService, waitForHttp, type ManagedProcess } from './lib/processes.ts';
import { services } from './lib/services.ts';
import { repoRoot } from './lib/subgraphs.ts';

const { values: flags } = parseCli('pnpm start', {
  usage: `Usage: pnpm start [--prod]

Starts all of aTES: every subgraph, worker and the gateway (web UI and GraphQL on
http://127.0.0.1:4000). Uses the PostgreSQL and NATS that answer (ATES_POSTGRES_URL,
NATS_URL), else starts an embedded PostgreSQL and nats-server under .data/.
Ports and the rest of the configuration: the README's configuration table.

Options:
  --prod       run the build (dist/, from \`pnpm build\`) with plain node, no TypeScript loader
  -h, --help   this text`,
  options: { prod: { type: 'boolean', default: false } },
});

const dataDir = process.env.ATES_DATA_DIR ?? path.join(repoRoot, '.data');
const say = (line: string) => process.stdout.write(`${'aTES'.padEnd(10)} │ ${line}\n`);

const started: StartedInfra[] = [];
const running: ManagedProcess[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping…');
    for (const proc of [...running].reverse()) await proc.stop();
    for (const infra of [...started].reverse()) await infra.stop();
    say('stopped');
  }
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
  if (await isReachable(url, 4222)) return url;
  if (process.env.NATS_URL) throw new Error(`NATS does not answer at NATS_URL=${url}`);
  const binary = findOnPath('nats-server');
  if (!binary) {
    throw new Error(
      `no NATS at ${url} and no nats-server on PATH: install it (Debian: apt-get install nats-server) or set NATS_URL`,
    );
  }
  say(`no NATS at ${url}: starting ${binary} -js under ${path.join(dataDir, 'nats')}`);
  const nats = await startNatsServer(binary, dataDir, Number(new URL(url).port || 4222));
  started.push(nats);
  return nats.url;
}

async function main(): Promise<void> {
  if (flags.prod) {
    const missing = services().filter((spec) => !fs.existsSync(distEntry(spec.name)));
    if (missing.length > 0)
      throw new Error(`no build of ${missing.map((s) => s.name).join(', ')}: run \`pnpm build\` first`);
  }
  const postgresUrl = await ensurePostgres();
  const natsUrl = await ensureNats();
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
  for (const spec of specs) {
    if (spec.database && !env[spec.database.env])
      env[spec.database.env] = withDatabase(postgresUrl, spec.database.name);
    if (spec.port && !env[spec.port.env]) env[spec.port.env] = String(spec.port.value);
    // The gateway and the payout worker find a service on whatever port it was given.
    if (spec.port && spec.address && !env[spec.address.env])
      env[spec.address.env] = `http://127.0.0.1:${env[spec.port.env]}${spec.address.path}`;
  }

  const width = Math.max(10, ...specs.map((s) => s.name.length));
  const groups = [...new Set(specs.map((s) => s.group))].sort((a, b) => a - b);
  for (const group of groups) {
    const members = specs.filter((s) => s.group === group);
    const procs = members.map((spec) => {
      const args = flags.prod ? [distEntry(spec.name)] : ['--import', 'tsx', path.join(repoRoot, spec.entry)];
      const proc = runService(spec.name, args, env, width);
      running.push(proc);
      void proc.exited.then((code) => {
        if (stopping) return;
        say(`${spec.name} exited with code ${code}: stopping everything`);
        void stopAll(1);
      });
      return { spec, proc };
    });
    await Promise.all(
      procs.map(({ spec, proc }) =>
        spec.healthPath && spec.port
          ? waitForHttp(
              `http://127.0.0.1:${env[spec.port.env]}${spec.healthPath}`,
              () => proc.child.exitCode === null,
            )
          : Promise.resolve(),
      ),
    );
  }
  const gatewayPort = env.GATEWAY_PORT ?? '4000';
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
