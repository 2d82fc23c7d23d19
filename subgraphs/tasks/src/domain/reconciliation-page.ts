import { badInput, isUuid } from '@ates/service-kit';

/** Largest page of accounting's reconciliation; the same bound as accounting's. */
export const RECONCILIATION_PAGE_MAX = 5000;

/** A reconciliation page's key, as accounting makes it: `<first>:<after task id or empty>`. */
export function parseReconciliationPage(id: string): { first: number; after: string | null } {
  const [size, after = ''] = id.split(':');
  const first = Number(size);
  if (!Number.isInteger(first) || first < 1 || first > RECONCILIATION_PAGE_MAX)
    throw badInput('id', `Invalid reconciliation page: ${id.slice(0, 100)}`);
  if (after !== '' && !isUuid(after))
    throw badInput('id', `Invalid reconciliation page: ${id.slice(0, 100)}`);
  return { first, after: after || null };
}
