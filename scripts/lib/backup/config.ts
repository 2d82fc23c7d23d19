import path from 'node:path';
import { DEFAULT_NATS_URL, DEFAULT_POSTGRES_URL, withDatabase } from '@ates/service-kit';
import { services } from '../services.ts';
import { repoRoot } from '../subgraphs.ts';

/** What backup and restore read from the environment, as `pnpm start` and the services do. */
export function recoveryConfig(env: NodeJS.ProcessEnv = process.env) {
  const server = env.ATES_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;
  const databases: Record<string, string> = {};
  const migrations: Record<string, string> = {};
  for (const spec of services()) {
    if (!spec.database) continue;
    databases[spec.name] = env[spec.database.env] ?? withDatabase(server, spec.database.name);
    migrations[spec.name] = path.join(repoRoot, spec.database.migrations);
  }
  return {
    databases,
    migrations,
    natsUrl: env.NATS_URL ?? DEFAULT_NATS_URL,
    namespace: env.ATES_NATS_NAMESPACE || undefined,
    backupRoot: path.join(env.ATES_DATA_DIR ?? path.join(repoRoot, '.data'), 'backups'),
  };
}
