/**
 * What `pnpm start`'s supervisor and other local tooling need, without loading the service
 * stack (Apollo, Fastify, postgres, pino…) that `@ates/service-kit` brings: Node built-ins only.
 */
export * from './addresses.ts';
export * from './dev-keys.ts';
export { telemetrySettings } from './telemetry/settings.ts';
