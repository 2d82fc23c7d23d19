import { jetstreamManager, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
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
): Promise<{ jsm: JetStreamManager; elections: Elections; close(): Promise<void> }> {
  const nc = await connectNats(cluster.nats.url, { name: 'chaos-leaders', reconnectTimeWaitMs: 100 });
  const elections = watchElections(nc, cluster.namespace);
  return {
    // No API check: right after a full cluster restart its account-info request can time out.
    jsm: await jetstreamManager(nc, { timeout: 1000, checkAPI: false }),
    elections,
    close: async () => {
      elections.close();
      await nc.close();
    },
  };
}

/** When each Raft group of the run last announced a new leader (ms since the epoch, as received). */
export interface Elections {
  /** The groups (named as by `groupLeaders`) that had a new leader at or after `since`, and when. */
  since(since: number): Map<string, number>;
  close(): void;
}

/**
 * Listens to the leader-elected advisories every new stream and consumer leader publishes
 * (`$JS.EVENT.ADVISORY.{STREAM,CONSUMER}.LEADER_ELECTED.…`): the moment of each election,
 * which polling `info` sees only as precisely as its API timeout.
 */
function watchElections(nc: NatsConnection, namespace: string): Elections {
  const last = new Map<string, number>();
  const domainOf = new Map<string, string>(DOMAINS.map((d) => [streamName(namespace, d), d.toUpperCase()]));
  const subs = [
    nc.subscribe('$JS.EVENT.ADVISORY.STREAM.LEADER_ELECTED.*', {
      callback: (_, msg) => {
        const domain = domainOf.get(msg.subject.split('.').at(-1)!);
        if (domain) last.set(domain, Date.now());
      },
    }),
    nc.subscribe('$JS.EVENT.ADVISORY.CONSUMER.LEADER_ELECTED.*.*', {
      callback: (_, msg) => {
        const [stream, consumer] = msg.subject.split('.').slice(-2);
        const domain = domainOf.get(stream!);
        if (domain) last.set(`${domain}/${consumer}`, Date.now());
      },
    }),
  ];
  return {
    since: (since) => new Map([...last].filter(([, at]) => at >= since)),
    close: () => subs.forEach((s) => s.unsubscribe()),
  };
}

/** Where each stream's leader is now (node name), and which nodes hold its other replicas. */
export async function streamPlacement(
  jsm: JetStreamManager,
  namespace: string,
  timeoutMs = 30_000,
): Promise<Array<{ stream: string; messages: number; leader: string; replicas: string[] }>> {
  const deadline = Date.now() + timeoutMs;
  // A healthy cluster still misses a 1 s API deadline now and then under load: ask again.
  const infoOf = async (stream: string): Promise<StreamInfo> => {
    for (;;) {
      try {
        return await jsm.streams.info(stream);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(250);
      }
    }
  };
  return Promise.all(
    DOMAINS.map(async (domain) => {
      const info = await infoOf(streamName(namespace, domain));
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
 * The Raft groups of the run — each stream (named by its domain, `TASKS`) and each durable
 * consumer (`TASKS/accounting-tasks`) — with a read of the node that leads it now ('' when
 * none does, or it does not answer: an info is answered by the group's leader only).
 */
function raftGroups(
  jsm: JetStreamManager,
  namespace: string,
): Array<{ group: string; leader: () => Promise<string> }> {
  return [
    ...DOMAINS.map((domain) => ({
      group: domain.toUpperCase(),
      leader: async () => (await jsm.streams.info(streamName(namespace, domain))).cluster?.leader ?? '',
    })),
    ...CONSUMERS.map((c) => ({
      group: `${c.domain.toUpperCase()}/${c.name}`,
      leader: async () =>
        (await jsm.consumers.info(streamName(namespace, c.domain), c.name)).cluster?.leader ?? '',
    })),
  ];
}

/** Which node leads each stream and durable consumer of the run now. */
export async function groupLeaders(jsm: JetStreamManager, namespace: string): Promise<Map<string, string>> {
  const groups = raftGroups(jsm, namespace);
  const leaders = await Promise.all(groups.map((g) => g.leader().catch(() => '')));
  return new Map(groups.map((g, i) => [g.group, leaders[i]!]));
}

/**
 * Polls until every stream of the run and every durable consumer answers its info with a leader
 * (an info is answered by the group's leader only): the moment the cluster has failed over.
 * `elected` hears when each group answered first (the groups the dead node led: their election).
 */
export async function waitForLeaders(
  jsm: JetStreamManager,
  namespace: string,
  timeoutMs: number,
  elected: (group: string, at: number) => void = () => {},
): Promise<number> {
  const groups = raftGroups(jsm, namespace);
  const done = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await Promise.all(
      groups.map(async ({ group, leader }, i) => {
        if (done.has(i)) return;
        if ((await leader().catch(() => '')) !== '') {
          done.add(i);
          elected(group, Date.now());
        }
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
