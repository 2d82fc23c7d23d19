import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { assignFeeEntry, rewardEntry, type Entry } from '../../src/domain/ledger.ts';
import { postEntry } from './post-entry.ts';
import { createLogger, ManualClock } from '@ates/service-kit';
import { createTestDatabase, createTestNamespace, testNatsUrl, type TestDatabase } from '@ates/testing';
import { startPaymentSandbox, type PaymentSandbox, type PaymentView } from '@ates/payment-sandbox';
import { accounts, billingDays, outbox, payouts, transactions } from '../../src/db/tables.ts';
import { startPayoutWorkerService, type PayoutWorkerConfig } from '../../src/payout-worker/service.ts';

export const logger = createLogger({ service: 'payouts-test', level: process.env.LOG_LEVEL ?? 'silent' });

/** The fast retry schedule of the tests (the clock is manual: tests move it past each delay). */
export const RETRY = { initialDelayMs: 1_000, maxDelayMs: 8_000 };

export async function startSandbox(label: string) {
  const db = await createTestDatabase(`${label}_bank`);
  const sandbox = await startPaymentSandbox({ port: 0, databaseUrl: db.url, logger });
  return {
    sandbox,
    /** Every payment the bank made for an account (or for one idempotency key). */
    async payments(filter: { accountId?: string; idempotencyKey?: string }): Promise<PaymentView[]> {
      const query = new URLSearchParams(filter as Record<string, string>);
      const body = (await (await fetch(`${sandbox.url}/payments?${query}`)).json()) as {
        payments: PaymentView[];
      };
      return body.payments;
    },
    async stop() {
      await sandbox.stop();
      await db.drop();
    },
  };
}

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

/**
 * A test file's bank and accountings: the sandbox starts before the file's tests and stops
 * after them; each accounting stops after its test, so its connections are not held while the
 * next runs.
 */
export function payoutsTestbed(label: string) {
  let bank: Sandbox | undefined;
  const running: Accounting[] = [];
  beforeAll(async () => {
    bank = await startSandbox(label);
  });
  afterEach(async () => {
    for (const a of running.splice(0)) await a.stop();
  });
  afterAll(async () => {
    bank?.sandbox.setFaults({ reset: true });
    await bank?.stop();
  });
  const started = (): Sandbox => {
    if (!bank) throw new Error('the bank starts before the tests');
    return bank;
  };
  return {
    get bank(): Sandbox {
      return started();
    },
    async accounting(options: Parameters<typeof startAccounting>[2]): Promise<Accounting> {
      const a = await startAccounting(label, started().sandbox, options);
      running.push(a);
      return a;
    },
  };
}

/**
 * A fresh accounting database with a payout worker on it (its loop off: the test runs it with
 * `runOnce`), paying through the sandbox over HTTP, on a manual clock in the company time zone.
 */
export async function startAccounting(
  label: string,
  sandbox: PaymentSandbox,
  options: { now: string; timeZone?: string } & Partial<PayoutWorkerConfig>,
) {
  const testDb: TestDatabase = await createTestDatabase(label);
  const namespace = createTestNamespace();
  const clock = new ManualClock(new Date(options.now));
  const service = await startPayoutWorkerService({
    databaseUrl: testDb.url,
    natsUrl: testNatsUrl(),
    natsNamespace: namespace,
    timeZone: options.timeZone ?? 'UTC',
    provider: { url: sandbox.url, timeoutMs: 2_000 },
    retry: RETRY,
    maxIdleMs: 60_000,
    logger,
    clock,
    autoStart: false,
    poolSize: 4,
    ...options,
  });
  const { deps } = service;
  const db = deps.db;

  const apply = (entry: Entry) => postEntry(db, deps, entry);

  return {
    testDb,
    namespace,
    clock,
    service,
    deps,
    db,
    worker: service.worker,
    apply,
    /** Charges the popug a fee (negative cents) or pays a reward (positive), now. */
    async move(userId: string, cents: number) {
      const task = { taskId: randomUUID(), title: 'Feed the parrots', jiraId: null };
      const price = { assignFee: Math.abs(cents), reward: Math.abs(cents) };
      const eventId = randomUUID();
      return apply(
        cents < 0
          ? assignFeeEntry(task, price, { assigneeId: userId, assignmentNo: 1, eventId })
          : rewardEntry(task, price, { assigneeId: userId, eventId }),
      );
    },
    async account(userId: string) {
      const [row] = await db.select().from(accounts).where(eq(accounts.userId, userId));
      if (!row) throw new Error(`no account for ${userId}`);
      return row;
    },
    async payoutsOf(userId: string) {
      return db.select().from(payouts).where(eq(payouts.userId, userId)).orderBy(asc(payouts.day));
    },
    async allPayouts() {
      return db.select().from(payouts).orderBy(asc(payouts.day), asc(payouts.id));
    },
    async ledgerOf(userId: string) {
      const account = await this.account(userId);
      return db
        .select()
        .from(transactions)
        .where(eq(transactions.accountId, account.id))
        .orderBy(asc(transactions.seq));
    },
    /** The events of one type in the outbox, oldest first. */
    async events(type: string) {
      const rows = await db
        .select()
        .from(outbox)
        .where(and(eq(outbox.type, type)))
        .orderBy(asc(outbox.seq));
      return rows.map((r) => r.payload as { id: string; version: number; data: Record<string, unknown> });
    },
    async countRows(table: 'payouts' | 'billing_days') {
      return db.$count(table === 'payouts' ? payouts : billingDays);
    },
    async stop() {
      await service.stop();
      await testDb.drop();
    },
  };
}

export type Accounting = Awaited<ReturnType<typeof startAccounting>>;
