import { z } from 'zod';
import {
  commonEnv,
  DEFAULT_NATS_URL,
  operationLimitsEnv,
  optionalString,
  parseEnv,
  port,
} from '@ates/service-kit';
import { isTimeZone } from './domain/business-day.ts';
import { DEFAULT_TASK_LANES } from './events/task-reactions.ts';

const schema = z
  .object({
    ...commonEnv,
    ...operationLimitsEnv,
    HOST: z.string().default('127.0.0.1'),
    ACCOUNTING_PORT: port(4003),
    ACCOUNTING_DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/ates_accounting'),
    NATS_URL: z.string().default(DEFAULT_NATS_URL),
    ATES_NATS_NAMESPACE: optionalString(),
    ATES_TIMEZONE: z
      .string()
      .default('UTC')
      .refine(isTimeZone, { message: 'must be an IANA time zone such as UTC or Europe/Berlin' }),
    ATES_COMPANY_FIRST_DAY: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD')
      .default('2026-01-01'),
    ATES_INTROSPECTION: z.enum(['true', 'false']).optional(),
    ATES_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
    /** Parallel lanes of the task-events consumer (by account; see tasksConsumerSettings). */
    ACCOUNTING_TASK_LANES: z.coerce.number().int().min(1).max(16).default(DEFAULT_TASK_LANES),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.ATES_JWT_PUBLIC_KEY)
      ctx.addIssue({ code: 'custom', path: ['ATES_JWT_PUBLIC_KEY'], message: 'required in production' });
  });

export type AccountingEnv = z.output<typeof schema>;

/** The one place the accounting service reads process.env. */
export const loadAccountingEnv = (source: NodeJS.ProcessEnv = process.env): AccountingEnv =>
  parseEnv('accounting', schema, source);
