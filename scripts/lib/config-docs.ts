import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './subgraphs.ts';

/** Each process's environment loader (its zod schema behind it), by module and export. */
const ENV_LOADERS = [
  ['gateway/src/env.ts', 'loadGatewayEnv'],
  ['subgraphs/users/src/env.ts', 'loadUsersEnv'],
  ['subgraphs/tasks/src/env.ts', 'loadTasksEnv'],
  ['subgraphs/accounting/src/env.ts', 'loadAccountingEnv'],
  ['subgraphs/accounting/src/payout-worker/env.ts', 'loadPayoutWorkerEnv'],
  ['subgraphs/analytics/src/env.ts', 'loadAnalyticsEnv'],
  ['workers/payment-sandbox/src/env.ts', 'loadPaymentSandboxEnv'],
  ['workers/email/src/env.ts', 'loadEmailWorkerEnv'],
  ['packages/events/src/cli/env.ts', 'loadCliEnv'],
  // Every process: whether it traces (OpenTelemetry's own variables; not zod, see the file).
  ['packages/service-kit/src/telemetry/settings.ts', 'telemetrySettings'],
] as const;

/**
 * The variables each zod env schema reads, found by running the loader on an environment
 * that records every variable asked for (zod reads each key of the object's shape).
 */
export async function schemaVariables(): Promise<Map<string, string[]>> {
  const readers = new Map<string, string[]>();
  for (const [file, name] of ENV_LOADERS) {
    const module = (await import(path.join(repoRoot, file))) as Record<string, (env: object) => unknown>;
    const load = module[name];
    if (!load) throw new Error(`${file} has no ${name}`);
    const asked = new Set<string>();
    const recorder = new Proxy(
      {},
      { get: (_, key) => (typeof key === 'string' && asked.add(key), undefined) },
    );
    try {
      load(recorder);
    } catch {
      // Missing required values are expected here; only the names asked for matter.
    }
    for (const variable of asked) readers.set(variable, [...(readers.get(variable) ?? []), file]);
  }
  return readers;
}

const VARIABLE = /`([A-Z][A-Z0-9_]*[A-Z0-9])`/g;

/** The variables the README's configuration table names (first column, in backticks). */
export function readmeVariables(): Set<string> {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = /## Configuration\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const first = line.split('|')[1] ?? '';
    for (const match of first.matchAll(VARIABLE)) names.add(match[1]!);
  }
  return names;
}

/** The variables `.env.example` sets or shows commented out (`# NAME=`). */
export function envExampleVariables(): Set<string> {
  const text = fs.readFileSync(path.join(repoRoot, '.env.example'), 'utf8');
  return new Set([...text.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
}
