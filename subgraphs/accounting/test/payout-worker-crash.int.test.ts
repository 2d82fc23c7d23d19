import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { startEmailWorker, emlFileName, type EmailWorker } from '@ates/email-worker';
import { createLogger, repoRoot } from '@ates/service-kit';
import {
  createMigratedDatabase,
  createTestDatabase,
  createTestNamespace,
  testNatsUrl,
  type MigratedDatabase,
  type TestDatabase,
} from '@ates/testing';
import * as tables from '../src/db/tables.ts';
import { accounts, billingDays, outbox, payouts, transactions } from '../src/db/tables.ts';
import { assignFeeEntry, rewardEntry } from '../src/domain/ledger.ts';
import { migrationsFolder } from '../src/migrations.ts';
import { testDeps } from './support/deps.ts';
import { postEntry } from './support/post-entry.ts';
import type { AccountingDeps } from '../src/use-cases/deps.ts';
import { startSandbox, type Sandbox } from './support/payouts-harness.ts';

const logger = createLogger({ service: 'payout-crash-test', level: process.env.LOG_LEVEL ?? 'silent' });
const CHILD = path.join(import.meta.dirname, 'fixtures/crashing-payout-worker.ts');

let bank: Sandbox;
let database: MigratedDatabase<typeof tables>;
let deps: AccountingDeps;
let email: EmailWorker;
let emailDb: TestDatabase;
let mailDir: string;
const namespace = createTestNamespace();

beforeAll(async () => {
  bank = await startSandbox('payoutcrash');
  database = await createMigratedDatabase('payoutcrash', migrationsFolder, tables, { max: 4 });
  deps = testDeps(database, '2026-11-24T10:00:00Z', 3, logger);
  emailDb = await createTestDatabase('payoutcrash_mail');
  mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-payout-mail-'));
  email = await startEmailWorker({
    databaseUrl: emailDb.url,
    natsUrl: testNatsUrl(),
    natsNamespace: namespace,
    mailDir,
    from: 'aTES Payroll <payroll@ates.popug>',
    directory: {
      find: async (userId) => ({ userId, login: 'popug', name: 'Popug', email: `${userId}@ates.test` }),
    },
    logger,
  });
});
afterAll(async () => {
  await email?.stop();
  await database?.drop();
  await emailDb?.drop();
  await bank?.stop();
  if (mailDir) fs.rmSync(mailDir, { recursive: true, force: true });
});

