import type { Sql } from 'postgres';

/** Another process holds the lock. */
export class LockBusyError extends Error {
  constructor(readonly key: string) {
    super(`lock ${key} is held by another process`);
    this.name = 'LockBusyError';
  }
}

/**
 * Runs `work` while holding a session-level advisory lock on one reserved connection: one holder
 * per database across processes. The lock lives as long as the connection, so a holder that
 * dies (even kill -9) releases it when Postgres notices the connection is gone. It only tries
 * once (throws LockBusyError): a caller that wants to wait retries, holding no connection
 * meanwhile.
 */
export async function withSessionLock<T>(sql: Sql, key: string, work: () => Promise<T>): Promise<T> {
  const connection = await sql.reserve();
  try {
    const [row] = await connection<{ locked: boolean }[]>`
      select pg_try_advisory_lock(hashtext(${key})) as locked`;
    if (!row?.locked) throw new LockBusyError(key);
    try {
      return await work();
    } finally {
      await connection`select pg_advisory_unlock(hashtext(${key}))`;
    }
  } finally {
    connection.release();
  }
}
