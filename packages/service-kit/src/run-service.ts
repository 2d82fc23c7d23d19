import type { z } from 'zod';
import { resolveJwtKeys } from './auth.ts';
import { createLogger, type Logger, type LoggerOptions } from './logger.ts';
import { operationLimitsFromEnv } from './operation-limits.ts';
import type { subgraphEnv } from './service-env.ts';
import { exitOnStartupError, exitOnUncaughtErrors, onShutdown } from './shutdown.ts';

/**
 * What the process does for every service it runs: the fatal exit on uncaught errors and the
 * stop on SIGINT/SIGTERM, installed once. The stops run in reverse order of start.
 */
interface Host {
  logger: Logger;
  stops: Array<() => Promise<void>>;
}
let host: Host | undefined;

function installHost(logger: Logger): Host {
  const installed: Host = { logger, stops: [] };
  exitOnUncaughtErrors(logger);
  // onShutdown reads the list when the signal comes, so services that start later are in it.
  onShutdown(logger, installed.stops);
  return installed;
}

/**
 * Several services in one process (`pnpm start`'s all-in-one mode): call before the first
 * `runService`, with the logger that speaks for the process as a whole (its uncaught errors,
 * its shutdown). Without it, the first service's logger does.
 */
export function hostServices(logger: Logger): void {
  if (host) throw new Error('hostServices: a service already runs in this process');
  host = installHost(logger);
}

/**
 * A service's `main.ts`: its logger, fatal exit on uncaught errors and on a failed start,
 * and a clean stop on SIGINT/SIGTERM. Several may run in one process (`hostServices`): one
 * failing to start or throwing uncaught ends the process, a signal stops them all.
 */
export async function runService(
  service: string,
  level: LoggerOptions['level'],
  start: (logger: Logger) => Promise<{ stop: () => Promise<void> }>,
): Promise<void> {
  const logger = createLogger({ service, level });
  host ??= installHost(logger);
  try {
    const running = await start(logger);
    host.stops.push(running.stop);
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
