import { runService, subgraphSettings } from '@ates/service-kit';
import { loadAnalyticsEnv } from './env.ts';
import { startAnalyticsService } from './service.ts';

const env = loadAnalyticsEnv();
await runService('analytics', env.LOG_LEVEL, (logger) =>
  startAnalyticsService({
    ...subgraphSettings(env, { port: env.ANALYTICS_PORT, databaseUrl: env.ANALYTICS_DATABASE_URL }),
    readDatabaseUrl: env.ANALYTICS_READ_DATABASE_URL,
    timeZone: env.ATES_TIMEZONE,
    logger,
  }),
);
