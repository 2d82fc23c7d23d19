import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '@ates/service-kit';
import { ops, type GraphQLClient } from '@ates/testing';
import { fillCompany, type DemoOptions, type DemoProgress } from '../../scripts/lib/demo/fill.ts';
import { startPayroll, type Payroll } from '../src/payroll.ts';
import { ADMIN, startSystem, type TestSystem } from '../src/system.ts';

/** `pnpm demo` against the real system (small sizes): only the public API, payouts paid. */
let system: TestSystem;
let payroll: Payroll;
let admin: GraphQLClient;
let options: DemoOptions;

/** Counts what the progress bar would show. */
function countingProgress() {
  const state = { total: 0, done: 0, phases: [] as string[] };
  const progress: DemoProgress = {
    setTotal: (n) => (state.total = n),
    setPhase: (p) => state.phases.push(p),
    tick: (n = 1) => (state.done += n),
    shrink: (n) => (state.total -= n),
    log: () => {},
  };
  return { state, progress };
}

beforeAll(async () => {
  system = await startSystem('demo');
  payroll = await startPayroll(system, { clock: systemClock });
  admin = await system.admin();
  options = {
    url: system.gateway.url,
    admin: ADMIN,
    password: 'popug-password-1',
    managers: 1,
    accountants: 1,
    popugs: 6,
    tasks: 40,
    completeShare: 0.6,
    closeDay: true,
    seed: 7,
    concurrency: 6,
    payoutWaitMs: 20_000,
  };
  // A popug who signed up on their own with the login the demo would use.
  await admin.ok(ops.CreateUserDocument, {
    input: { login: 'mango', password: 'not-the-demo-one', role: 'WORKER', name: 'Mango', email: 'm@x.test' },
  });
});
afterAll(async () => {
  await payroll?.stop();
  await system?.stop();
});

describe('pnpm demo', () => {
  it('hires the staff, creates, shuffles and completes tasks, closes today and sees the payouts paid', async () => {
    const { state, progress } = countingProgress();
    const summary = await fillCompany({ ...options, progress });

    expect(summary.created.map((p) => p.login)).toEqual(
      expect.arrayContaining(['flint', 'abacus', 'kesha', 'kiwi', 'rio', 'blu', 'jewel']),
    );
    expect(summary.created).toHaveLength(7);
    expect(summary.skipped).toEqual(['mango']);
    expect(summary.tasksCreated).toBe(40);
    expect(summary.completed).toBeGreaterThan(10);
    expect(summary.reassigned).toHaveLength(2);
    const { tasks } = await admin.ok(ops.TaskDashboardDocument, { first: 1 });
    expect(tasks.totalCount).toBe(40);

    const close = summary.close!;
    const today = (await admin.ok(ops.AccountingDashboardDocument, { from: '2026-01-01', to: '2026-01-01' }))
      .accountingDashboard.today.day;
    expect(close.day).toBe(today);
    expect(close.alreadyClosed).toBe(false);
    expect(close.accountsPaid).toBeGreaterThan(0);
    expect(summary.payouts).toEqual({ paid: close.accountsPaid, pending: 0, failed: 0 });

    expect(state.done).toBe(state.total);
    expect(state.phases).toContain('closing the day');
  });

  it('reuses the staff on a second run and adds more activity; today stays closed once', async () => {
    const summary = await fillCompany({ ...options, seed: 8 });
    expect(summary.created).toEqual([]);
    expect(summary.existing).toHaveLength(8);
    expect(summary.tasksCreated).toBe(40);
    expect(summary.close?.alreadyClosed).toBe(true);
    const { tasks } = await admin.ok(ops.TaskDashboardDocument, { first: 1 });
    expect(tasks.totalCount).toBe(80);
  });
});
