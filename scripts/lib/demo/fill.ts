import { seededRandom, type RandomSource } from '@ates/service-kit';
import { ApiError, DemoApi, mapLimit } from './api.ts';
import * as op from './generated/operations.ts';
import { demoStaff, type DemoPerson } from './people.ts';
import { lastJiraNumbers, taskFactory } from './work.ts';

export interface DemoOptions {
  /** The gateway's GraphQL endpoint. */
  url: string;
  admin: { login: string; password: string };
  /** The password of every demo user (new ones get it; existing ones must have it to act). */
  password: string;
  managers: number;
  accountants: number;
  popugs: number;
  /** Tasks to create in this run. */
  tasks: number;
  /** Share of this run's tasks that popugs complete (0–1). */
  completeShare: number;
  /** Close today's billing day (as the admin) after the day's work. */
  closeDay: boolean;
  seed: number;
  concurrency: number;
  /** How long to wait for the payout worker to pay the closed day (0: do not wait). */
  payoutWaitMs: number;
  progress?: DemoProgress;
}

export interface DemoProgress {
  setTotal(total: number): void;
  setPhase(phase: string): void;
  tick(n?: number): void;
  shrink(n: number): void;
  log(line: string): void;
}

export interface DemoSummary {
  created: DemoPerson[];
  existing: string[];
  /** Demo logins that exist with another password: left alone. */
  skipped: string[];
  tasksCreated: number;
  completed: number;
  reassigned: number[];
  /** Today's close; `alreadyClosed` when an earlier run (or the admin) had closed it. */
  close: (op.DemoCloseBillingDayMutation['closeBillingDay'] & { alreadyClosed: boolean }) | null;
  payouts: { paid: number; pending: number; failed: number } | null;
  /** Demo users that can log in with `password`, by role. */
  actors: { login: string; role: op.Role }[];
}

/** The default size of the company and of one run's activity. */
export const DEMO_DEFAULTS = {
  managers: 2,
  accountants: 2,
  popugs: 30,
  tasks: 300,
  completeShare: 0.68,
  concurrency: 8,
  payoutWaitMs: 30_000,
};

interface Actor {
  id: string;
  login: string;
  role: op.Role;
  api: DemoApi;
}

const silent: DemoProgress = {
  setTotal: () => {},
  setPhase: () => {},
  tick: () => {},
  shrink: () => {},
  log: () => {},
};

/** Work one run plans, in progress-bar steps. */
export function plannedSteps(options: DemoOptions, toCreate: number, toLogIn: number): number {
  const completions = Math.round(options.tasks * options.completeShare);
  return toCreate + toLogIn + options.tasks + completions + 2 + (options.closeDay ? 1 : 0);
}

/**
 * Fills a running aTES with a realistic company through the public GraphQL API only: staff
 * (created when missing), tasks from managers and popugs, completions by the assignees, two
 * shuffles, and — unless disabled — today's billing day closed by the admin, so there are
 * payouts. A re-run adds another round of activity; users that already exist are reused.
 *
 * The API cannot backdate anything: every transaction lands on the current business day. See
 * docs/ui.md ("Demo data") for what that means for past days.
 */
