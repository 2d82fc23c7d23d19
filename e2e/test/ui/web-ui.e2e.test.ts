import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot, seededRandom, systemClock } from '@ates/service-kit';
import { ops, waitFor, type GraphQLClient } from '@ates/testing';
import { fillCompany } from '../../../scripts/lib/demo/fill.ts';
import {
  DemoPayoutsOfDocument,
  type DemoPayoutsOfQuery,
} from '../../../scripts/lib/demo/generated/operations.ts';
import { taskFactory } from '../../../scripts/lib/demo/work.ts';
import { allTasks } from '../../src/ledger.ts';
import { startPayroll, type Payroll } from '../../src/payroll.ts';
import { ADMIN, startSystem, type TestSystem } from '../../src/system.ts';

/**
 * The web UI (ui/dist, served by the gateway at /) in Debian's headless Chromium driven by
 * playwright-core, against the real system filled by the demo script: a worker, a manager and
 * the admin at work, with the gateway in production's trusted-documents mode (the UI's documents,
 * as urql sends them, must be the ones its codegen committed). Nothing may come from another host. Screenshots of each main page go to
 * test-results/ui/.
 */
const CHROMIUM = process.env.ATES_CHROMIUM ?? '/usr/bin/chromium';
const UI_DIR = path.join(repoRoot, 'ui/dist');
const SHOTS = path.join(repoRoot, 'test-results/ui');
const PASSWORD = 'popug-password-1';
const WORKER = 'kiwi';
const MANAGER = 'flint';

let system: TestSystem;
let payroll: Payroll;
let admin: GraphQLClient;
let context: BrowserContext;
let page: Page;
let base: string;
let workerId = '';
const workDirs: string[] = [];
const requests: string[] = [];
/** GraphQL operation names the browser sent, in order. */
const operations: string[] = [];
const consoleErrors: string[] = [];
/** Errors in the API's answers to the browser: "operation: CODE message". */
const apiErrors: string[] = [];

// The page's globals, typed just enough for page.evaluate (the repo's tsconfig has no DOM lib);
// evaluated functions run in the page, so they reach them through globalThis themselves.
interface ScrollTarget {
  scrollIntoView(options: { block: 'start' }): void;
  scrollBy(x: number, y: number): void;
}
interface PageGlobals {
  localStorage: { clear(): void };
  ATES_NO_RELOAD?: boolean;
}

/** "−1,234.50" as the UI shows it → "-1234.50" as the API sends it. */
const apiMoney = (shown: string) => shown.trim().replace('\u2212', '-').replace(/,/g, '').replace(/^\+/, '');

const shot = (name: string, target: Page = page) =>
  target.screenshot({ path: path.join(SHOTS, `${name}.png`) });

async function logInAs(login: string, password = PASSWORD) {
  await page.goto(`${base}/login`);
  await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.clear());
  await page.goto(`${base}/login`);
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('.user-chip__login', { hasText: `@${login}` }).waitFor();
}

const navLinks = () => page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();

