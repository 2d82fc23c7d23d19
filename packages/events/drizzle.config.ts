import { defineConfig } from 'drizzle-kit';

// A reference migration of the event tables alone (used by this package's tests and the bench),
// generated exactly as a service's drizzle-kit generates them from its schema.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/tables.ts',
  out: './drizzle',
});
