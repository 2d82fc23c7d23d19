import { runService, subgraphSettings } from '@ates/service-kit';
import { loadTasksEnv } from './env.ts';
import { startTasksService } from './service.ts';

const env = loadTasksEnv();
await runService('tasks', env.LOG_LEVEL, (logger) =>
  startTasksService({
    ...subgraphSettings(env, { port: env.TASKS_PORT, databaseUrl: env.TASKS_DATABASE_URL }),
    logger,
  }),
);
