import path from 'node:path';
import { z } from 'zod';
import { databaseUrl, optionalString, parseEnv, port, workerEnv } from '@ates/service-kit';

const schema = z
  .object({
    ...workerEnv,
    EMAIL_WORKER_PORT: port(4011),
    EMAIL_DATABASE_URL: databaseUrl('ates_email'),
    /** Unset: emails are written as .eml files under EMAIL_MAIL_DIR. */
    SMTP_URL: optionalString().pipe(z.string().url().optional()),
    EMAIL_SMTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    EMAIL_MAIL_DIR: optionalString(),
    EMAIL_FROM: z.string().default('aTES Payroll <payroll@ates.popug>'),
    /** Optional fallback for users the worker has no event about: the User Service's GraphQL URL… */
    EMAIL_USERS_URL: optionalString().pipe(z.string().url().optional()),
    /** …and a bearer token allowed to read emails (an ADMIN's). */
    EMAIL_USERS_TOKEN: optionalString(),
    /** Deliveries of a failing job before it is dead-lettered. */
    EMAIL_MAX_DELIVER: z.coerce.number().int().min(1).default(5),
  })
  .superRefine((env, ctx) => {
    if (env.EMAIL_USERS_URL && !env.EMAIL_USERS_TOKEN)
      ctx.addIssue({ code: 'custom', path: ['EMAIL_USERS_TOKEN'], message: 'required with EMAIL_USERS_URL' });
  })
  .transform((env) => ({
    ...env,
    EMAIL_MAIL_DIR: env.EMAIL_MAIL_DIR ?? path.join(env.ATES_DATA_DIR, 'mail'),
  }));

export type EmailWorkerEnv = z.output<typeof schema>;

/** The one place the email worker reads process.env. */
export const loadEmailWorkerEnv = (source: NodeJS.ProcessEnv = process.env): EmailWorkerEnv =>
  parseEnv('email-worker', schema, source);
