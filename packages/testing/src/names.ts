import { randomBytes } from 'node:crypto';

/** Test databases and NATS streams all start with this, so a sweep can find leftovers. */
export const TEST_DB_PREFIX = 'ates_t_';
export const TEST_NS_PREFIX = 't';

export function shortId(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}
