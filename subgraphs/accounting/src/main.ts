import { runService, subgraphSettings } from '@ates/service-kit';
import { loadAccountingEnv } from './env.ts';
import { startAccountingService } from './service.ts';

const env = loadAccountingEnv();
await runService('accounting', env.LOG_LEVEL, (logger) =>
  startAccountingService({
    ...subgraphSettings(env, { port: env.ACCOUNTING_PORT, databaseUrl: env.ACCOUNTING_DATABASE_URL }),
    timeZone: env.ATES_TIMEZONE,
    firstDay: env.ATES_COMPANY_FIRST_DAY,
    taskLanes: env.ACCOUNTING_TASK_LANES,
    logger,
  }),
);
