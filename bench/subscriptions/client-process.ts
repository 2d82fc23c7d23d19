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
  | { type: 'latencies'; commits: Array<{ id: string; committedAt: number }>; ordered: string[] }
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
 * Commit → receipt of each delivery since the last reset. In `ordered` groups (accountingToday:
 * one event per transaction, in order) the k-th delivery reflects the k-th commit; elsewhere
 * (myAccount) a delivery names its task.
 */
function latencies(commits: Array<{ id: string; committedAt: number }>, ordered: string[]): LatencySummary {
  const values: number[] = [];
  let unmatched = 0;
  const byTask = new Map(commits.map((c) => [c.id, c.committedAt]));
  for (const [group, pool] of pools) {
    for (const s of pool.subscribers) {
      s.received.forEach(({ at, taskId }, k) => {
        const committedAt = ordered.includes(group) ? commits[k]?.committedAt : byTask.get(taskId ?? '');
        if (committedAt === undefined) unmatched += 1;
        else values.push(at - committedAt);
      });
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
      case 'latencies':
        return send({ type: 'latencies', ...latencies(message.commits, message.ordered) });
      case 'stop':
        await disposeAll();
        process.exit(0);
    }
  })();
});

send({ type: 'ready' });
