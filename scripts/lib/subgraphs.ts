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

/** The subgraphs that exist in this checkout (later issues add the rest). */
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

export const sharedDir = process.env.ATES_SHARED_DIR ?? path.resolve(repoRoot, '../shared');

/**
 * The shared client operations and the subgraphs each one touches: a file is validated
 * (and typed by codegen) once all of them exist.
 */
export const OPERATION_FILES: Record<string, readonly string[]> = {
  'users.graphql': ['users'],
  'tasks.graphql': ['users', 'tasks', 'accounting'],
  'accounting.graphql': ['users', 'tasks', 'accounting'],
  'analytics.graphql': ['users', 'tasks', 'accounting', 'analytics'],
};

/** Operation files whose subgraphs are all present, as absolute paths. */
export function presentOperationFiles(): string[] {
  const present = new Set(presentSubgraphs().map((s) => s.name));
  return Object.entries(OPERATION_FILES)
    .filter(([, needs]) => needs.every((n) => present.has(n)))
    .map(([file]) => path.join(sharedDir, 'contract/operations', file));
}
