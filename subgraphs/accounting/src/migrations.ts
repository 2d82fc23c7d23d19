import path from 'node:path';

/** Accounting's drizzle-kit migrations, applied by the subgraph and the payout worker at start. */
export const migrationsFolder = path.resolve(import.meta.dirname, '../drizzle');
