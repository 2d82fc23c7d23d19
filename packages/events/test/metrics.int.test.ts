import { beforeEach, describe, expect, it } from 'vitest';
import { createMetrics, type ServiceMetrics } from '@ates/service-kit';
import { metricValue, parseMetrics } from '@ates/testing';
import { enqueueEvents, registerEventMetrics, startOutboxRelay, streamName } from '../src/index.ts';
import { consumerOptions, publishRaw, recordingHandlers, startConsumer } from './support/consumers.ts';
import { harnessPerFile, logger, userCreated } from './support/harness.ts';

const h = harnessPerFile('metrics');
beforeEach(async () => {
  await h.jsm.streams.purge(streamName(h.namespace, 'users'));
});

const scrape = async (metrics: ServiceMetrics) => parseMetrics(await metrics.registry.metrics());
const fresh = () => createMetrics('events-test', { defaultMetrics: false, logger });

describe('event pipeline metrics', () => {
  it('the outbox backlog counts committed events until the relay has published them', async () => {
    const metrics = fresh();
    registerEventMetrics(metrics, { outbox: h.database.sql });
    await h.database.db.transaction((tx) => enqueueEvents(tx, [userCreated(), userCreated(), userCreated()]));
    expect(metricValue(await scrape(metrics), 'ates_outbox_backlog')).toBe(3);

    const relay = startOutboxRelay({ sql: h.database.sql, nats: h.nats, namespace: h.namespace, logger });
    await relay.drained();
    await relay.stop();
    expect(metricValue(await scrape(metrics), 'ates_outbox_backlog')).toBe(0);
  });

  it('consumer lag counts the events a durable consumer has not applied, and returns to 0 once it caught up', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const consumer = await startConsumer(
      consumerOptions(h, 'lagging', recordingHandlers('lagging'), {
        handlers: { 'user.created': { 1: () => gate } },
      }),
    );
    const metrics = fresh();
    registerEventMetrics(metrics, { consumers: [consumer], lagCacheMs: 0 });
    const labels = { consumer: 'lagging', stream: consumer.stream };
    for (let i = 0; i < 5; i += 1) await publishRaw(h, 'user.created', userCreated());

    // Undelivered or delivered and unacknowledged, each of the five counts until it is applied.
    expect(metricValue(await scrape(metrics), 'ates_consumer_lag_messages', labels)).toBe(5);

    release();
    await consumer.caughtUp();
    const after = await scrape(metrics);
    expect(metricValue(after, 'ates_consumer_lag_messages', labels)).toBe(0);
    expect(metricValue(after, 'ates_consumer_ack_pending_messages', labels)).toBe(0);
    await consumer.stop();
  });

  it('last delivery age grows while the consumer receives nothing and restarts at each delivery', async () => {
    let clock = 1_000_000;
    const now = () => clock;
    const consumer = await startConsumer(consumerOptions(h, 'aging', recordingHandlers('aging'), { now }));
    const metrics = fresh();
    registerEventMetrics(metrics, { consumers: [consumer], now });
    const labels = { consumer: 'aging', stream: consumer.stream };
    clock += 7_000;
    expect(metricValue(await scrape(metrics), 'ates_consumer_last_delivery_age_seconds', labels)).toBe(7);

    await publishRaw(h, 'user.created', userCreated());
    await consumer.caughtUp();
    expect(metricValue(await scrape(metrics), 'ates_consumer_last_delivery_age_seconds', labels)).toBe(0);
    clock += 2_500;
    expect(metricValue(await scrape(metrics), 'ates_consumer_last_delivery_age_seconds', labels)).toBe(2.5);
    await consumer.stop();
  });

  it('dead letters are counted by consumer and status, 0 for a consumer without any', async () => {
    const consumer = await startConsumer(consumerOptions(h, 'poisoned', recordingHandlers('poisoned')));
    const metrics = fresh();
    registerEventMetrics(metrics, { deadLetters: h.database.sql, consumers: [consumer] });
    expect(
      metricValue(await scrape(metrics), 'ates_dead_letters', { consumer: 'poisoned', status: 'dead' }),
    ).toBe(0);

    await publishRaw(h, 'user.created', 'not json at all');
    await consumer.caughtUp();
    const samples = await scrape(metrics);
    expect(metricValue(samples, 'ates_dead_letters', { consumer: 'poisoned', status: 'dead' })).toBe(1);
    expect(metricValue(samples, 'ates_dead_letters', { consumer: 'poisoned', status: 'replayed' })).toBe(0);
    await consumer.stop();
  });

  it('a read that fails makes its gauge unknown (NaN) and is counted, without failing the scrape', async () => {
    const metrics = fresh();
    metrics.scrapedGauge({
      name: 'ates_test_broken',
      help: 'always fails',
      collect: () => Promise.reject(new Error('database unreachable')),
    });
    registerEventMetrics(metrics, { outbox: h.database.sql });
    const samples = await scrape(metrics);
    expect(metricValue(samples, 'ates_test_broken')).toBeNaN();
    expect(metricValue(samples, 'ates_outbox_backlog')).toBe(0);
    // The counter is read alongside the failing gauge, so it shows the failure from the next scrape.
    const next = await scrape(metrics);
    expect(
      metricValue(next, 'ates_metrics_collect_errors_total', { metric: 'ates_test_broken' }),
    ).toBeGreaterThanOrEqual(1);
  });
});