beforeAll(async () => {
  if (!fs.existsSync(path.join(UI_DIR, 'index.html')))
    throw new Error(
      'ui/dist/index.html is missing: build the web UI first with `pnpm --filter @ates/ui build` ' +
        '(.ci/run builds it before `pnpm test`).',
    );
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the UI's browser tests need Debian's chromium ` +
        '(`apt-get install -y chromium`, as .ci/run does) or ATES_CHROMIUM pointing at a Chromium binary.',
    );
  system = await startSystem('ui', { seed: 21, uiDir: UI_DIR, trustedDocuments: 'only' });
  payroll = await startPayroll(system, { clock: systemClock });
  admin = await system.admin();
  base = system.gateway.url.replace(/\/graphql$/, '');
  // A small living company, made the way `pnpm demo` makes it; the day stays open for the admin.
  await fillCompany({
    url: system.gateway.url,
    admin: ADMIN,
    password: PASSWORD,
    managers: 1,
    accountants: 1,
    popugs: 6,
    tasks: 40,
    completeShare: 0.68,
    closeDay: false,
    seed: 5,
    concurrency: 8,
    payoutWaitMs: 0,
  });
  await system.settle();

  fs.mkdirSync(SHOTS, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ates-ui-chromium-'));
  workDirs.push(userDataDir);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  context.on('request', (request) => {
    requests.push(request.url());
    const body = request.method() === 'POST' ? request.postData() : null;
    const name = body ? (JSON.parse(body) as { operationName?: string }).operationName : undefined;
    if (name) operations.push(name);
  });
  context.on('response', async (response) => {
    const request = response.request();
    if (request.method() !== 'POST' || !response.url().endsWith('/graphql')) return;
    const name = (JSON.parse(request.postData() ?? '{}') as { operationName?: string }).operationName;
    const body = (await response.json().catch(() => ({}))) as {
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    for (const error of body.errors ?? [])
      apiErrors.push(`${name}: ${error.extensions?.code ?? ''} ${error.message}`);
  });
  context.on('page', (opened) => {
    opened.on('websocket', (socket) => requests.push(socket.url()));
    opened.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    opened.on('pageerror', (error) => consoleErrors.push(error.message));
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('websocket', (socket) => requests.push(socket.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
}, 120_000);

afterAll(async () => {
  await context?.close();
  await payroll?.stop();
  await system?.stop();
  for (const dir of workDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the web UI in headless Chromium', () => {
  it('a worker sees a task assigned to them, completes it, and the balance changes without a reload', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await shot('login');
    await logInAs(WORKER);
    const worker = await system.logIn(WORKER, PASSWORD);
    const me = (await worker.ok(ops.MeDocument)).me!;
    workerId = me.id;

    // Two tabs: the task list and the account, both updated over the socket.
    await page.getByRole('link', { name: 'My tasks' }).click();
    const account = await context.newPage();
    await account.goto(`${base}/account`);
    const balance = account.locator('.stat--hero .stat__value');
    await balance.waitFor();
    await account.evaluate(() => ((globalThis as unknown as PageGlobals).ATES_NO_RELOAD = true));
    await waitFor(
      'both pages to subscribe',
      () => system.tasks.liveStats().listeners >= 1 && system.accounting.liveStats().listeners >= 1,
    );
    const before = apiMoney(await balance.innerText());

    const nextTask = taskFactory(seededRandom(9), new Map([['NEST', 900]]));
    let title = '';
    for (let i = 0; i < 60 && !title; i++) {
      const { createTask } = await admin.ok(ops.CreateTaskDocument, { input: nextTask() });
      if (createTask.assignee.id === me.id) title = createTask.title;
    }
    expect(title, `no task landed on ${WORKER}`).not.toBe('');

    // Assigned: the list shows it and the fee is charged, without reloading either page.
    const complete = page.getByRole('button', { name: `Complete “${title}”` }).first();
    await complete.waitFor();
    await system.settle();
    const charged = (await worker.ok(ops.MyAccountDocument, { first: 1 })).myAccount!.balance;
    expect(charged).not.toBe(before);
    await waitFor('the fee on the account page', async () => apiMoney(await balance.innerText()) === charged);
    await shot('my-tasks');

    await complete.click();
    await page.getByText(`Done: “${title}”`).waitFor();
    await system.settle();
    const rewarded = (await worker.ok(ops.MyAccountDocument, { first: 1 })).myAccount!.balance;
    expect(Number(rewarded)).toBeGreaterThan(Number(charged));
    await waitFor(
      'the reward on the account page',
      async () => apiMoney(await balance.innerText()) === rewarded,
    );
    await account.getByRole('cell', { name: title }).first().waitFor();
    expect(await account.evaluate(() => (globalThis as unknown as PageGlobals).ATES_NO_RELOAD)).toBe(true);
    await shot('account', account);
    await account.close();
  });

  it('a worker is offered no accounting or analytics, and typing their address shows "Not allowed"', async () => {
    expect(await navLinks()).toEqual(['Tasks', 'My tasks', 'My account']);
    const sent = operations.length;
    for (const target of ['/accounting', '/analytics', '/admin']) {
      await page.goto(`${base}${target}`);
      await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    }
    await shot('forbidden');
    expect(
      operations.slice(sent).filter((name) => /Accounting|Analytics|Users|Reconciliation/.test(name)),
    ).toEqual([]);
  });

  it('a manager shuffles the open tasks after a confirmation and sees how many moved', async () => {
    await logInAs(MANAGER);
    const open = (await admin.ok(ops.TaskDashboardDocument, { status: 'OPEN', first: 1 })).tasks.totalCount;
    expect(open).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Shuffle open tasks' }).click();
    const dialog = page.getByRole('dialog', { name: 'Shuffle all open tasks?' });
    await dialog.getByText(`${open} open tasks will be reassigned.`).waitFor();
    await shot('shuffle-dialog');
    await dialog.getByRole('button', { name: 'Shuffle' }).click();
    await page
      .locator('span.inline-status', { hasText: `Shuffled: ${open} open tasks were reassigned.` })
      .waitFor();
    await expect(dialog.isVisible()).resolves.toBe(false);
    await page.getByRole('heading', { name: 'Task dashboard' }).waitFor();
    await shot('tasks');
  });

  it('an admin sees the analytics chart and closes the day; the popugs in plus are paid', async () => {
    await logInAs(ADMIN.login, ADMIN.password);
    await system.settle();
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Analytics' }).waitFor();
    // Today's bar (the last one; the days before it have no activity, so no height).
    await page.locator('figure.chart rect.chart__bar').last().waitFor();
    const today = (await admin.ok(ops.AnalyticsDashboardDocument, { from: '2026-01-01', to: '2026-01-01' }))
      .analytics.today;
    const earnings = page.locator('.stat', { hasText: 'Management earnings today' }).locator('.stat__value');
    expect(apiMoney(await earnings.innerText())).toBe(today.managementEarnings);
    await shot('analytics');

    // The popugs finish their work before the day ends, so most of them have something to be paid.
    const open = (await allTasks(admin)).filter((t) => t.status === 'OPEN');
    for (const login of new Set(open.map((t) => t.assignee.login))) {
      const popug = await system.logIn(login, PASSWORD);
      for (const task of open.filter((t) => t.assignee.login === login))
        await popug.ok(ops.CompleteTaskDocument, { id: task.id });
    }
    // Someone must be in plus when the day closes, whatever the shuffles did: a new popug
    // completes the one task they get (a reward, 20–40, is never below a fee, 10–20).
    const { createUser: late } = await admin.ok(ops.CreateUserDocument, {
      input: {
        login: 'latebird',
        password: PASSWORD,
        role: 'WORKER',
        name: 'Late Bird',
        email: 'l@ates.test',
      },
    });
    const lateBird = await system.logIn('latebird', PASSWORD);
    await system.settle();
    for (let i = 0; i < 80; i++) {
      const { createTask } = await admin.ok(ops.CreateTaskDocument, {
        input: { title: `Wake up the late birds ${i + 1}`, description: '' },
      });
      if (createTask.assignee.id !== late.id) continue;
      await lateBird.ok(ops.CompleteTaskDocument, { id: createTask.id });
      break;
    }
    await system.settle();

    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('button', { name: 'Close the day…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Close the day and pay out' }).click();
    const notice = page.locator('.notice--success');
    await notice.getByText(' is closed.').waitFor();
    // Closing again returns the same figures (and pays nobody twice).
    const figures = (await admin.ok(ops.CloseBillingDayDocument, { day: today.day })).closeBillingDay;
    expect(figures.accountsPaid).toBeGreaterThan(0);
    const paid = `Paid ${figures.accountsPaid} ${figures.accountsPaid === 1 ? 'account' : 'accounts'}`;
    expect(await notice.innerText()).toContain(paid);
    await shot('admin');

    // The payout worker pays; the accounting page shows a paid popug's payout.
    const users = (await admin.ok(ops.UsersDocument, { role: 'WORKER' })).users;
    let paidId = '';
    await waitFor('a payout to be paid', async () => {
      const paid: string[] = [];
      for (const user of users) {
        const { user: found } = await admin.ok<DemoPayoutsOfQuery>(DemoPayoutsOfDocument.toString(), {
          userId: user.id,
        });
        if (found?.account?.payouts.some((p) => p.status === 'PAID')) paid.push(user.id);
      }
      // The worker of the first test, or another popug of the demo company: a longer audit log.
      paidId = paid.find((id) => id === workerId) ?? paid.find((id) => id !== late.id) ?? paid[0] ?? '';
      return paidId !== '';
    });
    await page.goto(`${base}/accounting?popug=${paidId}`);
    await page.locator('.payouts__item', { hasText: 'Paid' }).first().waitFor();
    // Closed early: the chart runs through the next day, where new transactions now count.
    await page.getByText("Today's billing day was closed early").waitFor();
    await page.locator('figure.chart svg').waitFor();
    await shot('accounting');
    await page
      .getByRole('heading', { name: 'Popug accounts' })
      .evaluate((heading) => (heading as unknown as ScrollTarget).scrollIntoView({ block: 'start' }));
    await page.evaluate(() => (globalThis as unknown as ScrollTarget).scrollBy(0, -90));
    await shot('popug-account');
  });

  it('made no request to any host but the gateway, got no API errors and logged none', () => {
    expect(requests.length).toBeGreaterThan(10);
    const foreign = requests.filter((url) => {
      const { protocol, hostname } = new URL(url);
      if (protocol === 'data:' || protocol === 'blob:') return false;
      return hostname !== '127.0.0.1' && hostname !== 'localhost';
    });
    expect(foreign).toEqual([]);
    expect(requests.some((url) => url.startsWith('ws://127.0.0.1'))).toBe(true);
    expect(apiErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
