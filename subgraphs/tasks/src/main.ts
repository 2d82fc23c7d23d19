import {
  createLogger,
  exitOnStartupError,
  exitOnUncaughtErrors,
  onShutdown,
  operationLimitsFromEnv,
  resolveJwtKeys,
} from '@ates/service-kit';
import { loadTasksEnv } from './env.ts';
import { startTasksService } from './service.ts';

const env = loadTasksEnv();
const logger = createLogger({ service: 'tasks', level: env.LOG_LEVEL });
exitOnUncaughtErrors(logger);

try {
  const { publicKeyPem } = resolveJwtKeys({ publicKey: env.ATES_JWT_PUBLIC_KEY, dataDir: env.ATES_DATA_DIR });
  const production = env.NODE_ENV === 'production';
  const service = await startTasksService({
    host: env.HOST,
    port: env.TASKS_PORT,
    databaseUrl: env.TASKS_DATABASE_URL,
    natsUrl: env.NATS_URL,
    natsNamespace: env.ATES_NATS_NAMESPACE,
    streamReplicas: env.ATES_NATS_STREAM_REPLICAS,
    publicKeyPem,
    introspection: env.ATES_INTROSPECTION ? env.ATES_INTROSPECTION === 'true' : !production,
    maxBodyBytes: env.ATES_MAX_BODY_BYTES,
    limits: operationLimitsFromEnv(env),
    logger,
  });
  onShutdown(logger, [service.stop]);
} catch (error) {
  exitOnStartupError(logger, error);
}
