import { z } from 'zod';
import { OWASP_SCRYPT_LOG2N } from './domain/password.ts';
import {
  databaseUrl,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  optionalString,
  parseEnv,
  port,
  requiredInProduction,
  subgraphEnv,
} from '@ates/service-kit';

const schema = z
  .object({
    ...subgraphEnv,
    USERS_PORT: port(4001),
    USERS_DATABASE_URL: databaseUrl('ates_users'),
    ATES_JWT_PRIVATE_KEY: optionalString(),
    // Access tokens are short-lived; the session goes on by refresh tokens.
    ATES_JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(MAX_ACCESS_TOKEN_TTL_SECONDS).default(900),
    ATES_REFRESH_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(300)
      .default(7 * 24 * 3600),
    ATES_PASSWORD_COST: z.coerce.number().int().min(10).max(20).default(OWASP_SCRYPT_LOG2N),
    ATES_ADMIN_LOGIN: optionalString(),
    ATES_ADMIN_PASSWORD: optionalString(),
    ATES_ADMIN_EMAIL: z.string().default('admin@ates.local'),
    ATES_ADMIN_NAME: z.string().default('Administrator'),
    ATES_LOGIN_FAILURES_PER_LOGIN_ADDRESS: z.coerce.number().int().min(1).default(10),
    ATES_LOGIN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
    ATES_LOGIN_FAILURES_PER_LOGIN: z.coerce.number().int().min(1).default(50),
    ATES_LOGIN_DELAY_MS: z.coerce.number().int().min(1).default(1000),
    ATES_LOGIN_THROTTLE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  })
  .superRefine(
    requiredInProduction(
      'ATES_ADMIN_LOGIN',
      'ATES_ADMIN_PASSWORD',
      'ATES_JWT_PRIVATE_KEY',
      'ATES_JWT_PUBLIC_KEY',
      'ATES_INTERNAL_SECRET',
    ),
  );

export type UsersEnv = z.output<typeof schema>;

/** The one place the users service reads process.env. */
export const loadUsersEnv = (source: NodeJS.ProcessEnv = process.env): UsersEnv =>
  parseEnv('users', schema, source);
