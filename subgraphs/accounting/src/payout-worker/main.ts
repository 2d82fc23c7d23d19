import { runService } from '@ates/service-kit';
import { loadPayoutWorkerEnv } from './env.ts';
import { startPayoutWorkerService } from './service.ts';

const env = loadPayoutWorkerEnv();
await runService('payout-worker', env.LOG_LEVEL, (logger) =>
  startPayoutWorkerService({
    databaseUrl: env.ACCOUNTING_DATABASE_URL,
    natsUrl: env.NATS_URL,
    natsNamespace: env.ATES_NATS_NAMESPACE,
    streamReplicas: env.ATES_NATS_STREAM_REPLICAS,
    timeZone: env.ATES_TIMEZONE,
    provider: {
      url: env.PAYMENT_PROVIDER_URL,
      timeoutMs: env.PAYMENT_PROVIDER_TIMEOUT_MS,
      secret: env.ATES_PAYMENT_SANDBOX_SECRET,
    },
    retry: { initialDelayMs: env.PAYOUT_RETRY_INITIAL_MS, maxDelayMs: env.PAYOUT_RETRY_MAX_MS, jitter: 0.2 },
    maxIdleMs: env.PAYOUT_WORKER_MAX_IDLE_MS,
    http: { host: env.HOST, port: env.PAYOUT_WORKER_PORT },
    logger,
  }),
);
