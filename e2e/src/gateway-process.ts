import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@ates/service-kit';
import { freePort } from './service-processes.ts';
import type { TestSystem } from './system.ts';

/** A gateway in a process of its own, in front of a test system's subgraphs: its CPU and RSS are its own. */
export interface GatewayProcess {
  url: string;
  pid: number;
  /** CPU time (user + system) the process has used so far, in ms (10 ms resolution). */
  cpuMs(): number;
  /** Resident set size now, in MB. */
  rssMb(): number;
  alive(): boolean;
  stop(): Promise<void>;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

export async function startGatewayProcess(
  system: TestSystem,
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  const port = await freePort();
  const urls = Object.fromEntries(
    system.gateway.endpoints.map((e) => [`ATES_${e.name.toUpperCase()}_URL`, e.url]),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'gateway/src/main.ts')],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        GATEWAY_PORT: String(port),
        ATES_JWT_PUBLIC_KEY: system.keys.publicKeyPem,
        ATES_UI_DIR: '/nonexistent',
        ATES_EXPLORER_DIR: '/nonexistent',
        ...urls,
        ...env,
      },
    },
  );
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error('the gateway process exited at start');
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error('the gateway process did not start within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    cpuMs: () => {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ".
      return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    },
    rssMb: () => {
      const line = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return Number(line?.[1] ?? 0) / 1024;
    },
    alive: () => !exited,
    stop: async () => {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
