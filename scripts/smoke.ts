/**
 * `pnpm smoke`: the whole system from the build, as production runs it. Starts every service
 * with `pnpm start --prod` (plain `node dist/<name>.js`, checked: no TypeScript loader in any
 * of them) on ports 4700+ and databases `ates_smoke_*` of its own, runs a small `pnpm demo`
 * through the gateway (log-ins, tasks, completions, a shuffle, a closed day and its payouts),
 * with tracing exported to a receiver of its own (one trace must cross four services and the
 * outbox), then stops everything. Run `pnpm build` first. CI runs it once.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_POSTGRES_URL, withDatabase } from '@ates/service-kit';
import { parseCli } from '@ates/service-kit/cli';
import { distDir } from './lib/build.ts';
import { startOtlpReceiver, tracesBySpread } from './lib/otlp-receiver.ts';
import { services } from './lib/services.ts';
import { repoRoot } from './lib/subgraphs.ts';

parseCli('pnpm smoke', {
  usage: `Usage: pnpm smoke

Starts all of aTES from the build (run \`pnpm build\` first) on ports 4700–4712 (or the
*_PORT variables set), databases ates_smoke_* and NATS namespace "smoke", runs a small demo
through the gateway, and stops. Exit code 0 when the demo completed.

Options:
  -h, --help   this text`,
  options: {},
});

const READY_TIMEOUT_MS = 180_000;
const SMOKE_PORTS: Record<string, number> = {
  GATEWAY_PORT: 4700,
  USERS_PORT: 4701,
  TASKS_PORT: 4702,
  ACCOUNTING_PORT: 4703,
  ANALYTICS_PORT: 4704,
  PAYMENT_SANDBOX_PORT: 4710,
  EMAIL_WORKER_PORT: 4711,
  PAYOUT_WORKER_PORT: 4712,
};

const say = (line: string) => process.stdout.write(`smoke │ ${line}\n`);
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ATES_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ates-smoke-')),
  ATES_NATS_NAMESPACE: process.env.ATES_NATS_NAMESPACE ?? 'smoke',
};
for (const [name, port] of Object.entries(SMOKE_PORTS)) env[name] ??= String(port);
// Tracing on, exported to a receiver here: the build's instrumentation is checked too.
const receiver = await startOtlpReceiver();
Object.assign(env, {
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '200',
});
delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
delete env.OTEL_TRACES_EXPORTER;
delete env.OTEL_SDK_DISABLED;

/** Whether one trace went from the gateway through the outbox to consumers in other services. */
async function traced(): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [widest = []] = tracesBySpread(receiver.spans());
    const services = [...new Set(widest.map((s) => s.service))].sort();
    const through =
      widest.some((s) => s.name.startsWith('outbox publish')) && widest.some((s) => / process /.test(s.name));
    if ((services.length >= 4 && through) || Date.now() > deadline) {
      say(
        `tracing: widest trace ${services.join(', ')} (${widest.length} spans${through ? ', through the outbox' : ''})`,
      );
      return services.length >= 4 && through;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
const postgres = process.env.ATES_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
for (const spec of services())
  if (spec.database)
    env[spec.database.env] ??= withDatabase(postgres, `ates_smoke_${spec.name.replace(/-/g, '_')}`);

/** The command lines of the processes running the build (Linux: /proc). */
function builtProcesses(): string[][] {
  return fs
    .readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        return [fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)];
      } catch {
        return []; // gone meanwhile
      }
    })
    .filter((args) => args.some((arg) => arg.startsWith(`${distDir}/`)));
}

const start = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(repoRoot, 'scripts/start.ts'), '--prod'],
  {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const exited = new Promise<number | null>((resolve) => start.on('exit', (code) => resolve(code)));
let code = 1;
try {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    start.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      if (!chunk.toString().includes('ready: web UI')) return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then(
      (exit) => (clearTimeout(timer), reject(new Error(`pnpm start --prod exited (${exit})`))),
    );
  });
  const running = builtProcesses();
  const withLoader = running.filter((args) => args.some((arg) => /tsx|ts-node|\.ts$/.test(arg)));
  say(
    `${running.length} processes run the build: ${running.map((a) => path.basename(a.at(-1)!)).join(', ')}`,
  );
  if (running.length !== services().length || withLoader.length > 0)
    throw new Error(`expected ${services().length} plain node processes, found: ${JSON.stringify(running)}`);

  const url = `http://127.0.0.1:${env.GATEWAY_PORT}/graphql`;
  const demo = ['--popugs', '3', '--managers', '1', '--accountants', '1', '--tasks', '10', '--seed', '1'];
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'scripts/demo.ts'), '--url', url, ...demo],
    {
      env,
      stdio: 'inherit',
    },
  );
  code = result.status ?? 1;
  say(code === 0 ? 'the demo ran through the built system' : `the demo failed (exit ${code})`);
  if (code === 0 && !(await traced())) {
    say('no trace crossed four services and the outbox: tracing from the build is broken');
    code = 1;
  }
} catch (error) {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  start.kill('SIGINT');
  await exited;
  fs.rmSync(env.ATES_DATA_DIR!, { recursive: true, force: true });
  await receiver.close();
}
process.exit(code);
