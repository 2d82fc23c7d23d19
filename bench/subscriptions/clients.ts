import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export type Result = FormattedExecutionResult<Record<string, unknown>, unknown>;

/** Wall-clock ms with sub-ms precision, comparable across the bench's processes. */
export const nowMs = () => performance.timeOrigin + performance.now();

/** One subscribed graphql-ws client: its own socket, one subscription, each delivery time-stamped. */
export interface Subscriber {
  client: Client;
  /**
   * Receipt times (nowMs) since the last reset, with the task a myAccount push names, or the
   * day's fees (cents) an accountingToday push shows.
   */
  received: Array<{ at: number; taskId?: string; feesCharged?: number }>;
  /** The fees of the latest accountingToday push, kept across resets (a round's starting point). */
  lastFees?: number;
  /** `lastFees` at the last reset. */
  startFees?: number;
  errors: number;
}

export interface SubscriberPool {
  subscribers: Subscriber[];
  /** Deliveries across all subscribers since the last reset. */
  count(): number;
  /** nowMs() of the latest delivery. */
  lastAt(): number;
  reset(): void;
  dispose(): Promise<void>;
}

export interface SubscriberSpec {
  token?: string;
  query: string;
}

/** The day's fees charged (cents) an accountingToday push shows. */
function feesOf(result: Result): number | undefined {
  const today = (result.data as { accountingToday?: { feesCharged: string } } | null)?.accountingToday;
  return today ? Math.round(Number(today.feesCharged) * 100) : undefined;
}

/** The newest transaction's task of a myAccount event (how a latency round matches it to its commit). */
function taskOf(result: Result): string | undefined {
  const account = (
    result.data as { myAccount?: { transactions: { nodes: Array<{ task: { id: string } | null }> } } } | null
  )?.myAccount;
  return account?.transactions.nodes[0]?.task?.id;
}

/**
 * Opens one socket per spec (connections are opened BATCH at a time, as a crowd of browsers
 * would, rather than all handshakes in one burst) and subscribes each to its operation.
 */
export async function subscribeAll(httpUrl: string, specs: SubscriberSpec[]): Promise<SubscriberPool> {
  const BATCH = 100;
  let total = 0;
  let last = 0;
  const subscribers: Subscriber[] = [];
  for (let i = 0; i < specs.length; i += BATCH) {
    const batch = specs.slice(i, i + BATCH);
    await Promise.all(
      batch.map(async (spec) => {
        let connected: () => void = () => {};
        const ready = new Promise<void>((resolve) => (connected = resolve));
        const client = createClient({
          url: httpUrl.replace(/^http/, 'ws'),
          webSocketImpl: WebSocket,
          connectionParams: spec.token ? { authorization: `Bearer ${spec.token}` } : {},
          lazy: false,
          retryAttempts: 0,
          onNonLazyError: (error) => console.error('subscriber connection failed', error),
          on: { connected: () => connected() },
        });
        const subscriber: Subscriber = { client, received: [], errors: 0 };
        client.subscribe<Record<string, unknown>, unknown>(
          { query: spec.query },
          {
            next: (result) => {
              const at = nowMs();
              total += 1;
              last = at;
              if (result.errors?.length) subscriber.errors += 1;
              const taskId = taskOf(result);
              const feesCharged = feesOf(result);
              if (feesCharged !== undefined) subscriber.lastFees = feesCharged;
              subscriber.received.push({ at, taskId, feesCharged });
            },
            error: (error) => {
              subscriber.errors += 1;
              console.error('subscription ended with an error', error);
            },
            complete: () => undefined,
          },
        );
        subscribers.push(subscriber);
        await ready;
      }),
    );
  }
  return {
    subscribers,
    count: () => total,
    lastAt: () => last,
    reset: () => {
      total = 0;
      for (const s of subscribers) {
        s.received = [];
        s.startFees = s.lastFees;
      }
    },
    dispose: async () => {
      await Promise.all(subscribers.map((s) => s.client.dispose()));
    },
  };
}

/**
 * Resolves when `count()` reaches `target`, or when nothing new arrived for `idleMs` (for the
 * first delivery, up to `firstMs`: on a loaded machine a fan-out may take seconds to start).
 */
export async function waitForCount(
  count: () => Promise<number>,
  target: number,
  idleMs = 5000,
  firstMs = 60_000,
): Promise<number> {
  const start = await count();
  let seen = start;
  let since = performance.now();
  while (seen < target) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = await count();
    if (now !== seen) {
      seen = now;
      since = performance.now();
    } else if (performance.now() - since > (seen === start ? Math.max(idleMs, firstMs) : idleMs)) return seen;
  }
  return seen;
}

/** A child process speaking `{ type }` messages over IPC. */
export interface Child {
  process: ChildProcess;
  ask<T>(type: string, reply: string): Promise<T>;
  /** Sends `message` and resolves with the child's first message of type `reply`. */
  request<T>(message: { type: string } & Record<string, unknown>, reply: string): Promise<T>;
  stop(): Promise<void>;
}

export async function forkChild<Ready>(
  script: string,
  env: Record<string, string> = {},
): Promise<{ child: Child; ready: Ready }> {
  const proc = fork(path.join(import.meta.dirname, script), [], {
    // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each child, for finding where the time goes.
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  // A bench that fails half-way leaves nothing running: the child stops with it.
  const killOnExit = () => proc.kill('SIGTERM');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const request = <T>(message: { type: string } & Record<string, unknown>, reply: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== reply) return;
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        resolve(message as T);
      };
      const onExit = (code: number | null) => {
        proc.off('message', onMessage);
        reject(new Error(`${script} exited (${code}) before answering ${message.type}`));
      };
      proc.on('message', onMessage);
      proc.once('exit', onExit);
      if (message.type) proc.send(message);
    });
  const ask = <T>(type: string, reply: string) => request<T>({ type }, reply);
  const ready = await ask<Ready>('', 'ready');
  return {
    ready,
    child: {
      process: proc,
      ask,
      request,
      stop: async () => {
        if (proc.exitCode === null) proc.send({ type: 'stop' });
        const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      },
    },
  };
}
