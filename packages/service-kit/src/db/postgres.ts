import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres, { type Sql } from 'postgres';
import { sql as drizzleSql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { activeTraceId, inSpan, SpanKind } from '../telemetry/tracing.ts';

export type { Sql };

/**
 * Rows for a set-based statement, sent as ONE jsonb parameter and expanded in SQL with
 * `jsonb_to_recordset` (or `jsonb_array_elements … with ordinality` where order matters).
 * Drizzle's multi-row VALUES costs Node several µs per parameter; a batch of 500 rows has
 * thousands. Dates go as ISO strings, money as integer cents (safe integers).
 */
export const jsonParam = (rows: readonly object[]): SQL => drizzleSql`${JSON.stringify(rows)}::jsonb`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in its text form (what a `uuid` column accepts): ids from outside are checked with it before a query. */
export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * UUIDs as ONE `uuid[]` parameter, for `column = any(${uuidArrayParam(ids)})` (drizzle's
 * `inArray` makes a parameter per id). Throws on a value that is not a UUID: callers filter
 * untrusted ids first.
 */
export function uuidArrayParam(ids: readonly string[]): SQL {
  return drizzleSql`${uuidArrayLiteral(ids)}::uuid[]`;
}

/** The `uuid[]` literal of `ids` (`{a,b}`), the value of an `anyUuidPlaceholder`; throws on a non-UUID. */
export function uuidArrayLiteral(ids: readonly string[]): string {
  for (const id of ids) if (!isUuid(id)) throw new Error(`not a UUID: ${JSON.stringify(id)}`);
  return `{${ids.join(',')}}`;
}

/** `column = any($name::uuid[])` in a prepared query; the value comes from `uuidArrayLiteral`. */
export const anyUuidPlaceholder = (column: SQLWrapper, name: string): SQL =>
  drizzleSql`${column} = any(${drizzleSql.placeholder(name)}::uuid[])`;

/**
 * One drizzle prepared query per database handle, built on first use: drizzle otherwise
 * rebuilds a query's SQL text on every call (a tenth of a subgraph's CPU on the dashboard's
 * reads). A transaction is a handle of its own, so its queries are built for it.
 */
export function preparedPerDb<Db extends object, Query>(build: (db: Db) => Query): (db: Db) => Query {
  const built = new WeakMap<Db, Query>();
  return (db) => {
    let query = built.get(db);
    if (query === undefined) {
      query = build(db);
      built.set(db, query);
    }
    return query;
  };
}

/**
 * `column = any($1::uuid[])`: one parameter and one statement text whatever the number of
 * ids, so a prepared statement serves every batch size (drizzle's `inArray` writes a
 * parameter per id: a statement per list length, each prepared on every connection).
 */
export const anyUuid = (column: SQLWrapper, ids: readonly string[]): SQL =>
  drizzleSql`${column} = any(${uuidArrayParam(ids)})`;

/** A readiness probe's round trip to the database. */
export async function pingDatabase(sql: Sql): Promise<void> {
  await sql`select 1`;
}

/** Splits `postgres://host/db` into the server URL (database `postgres`) and the database name. */
export function splitDatabaseUrl(url: string): { serverUrl: string; database: string } {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`Database URL has no database name: ${url}`);
  parsed.pathname = '/postgres';
  return { serverUrl: parsed.toString(), database };
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Creates the database of `url` unless it exists (concurrent creators are fine). */
export async function ensureDatabase(url: string): Promise<void> {
  const { serverUrl, database } = splitDatabaseUrl(url);
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length > 0) return;
    try {
      await sql.unsafe(`create database ${quoteIdent(database)}`);
    } catch (error) {
      // 42P04 duplicate_database, 23505: a concurrent creator won.
      const code = (error as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw error;
    }
  } finally {
    await sql.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const { serverUrl, database } = splitDatabaseUrl(url);
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists ${quoteIdent(database)} with (force)`);
  } finally {
    await sql.end();
  }
}

export interface Database<Schema extends Record<string, unknown>> {
  sql: Sql;
  db: PostgresJsDatabase<Schema>;
  close(): Promise<void>;
}

let defaultPoolMax = 10;

/**
 * The pool size of connections opened without an explicit `max`. A process running many
 * services at once (the in-process test system) lowers it to stay within the server's
 * `max_connections`.
 */
export function setDefaultPoolMax(max: number): void {
  defaultPoolMax = max;
}

/**
 * A service's serving reads (single statements, never a transaction) get one backend per core
 * and a spare: more only contend for the same cores (dashboard, 2 cores: 1.29x RPS vs 10).
 */
export function servingPoolMax(): number {
  return Math.min(defaultPoolMax, os.availableParallelism() + 1);
}

/**
 * postgres.js has no OpenTelemetry instrumentation (`instrumentation-pg` covers `pg` only), and
 * it offers no hook around a query; drizzle's top-level `transaction` is the one place every
 * service's writes pass, so each in a traced request or run is a client span (its queries are
 * time inside it). Nothing when tracing is off.
 */
function traceTransactions(db: { transaction: (...args: never[]) => Promise<unknown> }, database: string) {
  const transaction = db.transaction.bind(db) as (...args: unknown[]) => Promise<unknown>;
  const attributes = { 'db.system.name': 'postgresql', 'db.namespace': database };
  (db as { transaction: unknown }).transaction = (...args: unknown[]) =>
    // Only inside a trace: a consumer's batch transaction would otherwise start one of its own.
    activeTraceId() === undefined
      ? transaction(...args)
      : inSpan(`transaction ${database}`, { kind: SpanKind.CLIENT, attributes }, () => transaction(...args));
}

export function connectDatabase<Schema extends Record<string, unknown>>(
  url: string,
  schema: Schema,
  options: { max?: number; applicationName?: string } = {},
): Database<Schema> {
  const sql = postgres(url, {
    max: options.max ?? defaultPoolMax,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'ates' },
  });
  const db = drizzle(sql, { schema });
  traceTransactions(db, splitDatabaseUrl(url).database);
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}

/** Applies the drizzle-kit migrations in `folder` (idempotent; serialized by drizzle's lock table). */
export async function applyMigrations(url: string, folder: string): Promise<void> {
  const sql = await openCreatingDatabase(url);
  try {
    // Most starts find the schema at its head: one query instead of drizzle's DDL under a lock.
    if (await atHead(sql, folder)) return;
    // Two services starting at once must not run the same migration twice.
    await sql`select pg_advisory_lock(hashtext('ates.migrations'))`;
    await migrate(drizzle(sql), { migrationsFolder: folder });
  } finally {
    await sql.end();
  }
}

/** One connection to the database of `url`, created first if it does not exist. */
async function openCreatingDatabase(url: string): Promise<Sql> {
  const open = () => postgres(url, { max: 1, onnotice: () => {}, fetch_types: false });
  const sql = open();
  try {
    await sql`select 1`;
    return sql;
  } catch (error) {
    await sql.end();
    // 3D000 invalid_catalog_name: no such database yet.
    if ((error as { code?: string }).code !== '3D000') throw error;
  }
  await ensureDatabase(url);
  return open();
}

/**
 * Whether the database has every migration of `folder`, by drizzle's own rule: its last
 * applied migration is not older than the journal's newest entry.
 */
async function atHead(sql: Sql, folder: string): Promise<boolean> {
  const journal = JSON.parse(fs.readFileSync(path.join(folder, 'meta/_journal.json'), 'utf8')) as {
    entries: { when: number }[];
  };
  const head = Math.max(0, ...journal.entries.map((entry) => entry.when));
  try {
    const [row] = await sql<{ last: string | null }[]>`
      select max(created_at)::text as last from drizzle.__drizzle_migrations`;
    return typeof row?.last === 'string' && Number(row.last) >= head;
  } catch (error) {
    // 42P01 undefined_table, 3F000 invalid_schema_name: never migrated.
    const code = (error as { code?: string }).code;
    if (code === '42P01' || code === '3F000') return false;
    throw error;
  }
}
