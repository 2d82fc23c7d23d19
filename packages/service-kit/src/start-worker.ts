import { applyMigrations, connectDatabase, pingDatabase, type Database } from './db/postgres.ts';
import { addHealthRoutes, createHttpServer, type FastifyInstance, type RunningHttpServer } from './http.ts';
import type { Logger } from './logger.ts';
import { createMetrics, type ServiceMetrics } from './metrics.ts';
import { once } from './shutdown.ts';

/** What every worker is configured with (its `main.ts` reads them from its env). */
export interface WorkerSettings {
  host?: string;
  /** `/healthz`, `/readyz`, `/metrics` and the worker's routes on it; no HTTP when absent (tests). */
  port?: number;
  databaseUrl: string;
  /** Connections of its pool (default service-kit's). */
  poolSize?: number;
  logger: Logger;
}

/** What the shared wiring has opened for a worker's own `setup`. */
export interface WorkerRuntime<Tables extends Record<string, unknown>> {
  /** Its database and NATS client name. */
  processName: string;
  database: Database<Tables>;
  metrics: ServiceMetrics;
  logger: Logger;
  /** Aborted as the worker begins to stop, before HTTP drains (cut waits short). */
  stopping: AbortSignal;
  /** A `/readyz` check beyond the database's. */
  readiness(name: string, check: () => Promise<void>): void;
  /** Runs when the worker stops, after HTTP has drained, latest first; the database closes last. */
  onStop(close: () => Promise<void> | void): void;
}

/** What a worker declares: its routes, and what it hands its caller. */
export interface WorkerServing<Handle> {
  /** Routes beside the health ones. */
  routes?: (app: FastifyInstance) => void;
  /** Request bodies above it are refused with 413 (default 1 KiB: the health routes have none). */
  bodyLimit?: number;
  /** Runs once HTTP listens (a loop that should not start before its worker answers health). */
  start?: () => void;
  /** Logged with "<name> ready". */
  facts?: Record<string, unknown>;
  handle: Handle;
}

export interface WorkerDefinition<Tables extends Record<string, unknown>, Handle> {
  /** `email`: the metrics' service label. */
  name: string;
  /** `ates-email-worker`: its database and NATS client name, and what it logs as ready. */
  processName: string;
  settings: WorkerSettings;
  tables: Tables;
  migrationsFolder: string;
  setup(runtime: WorkerRuntime<Tables>): Promise<WorkerServing<Handle>>;
}

export interface RunningWorker<Tables extends Record<string, unknown>, Handle> {
  /** `http://host:port` without a path, when it serves HTTP. */
  url: string | undefined;
  port: number | undefined;
  runtime: WorkerRuntime<Tables>;
  handle: Handle;
  stop(): Promise<void>;
}

/**
 * The start-up every worker shares, written once: migrations, its database, metrics, health
 * and its routes on one HTTP server, and the shutdown in reverse (HTTP drains first, the
 * database closes last). NATS and consumers come from `@ates/events`' `openEventChannels`.
 */
export async function startWorker<Tables extends Record<string, unknown>, Handle>(
  definition: WorkerDefinition<Tables, Handle>,
): Promise<RunningWorker<Tables, Handle>> {
  const { name, processName, settings } = definition;
  const { logger } = settings;
  await applyMigrations(settings.databaseUrl, definition.migrationsFolder);
  const database = connectDatabase(settings.databaseUrl, definition.tables, {
    applicationName: processName,
    max: settings.poolSize,
  });
  const metrics = createMetrics(name, { logger });
  const stopping = new AbortController();
  const readiness: Record<string, () => Promise<void>> = { database: () => pingDatabase(database.sql) };
  const closers: (() => Promise<void> | void)[] = [];
  const runtime: WorkerRuntime<Tables> = {
    processName,
    database,
    metrics,
    logger,
    stopping: stopping.signal,
    readiness: (check, run) => void (readiness[check] = run),
    onStop: (close) => void closers.unshift(close),
  };
  const serving = await definition.setup(runtime);
  let http: RunningHttpServer | undefined;
  if (settings.port !== undefined) {
    const server = createHttpServer({ logger, bodyLimit: serving.bodyLimit ?? 1024, metrics });
    addHealthRoutes(server.app, { readiness, metrics });
    serving.routes?.(server.app);
    http = await server.listen(settings.port, settings.host);
  }
  serving.start?.();
  logger.info({ url: http?.origin, ...serving.facts }, `${processName} ready`);
  return {
    url: http?.origin,
    port: http?.port,
    runtime,
    handle: serving.handle,
    stop: once(async () => {
      stopping.abort();
      await http?.close();
      for (const close of closers) await close();
      await database.close();
    }),
  };
}
