import { z } from 'zod';
import { databaseUrl, parseEnv, port, requiredInProduction, subgraphEnv, timeZone } from '@ates/service-kit';
import { DEFAULT_TASK_LANES } from './events/task-reactions.ts';

const schema = z
  .object({
    ...subgraphEnv,
    ACCOUNTING_PORT: port(4003),
    ACCOUNTING_DATABASE_URL: databaseUrl('ates_accounting'),
    ATES_TIMEZONE: timeZone(),
    ATES_COMPANY_FIRST_DAY: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD')
      .default('2026-01-01'),
    /** Parallel lanes of the task-events consumer (by account; see tasksConsumerSettings). */
    ACCOUNTING_TASK_LANES: z.coerce.number().int().min(1).max(16).default(DEFAULT_TASK_LANES),
  })
  .superRefine(requiredInProduction('ATES_JWT_PUBLIC_KEY'));

export type AccountingEnv = z.output<typeof schema>;

/** The one place the accounting service reads process.env. */
export const loadAccountingEnv = (source: NodeJS.ProcessEnv = process.env): AccountingEnv =>
  parseEnv('accounting', schema, source);
