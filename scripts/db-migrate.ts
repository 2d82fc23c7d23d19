/** `pnpm db:migrate`: creates every service's database if missing and applies its migrations. */
import path from 'node:path';
import { applyMigrations, DEFAULT_POSTGRES_URL, withDatabase } from '@ates/service-kit';
import { services } from './lib/services.ts';
import { repoRoot } from './lib/subgraphs.ts';

const base = process.env.ATES_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
for (const spec of services()) {
  if (!spec.database) continue;
  const url = process.env[spec.database.env] ?? withDatabase(base, spec.database.name);
  await applyMigrations(url, path.join(repoRoot, spec.database.migrations));
  console.log(`${spec.name}: ${spec.database.name} migrated`);
}
