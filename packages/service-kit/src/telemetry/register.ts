/**
 * OpenTelemetry for one process, loaded before its entry module: `node --import <this> main`
 * (`dist/telemetry.js` in the build). It must run first: the instrumentations patch `http` and
 * `graphql` as they are loaded. With tracing off (the default) it loads nothing more.
 */
import { serviceNameOf, telemetrySettings } from './settings.ts';

const settings = telemetrySettings();
if (settings.enabled) {
  const { startTelemetry } = await import('./sdk.ts');
  startTelemetry(settings.serviceName ?? serviceNameOf(process.argv[1]));
}
