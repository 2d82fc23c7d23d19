import { describe, expect, it } from 'vitest';
import { serviceNameOf, telemetrySettings } from '../src/telemetry/settings.ts';

describe('telemetry settings', () => {
  it('is off unless an exporter or an OTLP endpoint is named, and OTEL_SDK_DISABLED wins', () => {
    expect(telemetrySettings({}).enabled).toBe(false);
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' }).enabled).toBe(true);
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }).enabled).toBe(
      true,
    );
    expect(telemetrySettings({ OTEL_TRACES_EXPORTER: 'console' }).enabled).toBe(true);
    expect(
      telemetrySettings({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://j:4318' })
        .enabled,
    ).toBe(false);
    expect(
      telemetrySettings({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://j:4318' }).enabled,
    ).toBe(false);
  });

  it('names a process after its entry, sources or build alike, unless OTEL_SERVICE_NAME says', () => {
    expect(serviceNameOf('/app/dist/payout-worker.js')).toBe('payout-worker');
    expect(serviceNameOf('/repo/subgraphs/tasks/src/main.ts')).toBe('tasks');
    expect(serviceNameOf('/repo/subgraphs/accounting/src/payout-worker/main.ts')).toBe('payout-worker');
    expect(serviceNameOf('/repo/gateway/src/main.ts')).toBe('gateway');
    expect(serviceNameOf(undefined)).toBe('ates');
    expect(telemetrySettings({ OTEL_SERVICE_NAME: 'edge' }).serviceName).toBe('edge');
  });
});
