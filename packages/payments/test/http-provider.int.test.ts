import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@ates/service-kit';
import { createTestDatabase, type TestDatabase } from '@ates/testing';
import { startPaymentSandbox, type PaymentSandbox, type PaymentView } from '@ates/payment-sandbox';
import { HttpPaymentProvider, PaymentError, retryWithBackoff, type PaymentRequest } from '../src/index.ts';

const logger = createLogger({ service: 'payments-test', level: process.env.LOG_LEVEL ?? 'silent' });

let testDb: TestDatabase;
let sandbox: PaymentSandbox;
let provider: HttpPaymentProvider;

const start = () => startPaymentSandbox({ port: 0, databaseUrl: testDb.url, logger });

beforeAll(async () => {
  testDb = await createTestDatabase('payments');
  sandbox = await start();
  provider = new HttpPaymentProvider({ baseUrl: sandbox.url, timeoutMs: 5000 });
});

afterAll(async () => {
  await sandbox?.stop();
  await testDb?.drop();
});

beforeEach(() => {
  sandbox.setFaults({ reset: true });
});

/** Each test pays into its own account, so tests never see each other's payments. */
function payout(overrides: Partial<PaymentRequest> = {}): PaymentRequest {
  return {
    idempotencyKey: randomUUID(),
    accountId: randomUUID(),
    userId: randomUUID(),
    amountCents: 12_345,
    currency: 'USD',
    description: 'aTES payout for 2026-05-04',
    ...overrides,
  };
}

async function paymentsOf(accountId: string): Promise<PaymentView[]> {
  const response = await fetch(`${sandbox.url}/payments?accountId=${accountId}`);
  return ((await response.json()) as { payments: PaymentView[] }).payments;
}

async function failureOf(promise: Promise<unknown>): Promise<PaymentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PaymentError);
  return error as PaymentError;
}

