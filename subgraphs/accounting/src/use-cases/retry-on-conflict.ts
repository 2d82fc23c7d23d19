/** Deadlock and serialization failures: the transaction lost a race and can simply run again. */
const CONFLICT_CODES = new Set(['40P01', '40001']);

function isConflict(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONFLICT_CODES.has(code)) return true;
  }
  return false;
}

/**
 * Runs a transaction again when Postgres aborted it to break a deadlock (a close's account lock
 * against a consumer batch holding several accounts and the day's totals), a few times.
 */
export async function retryOnConflict<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isConflict(error)) throw error;
    }
  }
}
