export * from './names.ts';
export * from './services.ts';
export * from './isolation.ts';
