import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { listSchemaFiles } from './schema-files.ts';

export const LOCK_FILE = 'lock.json';

/** file (relative to the schema directory) → sha256 of its canonical JSON. */
export type SchemaLock = Record<string, string>;

export interface LockReport {
  /** Locked files whose content changed: a released schema was edited (make a new version instead). */
  changed: string[];
  /** Locked files that no longer exist: a released schema was removed. */
  missing: string[];
  /** Files not locked yet: new versions, locked by `pnpm events lock`. */
  unlocked: string[];
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The hash of the schema's meaning, not its bytes: key order and formatting (prettier) do not
 * change it, any change of a keyword or value does.
 */
export function schemaHash(text: string): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(JSON.parse(text))))
    .digest('hex');
}

export function readLock(dir: string): SchemaLock {
  const file = path.join(dir, LOCK_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as SchemaLock) : {};
}

/** Compares the schema files with the lock. The envelope is locked like any event schema. */
export function checkLock(dir: string): LockReport {
  const lock = readLock(dir);
  const files = listSchemaFiles(dir);
  const report: LockReport = { changed: [], missing: [], unlocked: [] };
  for (const [file, hash] of Object.entries(lock)) {
    if (!files.includes(file)) report.missing.push(file);
    else if (schemaHash(fs.readFileSync(path.join(dir, file), 'utf8')) !== hash) report.changed.push(file);
  }
  report.unlocked = files.filter((f) => !(f in lock));
  return report;
}

/**
 * Adds unlocked files to the lock and never rewrites a locked entry: a changed released schema
 * is an error to fix (restore it, add a new version), not something to re-lock.
 */
export function updateLock(dir: string): LockReport & { added: string[] } {
  const report = checkLock(dir);
  const lock = readLock(dir);
  for (const file of report.unlocked) lock[file] = schemaHash(fs.readFileSync(path.join(dir, file), 'utf8'));
  const sorted = Object.fromEntries(Object.entries(lock).sort(([a], [b]) => (a < b ? -1 : 1)));
  fs.writeFileSync(path.join(dir, LOCK_FILE), `${JSON.stringify(sorted, null, 2)}\n`);
  return { ...report, added: report.unlocked };
}
