import type { Sql } from 'postgres';

/** Another holder kept the lock longer than the caller was willing to wait. */
export class LockBusyError extends Error {
  constructor(readonly key: string) {
    super(`lock ${key} is held by another process`);
    this.name = 'LockBusyError';
  }
}

/**
 * Runs `work` while holding a session-level advisory lock on one reserved connection: one holder
 * per database across processes. The lock lives as long as the connection, so a holder that
 * dies (even kill -9) releases it when Postgres notices the connection is gone. With `waitMs`
 * 0 it only tries once; otherwise it waits up to `waitMs`. Throws LockBusyError when not taken.
 */
export async function withSessionLock<T>(
  sql: Sql,
  key: string,
  options: { waitMs: number },
  work: () => Promise<T>,
): Promise<T> {
  const connection = await sql.reserve();
  try {
    if (options.waitMs <= 0) {
      const [row] = await connection<{ locked: boolean }[]>`
        select pg_try_advisory_lock(hashtext(${key})) as locked`;
      if (!row?.locked) throw new LockBusyError(key);
    } else {
      try {
        await connection.unsafe(`set lock_timeout = ${Math.ceil(options.waitMs)}`);
        await connection`select pg_advisory_lock(hashtext(${key}))`;
      } catch (error) {
        // 55P03 lock_not_available: lock_timeout expired.
        if ((error as { code?: string }).code === '55P03') throw new LockBusyError(key);
        throw error;
      } finally {
        await connection.unsafe('reset lock_timeout');
      }
    }
    try {
      return await work();
    } finally {
      await connection`select pg_advisory_unlock(hashtext(${key}))`;
    }
  } finally {
    connection.release();
  }
}
