import { resolveJwtKeys, runService, subgraphSettings } from '@ates/service-kit';
import { loadUsersEnv } from './env.ts';
import { startUsersService } from './service.ts';

const env = loadUsersEnv();
await runService('users', env.LOG_LEVEL, (logger) => {
  const { privateKeyPem } = resolveJwtKeys({
    privateKey: env.ATES_JWT_PRIVATE_KEY,
    publicKey: env.ATES_JWT_PUBLIC_KEY,
    dataDir: env.ATES_DATA_DIR,
  });
  if (!privateKeyPem) throw new Error('ATES_JWT_PRIVATE_KEY is required to issue tokens');
  const production = env.NODE_ENV === 'production';
  const adminLogin = env.ATES_ADMIN_LOGIN ?? (production ? undefined : 'admin');
  const adminPassword = env.ATES_ADMIN_PASSWORD ?? (production ? undefined : 'admin');
  if (!env.ATES_ADMIN_LOGIN && !production) {
    logger.warn(
      'ATES_ADMIN_LOGIN/ATES_ADMIN_PASSWORD not set: the first admin (on an empty database) is admin/admin',
    );
  }
  return startUsersService({
    ...subgraphSettings(env, { port: env.USERS_PORT, databaseUrl: env.USERS_DATABASE_URL }),
    privateKeyPem,
    tokenTtlSeconds: env.ATES_JWT_TTL_SECONDS,
    refreshTtlSeconds: env.ATES_REFRESH_TOKEN_TTL_SECONDS,
    passwordCost: env.ATES_PASSWORD_COST,
    adminSeed:
      adminLogin && adminPassword
        ? {
            login: adminLogin,
            password: adminPassword,
            email: env.ATES_ADMIN_EMAIL,
            name: env.ATES_ADMIN_NAME,
          }
        : undefined,
    throttle: {
      perLoginAddress: env.ATES_LOGIN_FAILURES_PER_LOGIN_ADDRESS,
      perAddress: env.ATES_LOGIN_FAILURES_PER_ADDRESS,
      perLogin: env.ATES_LOGIN_FAILURES_PER_LOGIN,
      loginDelayMs: env.ATES_LOGIN_DELAY_MS,
      windowMs: env.ATES_LOGIN_THROTTLE_WINDOW_SECONDS * 1000,
    },
    internalSecret: env.ATES_INTERNAL_SECRET,
    logger,
  });
});