describe('HttpPaymentProvider against the payment sandbox', () => {
  it('pays the exact amount in cents and the sandbox records it', async () => {
    const request = payout({ amountCents: 1 });
    const receipt = await provider.pay(request);
    expect(receipt.status).toBe('PAID');
    expect(receipt.paidAt).toBeInstanceOf(Date);
    const [payment, ...more] = await paymentsOf(request.accountId);
    expect(more).toHaveLength(0);
    expect(payment).toMatchObject({
      id: receipt.providerPaymentId,
      idempotencyKey: request.idempotencyKey,
      amountCents: 1,
      currency: 'USD',
      userId: request.userId,
      description: request.description,
    });
    const byId = await fetch(`${sandbox.url}/payments/${receipt.providerPaymentId}`);
    expect(await byId.json()).toEqual(payment);
  });

  it('a retried request with the same idempotency key returns the same payment and never pays twice', async () => {
    const request = payout();
    const first = await provider.pay(request);
    const again = await provider.pay(request);
    expect(again.providerPaymentId).toBe(first.providerPaymentId);
    expect(again.paidAt.toISOString()).toBe(first.paidAt.toISOString());
    expect(await paymentsOf(request.accountId)).toHaveLength(1);
  });

  it('concurrent requests with one key pay once', async () => {
    const request = payout();
    const receipts = await Promise.all(Array.from({ length: 8 }, () => provider.pay(request)));
    expect(new Set(receipts.map((r) => r.providerPaymentId)).size).toBe(1);
    expect(await paymentsOf(request.accountId)).toHaveLength(1);
  });

  it('the same key for a different payment is refused as not retryable, and nothing more is paid', async () => {
    const request = payout();
    await provider.pay(request);
    const error = await failureOf(provider.pay({ ...request, amountCents: request.amountCents + 1 }));
    expect(error).toMatchObject({ retryable: false, status: 409 });
    const payments = await paymentsOf(request.accountId);
    expect(payments.map((p) => p.amountCents)).toEqual([request.amountCents]);
  });

  it('a 5xx is retryable; once the provider recovers, the retry pays exactly once', async () => {
    sandbox.setFaults({ failNext: 2, status: 503 });
    const request = payout();
    const waits: number[] = [];
    const receipt = await retryWithBackoff(() => provider.pay(request), {
      attempts: 5,
      initialDelayMs: 100,
      maxDelayMs: 1000,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(waits).toEqual([100, 200]);
    const payments = await paymentsOf(request.accountId);
    expect(payments.map((p) => p.id)).toEqual([receipt.providerPaymentId]);
  });

  it('a provider failing on every attempt ends in a retryable PaymentError with the reason, and pays nothing', async () => {
    sandbox.setFaults({ failNext: 3, status: 500 });
    const request = payout();
    const error = await failureOf(
      retryWithBackoff(() => provider.pay(request), {
        attempts: 3,
        initialDelayMs: 1,
        maxDelayMs: 1,
        sleep: async () => {},
      }),
    );
    expect(error).toMatchObject({ retryable: true, status: 500 });
    expect(error.reason).toContain('injected failure');
    expect(await paymentsOf(request.accountId)).toHaveLength(0);
    // Later, with the provider back, the same payout goes through once.
    await provider.pay(request);
    expect(await paymentsOf(request.accountId)).toHaveLength(1);
  });

  it('a 4xx decline is not retryable and is not retried', async () => {
    sandbox.setFaults({ failNext: 1, status: 422 });
    let attempts = 0;
    const error = await failureOf(
      retryWithBackoff(
        () => {
          attempts += 1;
          return provider.pay(payout());
        },
        { attempts: 5, initialDelayMs: 1, maxDelayMs: 1, sleep: async () => {} },
      ),
    );
    expect(error).toMatchObject({ retryable: false, status: 422 });
    expect(attempts).toBe(1);
  });

  it('a slow answer times out as retryable; the retry returns the payment made meanwhile, not a second one', async () => {
    sandbox.setFaults({ latencyMs: 10_000 });
    const impatient = new HttpPaymentProvider({ baseUrl: sandbox.url, timeoutMs: 200 });
    const request = payout();
    const error = await failureOf(impatient.pay(request));
    expect(error.retryable).toBe(true);
    expect(error.reason).toContain('200 ms');
    sandbox.setFaults({ latencyMs: 0 });
    const receipt = await impatient.pay(request);
    const payments = await paymentsOf(request.accountId);
    expect(payments.map((p) => p.id)).toEqual([receipt.providerPaymentId]);
  });

  it('an unreachable provider is a retryable failure', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const nowhere = new HttpPaymentProvider({ baseUrl: `http://127.0.0.1:${closedPort}`, timeoutMs: 2000 });
    const error = await failureOf(nowhere.pay(payout()));
    expect(error.retryable).toBe(true);
    expect(error.reason).toContain('unreachable');
  });

  it('refuses amounts that are not positive integer cents before sending anything', async () => {
    let sent = 0;
    const counting = new HttpPaymentProvider({
      baseUrl: sandbox.url,
      timeoutMs: 2000,
      fetch: (...args) => ((sent += 1), fetch(...args)),
    });
    for (const amountCents of [12.5, 0, -100, Number.NaN]) {
      const error = await failureOf(counting.pay(payout({ amountCents })));
      expect(error.retryable).toBe(false);
    }
    expect(sent).toBe(0);
  });

  it('idempotency holds across a restart of the sandbox', async () => {
    const request = payout();
    const before = await provider.pay(request);
    await sandbox.stop();
    sandbox = await start();
    const restarted = new HttpPaymentProvider({ baseUrl: sandbox.url, timeoutMs: 5000 });
    const after = await restarted.pay(request);
    expect(after.providerPaymentId).toBe(before.providerPaymentId);
    expect(await paymentsOf(request.accountId)).toHaveLength(1);
    provider = restarted;
  });
});
