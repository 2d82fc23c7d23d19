import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, seededRandom } from '@ates/service-kit';
import { createTestDatabase, type TestDatabase } from '@ates/testing';
import { startPaymentSandbox, type PaymentSandbox } from '../src/service.ts';

const logger = createLogger({ service: 'sandbox-test', level: process.env.LOG_LEVEL ?? 'silent' });

let testDb: TestDatabase;
let sandbox: PaymentSandbox;

beforeAll(async () => {
  testDb = await createTestDatabase('paysandbox');
  sandbox = await startPaymentSandbox({ port: 0, databaseUrl: testDb.url, logger, random: seededRandom(7) });
});

afterAll(async () => {
  await sandbox?.stop();
  await testDb?.drop();
});

const body = (overrides: Record<string, unknown> = {}) => ({
  accountId: randomUUID(),
  userId: randomUUID(),
  amountCents: 2500,
  currency: 'USD',
  description: 'payout',
  ...overrides,
});

async function post(path: string, payload: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(payload),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

describe('payment sandbox', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${sandbox.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${sandbox.url}/readyz`)).status).toBe(200);
  });

  it('requires an Idempotency-Key', async () => {
    expect((await post('/payments', body())).status).toBe(400);
  });

  it('refuses amounts that are not positive integer cents, and other currencies', async () => {
    for (const bad of [
      { amountCents: 10.5 },
      { amountCents: 0 },
      { amountCents: '10' },
      { currency: 'EUR' },
    ]) {
      const result = await post('/payments', body(bad), { 'idempotency-key': randomUUID() });
      expect(result.status).toBe(422);
    }
  });

  it('answers a repeated key with the same payment, marked as replayed; another body with 409', async () => {
    const key = randomUUID();
    const payload = body();
    const first = await post('/payments', payload, { 'idempotency-key': key });
    const again = await post('/payments', payload, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const reused = await post('/payments', { ...payload, amountCents: 1 }, { 'idempotency-key': key });
    expect(reused.status).toBe(409);
  });

  it('answers a batch per payment as POST /payments would: paid, replayed, key reused, invalid', async () => {
    const known = body();
    const knownKey = `known-${randomUUID()}`;
    const reusedKey = `reused-${randomUUID()}`;
    const first = await post('/payments', known, { 'idempotency-key': knownKey });
    await post('/payments', body(), { 'idempotency-key': reusedKey });
    const fresh = body();
    const freshKey = `fresh-${randomUUID()}`;
    const batch = await post('/payments/batch', {
      payments: [
        { idempotencyKey: freshKey, ...fresh },
        { idempotencyKey: knownKey, ...known },
        { idempotencyKey: reusedKey, ...body({ amountCents: 1 }) },
        { idempotencyKey: freshKey, ...fresh },
        { idempotencyKey: `bad-${randomUUID()}`, ...body({ amountCents: 0 }) },
      ],
    });
    expect(batch.status).toBe(200);
    const results = batch.json.results as {
      status: number;
      replayed?: boolean;
      payment?: { id: string; amountCents: number };
    }[];
    expect(results.map((r) => [r.status, r.replayed])).toEqual([
      [201, false],
      [201, true],
      [409, undefined],
      [201, true],
      [422, undefined],
    ]);
    expect(results[1]!.payment).toEqual(first.json);
    expect(results[3]!.payment).toEqual(results[0]!.payment);
    expect(results[2]!.payment?.amountCents).toBe(2500);
    const listed = (await (await fetch(`${sandbox.url}/payments?accountId=${fresh.accountId}`)).json()) as {
      payments: unknown[];
    };
    expect(listed.payments).toHaveLength(1);
  });

  it('is told to fail through POST /_control and recovers', async () => {
    const set = await post('/_control', { failNext: 1, status: 502 });
    expect(set.json).toMatchObject({ failNext: 1, status: 502 });
    const key = randomUUID();
    const payload = body();
    expect((await post('/payments', payload, { 'idempotency-key': key })).status).toBe(502);
    expect((await post('/payments', payload, { 'idempotency-key': key })).status).toBe(201);
    expect(await (await fetch(`${sandbox.url}/_control`)).json()).toMatchObject({ failNext: 0 });
  });

  it('refuses unknown or out-of-range control settings', async () => {
    expect((await post('/_control', { failRate: 2 })).status).toBe(422);
    expect((await post('/_control', { explode: true })).status).toBe(422);
  });

  it('fails about the configured share of requests at a fail rate', async () => {
    sandbox.setFaults({ reset: true, failRate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++)
      statuses.push((await post('/payments', body(), { 'idempotency-key': randomUUID() })).status);
    sandbox.setFaults({ reset: true });
    const failed = statuses.filter((s) => s === 503).length;
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(35);
    expect(statuses.every((s) => s === 503 || s === 201)).toBe(true);
  });

  it('lists payments by account and shows one by id; an unknown id is 404', async () => {
    const payload = body();
    const made = await post('/payments', payload, { 'idempotency-key': randomUUID() });
    const list = (await (await fetch(`${sandbox.url}/payments?accountId=${payload.accountId}`)).json()) as {
      payments: unknown[];
    };
    expect(list.payments).toEqual([made.json]);
    expect((await fetch(`${sandbox.url}/payments/${randomUUID()}`)).status).toBe(404);
    expect((await fetch(`${sandbox.url}/payments/not-a-uuid`)).status).toBe(404);
  });
});

describe('payment sandbox with a secret', () => {
  let locked: PaymentSandbox;
  let lockedDb: TestDatabase;
  const secret = 'sandbox-secret-for-tests';

  beforeAll(async () => {
    lockedDb = await createTestDatabase('paysandbox_locked');
    locked = await startPaymentSandbox({ port: 0, databaseUrl: lockedDb.url, logger, secret });
  });
  afterAll(async () => {
    await locked?.stop();
    await lockedDb?.drop();
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${locked.url}${path}`, init);
  const paying = (authorization?: string): RequestInit => ({
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify(body()),
  });

  it('closes /payments and /_control to callers without the secret', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${secret}`]) {
      expect((await call('/payments', paying(authorization))).status).toBe(401);
      expect((await call('/payments/batch', { ...paying(authorization), body: '{}' })).status).toBe(401);
      expect((await call(`/payments/${randomUUID()}`)).status).toBe(401);
      expect(
        (
          await call('/_control', {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
            body: JSON.stringify({ failNext: 5 }),
          })
        ).status,
      ).toBe(401);
    }
    // Health stays open for the orchestrator.
    expect((await call('/healthz')).status).toBe(200);
  });

  it("serves a caller that sends the secret (the payout worker's HttpPaymentProvider)", async () => {
    expect((await call('/payments', paying(`Bearer ${secret}`))).status).toBe(201);
    const control = await call('/_control', { headers: { authorization: `Bearer ${secret}` } });
    expect(await control.json()).toMatchObject({ failNext: 0 });
  });
});
