import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';

const COLORS = [36, 35, 33, 32, 34, 91, 92, 93, 94, 95, 96];
const LEVEL_COLORS: Record<string, number> = {
  fatal: 41,
  error: 31,
  warn: 33,
  info: 32,
  debug: 90,
  trace: 90,
};

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);

/** One pino JSON line → `hh:mm:ss LEVEL message key=value …`; anything else as it is. */
export function prettyLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const { time, level, msg, service: _service, err, ...rest } = entry;
    const clock = typeof time === 'string' ? time.slice(11, 19) : '';
    const lvl = typeof level === 'string' ? level : 'info';
    const extras = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const error =
      err && typeof err === 'object' && 'stack' in err
        ? `\n${String((err as { stack: unknown }).stack)}`
        : '';
    return `${clock} ${paint(LEVEL_COLORS[lvl] ?? 0, lvl.toUpperCase().padEnd(5))} ${String(msg ?? '')} ${paint(90, extras)}${error}`;
  } catch {
    return line;
  }
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stop(timeoutMs?: number): Promise<void>;
}

let colorIndex = 0;
const colorOf = new Map<string, number>();
/** One colour per name, the same across restarts. */
const colorFor = (name: string) => {
  let color = colorOf.get(name);
  if (color === undefined) colorOf.set(name, (color = COLORS[colorIndex++ % COLORS.length] ?? 36));
  return color;
};

/** The `service` of a pino JSON line, if it is one. */
function serviceOf(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  const match = /"service":"([^"\\]+)"/.exec(line);
  return match?.[1];
}

// One exit hook for every child (a listener each would pass Node's limit of 10 in cluster mode):
// whatever still runs when the supervisor exits is killed with it.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

export interface RunOptions {
  /**
   * Prefix each log line with the service that wrote it (its `service` field), not the process
   * name: for a process that runs several services (all-in-one).
   */
  prefixByService?: boolean;
}

/** Runs a service as a child process with its output prefixed by its name. */
export function runService(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  width: number,
  options: RunOptions = {},
): ManagedProcess {
  const prefix = (speaker: string) => paint(colorFor(speaker), `${speaker.padEnd(width)} │`);
  // Its own process group: Ctrl-C reaches only the supervisor, which stops services in order.
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  child.once('exit', () => live.delete(child));
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on('line', (line) => {
      const speaker = prefix((options.prefixByService && serviceOf(line)) || name);
      for (const out of prettyLine(line).split('\n')) process.stdout.write(`${speaker} ${out}\n`);
    });
  }
  // 'close' comes after the output streams end, so the last log lines are printed first.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    name,
    child,
    exited,
    stop: async (timeoutMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitForHttp(url: string, isAlive: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive()) throw new Error(`process exited before ${url} answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet: try again below
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
    // Often: a start is a few seconds, and each poll is one local request.
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RestartPolicy {
  /** The first wait before a restart; doubles per crash up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A process that stayed up this long starts again from `initialDelayMs`. */
  resetAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
};

/** The delay before restart number `attempt` (1, 2, …). */
export const restartDelayMs = (policy: RestartPolicy, attempt: number): number =>
  Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));

export interface SupervisedProcess {
  name: string;
  /** The process running now (a new one after each restart). */
  current(): ManagedProcess;
  /** From now on an exit restarts the process instead of calling `onFirstExit`. */
  keepAlive(): void;
  stop(): Promise<void>;
}

/**
 * Runs a service and, once `keepAlive()` was called (it started well), restarts it whenever it
 * exits, with exponential backoff, saying so through `say`. An exit before that (a start-up
 * failure, e.g. bad configuration) goes to `onFirstExit` instead: restarting would not help.
 */
export function superviseService(
  start: () => ManagedProcess,
  say: (line: string) => void,
  onFirstExit: (code: number | null) => void,
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): SupervisedProcess {
  let proc = start();
  let keepAlive = false;
  let stopping = false;
  let attempt = 0;
  let startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const watch = () => {
    const watched = proc;
    void watched.exited.then((code) => {
      if (stopping || watched !== proc) return;
      if (!keepAlive) return onFirstExit(code);
      attempt = Date.now() - startedAt >= policy.resetAfterMs ? 1 : attempt + 1;
      const delay = restartDelayMs(policy, attempt);
      say(`${proc.name} exited with code ${code}: restarting in ${delay / 1000} s (restart ${attempt})`);
      timer = setTimeout(() => {
        if (stopping) return;
        proc = start();
        startedAt = Date.now();
        say(`${proc.name} restarted (pid ${proc.child.pid})`);
        watch();
      }, delay);
    });
  };
  watch();
  return {
    name: proc.name,
    current: () => proc,
    keepAlive: () => {
      keepAlive = true;
    },
    stop: async () => {
      stopping = true;
      clearTimeout(timer);
      await proc.stop();
    },
  };
}
