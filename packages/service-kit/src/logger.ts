import pino, { type DestinationStream, type Logger } from 'pino';
import { traceLogFields } from './trace.ts';

export type { Logger };

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where the JSON lines go; stdout by default (tests capture them). */
  destination?: DestinationStream;
}

/**
 * Structured JSON logs on stdout; `pnpm start` prefixes and pretty-prints them per service.
 * A line written while handling a request or an event carries its `correlationId` (and the
 * event being handled as `causationId`), however the logger was obtained.
 */
export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceLogFields,
  };
  return pino(options, destination ?? sharedStdout());
}

let stdout: DestinationStream | undefined;

/** One stdout stream per process: services hosted in one process keep their lines in order. */
function sharedStdout(): DestinationStream {
  return (stdout ??= pino.destination({ dest: 1, sync: false }));
}