export async function fillCompany(options: DemoOptions): Promise<DemoSummary> {
  const progress = options.progress ?? silent;
  const random = seededRandom(options.seed);
  const anonymous = new DemoApi(options.url);

  progress.setPhase('logging in as admin');
  const admin = await logIn(anonymous, options.admin.login, options.admin.password).catch(
    (error: unknown) => {
      if (error instanceof ApiError && error.code === 'UNAUTHENTICATED')
        throw new Error(
          `the admin "${options.admin.login}" cannot log in: set ATES_ADMIN_LOGIN and ATES_ADMIN_PASSWORD`,
        );
      throw error;
    },
  );
  if (admin.role !== 'ADMIN') throw new Error(`"${admin.login}" is ${admin.role}, not ADMIN`);

  const staff = demoStaff(options);
  const known = new Map((await admin.api.request(op.DemoUsersDocument)).users.map((u) => [u.login, u]));
  const missing = staff.filter((p) => !known.has(p.login));
  const summary: DemoSummary = {
    created: [],
    existing: staff.filter((p) => known.has(p.login)).map((p) => p.login),
    skipped: [],
    tasksCreated: 0,
    completed: 0,
    reassigned: [],
    close: null,
    payouts: null,
    actors: [],
  };
  const total = plannedSteps(options, missing.length, staff.length);
  progress.setTotal(total);

  progress.setPhase('hiring');
  await mapLimit(missing, Math.min(4, options.concurrency), async (person) => {
    await admin.api.request(op.DemoCreateUserDocument, {
      input: { ...person, email: `${person.login}@uberpopug.test`, password: options.password },
    });
    summary.created.push(person);
    progress.tick();
  });

  progress.setPhase('logging in');
  const actors: Actor[] = [];
  await mapLimit(staff, Math.min(4, options.concurrency), async (person) => {
    try {
      actors.push(await logIn(anonymous, person.login, options.password));
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'UNAUTHENTICATED') throw error;
      summary.skipped.push(person.login);
      progress.log(`  ${person.login} exists with another password: left alone`);
    }
    progress.tick();
  });
  actors.sort((a, b) => a.login.localeCompare(b.login));
  summary.actors = actors.map(({ login, role }) => ({ login, role }));
  const byId = new Map(actors.map((a) => [a.id, a]));
  const creators = weightedCreators(actors, admin);
  const shufflers = actors.filter((a) => a.role === 'MANAGER');
  const shuffler = () => (shufflers.length ? pickOne(random, shufflers) : admin);

  const recent = await admin.api.request(op.DemoTasksDocument, { first: 200 });
  const nextTask = taskFactory(random, lastJiraNumbers(recent.tasks.nodes.map((t) => t.jiraId)));

  const createTasks = async (count: number) => {
    progress.setPhase('creating tasks');
    const drafts = Array.from({ length: count }, () => ({
      input: nextTask(),
      by: pickOne(random, creators),
    }));
    await mapLimit(drafts, options.concurrency, async ({ input, by }) => {
      await by.api.request(op.DemoCreateTaskDocument, { input });
      summary.tasksCreated += 1;
      progress.tick();
    });
  };

  const completeTasks = async (quota: number) => {
    progress.setPhase('completing tasks');
    const open = (await openTasks(admin.api)).filter((t) => byId.has(t.assignee.id));
    const chosen = shuffled(random, open).slice(0, quota);
    progress.shrink(quota - chosen.length);
    await mapLimit(chosen, options.concurrency, async (task) => {
      try {
        await byId.get(task.assignee.id)?.api.request(op.DemoCompleteTaskDocument, { id: task.id });
        summary.completed += 1;
      } catch (error) {
        // Someone else (a shuffle, another client) got there first: not an error for a demo.
        if (
          !(error instanceof ApiError) ||
          !['CONFLICT', 'FORBIDDEN', 'NOT_FOUND'].includes(error.code ?? '')
        )
          throw error;
      }
      progress.tick();
    });
  };

  const shuffle = async () => {
    progress.setPhase('shuffling');
    const { shuffleTasks } = await shuffler().api.request(op.DemoShuffleDocument);
    summary.reassigned.push(shuffleTasks.reassigned);
    progress.tick();
  };

  // Fees are charged on every assignment, rewards paid on completion: popugs end a day in plus
  // only if enough is done, so most work is completed and the shuffles come when little is open.
  const completions = Math.round(options.tasks * options.completeShare);
  const morning = Math.round(options.tasks * 0.4);
  const midday = Math.round(options.tasks * 0.35);
  const doneBefore = Math.round(completions * 0.8);
  const doneInMorning = Math.round(doneBefore * 0.47);

  // The working day: tasks created and mostly done, a manager shuffles the rest, then the close.
  await createTasks(morning);
  await completeTasks(doneInMorning);
  await shuffle();
  await createTasks(midday);
  await completeTasks(doneBefore - doneInMorning);

  if (options.closeDay) {
    progress.setPhase('closing the day');
    await accountingCaughtUp(admin.api);
    const { accountingDashboard } = await admin.api.request(op.DemoAccountingTodayDocument);
    const day = accountingDashboard.today.day;
    const { closeBillingDay } = await admin.api.request(op.DemoCloseBillingDayDocument, { day });
    summary.close = { ...closeBillingDay, alreadyClosed: accountingDashboard.today.closed };
    progress.tick();
  }

  // After the close: the next business day begins (it stays open until its end).
  await createTasks(options.tasks - morning - midday);
  await completeTasks(completions - doneBefore);
  await shuffle();

  if (
    summary.close &&
    !summary.close.alreadyClosed &&
    summary.close.accountsPaid > 0 &&
    options.payoutWaitMs > 0
  ) {
    progress.setPhase('waiting for payouts');
    summary.payouts = await payoutsOf(admin.api, actors, summary.close.day, options.payoutWaitMs);
  }
  return summary;
}

