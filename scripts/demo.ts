/**
 * `pnpm demo`: fills a running aTES (`pnpm start`) with a realistic company through the public
 * GraphQL API — managers, accountants, ~30 popugs, hundreds of tasks, shuffles, completions and
 * today's billing day closed with payouts — so a newcomer's first look at the UI is alive.
 * Run it again to add another round of activity; existing demo users are reused.
 */
import { parseCli, usageError } from '@ates/service-kit/cli';
import { UnreachableError } from './lib/demo/api.ts';
import { DEMO_DEFAULTS, fillCompany, type DemoSummary } from './lib/demo/fill.ts';
import { ProgressBar } from './lib/demo/progress.ts';

const HELP = `Usage: pnpm demo [options]

Fills a running aTES with demo data through its public GraphQL API.

Options (environment variable in brackets):
  --url <url>         GraphQL endpoint [ATES_DEMO_URL] (default http://127.0.0.1:4000/graphql)
  --popugs <n>        popugs (workers) in the company (default ${DEMO_DEFAULTS.popugs})
  --managers <n>      managers (default ${DEMO_DEFAULTS.managers})
  --accountants <n>   accountants (default ${DEMO_DEFAULTS.accountants})
  --tasks <n>         tasks to create in this run (default ${DEMO_DEFAULTS.tasks})
  --no-close          do not close today's billing day
  --seed <n>          random seed (default: a new one each run)
  -h, --help          this text

Admin credentials: ATES_ADMIN_LOGIN / ATES_ADMIN_PASSWORD (default admin / admin).
Demo users' password: ATES_DEMO_PASSWORD (default popug-password).`;

const count = (name: string, value: string | undefined, fallback: number, min = 0): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    usageError('pnpm demo', `--${name} must be an integer ≥ ${min}, got "${value}"`);
  return n;
};

function printSummary(summary: DemoSummary, url: string, password: string): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const web = url.replace(/\/graphql\/?$/, '/');
  out();
  out(`Demo data added to ${url}`);
  out(
    `  users: ${summary.created.length} created, ${summary.existing.length - summary.skipped.length} reused` +
      (summary.skipped.length ? `, ${summary.skipped.length} left alone (other password)` : ''),
  );
  out(`  tasks: ${summary.tasksCreated} created, ${summary.completed} completed`);
  out(`  shuffles: ${summary.reassigned.map((n) => `${n} reassigned`).join(', ')}`);
  const close = summary.close;
  if (close) {
    const what = close.alreadyClosed ? 'was already closed' : 'closed';
    out(
      `  billing day ${close.day} ${what}: ${close.accountsPaid} paid, ${close.totalPaid} in total, ` +
        `${close.accountsInRed} in the red carried over`,
    );
    if (close.alreadyClosed)
      out('    (one close per calendar day: this run\u2019s work counts on the next day, closed at its end)');
    else out('    (work after the close counts on the next business day, which stays open)');
  }
  if (summary.payouts)
    out(
      `  payouts: ${summary.payouts.paid} paid` +
        (summary.payouts.pending
          ? `, ${summary.payouts.pending} still pending (is the payout worker running?)`
          : '') +
        (summary.payouts.failed ? `, ${summary.payouts.failed} failed` : ''),
    );
  out();
  out(`Open ${web} and log in as admin, or as any of these (password "${password}"):`);
  for (const role of ['MANAGER', 'ACCOUNTANT', 'WORKER'] as const) {
    const logins = summary.actors.filter((a) => a.role === role).map((a) => a.login);
    if (logins.length)
      out(
        `  ${role.toLowerCase().padEnd(10)} ${logins.slice(0, 8).join(', ')}${logins.length > 8 ? ', …' : ''}`,
      );
  }
}

async function main(): Promise<void> {
  const { values } = parseCli('pnpm demo', {
    usage: HELP,
    options: {
      url: { type: 'string' },
      popugs: { type: 'string' },
      managers: { type: 'string' },
      accountants: { type: 'string' },
      tasks: { type: 'string' },
      'no-close': { type: 'boolean', default: false },
      seed: { type: 'string' },
    },
  });
  const url = values.url ?? process.env.ATES_DEMO_URL ?? 'http://127.0.0.1:4000/graphql';
  const password = process.env.ATES_DEMO_PASSWORD ?? 'popug-password';
  const progress = new ProgressBar();
  const started = performance.now();
  try {
    const summary = await fillCompany({
      ...DEMO_DEFAULTS,
      url,
      admin: {
        login: process.env.ATES_ADMIN_LOGIN ?? 'admin',
        password: process.env.ATES_ADMIN_PASSWORD ?? 'admin',
      },
      password,
      popugs: count('popugs', values.popugs, DEMO_DEFAULTS.popugs),
      managers: count('managers', values.managers, DEMO_DEFAULTS.managers),
      accountants: count('accountants', values.accountants, DEMO_DEFAULTS.accountants),
      tasks: count('tasks', values.tasks, DEMO_DEFAULTS.tasks),
      closeDay: !values['no-close'],
      seed: count('seed', values.seed, Math.floor(Math.random() * 2 ** 31)),
      progress,
    });
    progress.finish();
    printSummary(summary, url, password);
    process.stdout.write(`  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  } catch (error) {
    progress.abort();
    if (error instanceof UnreachableError)
      throw new Error(`${error.message}\nIs aTES running? Start it with "pnpm start", or set ATES_DEMO_URL.`);
    throw error;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
