import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { startPayoutWorkerService, type PayoutWorkerService } from '@ates/accounting/payout-worker';
import { migrationsFolder } from '@ates/accounting';
import { migrationsFolder as analyticsMigrations } from '@ates/analytics';
import { migrationsFolder as tasksMigrations } from '@ates/tasks';
import { connectNats, streamName } from '@ates/events';
import { startPaymentSandbox, type PaymentSandbox, type PaymentView } from '@ates/payment-sandbox';
import { createLogger, ManualClock, repoRoot } from '@ates/service-kit';
import {
  createTestDatabase,
  ops,
  reconcileAll,
  testNatsUrl,
  waitFor,
  type GraphQLClient,
  type TestDatabase,
} from '@ates/testing';
import { takeBackup } from '../../scripts/lib/backup/backup.ts';
import { RestoreRefused, restoreBackup } from '../../scripts/lib/backup/restore.ts';
import { hire, type Popug } from '../src/company.ts';
import { allPayouts } from '../src/db/accounting.ts';
import { allTasks, ledgerOf, type Ledger } from '../src/ledger.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

/** The company clock: each reading 1 ms later, so transactions keep their order. */
class TickingClock extends ManualClock {
  override now(): Date {
    const now = super.now();
    this.advance(1);
    return now;
  }
}
const clock = new TickingClock(new Date('2026-11-24T09:00:00Z'));
const DAY = '2026-11-24';
const NEXT_DAY = '2026-11-25';
const silent = (service: string) =>
  createLogger({ service, level: process.env.ATES_TEST_LOG_LEVEL ?? 'silent' });

let system: TestSystem;
let bankDb: TestDatabase;
let bank: PaymentSandbox;
let payoutWorker: PayoutWorkerService | null = null;
let nats: Awaited<ReturnType<typeof connectNats>>;
let admin: GraphQLClient;
let workers: Popug[];
let manager: Popug;
let backupRoot: string;
let folder: string;

const startWorker = async () => {
  payoutWorker = await startPayoutWorkerService({
    databaseUrl: system.accountingDatabaseUrl,
    natsUrl: testNatsUrl(),
    natsNamespace: system.namespace,
    timeZone: 'UTC',
    provider: { url: bank.url, timeoutMs: 5_000 },
    retry: { initialDelayMs: 200, maxDelayMs: 1_000 },
    maxIdleMs: 60_000,
    clock,
    logger: silent('payout-worker'),
  });
};

const createTasks = async (n: number, label: string) => {
  for (let i = 0; i < n; i++)
    await manager.client.ok(ops.CreateTaskDocument, { input: { title: `${label} ${i}`, description: '' } });
};

/** Each worker completes their first open task. */
const completeSome = async () => {
  const tasks = await allTasks(admin);
  for (const popug of workers) {
    const task = tasks.find((t) => t.assignee.id === popug.id && t.status === 'OPEN');
    if (task) await popug.client.ok(ops.CompleteTaskDocument, { id: task.id });
  }
};

/**
 * Assignees are random, so the day may end with nobody in plus and no payout to check: new
 * tasks completed by their assignees earn a reward of at least the fee until someone is.
 */
const untilSomeoneInPlus = async () => {
  for (let i = 0; i < 30; i++) {
    if ([...(await ledgers()).values()].some((ledger) => ledger.balance > 0)) return;
    await createTasks(1, `in plus ${i}`);
    await system.settle();
    await completeSome();
    await system.settle();
  }
  throw new Error('nobody in plus after 30 tasks completed by their assignees');
};

const ledgers = async () =>
  new Map<string, Ledger>(
    await Promise.all(workers.map(async (p) => [p.id, await ledgerOf(admin, p.id)] as const)),
  );

const bankPayments = async (userId: string): Promise<PaymentView[]> => {
  const response = await fetch(`${bank.url}/payments?userId=${encodeURIComponent(userId)}`);
  return ((await response.json()) as { payments: PaymentView[] }).payments;
};

/** Accounting's payouts, read from its database (through the running service's pool). */
const accountingPayouts = () => allPayouts(system.accounting.deps.sql);

beforeAll(async () => {
  system = await startSystem('restore', { seed: 11, clock, accounting: { taskLanes: 4 } });
  bankDb = await createTestDatabase('restore_bank');
  bank = await startPaymentSandbox({ port: 0, databaseUrl: bankDb.url, logger: silent('bank') });
  await startWorker();
  nats = await connectNats(testNatsUrl());
  backupRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-backup-'));
  admin = await system.admin();
  const staff = await hire(system, ['WORKER', 'WORKER', 'WORKER', 'WORKER', 'MANAGER']);
  workers = staff.slice(0, 4);
  manager = staff[4]!;
  await createTasks(8, 'before the backup');
  await system.settle();
  await completeSome();
  await system.settle();
});
afterAll(async () => {
  await payoutWorker?.stop();
  await bank?.stop();
  await bankDb?.drop();
  await nats?.close();
  await system?.stop();
  if (backupRoot) fs.rmSync(backupRoot, { recursive: true, force: true });
});

