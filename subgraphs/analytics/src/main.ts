import {
  createLogger,
  exitOnStartupError,
  exitOnUncaughtErrors,
  onShutdown,
  operationLimitsFromEnv,
  resolveJwtKeys,
} from '@ates/service-kit';
import { loadAnalyticsEnv } from './env.ts';
import { startAnalyticsService } from './service.ts';

const env = loadAnalyticsEnv();
const logger = createLogger({ service: 'analytics', level: env.LOG_LEVEL });
exitOnUncaughtErrors(logger);

try {
  const { publicKeyPem } = resolveJwtKeys({ publicKey: env.ATES_JWT_PUBLIC_KEY, dataDir: env.ATES_DATA_DIR });
  const production = env.NODE_ENV === 'production';
  const service = await startAnalyticsService({
    host: env.HOST,
    port: env.ANALYTICS_PORT,
    databaseUrl: env.ANALYTICS_DATABASE_URL,
    readDatabaseUrl: env.ANALYTICS_READ_DATABASE_URL,
    natsUrl: env.NATS_URL,
    natsNamespace: env.ATES_NATS_NAMESPACE,
    streamReplicas: env.ATES_NATS_STREAM_REPLICAS,
    publicKeyPem,
    timeZone: env.ATES_TIMEZONE,
    introspection: env.ATES_INTROSPECTION ? env.ATES_INTROSPECTION === 'true' : !production,
    maxBodyBytes: env.ATES_MAX_BODY_BYTES,
    limits: operationLimitsFromEnv(env),
    logger,
  });
  onShutdown(logger, [service.stop]);
} catch (error) {
  exitOnStartupError(logger, error);
}
