import { z } from 'zod';
import { databaseUrl, optionalString, parseEnv, port, timeZone, workerEnv } from '@ates/service-kit';

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const schema = z
  .object({
    ...workerEnv,
    /** Health endpoints only. */
    PAYOUT_WORKER_PORT: port(4012),
    ACCOUNTING_DATABASE_URL: databaseUrl('ates_accounting'),
    ATES_TIMEZONE: timeZone(),
    PAYMENT_PROVIDER_URL: z.string().url().default('http://127.0.0.1:4010'),
    PAYMENT_PROVIDER_TIMEOUT_MS: ms(10_000),
    /** The payment sandbox's bearer secret. */
    ATES_PAYMENT_SANDBOX_SECRET: optionalString(),
    PAYOUT_RETRY_INITIAL_MS: ms(5_000),
    PAYOUT_RETRY_MAX_MS: ms(15 * 60_000),
    PAYOUT_WORKER_MAX_IDLE_MS: ms(60_000),
  })
  .refine((env) => env.PAYOUT_RETRY_MAX_MS >= env.PAYOUT_RETRY_INITIAL_MS, {
    path: ['PAYOUT_RETRY_MAX_MS'],
    message: 'must not be less than PAYOUT_RETRY_INITIAL_MS',
  });

export type PayoutWorkerEnv = z.output<typeof schema>;

/** The one place the payout worker reads process.env. */
export const loadPayoutWorkerEnv = (source: NodeJS.ProcessEnv = process.env): PayoutWorkerEnv =>
  parseEnv('payout-worker', schema, source);
