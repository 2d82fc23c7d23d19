import { z } from 'zod';
import {
  commonEnv,
  DEFAULT_NATS_URL,
  operationLimitsEnv,
  optionalString,
  parseEnv,
  port,
} from '@ates/service-kit';

const schema = z
  .object({
    ...commonEnv,
    ...operationLimitsEnv,
    HOST: z.string().default('127.0.0.1'),
    TASKS_PORT: port(4002),
    TASKS_DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/ates_tasks'),
    NATS_URL: z.string().default(DEFAULT_NATS_URL),
    ATES_NATS_NAMESPACE: optionalString(),
    ATES_INTROSPECTION: z.enum(['true', 'false']).optional(),
    ATES_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.ATES_JWT_PUBLIC_KEY)
      ctx.addIssue({ code: 'custom', path: ['ATES_JWT_PUBLIC_KEY'], message: 'required in production' });
  });

export type TasksEnv = z.output<typeof schema>;

/** The one place the tasks service reads process.env. */
export const loadTasksEnv = (source: NodeJS.ProcessEnv = process.env): TasksEnv =>
  parseEnv('tasks', schema, source);
