import { badInput } from '@ates/service-kit';

/**
 * Opaque keyset cursor of the audit log: the ledger's `seq` (the order transactions were
 * applied in), stable while new transactions arrive.
 */
export const encodeCursor = (seq: number): string => Buffer.from(`t:${seq}`).toString('base64url');

export function decodeCursor(text: string): number {
  const match = /^t:(\d{1,15})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) throw badInput('after', 'Invalid cursor');
  return Number(match[1]);
}

export const PAGE_MAX = 200;

export function checkPageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > PAGE_MAX)
    throw badInput('first', `first must be 1–${PAGE_MAX}`);
  return first;
}
