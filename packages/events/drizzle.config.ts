import { defineConfig } from 'drizzle-kit';

// Only for the package's own tests: a migration of the event tables alone, generated the way a
// service's drizzle-kit generates them from its schema (which re-exports src/tables.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/tables.ts',
  out: './test/drizzle',
});
