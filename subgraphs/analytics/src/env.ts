import { z } from 'zod';
import {
  commonEnv,
  DEFAULT_NATS_URL,
  operationLimitsEnv,
  optionalString,
  parseEnv,
  port,
} from '@ates/service-kit';
import { isTimeZone } from './domain/calendar.ts';

const schema = z
  .object({
    ...commonEnv,
    ...operationLimitsEnv,
    HOST: z.string().default('127.0.0.1'),
    ANALYTICS_PORT: port(4004),
    ANALYTICS_DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/ates_analytics'),
    /** A read replica of the analytics database for queries; the projection writes to the primary. */
    ANALYTICS_READ_DATABASE_URL: optionalString().pipe(z.string().url().optional()),
    NATS_URL: z.string().default(DEFAULT_NATS_URL),
    ATES_NATS_NAMESPACE: optionalString(),
    ATES_TIMEZONE: z
      .string()
      .default('UTC')
      .refine(isTimeZone, { message: 'must be an IANA time zone such as UTC or Europe/Berlin' }),
    ATES_INTROSPECTION: z.enum(['true', 'false']).optional(),
    ATES_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.ATES_JWT_PUBLIC_KEY)
      ctx.addIssue({ code: 'custom', path: ['ATES_JWT_PUBLIC_KEY'], message: 'required in production' });
  });

export type AnalyticsEnv = z.output<typeof schema>;

/** The one place the analytics service (and its rebuild command) reads process.env. */
export const loadAnalyticsEnv = (source: NodeJS.ProcessEnv = process.env): AnalyticsEnv =>
  parseEnv('analytics', schema, source);
