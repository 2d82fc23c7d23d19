import path from 'node:path';
import {
  applyMigrations,
  connectDatabase,
  createMetrics,
  cryptoRandom,
  addHealthRoutes,
  createHttpServer,
  once,
  systemClock,
  type Clock,
  type Logger,
  type RandomSource,
  pingDatabase,
} from '@ates/service-kit';
import * as tables from './db/tables.ts';
import { Faults, NO_FAULTS, type FaultPatch, type FaultSettings } from './faults.ts';
import { registerRoutes } from './routes.ts';

export { NO_FAULTS, type FaultPatch, type FaultSettings } from './faults.ts';
export type { PaymentView } from './db/payments.ts';

export const migrationsFolder = path.resolve(import.meta.dirname, '../drizzle');

export interface PaymentSandboxConfig {
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  databaseUrl: string;
  logger: Logger;
  faults?: Partial<FaultSettings>;
  controlEnabled?: boolean;
  /** Callers of /payments and /_control must send it as a Bearer token; unset opens them (development only). */
  secret?: string;
  clock?: Clock;
  random?: RandomSource;
}

export interface PaymentSandbox {
  /** `http://host:port`: the base URL for `HttpPaymentProvider`. */
  url: string;
  port: number;
  /** The same as `POST /_control` (in-process tests). */
  setFaults(patch: FaultPatch): FaultSettings;
  stop(): Promise<void>;
}

/** Starts the sandbox bank: migrations, then HTTP. Payments live in its own database. */
export async function startPaymentSandbox(config: PaymentSandboxConfig): Promise<PaymentSandbox> {
  const { logger } = config;
  await applyMigrations(config.databaseUrl, migrationsFolder);
  const database = connectDatabase(config.databaseUrl, tables, { applicationName: 'ates-payment-sandbox' });
  const faults = new Faults({ ...NO_FAULTS, ...config.faults }, config.random ?? cryptoRandom);
  const stopping = new AbortController();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      }
      stopping.signal.addEventListener('abort', done, { once: true });
    });
  const metrics = createMetrics('payment-sandbox', { logger });
  const server = createHttpServer({ logger, bodyLimit: 64 * 1024, metrics });
  addHealthRoutes(server.app, { readiness: { database: () => pingDatabase(database.sql) }, metrics });
  registerRoutes(server.app, {
    db: database.db,
    clock: config.clock ?? systemClock,
    faults,
    controlEnabled: config.controlEnabled ?? true,
    ...(config.secret === undefined ? {} : { secret: config.secret }),
    logger,
    delay,
  });
  const http = await server.listen(config.port, config.host);
  logger.info({ url: http.origin, faults: faults.settings() }, 'payment sandbox ready');
  return {
    url: http.origin,
    port: http.port,
    setFaults: (patch) => faults.update(patch),
    stop: once(async () => {
      stopping.abort();
      await http.close();
      await database.close();
    }),
  };
}
