import {
  createLogger,
  exitOnStartupError,
  exitOnUncaughtErrors,
  onShutdown,
  operationLimitsFromEnv,
  resolveJwtKeys,
} from '@ates/service-kit';
import { loadAccountingEnv } from './env.ts';
import { startAccountingService } from './service.ts';

const env = loadAccountingEnv();
const logger = createLogger({ service: 'accounting', level: env.LOG_LEVEL });
exitOnUncaughtErrors(logger);

try {
  const { publicKeyPem } = resolveJwtKeys({ publicKey: env.ATES_JWT_PUBLIC_KEY, dataDir: env.ATES_DATA_DIR });
  const production = env.NODE_ENV === 'production';
  const service = await startAccountingService({
    host: env.HOST,
    port: env.ACCOUNTING_PORT,
    databaseUrl: env.ACCOUNTING_DATABASE_URL,
    natsUrl: env.NATS_URL,
    natsNamespace: env.ATES_NATS_NAMESPACE,
    streamReplicas: env.ATES_NATS_STREAM_REPLICAS,
    publicKeyPem,
    timeZone: env.ATES_TIMEZONE,
    firstDay: env.ATES_COMPANY_FIRST_DAY,
    introspection: env.ATES_INTROSPECTION ? env.ATES_INTROSPECTION === 'true' : !production,
    maxBodyBytes: env.ATES_MAX_BODY_BYTES,
    limits: operationLimitsFromEnv(env),
    taskLanes: env.ACCOUNTING_TASK_LANES,
    logger,
  });
  onShutdown(logger, [service.stop]);
} catch (error) {
  exitOnStartupError(logger, error);
}
