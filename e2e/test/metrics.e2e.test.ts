import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPayoutWorkerService } from '@ates/accounting/payout-worker';
import { startEmailWorker } from '@ates/email-worker';
import { startPaymentSandbox } from '@ates/payment-sandbox';
import { createLogger } from '@ates/service-kit';
import {
  createTestDatabase,
  metricValue,
  ops,
  samplesOf,
  scrapeMetrics,
  testNatsUrl,
  waitFor,
  type GraphQLClient,
  type MetricSample,
  type TestDatabase,
} from '@ates/testing';
import { hire } from '../src/company.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

const TASKS = 200;

let system: TestSystem;
let admin: GraphQLClient;

/** A service's `/metrics`, next to its GraphQL endpoint. */
const metricsUrl = (serviceUrl: string) => new URL('/metrics', serviceUrl).toString();

beforeAll(async () => {
  system = await startSystem('metrics', { seed: 7 });
  admin = await system.admin();
  await hire(system, ['WORKER', 'WORKER', 'WORKER', 'WORKER']);
});
afterAll(async () => {
  await system?.stop();
});

describe('/metrics', () => {
  it(`after ${TASKS} task creations and a shuffle, every outbox is empty and no consumer lags`, async () => {
    for (let i = 0; i < TASKS; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          admin.ok(ops.CreateTaskDocument, { input: { title: `Load ${i + j}`, description: '' } }),
        ),
      );
    }
    await admin.ok(ops.ShuffleTasksDocument);
    await system.settle();

    const services = {
      gateway: system.gateway.url,
      users: system.users.url,
      tasks: system.tasks.url,
      accounting: system.accounting.url,
      analytics: system.analytics.url,
    };
    const scrapes: Record<string, MetricSample[]> = {};
    const idle = async () => {
      for (const [name, url] of Object.entries(services))
        scrapes[name] = await scrapeMetrics(metricsUrl(url));
      const pipeline = Object.values(scrapes).flatMap((s) => [
        ...samplesOf(s, 'ates_outbox_backlog'),
        ...samplesOf(s, 'ates_consumer_lag_messages'),
      ]);
      return pipeline.every((sample) => sample.value === 0);
    };
    // Consumer lag is cached for 2 s per scrape: wait for the reading, not for time.
    await waitFor('every outbox backlog and consumer lag to read 0', idle, 10_000);

    for (const name of ['users', 'tasks', 'accounting'])
      expect(metricValue(scrapes[name]!, 'ates_outbox_backlog'), name).toBe(0);
    const lags = (name: string) =>
      Object.fromEntries(
        samplesOf(scrapes[name]!, 'ates_consumer_lag_messages').map((s) => [s.labels.consumer, s.value]),
      );
    expect(lags('tasks')).toEqual({ 'tasks-popugs': 0 });
    expect(lags('accounting')).toEqual({ 'accounting-tasks': 0, 'accounting-users': 0 });
    expect(Object.keys(lags('analytics')).sort()).toHaveLength(2);
    expect(Object.values(lags('analytics'))).toEqual([0, 0]);
    for (const name of ['tasks', 'accounting', 'analytics'])
      expect(metricValue(scrapes[name]!, 'ates_dead_letters', { status: 'dead' }), name).toBe(0);

    // Request rate and latency by operation type: every mutation went through the gateway and tasks.
    const mutations = (name: string) =>
      metricValue(scrapes[name]!, 'ates_http_request_duration_seconds_count', {
        route: 'graphql',
        operation: 'mutation',
        status: '200',
      }) ?? 0;
    expect(mutations('gateway')).toBeGreaterThanOrEqual(TASKS + 1);
    expect(mutations('tasks')).toBeGreaterThanOrEqual(TASKS + 1);
    expect(
      metricValue(scrapes.gateway!, 'ates_http_request_duration_seconds_bucket', {
        route: 'graphql',
        operation: 'mutation',
        le: '+Inf',
      }),
    ).toBe(mutations('gateway'));
    expect(metricValue(scrapes.accounting!, 'ates_payouts', { status: 'PENDING' })).toBe(0);
    expect(metricValue(scrapes.gateway!, 'ates_live_subscriptions', { kind: 'sockets' })).toBe(0);
    for (const [name, samples] of Object.entries(scrapes)) {
      expect(metricValue(samples, 'process_cpu_seconds_total', { service: name }), name).toBeGreaterThan(0);
    }
    // About 6 s alone; the whole suite in parallel on a small machine can take three times that.
  }, 60_000);

  it('the workers serve it too: payout worker, email worker, payment sandbox', async () => {
    const logger = createLogger({ service: 'metrics-e2e', level: 'silent' });
    const databases: TestDatabase[] = [];
    const newDb = async (label: string) => {
      const db = await createTestDatabase(`metrics_${label}`);
      databases.push(db);
      return db.url;
    };
    const bank = await startPaymentSandbox({ port: 0, databaseUrl: await newDb('bank'), logger });
    const payoutWorker = await startPayoutWorkerService({
      databaseUrl: system.accountingDatabaseUrl,
      natsUrl: testNatsUrl(),
      natsNamespace: system.namespace,
      timeZone: 'UTC',
      provider: { url: bank.url, timeoutMs: 5000 },
      retry: { initialDelayMs: 200, maxDelayMs: 1000 },
      maxIdleMs: 60_000,
      http: { host: '127.0.0.1', port: 0 },
      autoStart: false,
      logger,
    });
    const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-metrics-mail-'));
    const email = await startEmailWorker({
      port: 0,
      databaseUrl: await newDb('email'),
      natsUrl: testNatsUrl(),
      natsNamespace: system.namespace,
      mailDir,
      from: 'aTES <payroll@ates.test>',
      logger,
    });
    try {
      const payout = await scrapeMetrics(metricsUrl(payoutWorker.url!));
      expect(metricValue(payout, 'ates_outbox_backlog')).toBe(0);
      await email.usersCaughtUp();
      const mail = await scrapeMetrics(metricsUrl(email.url!));
      expect(
        Object.fromEntries(
          samplesOf(mail, 'ates_dead_letters', { status: 'dead' }).map((s) => [s.labels.consumer, s.value]),
        ),
      ).toEqual({ 'email-worker-jobs': 0, 'email-worker-users': 0 });
      expect(
        samplesOf(mail, 'ates_consumer_lag_messages')
          .map((s) => s.labels.consumer)
          .sort(),
      ).toEqual(['email-worker-jobs', 'email-worker-users']);
      await fetch(`${bank.url}/healthz`);
      const sandbox = await scrapeMetrics(metricsUrl(bank.url));
      expect(
        metricValue(sandbox, 'ates_http_request_duration_seconds_count', {
          route: '/healthz',
          status: '200',
        }),
      ).toBe(1);
    } finally {
      await email.stop();
      await payoutWorker.stop();
      await bank.stop();
      fs.rmSync(mailDir, { recursive: true, force: true });
      for (const db of databases) await db.drop();
    }
  });
});
