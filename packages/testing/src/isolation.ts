import { afterAll, beforeAll, inject } from 'vitest';
import {
  applyMigrations,
  connectDatabase,
  dropDatabase,
  ensureDatabase,
  withDatabase,
  type Database,
} from '@ates/service-kit';
import { TEST_DB_PREFIX, TEST_NS_PREFIX, shortId } from './names.ts';
import { testPostgresUrl } from './services.ts';

function runId(): string {
  return inject('testRunId');
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh database owned by one test file; drop it in afterAll (the run's teardown sweeps leftovers). */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 20);
  const name = `${TEST_DB_PREFIX}${runId()}_${safe}_${shortId()}`;
  const url = withDatabase(testPostgresUrl(), name);
  await ensureDatabase(url);
  return { url, name, drop: () => dropDatabase(url) };
}

export interface MigratedDatabase<Schema extends Record<string, unknown>> extends Database<Schema> {
  url: string;
  /** Closes the pool, then drops the database. */
  drop(): Promise<void>;
}

/** A test file's own database with a service's migrations applied, connected with its tables. */
export async function createMigratedDatabase<Schema extends Record<string, unknown>>(
  label: string,
  migrationsFolder: string,
  tables: Schema,
  options: { max?: number } = {},
): Promise<MigratedDatabase<Schema>> {
  const testDb = await createTestDatabase(label);
  await applyMigrations(testDb.url, migrationsFolder);
  const database = connectDatabase(testDb.url, tables, options);
  return {
    ...database,
    url: testDb.url,
    async drop() {
      await database.close();
      await testDb.drop();
    },
  };
}

/**
 * A NATS namespace owned by one test file: every stream and subject it creates starts with it,
 * so files run in parallel on one server without seeing each other's events.
 */
export function createTestNamespace(): string {
  return `${TEST_NS_PREFIX}${runId()}${shortId(3)}`;
}

/**
 * A resource made before a test file's tests and released after them. The object returned
 * stands for it (each read goes to the resource), so tests use it as a plain constant.
 */
export function perFile<T extends object>(make: () => Promise<T>, release: (value: T) => Promise<void>): T {
  let current: T | undefined;
  beforeAll(async () => {
    current = await make();
  });
  afterAll(async () => {
    if (current) await release(current);
  });
  return new Proxy({} as T, {
    get(_, key) {
      if (!current) throw new Error(`read before the file's beforeAll: ${String(key)}`);
      return Reflect.get(current, key) as unknown;
    },
  });
}
