import { randomUUID } from 'node:crypto';
import { openEventChannels } from '@ates/events';
import { HttpPaymentProvider, type BackoffPolicy, type PaymentProvider } from '@ates/payments';
import { cryptoRandom, startWorker, systemClock, type Clock, type Logger } from '@ates/service-kit';
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

/** Its metrics label, its database and NATS client name, and its schema. */
const PAYOUT_WORKER = { name: 'payout-worker', processName: 'ates-payout-worker', tables, migrationsFolder };

/**
 * The payout worker process: accounting's database (migrated here too, so it can start first)
 * and its outbox relay (its events go out even while the subgraph is down), the loop, and a
 * LISTEN on `ates_payouts` so a close by an admin is paid at once.
 */
export async function startPayoutWorkerService(config: PayoutWorkerConfig): Promise<PayoutWorkerService> {
  const running = await startWorker({
    ...PAYOUT_WORKER,
    settings: { ...config, ...config.http },
    async setup(runtime) {
      const events = await openEventChannels(runtime, config, { produces: true });
      const deps: AccountingDeps = {
        db: runtime.database.db,
        sql: runtime.database.sql,
        clock: config.clock ?? systemClock,
        random: cryptoRandom,
        timeZone: config.timeZone,
        logger: config.logger,
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
      const listener = await runtime.database.sql.listen(PAYOUTS_CHANNEL, (payload) =>
        worker.poke(payoutsNotifyTrace(payload)),
      );
      runtime.onStop(() => listener.unlisten());
      runtime.onStop(() => worker.stop());
      return {
        ...(config.autoStart === false ? {} : { start: () => worker.start() }),
        facts: { timeZone: config.timeZone },
        handle: { worker, deps, outboxDrained: events.outboxDrained },
      };
    },
  });
  return { ...running.handle, url: running.url ?? null, stop: running.stop };
}
