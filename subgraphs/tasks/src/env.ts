import { z } from 'zod';
import { databaseUrl, parseEnv, port, requiredInProduction, subgraphEnv } from '@ates/service-kit';

const schema = z
  .object({
    ...subgraphEnv,
    TASKS_PORT: port(4002),
    TASKS_DATABASE_URL: databaseUrl('ates_tasks'),
  })
  .superRefine(requiredInProduction('ATES_JWT_PUBLIC_KEY'));

export type TasksEnv = z.output<typeof schema>;

/** The one place the tasks service reads process.env. */
export const loadTasksEnv = (source: NodeJS.ProcessEnv = process.env): TasksEnv =>
  parseEnv('tasks', schema, source);
