import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, dropDatabase, repoRoot, withDatabase } from '@ates/service-kit';
import { shortId, TEST_DB_PREFIX } from '../src/names.ts';
import { testPostgresUrl } from '../src/services.ts';

const USERS_MIGRATIONS = path.join(repoRoot, 'subgraphs/users/drizzle');
const url = withDatabase(testPostgresUrl(), `${TEST_DB_PREFIX}migrations_${shortId()}`);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-migrations-'));

afterAll(async () => {
  await dropDatabase(url);
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The users migrations up to the `count`-th, as a folder of their own. */
function firstMigrations(count: number): string {
  const folder = path.join(scratch, String(count));
  fs.cpSync(USERS_MIGRATIONS, folder, { recursive: true });
  const journalFile = path.join(folder, 'meta/_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: unknown[] };
  fs.writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, count) }));
  return folder;
}

async function applied(): Promise<number> {
  const sql = postgres(url, { max: 1 });
  try {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
    return row!.n;
  } finally {
    await sql.end();
  }
}

describe('applying a service’s migrations at start', () => {
  it('creates the database, applies what is new, and leaves a database at its head as it is', async () => {
    await applyMigrations(url, firstMigrations(2));
    expect(await applied()).toBe(2);
    const all = (
      JSON.parse(fs.readFileSync(path.join(USERS_MIGRATIONS, 'meta/_journal.json'), 'utf8')) as {
        entries: unknown[];
      }
    ).entries.length;
    await applyMigrations(url, USERS_MIGRATIONS);
    expect(await applied()).toBe(all);
    await applyMigrations(url, USERS_MIGRATIONS);
    expect(await applied()).toBe(all);
  });
});
