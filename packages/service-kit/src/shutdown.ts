import type { Logger } from './logger.ts';
import { flushTelemetry } from './telemetry/tracing.ts';

type Closer = () => Promise<void> | void;

export interface ShutdownOptions {
  /**
   * The whole shutdown's deadline: past it the process exits 1 with whatever is left undone
   * (an orchestrator kills it soon after anyway). Default 25 s, under Kubernetes' 30 s grace.
   */
  timeoutMs?: number;
}

/**
 * Runs closers in reverse order of registration on SIGINT/SIGTERM (stop taking work first,
 * then drain, then close connections), then exits 0 (1 if a closer failed or the deadline
 * passed). A second signal exits at once.
 */
export function onShutdown(logger: Logger, closers: Closer[], options: ShutdownOptions = {}): void {
  const timeoutMs = options.timeoutMs ?? 25_000;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, timeoutMs }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown did not finish in time: exiting');
      process.exit(1);
    }, timeoutMs).unref();
    let code = 0;
    for (const close of [...closers].reverse()) {
      try {
        await close();
      } catch (error) {
        code = 1;
        logger.error({ err: error }, 'error during shutdown');
      }
    }
    // The spans of the last requests and events, when tracing is on.
    await flushTelemetry();
    logger.info('stopped');
    // An async write still in flight would land after the synchronous flush at exit, out of order.
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    process.exit(code);
  };
  process.on('SIGINT', (s) => void stop(s));
  process.on('SIGTERM', (s) => void stop(s));
}

/** Logs a fatal start-up error in one readable line and exits non-zero. */
export function exitOnStartupError(logger: Logger, error: unknown): never {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'start-up failed');
  process.exit(1);
}

/** Wraps a stop function so that a second call waits for the first instead of stopping twice. */
export function once(stop: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= stop());
}

/**
 * A process that has thrown where nobody catches is in an unknown state: log it at fatal and
 * exit 1, for the supervisor (`pnpm start`, compose, Kubernetes) to start a clean one.
 */
export function exitOnUncaughtErrors(logger: Logger): void {
  const die = (kind: string) => (error: unknown) => {
    logger.fatal({ err: error, kind }, `${kind}: exiting`);
    process.exit(1);
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));
}
