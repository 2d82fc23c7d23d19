import { z } from 'zod';
import { isTimeZone } from './calendar.ts';
import { DEFAULT_POSTGRES_URL } from './addresses.ts';
import { commonEnv, natsUrl, optionalString } from './env.ts';
import { operationLimitsEnv } from './operation-limits.ts';

/** A whole number from the environment, at least `min`. */
export const intAtLeast = (min: number) => z.coerce.number().int().min(min);

/** A service's own database, on the local server unless configured. */
export const databaseUrl = (database: string) =>
  z.string().url().default(`${DEFAULT_POSTGRES_URL}/${database}`);

/** The company's IANA time zone (business days, reports). */
export const timeZone = () =>
  z
    .string()
    .default('UTC')
    .refine(isTimeZone, { message: 'must be an IANA time zone such as UTC or Europe/Berlin' });

/** What every service with a port reads. */
export const serverEnv = { ...commonEnv, HOST: z.string().default('127.0.0.1') };

/** What every service with a port and NATS reads. */
export const workerEnv = {
  ...serverEnv,
  NATS_URL: natsUrl(),
  ATES_NATS_NAMESPACE: optionalString(),
};

/** What a GraphQL server reads besides: its limits and whether it answers introspection. */
export const graphqlServerEnv = {
  ...operationLimitsEnv,
  ATES_INTROSPECTION: z.enum(['true', 'false']).optional(),
  ATES_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
};

export const subgraphEnv = { ...workerEnv, ...graphqlServerEnv };

/** A superRefine that refuses a production start while any of `keys` is unset. */
export const requiredInProduction =
  <K extends string>(...keys: K[]) =>
  (env: { NODE_ENV: string } & { [key in K]?: unknown }, ctx: z.RefinementCtx) => {
    if (env.NODE_ENV !== 'production') return;
    for (const key of keys)
      if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required in production' });
  };
