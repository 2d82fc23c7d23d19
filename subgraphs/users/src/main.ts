import {
  createLogger,
  exitOnStartupError,
  exitOnUncaughtErrors,
  onShutdown,
  operationLimitsFromEnv,
  resolveJwtKeys,
} from '@ates/service-kit';
import { loadUsersEnv } from './env.ts';
import { startUsersService } from './service.ts';

const env = loadUsersEnv();
const logger = createLogger({ service: 'users', level: env.LOG_LEVEL });
exitOnUncaughtErrors(logger);

try {
  const keys = resolveJwtKeys({
    privateKey: env.ATES_JWT_PRIVATE_KEY,
    publicKey: env.ATES_JWT_PUBLIC_KEY,
    dataDir: env.ATES_DATA_DIR,
  });
  if (!keys.privateKeyPem) throw new Error('ATES_JWT_PRIVATE_KEY is required to issue tokens');
  const production = env.NODE_ENV === 'production';
  const adminLogin = env.ATES_ADMIN_LOGIN ?? (production ? undefined : 'admin');
  const adminPassword = env.ATES_ADMIN_PASSWORD ?? (production ? undefined : 'admin');
  if (!env.ATES_ADMIN_LOGIN && !production) {
    logger.warn(
      'ATES_ADMIN_LOGIN/ATES_ADMIN_PASSWORD not set: the first admin (on an empty database) is admin/admin',
    );
  }
  const service = await startUsersService({
    host: env.HOST,
    port: env.USERS_PORT,
    databaseUrl: env.USERS_DATABASE_URL,
    natsUrl: env.NATS_URL,
    natsNamespace: env.ATES_NATS_NAMESPACE,
    streamReplicas: env.ATES_NATS_STREAM_REPLICAS,
    privateKeyPem: keys.privateKeyPem,
    publicKeyPem: keys.publicKeyPem,
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
    introspection: env.ATES_INTROSPECTION ? env.ATES_INTROSPECTION === 'true' : !production,
    maxBodyBytes: env.ATES_MAX_BODY_BYTES,
    limits: operationLimitsFromEnv(env),
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
  onShutdown(logger, [service.stop]);
} catch (error) {
  exitOnStartupError(logger, error);
}
