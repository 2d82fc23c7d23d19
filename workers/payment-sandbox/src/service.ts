import path from 'node:path';
import {
  cryptoRandom,
  startWorker,
  systemClock,
  type Clock,
  type Logger,
  type RandomSource,
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

/** Its metrics label, its database and NATS client name, and its schema. */
const PAYMENT_SANDBOX = {
  name: 'payment-sandbox',
  processName: 'ates-payment-sandbox',
  tables,
  migrationsFolder,
};

/** Starts the sandbox bank: migrations, then HTTP. Payments live in its own database. */
export async function startPaymentSandbox(config: PaymentSandboxConfig): Promise<PaymentSandbox> {
  const running = await startWorker({
    ...PAYMENT_SANDBOX,
    settings: config,
    async setup({ database, logger, stopping }) {
      const faults = new Faults({ ...NO_FAULTS, ...config.faults }, config.random ?? cryptoRandom);
      // A slow answer ends at once when the sandbox stops, so HTTP drains without waiting for it.
      const delay = (ms: number) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(done, ms);
          function done() {
            clearTimeout(timer);
            stopping.removeEventListener('abort', done);
            resolve();
          }
          stopping.addEventListener('abort', done, { once: true });
        });
      return {
        bodyLimit: 64 * 1024,
        routes: (app) =>
          registerRoutes(app, {
            db: database.db,
            clock: config.clock ?? systemClock,
            faults,
            controlEnabled: config.controlEnabled ?? true,
            ...(config.secret === undefined ? {} : { secret: config.secret }),
            logger,
            delay,
          }),
        facts: { faults: faults.settings() },
        handle: { setFaults: (patch: FaultPatch) => faults.update(patch) },
      };
    },
  });
  return { url: running.url!, port: running.port!, ...running.handle, stop: running.stop };
}
