import type { z } from 'zod';
import { resolveJwtKeys } from './auth.ts';
import { createLogger, type Logger, type LoggerOptions } from './logger.ts';
import { operationLimitsFromEnv } from './operation-limits.ts';
import type { subgraphEnv } from './service-env.ts';
import { exitOnStartupError, exitOnUncaughtErrors, onShutdown } from './shutdown.ts';

/**
 * A service's `main.ts`: its logger, fatal exit on uncaught errors and on a failed start,
 * and a clean stop on SIGINT/SIGTERM.
 */
export async function runService(
  service: string,
  level: LoggerOptions['level'],
  start: (logger: Logger) => Promise<{ stop: () => Promise<void> }>,
): Promise<void> {
  const logger = createLogger({ service, level });
  exitOnUncaughtErrors(logger);
  try {
    const running = await start(logger);
    onShutdown(logger, [running.stop]);
  } catch (error) {
    exitOnStartupError(logger, error);
  }
}

/** Introspection is on outside production unless `ATES_INTROSPECTION` says otherwise. */
export const introspectionFromEnv = (env: {
  NODE_ENV: string;
  ATES_INTROSPECTION?: 'true' | 'false' | undefined;
}) => (env.ATES_INTROSPECTION ? env.ATES_INTROSPECTION === 'true' : env.NODE_ENV !== 'production');

type SubgraphEnvValues = z.output<z.ZodObject<typeof subgraphEnv>>;

/** The settings every subgraph reads from the shared env fragment; `own` names its port and database. */
export function subgraphSettings(env: SubgraphEnvValues, own: { port: number; databaseUrl: string }) {
  const { publicKeyPem } = resolveJwtKeys({ publicKey: env.ATES_JWT_PUBLIC_KEY, dataDir: env.ATES_DATA_DIR });
  return {
    host: env.HOST,
    port: own.port,
    databaseUrl: own.databaseUrl,
    natsUrl: env.NATS_URL,
    natsNamespace: env.ATES_NATS_NAMESPACE,
    streamReplicas: env.ATES_NATS_STREAM_REPLICAS,
    publicKeyPem,
    introspection: introspectionFromEnv(env),
    maxBodyBytes: env.ATES_MAX_BODY_BYTES,
    limits: operationLimitsFromEnv(env),
  };
}
