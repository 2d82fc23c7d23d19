import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats, ensureStreams, registerEventMetrics, startOutboxRelay } from '@ates/events';
import { HttpPaymentProvider, type BackoffPolicy, type PaymentProvider } from '@ates/payments';
import {
  applyMigrations,
  connectDatabase,
  createMetrics,
  cryptoRandom,
  once,
  startHealthServer,
  systemClock,
  type Clock,
  type Logger,
  pingDatabase,
} from '@ates/service-kit';
import * as tables from '../db/tables.ts';
import { migrationsFolder } from '../migrations.ts';
import { PAYOUTS_CHANNEL, payoutsNotifyTrace } from '../db/payout-repository.ts';
import type { CloseHooks } from '../use-cases/close-billing-day.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';
import type { PayHooks } from '../use-cases/pay-payouts.ts';
import { PayoutWorker } from './worker.ts';

export interface PayoutWorkerConfig {
  databaseUrl: string;
  natsUrl: string;
  natsNamespace?: string;
  /** Copies of each JetStream stream (`ATES_NATS_STREAM_REPLICAS`); default 1. */
  streamReplicas?: number;
  /** IANA time zone of the company's business days. */
  timeZone: string;
  /** The payment provider: an adapter, or the URL of one that speaks the sandbox's HTTP API. */
  provider: PaymentProvider | { url: string; timeoutMs: number; secret?: string | undefined };
  retry: BackoffPolicy;
  maxIdleMs: number;
  logger: Logger;
  clock?: Clock;
  /** Health and metrics endpoints (`/healthz`, `/readyz`, `/metrics`); none when absent. */
  http?: { host: string; port: number };
  /** Fault points for crash tests. */
  hooks?: CloseHooks & PayHooks;
  /** Connections of its pool (default 10; one more for LISTEN, one per close or payment pass). */
  poolSize?: number;
  /** Run the loop at once (default); tests drive `worker.runOnce()` themselves. */
  autoStart?: boolean;
}

export interface PayoutWorkerService {
  worker: PayoutWorker;
  deps: AccountingDeps;
  url: string | null;
  /** Resolves when every event written so far is published (tests). */
  outboxDrained(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The payout worker process: accounting's database (migrated here too, so it can start first)
 * and its outbox relay (its events go out even while the subgraph is down), the loop, and a
 * LISTEN on `ates_payouts` so a close by an admin is paid at once.
 */
export async function startPayoutWorkerService(config: PayoutWorkerConfig): Promise<PayoutWorkerService> {
  const logger = config.logger;
  await applyMigrations(config.databaseUrl, migrationsFolder);
  const database = connectDatabase(config.databaseUrl, tables, {
    applicationName: 'ates-payout-worker',
    max: config.poolSize,
  });
  const nats = await connectNats(config.natsUrl, { name: 'ates-payout-worker' });
  await ensureStreams(await jetstreamManager(nats), config.natsNamespace, {
    replicas: config.streamReplicas,
  });
  const relay = startOutboxRelay({ sql: database.sql, nats, namespace: config.natsNamespace, logger });
  const deps: AccountingDeps = {
    db: database.db,
    sql: database.sql,
    clock: config.clock ?? systemClock,
    random: cryptoRandom,
    timeZone: config.timeZone,
    logger,
    newId: randomUUID,
  };
  const provider =
    'pay' in config.provider
      ? config.provider
      : new HttpPaymentProvider({
          baseUrl: config.provider.url,
          timeoutMs: config.provider.timeoutMs,
          ...(config.provider.secret ? { secret: config.provider.secret } : {}),
        });
  const worker = new PayoutWorker({
    deps,
    provider,
    retry: config.retry,
    maxIdleMs: config.maxIdleMs,
    hooks: config.hooks,
  });
  const listener = await database.sql.listen(PAYOUTS_CHANNEL, (payload) =>
    worker.poke(payoutsNotifyTrace(payload)),
  );
  const metrics = createMetrics('payout-worker', { logger });
  registerEventMetrics(metrics, { outbox: database.sql });
  const http = config.http
    ? await startHealthServer({
        ...config.http,
        logger,
        metrics,
        readiness: {
          database: () => pingDatabase(database.sql),
          nats: async () => void (await nats.flush()),
        },
      })
    : null;
  if (config.autoStart ?? true) worker.start();
  logger.info({ url: http?.origin, timeZone: config.timeZone }, 'payout worker ready');
  return {
    worker,
    deps,
    url: http?.origin ?? null,
    outboxDrained: () => relay.drained(),
    stop: once(async () => {
      await http?.close();
      await worker.stop();
      await listener.unlisten();
      await relay.stop();
      await nats.drain();
      await database.close();
    }),
  };
}