describe('restoring accounting (and tasks, analytics) from an earlier backup', () => {
  let before: Map<string, Ledger>;
  let analyticsBefore: ops.AnalyticsDashboardQuery;
  let tasksBefore: Awaited<ReturnType<typeof allTasks>>;
  const dashboard = () => admin.ok(ops.AnalyticsDashboardDocument, { from: DAY, to: NEXT_DAY, day: DAY });

  it('backs up while the system runs, into a dated folder with a manifest', async () => {
    ({ folder } = await takeBackup({
      root: backupRoot,
      databases: {
        tasks: system.tasksDatabaseUrl,
        accounting: system.accountingDatabaseUrl,
        analytics: system.analyticsDatabaseUrl,
      },
      nats,
      namespace: system.namespace,
      now: clock.now(),
    }));
    expect(path.basename(folder)).toMatch(/^ates-2026-11-24T\d{6}Z$/);
    expect(fs.readdirSync(path.join(folder, 'accounting'))).toContain('transactions.jsonl.gz');
  });

  it('after more traffic (tasks created, shuffled, completed, a day closed and paid), refuses while accounting runs', async () => {
    await createTasks(6, 'after the backup');
    await system.settle();
    await admin.ok(ops.ShuffleTasksDocument);
    await system.settle();
    await completeSome();
    await system.settle();
    await untilSomeoneInPlus();
    await admin.ok(ops.CloseBillingDayDocument, { day: DAY });
    await waitFor(
      'every payout of the day to be paid',
      async () => {
        const payouts = await accountingPayouts();
        return payouts.length > 0 && payouts.every((p) => p.status === 'PAID');
      },
      20_000,
    );
    clock.advance(24 * 3600_000);
    await createTasks(3, 'the next day');
    await system.settle();
    await completeSome();
    await system.settle();
    await payoutWorker!.outboxDrained();
    await system.settle();
    before = await ledgers();
    analyticsBefore = await dashboard();
    tasksBefore = await allTasks(admin);

    const refused = await restoreBackup({
      folder,
      databases: { accounting: system.accountingDatabaseUrl },
      migrations: { accounting: migrationsFolder },
      nats,
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RestoreRefused);
    expect((refused as RestoreRefused).reasons).toEqual([expect.stringMatching(/^stop accounting first/)]);
  });

  it('converges: the same tasks, reconciliation clean, every balance equals its log, every payout paid once at the bank', async () => {
    await payoutWorker!.stop();
    payoutWorker = null;
    await system.stopAccounting();
    await system.stopAnalytics();
    await system.stopTasks();
    await restoreBackup({
      folder,
      databases: {
        tasks: system.tasksDatabaseUrl,
        accounting: system.accountingDatabaseUrl,
        analytics: system.analyticsDatabaseUrl,
      },
      migrations: { tasks: tasksMigrations, accounting: migrationsFolder, analytics: analyticsMigrations },
      nats,
    });
    await system.startTasks();
    await system.startAccounting();
    await system.startAnalytics();
    await startWorker();
    // The worker's first run finds the day closed and every payout paid: nothing to do again.
    const run = await payoutWorker!.worker.runOnce();
    expect(run.closed).toEqual([]);
    await system.settle();

    expect(await reconcileAll(admin)).toMatchObject({ mismatches: [] });
    const after = await ledgers();
    for (const popug of workers) {
      const ledger = after.get(popug.id)!;
      expect(ledger.balance).toBe(ledger.rows.reduce((sum, row) => sum + row.amount, 0));
      // The same ledger as before the restore: the same rows, ids, days and amounts.
      expect(ledger).toEqual(before.get(popug.id));
    }
    const payouts = await accountingPayouts();
    expect(payouts.length).toBeGreaterThan(0);
    for (const payout of payouts) expect(payout.status).toBe('PAID');
    for (const popug of workers) {
      const paid = await bankPayments(popug.id);
      const mine = payouts.filter((p) => p.user_id === popug.id);
      expect(paid.map((p) => p.idempotencyKey).sort()).toEqual(mine.map((p) => p.id).sort());
    }
    // Analytics and the task tracker, restored beside it, are back as they were.
    expect(await dashboard()).toEqual(analyticsBefore);
    expect(await allTasks(admin)).toEqual(tasksBefore);
  });

  it('refuses a backup older than the streams’ horizon, saying which events are gone', async () => {
    await payoutWorker!.stop();
    payoutWorker = null;
    await system.stopAccounting();
    const jsm = await jetstreamManager(nats);
    // As if the age limit had passed the backup: the stream keeps only its newest event.
    await jsm.streams.purge(streamName(system.namespace, 'tasks'), { keep: 1 });
    const refused = await restoreBackup({
      folder,
      databases: { accounting: system.accountingDatabaseUrl },
      migrations: { accounting: path.join(repoRoot, 'subgraphs/accounting/drizzle') },
      nats,
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RestoreRefused);
    expect((refused as RestoreRefused).reasons).toEqual([
      expect.stringMatching(
        /older than the stream horizon: .*_TASKS now starts at event \d+ .* beyond the stream's horizon/,
      ),
    ]);
    await system.startAccounting();
  });
});
