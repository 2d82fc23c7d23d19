/**
 * How big a chaos run is. `CHAOS_SHORT=1` is the CI variant (a few minutes on two cores shared
 * with other work); the default is the full run, started by hand. Everything is bounded: a
 * fixed number of operations, a fixed list of faults, and a deadline for every wait.
 */
export interface ChaosSettings {
  name: 'short' | 'full';
  /** Operations the load driver sends through the gateways. */
  operations: number;
  /** Operations in flight at once (virtual users). */
  concurrency: number;
  /** How long a killed process or a stopped server stays down before it is restarted. */
  downtimeMs: number;
  /** Faults, in order, spread evenly over the operations (see faults.ts). */
  faults: FaultName[];
  /** Popugs signed up before the load starts (more sign up during it). */
  initialWorkers: number;
  /** Latency of the payment sandbox during the close, so the payout worker is killed mid-payment. */
  paymentLatencyMs: number;
  /** Upper bound of the catch-up after the load (outboxes drained, consumers at 0, payouts paid). */
  catchUpTimeoutMs: number;
  /** Service log level (logs go to files under the run directory). */
  logLevel: string;
  /** `CHAOS_SABOTAGE=1`: the negative control (see sabotage.ts). */
  sabotage: boolean;
}

export type FaultName =
  | 'kill-accounting'
  | 'kill-analytics'
  | 'kill-tasks'
  | 'kill-gateway'
  | 'kill-email'
  | 'kill-accounting-all'
  | 'kill-analytics-all'
  | 'kill-tasks-all'
  | 'close-day'
  | 'backup'
  | 'restore-accounting'
  | 'restart-nats'
  | 'kill-nats-leader'
  | 'kill-nats-follower'
  | 'postgres-connection-storm'
  | 'restart-postgres'
  | 'drop-connections';

const SHORT: ChaosSettings = {
  name: 'short',
  operations: 360,
  concurrency: 3,
  downtimeMs: 1_000,
  // No fault whose stall is measured between 'backup' and 'restore-accounting': the restore's
  // replay commits those events again, at its own time.
  faults: [
    'kill-accounting',
    'kill-nats-leader',
    'kill-tasks',
    'kill-nats-follower',
    'backup',
    'close-day',
    'restore-accounting',
    'postgres-connection-storm',
    'kill-analytics',
    'restart-postgres',
  ],
  initialWorkers: 6,
  paymentLatencyMs: 250,
  // A message in flight at a process that was killed waits out its ack wait (30 s) before it
  // is delivered again, and a nak after an outage may wait 30 s: the catch-up takes a minute or
  // more after the last fault (30 s steps when redeliveries chain).
  catchUpTimeoutMs: 180_000,
  logLevel: 'info',
  sabotage: false,
};

const FULL: ChaosSettings = {
  name: 'full',
  operations: 3_000,
  concurrency: 4,
  downtimeMs: 3_000,
  faults: [
    'kill-accounting',
    'kill-analytics',
    'kill-nats-leader',
    'kill-tasks',
    'restart-nats',
    'kill-gateway',
    'kill-nats-follower',
    'postgres-connection-storm',
    'kill-accounting-all',
    'drop-connections',
    'backup',
    'kill-email',
    'close-day',
    'restore-accounting',
    'kill-tasks-all',
    'restart-postgres',
    'kill-analytics-all',
    'restart-nats',
    'kill-nats-leader',
    'kill-accounting',
    'restart-postgres',
  ],
  initialWorkers: 10,
  paymentLatencyMs: 300,
  catchUpTimeoutMs: 300_000,
  logLevel: 'info',
  sabotage: false,
};

export function chaosSettings(env: NodeJS.ProcessEnv = process.env): ChaosSettings {
  const base = env.CHAOS_SHORT === '1' || env.CHAOS_SHORT === 'true' ? SHORT : FULL;
  const operations = env.CHAOS_OPERATIONS ? Number(env.CHAOS_OPERATIONS) : base.operations;
  if (!Number.isInteger(operations) || operations < 50)
    throw new Error(`CHAOS_OPERATIONS must be an integer ≥ 50, got ${env.CHAOS_OPERATIONS}`);
  return {
    ...base,
    operations,
    logLevel: env.CHAOS_LOG_LEVEL ?? base.logLevel,
    sabotage: env.CHAOS_SABOTAGE === '1',
  };
}
