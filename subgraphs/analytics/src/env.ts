import { z } from 'zod';
import {
  databaseUrl,
  optionalString,
  parseEnv,
  port,
  requiredInProduction,
  subgraphEnv,
  timeZone,
} from '@ates/service-kit';

const schema = z
  .object({
    ...subgraphEnv,
    ANALYTICS_PORT: port(4004),
    ANALYTICS_DATABASE_URL: databaseUrl('ates_analytics'),
    /** A read replica of the analytics database for queries; the projection writes to the primary. */
    ANALYTICS_READ_DATABASE_URL: optionalString().pipe(z.string().url().optional()),
    ATES_TIMEZONE: timeZone(),
  })
  .superRefine(requiredInProduction('ATES_JWT_PUBLIC_KEY'));

export type AnalyticsEnv = z.output<typeof schema>;

/** The one place the analytics service (and its rebuild command) reads process.env. */
export const loadAnalyticsEnv = (source: NodeJS.ProcessEnv = process.env): AnalyticsEnv =>
  parseEnv('analytics', schema, source);
