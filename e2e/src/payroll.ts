import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPayoutWorkerService, type PayoutWorkerService } from '@ates/accounting/payout-worker';
import { emlFileName, startEmailWorker, type EmailWorker } from '@ates/email-worker';
import { startPaymentSandbox, type PaymentSandbox, type PaymentView } from '@ates/payment-sandbox';
import { createLogger, type Clock } from '@ates/service-kit';
import { createTestDatabase, testNatsUrl, type TestDatabase } from '@ates/testing';
import type { TestSystem } from './system.ts';

const logger = (service: string) =>
  createLogger({ service, level: process.env.ATES_TEST_LOG_LEVEL ?? 'silent' });

export interface Payroll {
  /** The stand-in bank, over HTTP. */
  bank: PaymentSandbox;
  payoutWorker: PayoutWorkerService;
  email: EmailWorker;
  /** Where the email worker writes one `.eml` per email (no SMTP in tests). */
  mailDir: string;
  /** Every payment the bank made for one idempotency key (a payout id). */
  paymentsFor(idempotencyKey: string): Promise<PaymentView[]>;
  /** The email of a payout, if it was written. */
  payoutEmail(payoutId: string): string | undefined;
  /** Waits until the payout worker's events are published and the email worker sent every job. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The end-of-day part of the system beside a running `startSystem`: the payment sandbox, the
 * payout worker on accounting's database (same clock, time zone and namespace) and the email
 * worker, which learns names and addresses from the users' events.
 */
export async function startPayroll(
  system: TestSystem,
  options: { clock: Clock; timeZone?: string },
): Promise<Payroll> {
  const databases: TestDatabase[] = [];
  const newDb = async (name: string) => {
    const db = await createTestDatabase(`payroll_${name}`);
    databases.push(db);
    return db.url;
  };
  const bank = await startPaymentSandbox({
    port: 0,
    databaseUrl: await newDb('bank'),
    logger: logger('bank'),
  });
  const payoutWorker = await startPayoutWorkerService({
    databaseUrl: system.accountingDatabaseUrl,
    natsUrl: testNatsUrl(),
    natsNamespace: system.namespace,
    timeZone: options.timeZone ?? 'UTC',
    provider: { url: bank.url, timeoutMs: 5_000 },
    retry: { initialDelayMs: 200, maxDelayMs: 1_000 },
    maxIdleMs: 60_000,
    clock: options.clock,
    logger: logger('payout-worker'),
  });
  const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-e2e-mail-'));
  const email = await startEmailWorker({
    databaseUrl: await newDb('email'),
    natsUrl: testNatsUrl(),
    natsNamespace: system.namespace,
    mailDir,
    from: 'aTES Payroll <payroll@ates.test>',
    logger: logger('email'),
  });
  return {
    bank,
    payoutWorker,
    email,
    mailDir,
    async paymentsFor(idempotencyKey) {
      const response = await fetch(
        `${bank.url}/payments?idempotencyKey=${encodeURIComponent(idempotencyKey)}`,
      );
      return ((await response.json()) as { payments: PaymentView[] }).payments;
    },
    payoutEmail(payoutId) {
      const file = path.join(mailDir, emlFileName(`payout-notice:${payoutId}`));
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    },
    async settle() {
      await payoutWorker.outboxDrained();
      await email.usersCaughtUp();
      await email.jobsCaughtUp();
    },
    async stop() {
      await email.stop();
      await payoutWorker.stop();
      await bank.stop();
      for (const db of databases) await db.drop();
      fs.rmSync(mailDir, { recursive: true, force: true });
    },
  };
}
