import { badInput } from '@ates/service-kit';

/** Opaque keyset cursor over (createdAt desc, id desc): stable while tasks are added. */
export interface TaskCursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(cursor: TaskCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

export function decodeCursor(text: string): TaskCursor {
  const [iso, id] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(createdAt.getTime()))
    throw badInput('after', 'Invalid cursor');
  return { createdAt, id };
}

export const PAGE_MAX = 200;

export function checkPageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > PAGE_MAX)
    throw badInput('first', `first must be 1–${PAGE_MAX}`);
  return first;
}
