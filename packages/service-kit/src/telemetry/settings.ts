/**
 * Whether this process exports traces, read from the standard OpenTelemetry variables (the SDK
 * reads the rest itself: OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_TRACES_SAMPLER, OTEL_BSP_*, …).
 * Off unless an exporter or an OTLP endpoint is named, so a default run loads no SDK at all.
 * Plain code, no zod: `register.ts` runs this in every process before anything else.
 */
export interface TelemetrySettings {
  enabled: boolean;
  /** OTEL_SERVICE_NAME, else the process's own name (see `serviceNameOf`). */
  serviceName: string | undefined;
}

export function telemetrySettings(env: NodeJS.ProcessEnv = process.env): TelemetrySettings {
  const exporter = env.OTEL_TRACES_EXPORTER;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const disabled = env.OTEL_SDK_DISABLED === 'true';
  const serviceName = env.OTEL_SERVICE_NAME || undefined;
  return { enabled: !disabled && (exporter ? exporter !== 'none' : Boolean(endpoint)), serviceName };
}

/**
 * A process's service name from its entry file: `dist/tasks.js` → tasks,
 * `subgraphs/tasks/src/main.ts` → tasks, `subgraphs/accounting/src/payout-worker/main.ts` →
 * payout-worker, `workers/email/src/main.ts` → email.
 */
export function serviceNameOf(entry: string | undefined): string {
  if (!entry) return 'ates';
  const parts = entry.split(/[\\/]/).filter(Boolean);
  const file = (parts.pop() ?? 'ates').replace(/\.[cm]?[jt]s$/, '');
  if (file !== 'main') return file;
  const dir = parts.pop();
  return (dir === 'src' ? parts.pop() : dir) ?? 'ates';
}
