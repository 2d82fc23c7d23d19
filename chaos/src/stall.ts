import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connectNats, DOMAINS, streamName } from '@ates/events';
import type { ChaosCluster } from './cluster.ts';
import { CONSUMERS, PRODUCERS } from './checks.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** After the cause of a fault is gone, every consumer applies what is waiting within this bound. */
export const STALL_BOUND_MS = 5_000;

/** A fault that can stall the event pipeline, for the latency figures after the run. */
export interface StallWindow {
  fault: string;
  /** When the fault began (a node killed, the storm started). */
  startedAt: number;
  /**
   * When its cause was gone: every stream and consumer had a leader again (a NATS node killed),
   * or the storm's connections were released.
   */
  recoveredAt: number;
  /** Events created up to this moment are measured. */
  until: number;
}

export interface ConsumerStall {
  consumer: string;
  events: number;
  /** Longest time from an event's commit at its producer to its commit at this consumer. */
  maxLatencyMs: number;
  /** Longest time from max(commit, recoveredAt) to the consumer's commit: what the bound holds. */
  maxAfterRecoveryMs: number;
}

/**
 * A connection for watching the cluster's leaders, with a short API timeout: a stream or
 * consumer without a leader does not answer, and the next poll should not wait long for that.
 */
export async function leaderWatch(
  cluster: ChaosCluster,
): Promise<{ jsm: JetStreamManager; close(): Promise<void> }> {
  const nc = await connectNats(cluster.nats.url, { name: 'chaos-leaders', reconnectTimeWaitMs: 100 });
  return { jsm: await jetstreamManager(nc, { timeout: 1000 }), close: () => nc.close() };
}

/** Where each stream's leader is now (node name), and which nodes hold its other replicas. */
export async function streamPlacement(
  jsm: JetStreamManager,
  namespace: string,
): Promise<Array<{ stream: string; messages: number; leader: string; replicas: string[] }>> {
  return Promise.all(
    DOMAINS.map(async (domain) => {
      const info = await jsm.streams.info(streamName(namespace, domain));
      return {
        stream: info.config.name,
        messages: info.state.messages,
        leader: info.cluster?.leader ?? '',
        replicas: (info.cluster?.replicas ?? []).map((r) => r.name),
      };
    }),
  );
}

/**
 * Polls until every stream of the run and every durable consumer answers its info with a leader
 * (an info is answered by the group's leader only): the moment the cluster has failed over.
 */
export async function waitForLeaders(
  jsm: JetStreamManager,
  namespace: string,
  timeoutMs: number,
): Promise<number> {
  const groups: Array<() => Promise<boolean>> = [
    ...DOMAINS.map((domain) => async () => {
      const info = await jsm.streams.info(streamName(namespace, domain));
      return !!info.cluster?.leader;
    }),
    ...CONSUMERS.map((c) => async () => {
      const info = await jsm.consumers.info(streamName(namespace, c.domain), c.name);
      return !!info.cluster?.leader;
    }),
  ];
  const done = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await Promise.all(
      groups.map(async (check, i) => {
        if (done.has(i)) return;
        if (await check().catch(() => false)) done.add(i);
      }),
    );
    if (done.size === groups.length) return Date.now();
    if (Date.now() > deadline)
      throw new Error(
        `${groups.length - done.size} streams/consumers still had no leader after ${timeoutMs} ms`,
      );
    await sleep(100);
  }
}

/**
 * How long each durable consumer took to apply the events committed in a fault's window, from
 * the producers' outbox (`created_at`) and the consumers' inbox (`processed_at`), both stamped by
 * the one Postgres server. Read after the run, once everything has been applied.
 */
export async function consumerStalls(cluster: ChaosCluster, window: StallWindow): Promise<ConsumerStall[]> {
  const from = new Date(window.startedAt - 2_000);
  const until = new Date(window.until);
  const out: ConsumerStall[] = [];
  for (const consumer of CONSUMERS) {
    const producer = PRODUCERS[consumer.domain];
    if (!producer) continue;
    const created = await cluster.sql(producer)<{ id: string; at: Date }[]>`
      select id::text as id, created_at as at from outbox
      where type = any(${consumer.types}) and created_at between ${from} and ${until}`;
    if (created.length === 0) continue;
    const applied = await cluster.sql(consumer.db)<{ id: string; at: Date }[]>`
      select event_id::text as id, processed_at as at from inbox
      where consumer = ${consumer.name} and event_id = any(${created.map((r) => r.id)}::uuid[])`;
    const appliedAt = new Map(applied.map((r) => [r.id, r.at.getTime()]));
    let maxLatencyMs = 0;
    let maxAfterRecoveryMs = 0;
    for (const row of created) {
      const at = appliedAt.get(row.id);
      if (at === undefined) continue; // dead-lettered: reported by the events check
      const createdAt = row.at.getTime();
      maxLatencyMs = Math.max(maxLatencyMs, at - createdAt);
      maxAfterRecoveryMs = Math.max(maxAfterRecoveryMs, at - Math.max(createdAt, window.recoveredAt));
    }
    out.push({ consumer: consumer.name, events: appliedAt.size, maxLatencyMs, maxAfterRecoveryMs });
  }
  return out;
}

/**
 * Polls until every stream and consumer of the run has a leader and all its other replicas
 * current again (a restarted node has caught up); returns how long that took.
 */
export async function waitForReplicas(
  jsm: JetStreamManager,
  namespace: string,
  timeoutMs: number,
): Promise<number> {
  const t0 = Date.now();
  const healthy = (cluster: { leader?: string; replicas?: Array<{ current: boolean }> } | undefined) =>
    !!cluster?.leader &&
    (cluster.replicas ?? []).length === 2 &&
    (cluster.replicas ?? []).every((r) => r.current);
  for (;;) {
    const checks = await Promise.all([
      ...DOMAINS.map((domain) =>
        jsm.streams.info(streamName(namespace, domain)).then(
          (info) => healthy(info.cluster),
          () => false,
        ),
      ),
      ...CONSUMERS.map((c) =>
        jsm.consumers.info(streamName(namespace, c.domain), c.name).then(
          (info) => healthy(info.cluster),
          () => false,
        ),
      ),
    ]);
    if (checks.every(Boolean)) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`the restarted NATS node did not catch up within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}
