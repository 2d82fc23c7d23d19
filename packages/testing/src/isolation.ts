import { inject } from 'vitest';
import { dropDatabase, ensureDatabase, withDatabase } from '@ates/service-kit';
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

/**
 * A NATS namespace owned by one test file: every stream and subject it creates starts with it,
 * so files run in parallel on one server without seeing each other's events.
 */
export function createTestNamespace(): string {
  return `${TEST_NS_PREFIX}${runId()}${shortId(3)}`;
}