async function logIn(api: DemoApi, login: string, password: string): Promise<Actor> {
  const { logIn } = await api.request(op.DemoLogInDocument, { login, password });
  return {
    id: logIn.user.id,
    login: logIn.user.login,
    role: logIn.user.role,
    api: api.withToken(logIn.token),
  };
}

function pickOne<T>(random: RandomSource, items: readonly T[]): T {
  return items[random.intBetween(0, items.length - 1)] as T;
}

function shuffled<T>(random: RandomSource, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.intBetween(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Managers write most tasks, popugs file some, accountants and the admin a few. */
function weightedCreators(actors: Actor[], admin: Actor): Actor[] {
  const weight: Record<op.Role, number> = { MANAGER: 12, WORKER: 1, ACCOUNTANT: 1, ADMIN: 2 };
  return [admin, ...actors].flatMap((a) => Array.from({ length: weight[a.role] }, () => a));
}

async function openTasks(api: DemoApi): Promise<op.DemoTasksQuery['tasks']['nodes']> {
  const out: op.DemoTasksQuery['tasks']['nodes'] = [];
  let after: string | null = null;
  for (;;) {
    const { tasks }: op.DemoTasksQuery = await api.request(op.DemoTasksDocument, {
      status: 'OPEN',
      first: 200,
      after,
    });
    out.push(...tasks.nodes);
    if (!tasks.pageInfo.hasNextPage) return out;
    after = tasks.pageInfo.endCursor;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits (up to 30 s) until accounting has priced every task and its ledger matches every
 * assignment and completion the task tracker reported (the reconciliation check), so the close
 * counts the day's work. A late event would not be lost anyway: it counts on the next day.
 */
async function accountingCaughtUp(api: DemoApi): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [{ reconciliation }, { tasks }] = await Promise.all([
      api.request(op.DemoAccountingTodayDocument),
      api.request(op.DemoTasksDocument, { first: 1 }),
    ]);
    if (reconciliation.tasksChecked >= tasks.totalCount && reconciliation.mismatches.length === 0) return;
    await pause(250);
  }
}

/** The payouts of `day` across the demo's popugs, once none is PENDING or after `waitMs`. */
async function payoutsOf(api: DemoApi, actors: Actor[], day: string, waitMs: number) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const statuses = (
      await mapLimit(actors, 8, async (a) => {
        const { user } = await api.request(op.DemoPayoutsOfDocument, { userId: a.id });
        return (user?.account?.payouts ?? []).filter((p) => p.day === day).map((p) => p.status);
      })
    ).flat();
    const count = (s: string) => statuses.filter((x) => x === s).length;
    const result = { paid: count('PAID'), pending: count('PENDING'), failed: count('FAILED') };
    if (result.pending === 0 || Date.now() >= deadline) return result;
    await pause(1000);
  }
}
