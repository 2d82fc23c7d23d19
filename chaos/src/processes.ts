import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@ates/service-kit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ProcessSpec {
  /** Instance name, e.g. `accounting-1`; also its log file. */
  name: string;
  /** The service it is an instance of, e.g. `accounting`. */
  service: string;
  /** Entry point relative to the repository root, run like `pnpm start` does (`node --import tsx`). */
  entry: string;
  env: NodeJS.ProcessEnv;
  /** Health URL answered once the service is up (`/healthz`). */
  healthUrl: string;
  /** Readiness URL (`/readyz`: its database and NATS answer), when it has one. */
  readyUrl?: string;
  /** `/metrics`, when the service serves it. */
  metricsUrl?: string;
}

const children = new Set<ChildProcess>();
let hooked = false;

/** Whatever happens to the test process, no service outlives it. */
export function killOnExit(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
}

/**
 * One service instance as a real child process (output appended to
 * `<runDir>/logs/<name>.log` across restarts). Kills are SIGKILL. An exit nobody asked for is
 * recorded: the run fails on it, after restarting the process so the run can finish.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private expectingExit = false;
  readonly unexpectedExits: UnexpectedExit[] = [];
  starts = 0;
  kills = 0;
  /** Restarts by the restart policy after a crash. */
  crashRestarts = 0;
  /** Off while the run stops everything. */
  supervised = true;

  constructor(
    readonly spec: ProcessSpec,
    private readonly logDir: string,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get service(): string {
    return this.spec.service;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until its health endpoint answers. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const logFile = path.join(this.logDir, `${this.name}.log`);
    const out = fs.openSync(logFile, 'a');
    fs.writeSync(out, `\n===== chaos: start #${this.starts + 1} at ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, this.spec.entry)], {
      cwd: repoRoot,
      env: this.spec.env,
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.child = child;
    killOnExit(child);
    this.starts += 1;
    this.expectingExit = false;
    child.once('exit', (code, signal) => {
      if (this.child !== child || this.expectingExit) return;
      this.unexpectedExits.push({
        process: this.name,
        at: new Date().toISOString(),
        code,
        signal,
        output: tailBytes(logFile, 4096),
      });
      this.restartAfterCrash();
    });
    await this.waitHealthy(timeoutMs);
  }

  /** Starts it unless it is running already (the restart policy may have been quicker). */
  async ensureStarted(): Promise<void> {
    if (this.running) return this.waitHealthy();
    await this.start();
  }

  async waitHealthy(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited during start-up: see logs/${this.name}.log`);
      try {
        const response = await fetch(this.spec.healthUrl, { signal: AbortSignal.timeout(1000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`${this.name}: ${this.spec.healthUrl} did not answer within ${timeoutMs / 1000} s`);
      await sleep(200);
    }
  }

  /** kill -9: no shutdown hook runs, connections are cut mid-flight. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.expectingExit = true;
    this.kills += 1;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
  }

  /** SIGTERM (graceful), then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.supervised = false;
    const child = this.child;
    if (!child || !this.running) return;
    this.expectingExit = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /**
   * The restart policy of the deployments (`restart: unless-stopped`): a process that died by
   * itself is started again after a second, then after longer pauses while it keeps failing.
   */
  private restartAfterCrash(): void {
    if (!this.supervised) return;
    const failures = this.unexpectedExits.length;
    const delay = Math.min(1000 * 2 ** Math.max(0, failures - 1), 10_000);
    this.crashRestarts += 1;
    setTimeout(() => {
      if (!this.supervised || this.running) return;
      this.start().catch(() => {
        // It died again during start-up: that exit is recorded and schedules the next try.
      });
    }, delay).unref();
  }

  /** Waits until the process is up again (a crashed one is being restarted by the policy). */
  async waitRunning(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.running) {
      if (Date.now() > deadline) throw new Error(`${this.name} is not running`);
      await sleep(200);
    }
    await this.waitHealthy(Math.max(1000, deadline - Date.now()));
  }
}

export interface UnexpectedExit {
  process: string;
  at: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of its output when it died (the stack of an uncaught exception, usually). */
  output: string;
}

/** The last `bytes` of a file. */
export function tailBytes(file: string, bytes: number): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(bytes, size);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}
