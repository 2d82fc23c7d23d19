import { createHash, randomUUID } from 'node:crypto';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { jsonParam } from '@ates/service-kit';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { z } from 'zod';
import type { Clock } from '@ates/service-kit';
import type * as tables from './tables.ts';
import { payments, type PaymentRow } from './tables.ts';

export type SandboxDb = PostgresJsDatabase<typeof tables>;

/** The body of `POST /payments` (the idempotency key travels in the `Idempotency-Key` header). */
export const paymentBody = z
  .object({
    accountId: z.string().min(1).max(200),
    userId: z.string().min(1).max(200),
    amountCents: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    currency: z.literal('USD'),
    description: z.string().max(500),
  })
  .strict();

export type PaymentBody = z.infer<typeof paymentBody>;

export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** What the sandbox answers for a payment (the same JSON on every request with its key). */
export interface PaymentView {
  id: string;
  idempotencyKey: string;
  status: 'PAID';
  accountId: string;
  userId: string;
  amountCents: number;
  currency: 'USD';
  description: string;
  paidAt: string;
}

export const toView = (row: PaymentRow): PaymentView => ({
  id: row.id,
  idempotencyKey: row.idempotencyKey,
  status: row.status,
  accountId: row.accountId,
  userId: row.userId,
  amountCents: row.amountCents,
  currency: row.currency,
  description: row.description,
  paidAt: row.paidAt.toISOString(),
});

/** Fields in a fixed order, so the hash does not depend on the client's key order. */
const requestHash = (body: PaymentBody) =>
  createHash('sha256')
    .update(JSON.stringify([body.accountId, body.userId, body.amountCents, body.currency, body.description]))
    .digest('hex');

export type PayOutcome =
  | { kind: 'paid'; payment: PaymentView }
  | { kind: 'replayed'; payment: PaymentView }
  | { kind: 'key-reused'; payment: PaymentView };

/**
 * Pays once per idempotency key. Concurrent requests with one key meet at the unique index:
 * the loser waits for the winner's commit, then reads its payment.
 */
export async function pay(db: SandboxDb, clock: Clock, key: string, body: PaymentBody): Promise<PayOutcome> {
  const hash = requestHash(body);
  const inserted = await db
    .insert(payments)
    .values({
      id: randomUUID(),
      idempotencyKey: key,
      requestHash: hash,
      ...body,
      status: 'PAID',
      paidAt: clock.now(),
    })
    .onConflictDoNothing({ target: payments.idempotencyKey })
    .returning();
  const fresh = inserted[0];
  if (fresh) return { kind: 'paid', payment: toView(fresh) };
  const [existing] = await db.select().from(payments).where(eq(payments.idempotencyKey, key));
  if (!existing) throw new Error(`payment for idempotency key ${key} vanished`);
  return { kind: existing.requestHash === hash ? 'replayed' : 'key-reused', payment: toView(existing) };
}

/** The most payments one `POST /payments/batch` may carry. */
export const MAX_BATCH = 1000;

/** The body of `POST /payments/batch`: payments, each with its own idempotency key. */
export const batchBody = z
  .object({
    payments: z
      .array(z.object({ idempotencyKey: z.string().regex(IDEMPOTENCY_KEY) }).catchall(z.unknown()))
      .min(1)
      .max(MAX_BATCH),
  })
  .strict();

/**
 * `pay` for many payments at once, each under its own idempotency key, with the same outcome
 * per key as one request each: new keys are paid in one multi-row insert, known keys answered
 * with their stored payment (replayed, or refused if the body differs). A key twice in one
 * batch pays once.
 */
export async function payMany(
  db: SandboxDb,
  clock: Clock,
  requests: readonly { key: string; body: PaymentBody }[],
): Promise<PayOutcome[]> {
  if (requests.length === 0) return [];
  const now = clock.now();
  const hashes = requests.map((r) => requestHash(r.body));
  const firstOfKey = new Map<string, number>();
  requests.forEach((r, i) => {
    if (!firstOfKey.has(r.key)) firstOfKey.set(r.key, i);
  });
  // One JSON document for the rows: drizzle's multi-row VALUES costs Node µs per parameter.
  const rows = [...firstOfKey.values()].map((i) => ({
    id: randomUUID(),
    idempotency_key: requests[i]!.key,
    request_hash: hashes[i]!,
    account_id: requests[i]!.body.accountId,
    user_id: requests[i]!.body.userId,
    amount_cents: requests[i]!.body.amountCents,
    currency: requests[i]!.body.currency,
    description: requests[i]!.body.description,
  }));
  const rowById = new Map<string, (typeof rows)[number]>(rows.map((r) => [r.id, r]));
  const inserted = (
    await db.execute<{ id: string; idempotency_key: string }>(sql`
      insert into payments (id, idempotency_key, request_hash, account_id, user_id, amount_cents, currency,
                            description, status, paid_at)
      select id, idempotency_key, request_hash, account_id, user_id, amount_cents, currency, description,
             'PAID', ${now.toISOString()}::timestamptz
      from jsonb_to_recordset(${jsonParam(rows)}) as r(
        id uuid, idempotency_key text, request_hash text, account_id text, user_id text, amount_cents bigint,
        currency text, description text)
      on conflict (idempotency_key) do nothing
      returning id, idempotency_key`)
  ).map((r): PaymentRow => {
    const row = rowById.get(r.id)!;
    return {
      id: r.id,
      idempotencyKey: r.idempotency_key,
      requestHash: row.request_hash,
      accountId: row.account_id,
      userId: row.user_id,
      amountCents: row.amount_cents,
      currency: row.currency,
      description: row.description,
      status: 'PAID',
      paidAt: now,
    };
  });
  const fresh = new Map(inserted.map((row) => [row.idempotencyKey, row]));
  const missing = [...firstOfKey.keys()].filter((key) => !fresh.has(key));
  const existing = new Map(
    missing.length === 0
      ? []
      : (
          await db
            .select()
            .from(payments)
            .where(sql`${payments.idempotencyKey} = any(${sql.param(missing)}::text[])`)
        ).map((row) => [row.idempotencyKey, row]),
  );
  return requests.map((r, i) => {
    const row = fresh.get(r.key);
    if (row && firstOfKey.get(r.key) === i) return { kind: 'paid', payment: toView(row) };
    const stored = row ?? existing.get(r.key);
    if (!stored) throw new Error(`payment for idempotency key ${r.key} vanished`);
    return { kind: stored.requestHash === hashes[i] ? 'replayed' : 'key-reused', payment: toView(stored) };
  });
}

export interface PaymentFilter {
  accountId?: string;
  userId?: string;
  idempotencyKey?: string;
}

export async function listPayments(
  db: SandboxDb,
  filter: PaymentFilter,
  limit = 1000,
): Promise<PaymentView[]> {
  const conditions: SQL[] = [];
  if (filter.accountId) conditions.push(eq(payments.accountId, filter.accountId));
  if (filter.userId) conditions.push(eq(payments.userId, filter.userId));
  if (filter.idempotencyKey) conditions.push(eq(payments.idempotencyKey, filter.idempotencyKey));
  const rows = await db
    .select()
    .from(payments)
    .where(and(...conditions))
    .orderBy(asc(payments.paidAt), asc(payments.id))
    .limit(limit);
  return rows.map(toView);
}

export async function getPayment(db: SandboxDb, id: string): Promise<PaymentView | undefined> {
  if (!z.string().uuid().safeParse(id).success) return undefined;
  const [row] = await db.select().from(payments).where(eq(payments.id, id));
  return row ? toView(row) : undefined;
}
