// The package's public API: every export of its modules.
export * from './provider.ts';
export * from './http-provider.ts';
export * from './retry.ts';
