export * from './system.ts';
export * from './ledger.ts';
