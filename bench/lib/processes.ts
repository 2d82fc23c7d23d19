/** Child processes of the benches: free ports, started, waited for, measured, stopped. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { services } from '../../scripts/lib/services.ts';
import { processCpuMs } from './cpu.ts';

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  /** The last lines it printed, for a failure's message. */
  tail: string[];
}

/** A service as `pnpm start` runs it (scripts/lib/services.ts): its entry and its variables. */
export interface BenchService<N extends string = string> {
  name: N;
  entry: string;
  /** The variable of its listening port. */
  portEnv: string;
  /** The variable of its database URL, if it has one. */
  databaseEnv?: string;
}

/** These services, in this order, from the list `pnpm start` runs (one place for their entry points and variables). */
export function benchServices<N extends string>(names: readonly N[]): BenchService<N>[] {
  const all = services();
  return names.map((name) => {
    const spec = all.find((s) => s.name === name);
    if (!spec?.port) throw new Error(`no service ${name} with a port in scripts/lib/services.ts`);
    return {
      name,
      entry: spec.entry,
      portEnv: spec.port.env,
      ...(spec.database ? { databaseEnv: spec.database.env } : {}),
    };
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; ipc?: boolean } = {},
): Child {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) tail.push(line);
    if (tail.length > 100) tail.splice(0, tail.length - 100);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, process: child, pid: child.pid, tail };
}

const failure = (child: Child, why: string) =>
  new Error(`${child.name} ${why}:\n${child.tail.slice(-25).join('\n')}`);

/**
 * The first IPC message of `type` from a child started with `ipc`; fails when the child exits
 * first or after `timeoutMs`.
 */
export function waitForMessage<M extends { type?: string }>(
  child: Child,
  type: string,
  timeoutMs: number,
): Promise<M> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.process.off('message', onMessage);
      child.process.off('exit', onExit);
    };
    const timer = setTimeout(() => {
      done();
      reject(failure(child, `sent no ${type} after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onMessage = (message: M) => {
      if (message.type !== type) return;
      done();
      resolve(message);
    };
    const onExit = (code: number | null) => {
      done();
      reject(failure(child, `exited with ${code}`));
    };
    child.process.on('message', onMessage);
    child.process.once('exit', onExit);
  });
}

/** A node script that reports `{ type: 'ready', url }` over IPC (baseline-servers.ts). */
export async function startNodeServer(
  name: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Child & { url: string }> {
  const child = startChild(name, process.execPath, ['--import', 'tsx', script, ...args], { env, ipc: true });
  const { url } = await waitForMessage<{ type?: string; url: string }>(child, 'ready', 60_000);
  return { ...child, url };
}

/** Waits until `url` (a service's /healthz) answers 2xx to a GET; fails when the process exits first. */
export async function waitHealthy(
  url: string,
  child: ChildProcess,
  name: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} not healthy after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** Waits until `url` answers 2xx to a GET (a service's /healthz), or the child dies. */
export async function waitForHttp(child: Child, url: string, timeoutMs = 120_000): Promise<void> {
  const started = performance.now();
  for (;;) {
    if (child.process.exitCode !== null) throw failure(child, `exited with ${child.process.exitCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw failure(child, `did not answer ${url}`);
    await sleep(100);
  }
}

/** The pid and every descendant of it (a CLI that forks workers). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while /proc was read
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** CPU ms used so far by a process and its descendants. */
export function treeCpuMs(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      total += processCpuMs(p);
    } catch {
      // ended between listing and reading
    }
  }
  return total;
}

export async function stopChild(child: Child): Promise<void> {
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!stopped) {
    proc.kill('SIGKILL');
    await exited;
  }
}
