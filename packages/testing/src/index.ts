export * from './names.ts';
export * from './services.ts';
export * from './isolation.ts';
export * from './keys.ts';
export * from './graphql-client.ts';
export * as ops from './generated/operations.ts';
export * from './contract-operations.ts';
export * from './ws-client.ts';
export * from './wait-for.ts';
