import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@ates/testing';
import { closeBillingDay } from '../src/use-cases/close-billing-day.ts';
import { RETRY, payoutsTestbed } from './support/payouts-harness.ts';

const bed = payoutsTestbed('payretry');
const { accounting } = bed;

describe('paying payouts through the payment provider', () => {
  it('keeps a payout FAILED with its reason while the provider fails, retries with backoff and pays it once when it recovers', async () => {
    const a = await accounting({ now: '2026-11-24T10:00:00Z' });
    const popugs = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of popugs) await a.move(id, 2_500);
    a.clock.set(new Date('2026-11-25T00:00:00Z'));
    bed.bank.sandbox.setFaults({ reset: true, failNext: 1_000, status: 503 });

    const first = await a.worker.runOnce();
    expect(first.closed).toHaveLength(1);
    expect(first.pay).toMatchObject({ paid: 0, failed: 3 });
    for (const p of await a.allPayouts()) {
      expect(p).toMatchObject({ status: 'FAILED', attempts: 1, paidAt: null });
      expect(p.lastError).toMatch(/503/);
      expect(p.nextAttemptAt.getTime() - a.clock.now().getTime()).toBe(RETRY.initialDelayMs);
    }
    // The worker wakes for the retry, not later.
    expect(first.nextRunAt.getTime()).toBe(a.clock.now().getTime() + RETRY.initialDelayMs);

    // Not due yet: nobody is called.
    expect((await a.worker.runOnce()).pay).toMatchObject({ paid: 0, failed: 0 });

    a.clock.advance(RETRY.initialDelayMs);
    expect((await a.worker.runOnce()).pay).toMatchObject({ paid: 0, failed: 3 });
    for (const p of await a.allPayouts()) {
      expect(p.attempts).toBe(2);
      // Exponential: twice the first delay.
      expect(p.nextAttemptAt.getTime() - a.clock.now().getTime()).toBe(2 * RETRY.initialDelayMs);
    }

    bed.bank.sandbox.setFaults({ reset: true });
    a.clock.advance(2 * RETRY.initialDelayMs);
    expect((await a.worker.runOnce()).pay).toMatchObject({ paid: 3, failed: 0, nextAttemptAt: null });
    for (const p of await a.allPayouts()) {
      expect(p).toMatchObject({ status: 'PAID', attempts: 3, lastError: null });
      expect(await bed.bank.payments({ idempotencyKey: p.id })).toHaveLength(1);
    }
    await a.service.outboxDrained();
    const made = (await a.events('payout.made')).flatMap((e) => e.data.payouts as { attempts: number }[]);
    expect(made.map((p) => p.attempts)).toEqual([3, 3, 3]);
    const emails = (await a.events('email.requested')).flatMap((e) => e.data.emails as unknown[]);
    expect(emails).toHaveLength(3);
  });

  it('pays once when the provider paid but answered too late (the retry reads the payment back)', async () => {
    const a = await accounting({
      now: '2026-11-24T10:00:00Z',
      provider: { url: bed.bank.sandbox.url, timeoutMs: 200 },
    });
    const popug = randomUUID();
    await a.move(popug, 1_500);
    a.clock.set(new Date('2026-11-25T00:00:00Z'));
    bed.bank.sandbox.setFaults({ reset: true, latencyMs: 600 });

    expect((await a.worker.runOnce()).pay).toMatchObject({ paid: 0, failed: 1 });
    const [timedOut] = await a.payoutsOf(popug);
    expect(timedOut).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(timedOut?.lastError).toMatch(/no answer within 200 ms/);
    // The bank did pay.
    expect(await bed.bank.payments({ idempotencyKey: timedOut!.id })).toHaveLength(1);

    bed.bank.sandbox.setFaults({ reset: true });
    a.clock.advance(RETRY.initialDelayMs);
    expect((await a.worker.runOnce()).pay).toMatchObject({ paid: 1, failed: 0 });
    const [paid] = await a.payoutsOf(popug);
    const payments = await bed.bank.payments({ idempotencyKey: paid!.id });
    expect(payments).toHaveLength(1);
    expect(paid).toMatchObject({ status: 'PAID', providerPaymentId: payments[0]?.id });
  });

  it('keeps a refused payout FAILED with the refusal and pays it once the provider accepts it', async () => {
    const a = await accounting({ now: '2026-11-24T10:00:00Z' });
    const popug = randomUUID();
    await a.move(popug, 777);
    a.clock.set(new Date('2026-11-25T00:00:00Z'));
    bed.bank.sandbox.setFaults({ reset: true, failNext: 1, status: 422 });

    expect((await a.worker.runOnce()).pay).toMatchObject({ failed: 1 });
    expect((await a.payoutsOf(popug))[0]?.lastError).toMatch(/refused.*422/);

    a.clock.advance(RETRY.initialDelayMs);
    expect((await a.worker.runOnce()).pay).toMatchObject({ paid: 1 });
    expect(await a.payoutsOf(popug)).toMatchObject([{ status: 'PAID', attempts: 2, amount: 777 }]);
  });

  it('pays at once when an admin closes a day elsewhere (NOTIFY wakes the running worker)', async () => {
    const a = await accounting({ now: '2026-11-24T10:00:00Z', maxIdleMs: 600_000 });
    bed.bank.sandbox.setFaults({ reset: true });
    const popug = randomUUID();
    await a.move(popug, 4_321);
    a.worker.start();
    // After the loop's first run (nothing to do), it sleeps: only the notification can wake it.
    await a.worker.runOnce();
    // The subgraph's close (another connection) only records the payout as PENDING.
    await closeBillingDay({ ...a.deps }, '2026-11-24', { waitMs: 5_000 });
    await waitFor('the payout to be paid', async () => (await a.payoutsOf(popug))[0]?.status === 'PAID');
    expect(await bed.bank.payments({ idempotencyKey: (await a.payoutsOf(popug))[0]!.id })).toHaveLength(1);
  });
});
