import fs from 'node:fs';
import path from 'node:path';
import { DOMAINS, isDomain, type Domain } from '../subjects.ts';

export type JsonSchema = Record<string, unknown>;

/** One released (or about to be released) event schema: `<domain>/<entity>-<event>.v<N>.json`. */
export interface EventSchemaFile {
  /** Path relative to the schema directory, with forward slashes (the lock key). */
  file: string;
  domain: Domain;
  type: string;
  version: number;
  schema: JsonSchema;
}

export interface SchemaFiles {
  envelope: JsonSchema;
  events: EventSchemaFile[];
}

export const ENVELOPE_FILE = 'envelope.json';
const EVENT_FILE = /^([a-z][a-z0-9-]*)\.v([1-9][0-9]*)\.json$/;

/** The file name a (type, version) must live in: `user.role-changed` v1 → `user-role-changed.v1.json`. */
export function schemaFileName(domain: string, type: string, version: number): string {
  return `${domain}/${type.replace('.', '-')}.v${version}.json`;
}

/** Every `*.json` under `dir` (relative, sorted, forward slashes), except the lock file. */
export function listSchemaFiles(dir: string): string[] {
  const entries = fs.readdirSync(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json') && e.name !== 'lock.json')
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

function readJson(dir: string, file: string): JsonSchema {
  const value: unknown = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${file}: a schema must be a JSON object`);
  }
  return value as JsonSchema;
}

/**
 * The `x-event` block names the type, version and domain; the file name must agree with it,
 * so that a reader of the directory and the registry never disagree about what a file is.
 */
function describe(file: string, schema: JsonSchema): EventSchemaFile {
  const meta = schema['x-event'] as { domain?: unknown; type?: unknown; version?: unknown } | undefined;
  const [domain, name, ...rest] = file.split('/');
  if (!domain || !name || rest.length > 0 || !isDomain(domain) || !EVENT_FILE.test(name)) {
    throw new Error(`${file}: expected <${DOMAINS.join('|')}>/<entity>-<event>.v<N>.json`);
  }
  if (!meta || typeof meta.type !== 'string' || typeof meta.version !== 'number' || meta.domain !== domain) {
    throw new Error(
      `${file}: needs "x-event": { "domain": "${domain}", "type": "<entity>.<event>", "version": N }`,
    );
  }
  const expected = schemaFileName(domain, meta.type, meta.version);
  if (expected !== file)
    throw new Error(`${file}: x-event says ${meta.type} v${meta.version}, so the file must be ${expected}`);
  if (typeof schema.title !== 'string')
    throw new Error(`${file}: needs a "title" (the generated TypeScript type name)`);
  return { file, domain, type: meta.type, version: meta.version, schema };
}

export function readSchemaFiles(dir: string): SchemaFiles {
  const files = listSchemaFiles(dir);
  if (!files.includes(ENVELOPE_FILE)) throw new Error(`${dir}: ${ENVELOPE_FILE} is missing`);
  const events = files.filter((f) => f !== ENVELOPE_FILE).map((f) => describe(f, readJson(dir, f)));
  const types = new Map<string, Domain>();
  for (const event of events) {
    const owner = types.get(event.type);
    if (owner && owner !== event.domain)
      throw new Error(`${event.type} is declared in both ${owner} and ${event.domain}`);
    types.set(event.type, event.domain);
  }
  return { envelope: readJson(dir, ENVELOPE_FILE), events };
}
