import fs from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * The subgraphs of aTES: name, development port and where it lives. The supergraph records the
 * development URL; the gateway takes `ATES_<NAME>_URL` to override it per environment.
 */
export const SUBGRAPHS = [
  { name: 'users', port: 4001 },
  { name: 'tasks', port: 4002 },
  { name: 'accounting', port: 4003 },
  { name: 'analytics', port: 4004 },
] as const;

export interface PresentSubgraph {
  name: string;
  port: number;
  dir: string;
  schemaPath: string;
  url: string;
}

/** The subgraphs with a `schema.graphql` (composition's inputs), with their development URLs. */
export function presentSubgraphs(): PresentSubgraph[] {
  return SUBGRAPHS.map((s) => {
    const dir = path.join(repoRoot, 'subgraphs', s.name);
    return {
      ...s,
      dir,
      schemaPath: path.join(dir, 'schema.graphql'),
      url: `http://127.0.0.1:${s.port}/graphql`,
    };
  }).filter((s) => fs.existsSync(s.schemaPath));
}

/**
 * The project's client operations, one folder per client: the e2e tests, benches and chaos
 * driver share `operations/`, `pnpm demo` has `operations/demo/`, the web UI its own. Each is
 * typed by codegen and validated against the composed API schema (scripts/test/api.unit.test.ts).
 */
export const OPERATION_DIRS = {
  testing: path.join(repoRoot, 'operations'),
  demo: path.join(repoRoot, 'operations/demo'),
  ui: path.join(repoRoot, 'ui/src/graphql'),
} as const;

/** The `.graphql` files of one client's operations folder, as absolute paths, sorted. */
export function operationFiles(client: keyof typeof OPERATION_DIRS): string[] {
  const dir = OPERATION_DIRS[client];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => path.join(dir, f));
}