/** Runs the payout worker in a child process; resolves with how it ended (no sleeping). */
function runWorker(crashAt?: string): Promise<{ code: number | null; signal: string | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ACCOUNTING_DATABASE_URL: database.url,
      NATS_URL: testNatsUrl(),
      ATES_NATS_NAMESPACE: namespace,
      PAYMENT_PROVIDER_URL: bank.sandbox.url,
      PAYOUT_NOW: '2026-11-25T00:00:03Z',
      ...(crashAt ? { PAYOUT_CRASH_AT: crashAt } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

const move = (userId: string, cents: number) => {
  const task = { taskId: randomUUID(), title: 'Polish the perch', jiraId: null };
  const price = { assignFee: Math.abs(cents), reward: Math.abs(cents) };
  const eventId = randomUUID();
  const entry =
    cents < 0
      ? assignFeeEntry(task, price, { assigneeId: userId, assignmentNo: 1, eventId })
      : rewardEntry(task, price, { assigneeId: userId, eventId });
  return postEntry(database.db, deps, entry);
};

const allPayouts = () => database.db.select().from(payouts).orderBy(asc(payouts.id));

describe('the payout worker killed mid-close', () => {
  it('pays every popug in plus exactly once and emails each once, whatever moment it dies at', async () => {
    const inPlus = new Map(
      [randomUUID(), randomUUID(), randomUUID(), randomUUID()].map((id, i) => [id, 1_000 * (i + 1) + 1]),
    );
    const inRed = randomUUID();
    const atZero = randomUUID();
    for (const [userId, cents] of inPlus) await move(userId, cents);
    await move(inRed, -1_234);
    await move(atZero, 500);
    await move(atZero, -500);

    // 1. Killed after closing accounts (a page of them commits at once), before the day was
    //    recorded: nothing was paid.
    expect(await runWorker('after-account-closed:2')).toMatchObject({ signal: 'SIGKILL' });
    expect(await database.db.select().from(billingDays)).toEqual([]);
    expect(await bank.payments({})).toEqual([]);

    // 2. Killed after the bank paid a batch (every due payout, in one call), before the PAID commit.
    expect(await runWorker('after-provider-call:2')).toMatchObject({ signal: 'SIGKILL' });
    const afterPaid = await allPayouts();
    expect(afterPaid).toHaveLength(4);
    expect(afterPaid.filter((p) => p.status === 'PAID')).toHaveLength(0);
    expect(
      (await bank.payments({})).filter((p) => afterPaid.some((q) => q.id === p.idempotencyKey)),
    ).toHaveLength(4);

    // 3. Killed right after a PAID commit, before the relay published the email job.
    expect(await runWorker('after-paid-commit:1')).toMatchObject({ signal: 'SIGKILL' });

    // 4. Left alone, it finishes.
    const last = await runWorker();
    expect(last).toMatchObject({ code: 0, signal: null });
    expect(JSON.parse(last.out)).toMatchObject({
      closed: [],
      busy: false,
      pay: { failed: 0, nextAttemptAt: null },
    });

    const final = await allPayouts();
    expect(final).toHaveLength(4);
    expect(final.every((p) => p.status === 'PAID')).toBe(true);
    const [closed] = await database.db.select().from(billingDays);
    expect(closed).toMatchObject({
      day: '2026-11-24',
      accountsPaid: 4,
      totalPaid: [...inPlus.values()].reduce((s, c) => s + c, 0),
      accountsInRed: 1,
    });
    for (const [userId, cents] of inPlus) {
      const [account] = await database.db.select().from(accounts).where(eq(accounts.userId, userId));
      const payout = final.find((p) => p.userId === userId);
      expect(account?.balance).toBe(0);
      expect(payout?.amount).toBe(cents);
      // The bank paid each account once, under its payout's id.
      const paid = await bank.payments({ accountId: account!.id });
      expect(paid.map((p) => [p.idempotencyKey, p.amountCents])).toEqual([[payout!.id, cents]]);
      const ledger = await database.db
        .select()
        .from(transactions)
        .where(eq(transactions.accountId, account!.id));
      expect(ledger.filter((t) => t.kind === 'PAYOUT').map((t) => t.amount)).toEqual([-cents]);
    }
    const [red] = await database.db.select().from(accounts).where(eq(accounts.userId, inRed));
    expect(red?.balance).toBe(-1_234);

    // One email per payout went out in the batches' jobs (v2), and the email worker wrote one each.
    const jobs = await database.db.select().from(outbox).where(eq(outbox.type, 'email.requested'));
    const keys = jobs.flatMap((row) =>
      (row.payload as { data: { emails: { idempotencyKey: string }[] } }).data.emails.map(
        (e) => e.idempotencyKey,
      ),
    );
    expect(keys.sort()).toEqual(final.map((p) => `payout-notice:${p.id}`).sort());
    expect(jobs.every((j) => j.publishedAt !== null)).toBe(true);
    await email.jobsCaughtUp();
    const expected = final.map((p) => emlFileName(`payout-notice:${p.id}`)).sort();
    expect(fs.readdirSync(mailDir).sort()).toEqual(expected);
    // Each payout announced once, in the payout.made (v2) of the batch that marked it PAID.
    const made = (await database.db.select().from(outbox).where(eq(outbox.type, 'payout.made'))).flatMap(
      (row) => (row.payload as { data: { payouts: { payoutId: string }[] } }).data.payouts,
    );
    expect(made.map((p) => p.payoutId).sort()).toEqual(final.map((p) => p.id).sort());
  }, 90_000);
});
