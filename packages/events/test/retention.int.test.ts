import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createMetrics } from '@ates/service-kit';
import { createTestNamespace, metricValue, parseMetrics, testNatsUrl } from '@ates/testing';
import {
  connectNats,
  DEFAULT_RETENTION,
  DOMAINS,
  ensureStreams,
  parseRetention,
  registerEventMetrics,
  removeStreams,
  streamName,
} from '../src/index.ts';

let nats: NatsConnection;
let jsm: JetStreamManager;
const namespace = createTestNamespace();
const ns = (ms: number) => ms * 1_000_000;

beforeAll(async () => {
  nats = await connectNats(testNatsUrl());
  jsm = await jetstreamManager(nats);
});
afterAll(async () => {
  await removeStreams(jsm, namespace);
  await nats.close();
});

describe('stream retention', () => {
  it('bounds every stream by age, by default beyond a daily backup, and by size when asked', async () => {
    const infos = await ensureStreams(jsm, namespace);
    expect(infos.map((i) => [i.config.max_age, i.config.max_bytes])).toEqual(
      DOMAINS.map((d) => [ns(DEFAULT_RETENTION[d].maxAgeMs), DEFAULT_RETENTION[d].maxBytes]),
    );
    for (const d of DOMAINS) expect(DEFAULT_RETENTION[d].maxAgeMs).toBeGreaterThan(24 * 3600_000);
  });

  it("keeps an operator's limits when a service starts without any, and bounds an unbounded stream", async () => {
    const retention = parseRetention('tasks=45d:20MiB');
    const set = await ensureStreams(jsm, namespace, { retention });
    // Small: JetStream reserves a stream's max_bytes in the store the tests share.
    expect(set[1]?.config).toMatchObject({ max_age: ns(45 * 86_400_000), max_bytes: 20 * 1024 ** 2 });
    expect(set[0]?.config.max_age).toBe(ns(DEFAULT_RETENTION.users.maxAgeMs));
    const kept = await ensureStreams(jsm, namespace);
    expect(kept[1]?.config.max_age).toBe(ns(45 * 86_400_000));
    // A stream made before limits existed grows forever: the next start bounds it.
    await jsm.streams.update(streamName(namespace, 'users'), { max_age: 0, max_bytes: -1 });
    const bounded = await ensureStreams(jsm, namespace);
    expect(bounded[0]?.config.max_age).toBe(ns(DEFAULT_RETENTION.users.maxAgeMs));
  });

  it('refuses a retention it cannot read', () => {
    expect(parseRetention('jobs=12h:512MiB, users=1.5d:1GiB')).toEqual({
      jobs: { maxAgeMs: 12 * 3600_000, maxBytes: 512 * 1024 ** 2 },
      users: { maxAgeMs: 36 * 3600_000, maxBytes: 1024 ** 3 },
    });
    expect(() => parseRetention('orders=1d:1GiB')).toThrow(/unknown stream "orders"/);
    expect(() => parseRetention('tasks=1w:1GiB')).toThrow(/age "1w"/);
    expect(parseRetention('tasks=1d')).toEqual({ tasks: { maxAgeMs: 86_400_000, maxBytes: -1 } });
    expect(() => parseRetention('tasks=1d:lots')).toThrow(/size "lots"/);
  });

  it('reports each stream’s bytes, messages and the age of its oldest event', async () => {
    const subject = `${namespace}.tasks.task.probe`;
    const js = jetstream(nats);
    await js.publish(subject, new TextEncoder().encode('{}'));
    await js.publish(subject, new TextEncoder().encode('{}'));
    const metrics = createMetrics('retention-test', { defaultMetrics: false });
    const names = DOMAINS.map((d) => streamName(namespace, d));
    registerEventMetrics(metrics, { streams: { jsm, names } });
    const samples = parseMetrics(await metrics.registry.metrics());
    const tasks = { stream: streamName(namespace, 'tasks') };
    expect(metricValue(samples, 'ates_stream_messages', tasks)).toBe(2);
    expect(metricValue(samples, 'ates_stream_bytes', tasks)).toBeGreaterThan(0);
    expect(metricValue(samples, 'ates_stream_oldest_event_age_seconds', tasks)).toBeGreaterThanOrEqual(0);
    expect(metricValue(samples, 'ates_stream_oldest_event_age_seconds', { stream: names[0]! })).toBe(0);
  });

  it('keeps a size-bounded stream within its bound under sustained publishing, dropping the oldest first', async () => {
    const bounded = createTestNamespace();
    await ensureStreams(jsm, bounded, { retention: parseRetention('tasks=30d:256KiB') });
    try {
      const js = jetstream(nats);
      const body = new TextEncoder().encode(JSON.stringify({ pad: 'x'.repeat(480) }));
      // 4 MiB through a 256 KiB stream, in waves of 100 publishes in flight.
      for (let wave = 0; wave < 80; wave++)
        await Promise.all(Array.from({ length: 100 }, () => js.publish(`${bounded}.tasks.task.probe`, body)));
      const name = streamName(bounded, 'tasks');
      const { state } = await jsm.streams.info(name);
      expect(state.last_seq).toBe(8000);
      expect(state.bytes).toBeLessThanOrEqual(256 * 1024);
      expect(state.first_seq).toBeGreaterThan(7000);
      const metrics = createMetrics('retention-bound-test', { defaultMetrics: false });
      registerEventMetrics(metrics, { streams: { jsm, names: [name] } });
      const samples = parseMetrics(await metrics.registry.metrics());
      expect(metricValue(samples, 'ates_stream_bytes', { stream: name })).toBeLessThanOrEqual(256 * 1024);
    } finally {
      await removeStreams(jsm, bounded);
    }
  });
});
