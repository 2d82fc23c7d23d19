import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpPaymentProvider, type PaymentRequest } from '../src/index.ts';
import { createLogger } from '@ates/service-kit';
import { createTestDatabase, type TestDatabase } from '@ates/testing';
import { startPaymentSandbox, type PaymentSandbox } from '@ates/payment-sandbox';

const logger = createLogger({ service: 'payments-test', level: process.env.LOG_LEVEL ?? 'silent' });

let testDb: TestDatabase;
let sandbox: PaymentSandbox;
let provider: HttpPaymentProvider;

beforeAll(async () => {
  testDb = await createTestDatabase('paysandbox_batch');
  sandbox = await startPaymentSandbox({ port: 0, databaseUrl: testDb.url, logger });
  provider = new HttpPaymentProvider({ baseUrl: sandbox.url, timeoutMs: 5_000 });
});

afterAll(async () => {
  await sandbox?.stop();
  await testDb?.drop();
});

const request = (overrides: Partial<PaymentRequest> = {}): PaymentRequest => ({
  idempotencyKey: randomUUID(),
  accountId: randomUUID(),
  userId: randomUUID(),
  amountCents: 2500,
  currency: 'USD',
  description: 'payout',
  ...overrides,
});

async function paymentsWithKey(key: string) {
  const response = await fetch(`${sandbox.url}/payments?idempotencyKey=${key}`);
  return ((await response.json()) as { payments: unknown[] }).payments;
}

describe('payments in a batch (POST /payments/batch)', () => {
  it('pays each key once, in order, and answers a repeated batch with the same payments', async () => {
    const requests = [request(), request({ amountCents: 1 }), request({ amountCents: 99_999 })];
    const first = await provider.payMany(requests);
    expect(first.map((o) => o.ok)).toEqual([true, true, true]);
    const again = await provider.payMany(requests);
    expect(again).toEqual(first);
    for (const r of requests) expect(await paymentsWithKey(r.idempotencyKey)).toHaveLength(1);
  });

  it('agrees with single payments: a key paid alone is replayed in a batch, a key reused for another amount is refused', async () => {
    const alone = request();
    const single = await provider.pay(alone);
    const reused = { ...request(), idempotencyKey: alone.idempotencyKey, amountCents: 7 };
    const fresh = request();
    const [replayed, refused, paid] = await provider.payMany([alone, reused, fresh]);
    expect(replayed).toEqual({ ok: true, receipt: single });
    expect(refused).toMatchObject({ ok: false, error: { retryable: false, status: 409 } });
    expect(paid?.ok).toBe(true);
    expect(await paymentsWithKey(alone.idempotencyKey)).toHaveLength(1);
  });

  it('fails the whole batch, retryably, when the bank fails the call', async () => {
    const requests = [request(), request()];
    sandbox.setFaults({ failNext: 1, status: 503 });
    await expect(provider.payMany(requests)).rejects.toMatchObject({ retryable: true, status: 503 });
    for (const r of requests) expect(await paymentsWithKey(r.idempotencyKey)).toHaveLength(0);
    expect((await provider.payMany(requests)).every((o) => o.ok)).toBe(true);
  });
});
