/**
 * The bench's subscribers, in a process of their own (apart from the servers they measure
 * and from main.ts, which drives the load): graphql-ws clients in named groups, each delivery
 * time-stamped with a clock shared across processes (nowMs). Driven over IPC by main.ts.
 */
import { percentile } from '../lib/stats.ts';
import { subscribeAll, type SubscriberPool, type SubscriberSpec } from './clients.ts';

export interface GroupStats {
  subscribers: number;
  /** Deliveries since the last reset, and the fewest and most one subscriber got. */
  count: number;
  min: number;
  max: number;
  /** nowMs() of the group's latest delivery. */
  lastAt: number;
  errors: number;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
  deliveries: number;
  unmatched: number;
}

export type ClientMessage =
  | { type: 'subscribe'; group: string; url: string; specs: SubscriberSpec[] }
  | { type: 'unsubscribe' }
  | { type: 'reset' }
  | { type: 'stats' }
  | { type: 'window'; from: number; to: number }
  | {
      type: 'latencies';
      commits: Array<{ id: string; committedAt: number; fee?: number }>;
      ordered: string[];
    }
  | { type: 'stop' };

const pools = new Map<string, SubscriberPool>();
const send = (message: object) => process.send?.(message);

function stats(): Record<string, GroupStats> {
  return Object.fromEntries(
    [...pools].map(([group, pool]) => {
      let min = Number.POSITIVE_INFINITY;
      let max = 0;
      let errors = 0;
      for (const s of pool.subscribers) {
        min = Math.min(min, s.received.length);
        max = Math.max(max, s.received.length);
        errors += s.errors;
      }
      const summary: GroupStats = {
        subscribers: pool.subscribers.length,
        count: pool.count(),
        min: pool.subscribers.length > 0 ? min : 0,
        max,
        lastAt: pool.lastAt(),
        errors,
      };
      return [group, summary];
    }),
  );
}

/**
 * Commit → receipt, per commit and subscriber since the last reset. In `ordered` groups
 * (accountingToday: one push per batch of fees, each showing the day's fees so far) a commit
 * is shown by the first push whose fees reach the fees before the round plus every fee up to
 * and including its own (an upper bound if accounting applied two commits out of order);
 * elsewhere (myAccount) a push names its newest transaction's task.
 */
function latencies(
  commits: Array<{ id: string; committedAt: number; fee?: number }>,
  ordered: string[],
): LatencySummary {
  const values: number[] = [];
  let unmatched = 0;
  const byTask = new Map(commits.map((c) => [c.id, c.committedAt]));
  for (const [group, pool] of pools) {
    for (const s of pool.subscribers) {
      if (ordered.includes(group)) {
        let fees = s.startFees ?? 0;
        let k = 0;
        for (const commit of commits) {
          fees += commit.fee ?? Number.POSITIVE_INFINITY;
          while (k < s.received.length && (s.received[k]!.feesCharged ?? -1) < fees) k += 1;
          const shown = s.received[k];
          if (shown) values.push(shown.at - commit.committedAt);
          else unmatched += 1;
        }
        continue;
      }
      for (const { at, taskId } of s.received) {
        const committedAt = byTask.get(taskId ?? '');
        if (committedAt === undefined) unmatched += 1;
        else values.push(at - committedAt);
      }
    }
  }
  if (values.length === 0) return { p50: 0, p99: 0, max: 0, deliveries: 0, unmatched };
  return {
    p50: Math.round(percentile(values, 50)),
    p99: Math.round(percentile(values, 99)),
    max: Math.round(values.reduce((a, b) => Math.max(a, b), 0)),
    deliveries: values.length,
    unmatched,
  };
}

/** Deliveries per group received in [from, to] (nowMs): a capacity round's measured window. */
function windowCounts(from: number, to: number): Record<string, number> {
  return Object.fromEntries(
    [...pools].map(([group, pool]) => {
      let count = 0;
      for (const s of pool.subscribers)
        for (const { at } of s.received) if (at >= from && at <= to) count += 1;
      return [group, count];
    }),
  );
}

async function disposeAll() {
  await Promise.all([...pools.values()].map((pool) => pool.dispose()));
  pools.clear();
}

process.on('message', (message: ClientMessage) => {
  void (async () => {
    switch (message.type) {
      case 'subscribe':
        pools.set(message.group, await subscribeAll(message.url, message.specs));
        return send({ type: 'subscribed' });
      case 'unsubscribe':
        await disposeAll();
        return send({ type: 'unsubscribed' });
      case 'reset':
        for (const pool of pools.values()) pool.reset();
        return send({ type: 'reset-done' });
      case 'stats':
        return send({ type: 'stats', groups: stats() });
      case 'window':
        return send({ type: 'window', counts: windowCounts(message.from, message.to) });
      case 'latencies':
        return send({ type: 'latencies', ...latencies(message.commits, message.ordered) });
      case 'stop':
        await disposeAll();
        process.exit(0);
    }
  })();
});

send({ type: 'ready' });
