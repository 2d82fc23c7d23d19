import { z } from 'zod';
import {
  databaseUrl,
  optionalString,
  parseEnv,
  port,
  requiredInProduction,
  serverEnv,
} from '@ates/service-kit';

const schema = z
  .object({
    ...serverEnv,
    PAYMENT_SANDBOX_PORT: port(4010),
    PAYMENT_SANDBOX_DATABASE_URL: databaseUrl('ates_payment_sandbox'),
    /** Fault injection at start (the `/_control` endpoint changes it at run time). */
    PAYMENT_SANDBOX_FAIL_NEXT: z.coerce.number().int().min(0).default(0),
    PAYMENT_SANDBOX_FAIL_RATE: z.coerce.number().min(0).max(1).default(0),
    PAYMENT_SANDBOX_FAIL_STATUS: z.coerce.number().int().min(400).max(599).default(503),
    PAYMENT_SANDBOX_LATENCY_MS: z.coerce.number().int().min(0).default(0),
    /** `false` turns `/_control` off (answers 404). */
    PAYMENT_SANDBOX_CONTROL: z.enum(['true', 'false']).default('true'),
    /** Bearer secret of /payments and /_control (required in production). */
    ATES_PAYMENT_SANDBOX_SECRET: optionalString(),
  })
  .superRefine(requiredInProduction('ATES_PAYMENT_SANDBOX_SECRET'));

export type PaymentSandboxEnv = z.output<typeof schema>;

/** The one place the payment sandbox reads process.env. */
export const loadPaymentSandboxEnv = (source: NodeJS.ProcessEnv = process.env): PaymentSandboxEnv =>
  parseEnv('payment-sandbox', schema, source);
