/** `pnpm db:migrate`: creates every service's database if missing and applies its migrations. */
import path from 'node:path';
import { applyMigrations, DEFAULT_POSTGRES_URL, withDatabase } from '@ates/service-kit';
import { parseCli } from '@ates/service-kit/cli';
import { services } from './lib/services.ts';
import { repoRoot } from './lib/subgraphs.ts';

parseCli('pnpm db:migrate', {
  usage: `Usage: pnpm db:migrate

Creates every service's database if it is missing and applies its migrations. The server is
ATES_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432); a service's own
<SERVICE>_DATABASE_URL, when set, names its database instead.

Options:
  -h, --help   this text`,
  options: {},
});

const base = process.env.ATES_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
try {
  for (const spec of services()) {
    if (!spec.database) continue;
    const url = process.env[spec.database.env] ?? withDatabase(base, spec.database.name);
    await applyMigrations(url, path.join(repoRoot, spec.database.migrations));
    console.log(`${spec.name}: ${spec.database.name} migrated`);
  }
} catch (error) {
  console.error(`pnpm db:migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
