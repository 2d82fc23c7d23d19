import fs from 'node:fs';
import path from 'node:path';
import { formatMoney, parseMoney } from '@ates/service-kit';
import { reconcileAll } from '@ates/testing';
import type { Pipeline } from './catch-up.ts';
import type { ChaosCluster, DatabaseName } from './cluster.ts';

/**
 * The invariants after the run, each read from the services' own databases (and the public API
 * where docs/business-rules.md puts the promise there). Every check adds its figures and, when it does not hold,
 * a problem line naming what is wrong; the run passes with no problem at all.
 */
export interface CheckResult {
  figures: Record<string, number | string>;
  problems: string[];
  /** Worth a look, not a broken promise (e.g. a dead letter: its event is in one place). */
  warnings?: string[];
}

/** Every durable consumer, the stream it reads, the types it applies, and where its inbox lives. */
export const CONSUMERS: Array<{ name: string; domain: string; db: DatabaseName; types: string[] }> = [
  {
    name: 'tasks-popugs',
    domain: 'users',
    db: 'tasks',
    types: ['user.created', 'user.updated', 'user.role-changed'],
  },
  {
    name: 'accounting-users',
    domain: 'users',
    db: 'accounting',
    types: ['user.created', 'user.updated', 'user.role-changed'],
  },
  {
    name: 'accounting-tasks',
    domain: 'tasks',
    db: 'accounting',
    types: ['task.created', 'task.assigned', 'task.completed'],
  },
  { name: 'analytics-tasks', domain: 'tasks', db: 'analytics', types: ['task.created', 'task.completed'] },
  {
    name: 'analytics-accounting',
    domain: 'accounting',
    db: 'analytics',
    types: ['transaction.applied', 'task.priced'],
  },
  { name: 'email-worker-users', domain: 'users', db: 'email', types: ['user.created', 'user.updated'] },
  { name: 'email-worker-jobs', domain: 'jobs', db: 'email', types: ['email.requested'] },
];

/** Where each domain's events are produced (the payout worker writes to accounting's outbox). */
export const PRODUCERS: Record<string, DatabaseName> = {
  users: 'users',
  tasks: 'tasks',
  accounting: 'accounting',
  jobs: 'accounting',
};

const key = (...parts: Array<string | number | null>) => parts.map((p) => String(p)).join('|');

function limited(problems: string[], title: string, items: string[], max = 10): void {
  if (items.length === 0) return;
  problems.push(`${title}: ${items.length}${items.length > max ? ` (first ${max})` : ''}`);
  for (const item of items.slice(0, max)) problems.push(`    ${item}`);
}

/**
 * Reconciliation through the gateway, every page: no task with missing or extra fees or rewards,
 * none that only one side knows.
 */
export async function checkReconciliation(cluster: ChaosCluster, adminToken: string): Promise<CheckResult> {
  const reconciliation = await reconcileAll(cluster.client(0, adminToken));
  const [tasks] = await cluster.sql('tasks')<{ n: number }[]>`select count(*)::int as n from tasks`;
  const problems: string[] = [];
  limited(
    problems,
    'reconciliation mismatches',
    reconciliation.mismatches.map(
      (m) =>
        `task ${m.taskId} (${m.kind}): fees ${m.actualAssignFees}/${m.expectedAssignFees}, rewards ${m.actualRewards}/${m.expectedRewards}`,
    ),
  );
  if (reconciliation.tasksChecked !== tasks?.n)
    problems.push(
      `reconciliation checked ${reconciliation.tasksChecked} tasks; the task tracker has ${tasks?.n}`,
    );
  return {
    figures: {
      tasks: tasks?.n ?? 0,
      'tasks reconciled': reconciliation.tasksChecked,
      mismatches: reconciliation.mismatches.length,
    },
    problems,
  };
}

/**
 * A task deleted from the task tracker's database behind its back (what a tasks database put
 * back to an older backup, or a lost event, leaves): reconciliation must name it, in a full
 * answer, as UNKNOWN_TO_TASK_TRACKER, and change nothing else. Run after the other checks.
 */
export async function checkDeletedTaskNamed(cluster: ChaosCluster, adminToken: string): Promise<CheckResult> {
  const client = cluster.client(0, adminToken);
  const before = await reconcileAll(client);
  const [deleted] = await cluster.sql('tasks')<{ id: string }[]>`
    delete from tasks where id = (select id from tasks where assignment_count > 0 order by id limit 1)
    returning id::text as id`;
  const problems: string[] = [];
  if (!deleted) return { figures: {}, problems: ['no assigned task to delete'] };
  const after = await reconcileAll(client);
  const named = after.mismatches.filter((m) => m.taskId === deleted.id);
  if (named.length !== 1 || named[0]!.kind !== 'UNKNOWN_TO_TASK_TRACKER')
    problems.push(
      `the deleted task ${deleted.id} is listed as ${named.map((m) => m.kind).join(', ') || 'nothing'}, not UNKNOWN_TO_TASK_TRACKER`,
    );
  if (after.mismatches.length !== before.mismatches.length + 1)
    problems.push(
      `mismatches went from ${before.mismatches.length} to ${after.mismatches.length}, not one more`,
    );
  return {
    figures: { 'deleted task': deleted.id, 'listed as': named.map((m) => m.kind).join(', ') || '-' },
    problems,
  };
}

interface AssignedData {
  taskId: string;
  assigneeId: string;
  assignmentNo: number;
}
interface CompletedData {
  taskId: string;
  assigneeId: string;
}

/**
 * The ledger against the task history: one ASSIGN_FEE per assignment number to that
 * assignment's assignee, one TASK_REWARD per completion to the completer, at accounting's
 * prices; the history comes from the task tracker's database (its tasks' counters and the
 * events it wrote in the same transactions). Every balance is the sum of its transactions and
 * what the history implies, less its payouts.
 */
export async function checkLedger(cluster: ChaosCluster): Promise<CheckResult> {
  const problems: string[] = [];
  const tasksDb = cluster.sql('tasks');
  const accounting = cluster.sql('accounting');
  const tasks = await tasksDb<{ id: string; assignments: number; completions: number }[]>`
    select id, assignment_count as assignments, completion_count as completions from tasks`;
  const written = await tasksDb<{ type: string; version: number; data: AssignedData & CompletedData }[]>`
    select type, version, payload->'data' as data from outbox where type in ('task.assigned', 'task.completed')`;
  // One entry per assignment: a `task.assigned` v2 carries a list (a shuffle's chunk), v1 one.
  const history = written.flatMap((e) =>
    e.type === 'task.assigned' && e.version === 2
      ? (e.data as unknown as { assignments: AssignedData[] }).assignments.map((data) => ({
          type: e.type,
          data: data as AssignedData & CompletedData,
        }))
      : [e],
  );

  // The tracker's own consistency: its events say what its counters say.
  const numbers = new Map<string, number[]>();
  const completions = new Map<string, number>();
  for (const e of history) {
    if (e.type === 'task.assigned')
      numbers.set(e.data.taskId, [...(numbers.get(e.data.taskId) ?? []), e.data.assignmentNo]);
    else completions.set(e.data.taskId, (completions.get(e.data.taskId) ?? 0) + 1);
  }
  const trackerProblems: string[] = [];
  let assignments = 0;
  let completed = 0;
  for (const t of tasks) {
    assignments += t.assignments;
    completed += t.completions;
    const got = (numbers.get(t.id) ?? []).sort((a, b) => a - b).join(',');
    const want = Array.from({ length: t.assignments }, (_, i) => i + 1).join(',');
    if (got !== want)
      trackerProblems.push(`task ${t.id}: assignment_count ${t.assignments}, events numbered [${got}]`);
    if ((completions.get(t.id) ?? 0) !== t.completions)
      trackerProblems.push(
        `task ${t.id}: completion_count ${t.completions}, ${completions.get(t.id) ?? 0} completion events`,
      );
  }
  limited(problems, 'task tracker: counters and events disagree', trackerProblems);

  const prices = new Map(
    (
      await accounting<{ id: string; fee: number; reward: number }[]>`
        select id, assign_fee::int as fee, reward::int as reward from tasks`
    ).map((p) => [p.id, p]),
  );
  const unpriced = tasks
    .filter((t) => !prices.has(t.id))
    .map((t) => `task ${t.id} has no price in accounting`);
  limited(problems, 'tasks accounting never saw', unpriced);

  // The ledger rows the history implies, and the ones accounting has.
  const expected = new Map<string, number>();
  const expectedBalance = new Map<string, number>();
  const bump = (map: Map<string, number>, k: string, by: number) => map.set(k, (map.get(k) ?? 0) + by);
  for (const e of history) {
    const price = prices.get(e.data.taskId);
    if (!price) continue;
    if (e.type === 'task.assigned') {
      bump(expected, key('ASSIGN_FEE', e.data.taskId, e.data.assignmentNo, e.data.assigneeId, -price.fee), 1);
      bump(expectedBalance, e.data.assigneeId, -price.fee);
    } else {
      bump(expected, key('TASK_REWARD', e.data.taskId, null, e.data.assigneeId, price.reward), 1);
      bump(expectedBalance, e.data.assigneeId, price.reward);
    }
  }
  const rows = await accounting<
    { kind: string; task_id: string | null; assignment_no: number | null; user_id: string; amount: number }[]
  >`
    select t.kind, t.task_id, t.assignment_no, a.user_id, t.amount::int as amount
    from transactions t join accounts a on a.id = t.account_id`;
  const actual = new Map<string, number>();
  let payoutRows = 0;
  for (const r of rows) {
    if (r.kind === 'PAYOUT') {
      payoutRows += 1;
      continue;
    }
    bump(actual, key(r.kind, r.task_id, r.assignment_no, r.user_id, r.amount), 1);
  }
  const missing: string[] = [];
  const extra: string[] = [];
  for (const [k, n] of expected)
    if ((actual.get(k) ?? 0) < n) missing.push(`${k} (×${n - (actual.get(k) ?? 0)})`);
  for (const [k, n] of actual)
    if (n > (expected.get(k) ?? 0)) extra.push(`${k} (×${n - (expected.get(k) ?? 0)})`);
  limited(problems, 'ledger rows the task history implies but accounting lacks', missing);
  limited(problems, 'ledger rows accounting has without a fact in the task history (or twice)', extra);

  // Balances: the sum of the ledger, and the history less the payouts.
  const accounts = await accounting<
    { user_id: string; balance: string; ledger: string | null; paid: string | null }[]
  >`
    select a.user_id, a.balance::text as balance,
           (select sum(amount)::text from transactions t where t.account_id = a.id) as ledger,
           (select sum(amount)::text from payouts p where p.account_id = a.id) as paid
    from accounts a`;
  const balanceProblems: string[] = [];
  let positive = 0;
  let negative = 0;
  for (const a of accounts) {
    const balance = Number(a.balance);
    const ledger = Number(a.ledger ?? 0);
    const implied = (expectedBalance.get(a.user_id) ?? 0) - Number(a.paid ?? 0);
    if (balance > 0) positive += 1;
    if (balance < 0) negative += 1;
    if (balance !== ledger)
      balanceProblems.push(`user ${a.user_id}: balance ${balance} ≠ sum of transactions ${ledger}`);
    if (balance !== implied)
      balanceProblems.push(
        `user ${a.user_id}: balance ${balance} ≠ ${implied} implied by the task history and payouts`,
      );
  }
  for (const user of expectedBalance.keys())
    if (!accounts.some((a) => a.user_id === user)) balanceProblems.push(`user ${user}: no account`);
  limited(problems, 'balances', balanceProblems);

  return {
    figures: {
      assignments,
      completions: completed,
      transactions: rows.length,
      'payout transactions': payoutRows,
      accounts: accounts.length,
      'accounts in plus / in red': `${positive} / ${negative}`,
      'balance problems': balanceProblems.length,
    },
    problems,
  };
}

const EARNINGS = `query ChaosEarnings($from: Date!, $to: Date!) {
  accountingDashboard { days(from: $from, to: $to) { day managementEarnings } }
  analytics { days(from: $from, to: $to) { day managementEarnings } }
}`;
interface Earnings {
  accountingDashboard: { days: Array<{ day: string; managementEarnings: string }> };
  analytics: { days: Array<{ day: string; managementEarnings: string }> };
}

/** Management earnings per billing day: analytics = accounting's dashboard = the ledger. */
export async function checkAnalytics(cluster: ChaosCluster, adminToken: string): Promise<CheckResult> {
  const problems: string[] = [];
  const ledger = await cluster.sql('accounting')<{ day: string; earnings: string }[]>`
    select day::text as day, (-sum(amount))::text as earnings from transactions
    where kind in ('ASSIGN_FEE', 'TASK_REWARD') group by day order by day`;
  if (ledger.length === 0) return { figures: { 'days compared': 0 }, problems: ['no transactions at all'] };
  const from = ledger[0]!.day;
  const to = ledger.at(-1)!.day;
  const data = await cluster.client(1, adminToken).ok<Earnings>(EARNINGS, { from, to });
  const accountingDays = new Map(
    data.accountingDashboard.days.map((d) => [d.day, parseMoney(d.managementEarnings)]),
  );
  const analyticsDays = new Map(data.analytics.days.map((d) => [d.day, parseMoney(d.managementEarnings)]));
  const ledgerDays = new Map(ledger.map((d) => [d.day, Number(d.earnings)]));
  const days = new Set([...accountingDays.keys(), ...analyticsDays.keys(), ...ledgerDays.keys()]);
  let total = 0;
  for (const day of [...days].sort()) {
    const l = ledgerDays.get(day) ?? 0;
    const acc = accountingDays.get(day) ?? 0;
    const ana = analyticsDays.get(day) ?? 0;
    total += l;
    if (l !== acc || acc !== ana)
      problems.push(
        `${day}: management earnings ledger ${formatMoney(l)}, accounting dashboard ${formatMoney(acc)}, analytics ${formatMoney(ana)}`,
      );
  }
  return {
    figures: { 'days compared': days.size, 'management earnings': formatMoney(total) },
    problems,
  };
}

/**
 * Every closed day: each account whose balance on that day (its transactions up to the day,
 * before the day's payout) was positive was paid exactly that once — one PAID payout, one PAYOUT
 * row, one payment at the bank under the payout's id, one email — and no other account was.
 */
export async function checkPayouts(cluster: ChaosCluster): Promise<CheckResult> {
  const problems: string[] = [];
  const accounting = cluster.sql('accounting');
  const days = await accounting<
    { day: string; accounts_paid: number; total_paid: string; accounts_in_red: number }[]
  >`
    select day::text as day, accounts_paid, total_paid::text as total_paid, accounts_in_red from billing_days order by day`;
  const payouts = await accounting<
    { id: string; account_id: string; day: string; amount: number; status: string; attempts: number }[]
  >`select id, account_id, day::text as day, amount::int as amount, status, attempts from payouts`;
  const bank = await cluster.sql('bank')<{ key: string; amount: number }[]>`
    select idempotency_key as key, amount_cents::int as amount from payments`;
  const sentKeys = new Set(
    (await cluster.sql('email')<{ key: string }[]>`select idempotency_key as key from sent_emails`).map(
      (r) => r.key,
    ),
  );
  const mailDir = path.join(cluster.runDir, 'mail');
  const emlFiles = fs.existsSync(mailDir) ? fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml')) : [];

  const bankByKey = new Map<string, number[]>();
  for (const p of bank) bankByKey.set(p.key, [...(bankByKey.get(p.key) ?? []), p.amount]);
  const payoutIds = new Set(payouts.map((p) => p.id));
  const orphans = bank
    .filter((p) => !payoutIds.has(p.key))
    .map((p) => `bank payment ${p.key} (${p.amount}) for no payout`);
  limited(problems, 'payments the bank made for no payout', orphans);

  const payoutProblems: string[] = [];
  let paidAccounts = 0;
  let paidCents = 0;
  for (const d of days) {
    const closing = await accounting<
      { account_id: string; closing: string; payout_rows: number; payout_sum: string | null }[]
    >`
      select a.id as account_id,
             coalesce((select sum(amount) from transactions t
                       where t.account_id = a.id and t.day <= ${d.day}
                         and not (t.kind = 'PAYOUT' and t.day = ${d.day})), 0)::text as closing,
             (select count(*)::int from transactions t
               where t.account_id = a.id and t.kind = 'PAYOUT' and t.day = ${d.day}) as payout_rows,
             (select sum(amount)::text from transactions t
               where t.account_id = a.id and t.kind = 'PAYOUT' and t.day = ${d.day}) as payout_sum
      from accounts a`;
    let dayPaid = 0;
    let dayTotal = 0;
    let dayRed = 0;
    for (const c of closing) {
      const balance = Number(c.closing);
      const mine = payouts.filter((p) => p.account_id === c.account_id && p.day === d.day);
      if (balance < 0) dayRed += 1;
      if (balance > 0) {
        dayPaid += 1;
        dayTotal += balance;
        const p = mine[0];
        if (mine.length !== 1 || !p) {
          payoutProblems.push(`${d.day} account ${c.account_id}: balance ${balance}, ${mine.length} payouts`);
          continue;
        }
        if (p.amount !== balance)
          payoutProblems.push(`${d.day} payout ${p.id}: ${p.amount} ≠ closing balance ${balance}`);
        if (p.status !== 'PAID') payoutProblems.push(`${d.day} payout ${p.id}: ${p.status}`);
        if (c.payout_rows !== 1 || Number(c.payout_sum) !== -balance)
          payoutProblems.push(
            `${d.day} account ${c.account_id}: ${c.payout_rows} PAYOUT rows, sum ${c.payout_sum}`,
          );
        const payments = bankByKey.get(p.id) ?? [];
        if (payments.length !== 1 || payments[0] !== balance)
          payoutProblems.push(
            `${d.day} payout ${p.id}: bank payments [${payments.join(', ')}], expected [${balance}]`,
          );
        if (!sentKeys.has(`payout-notice:${p.id}`))
          payoutProblems.push(`${d.day} payout ${p.id}: no email sent`);
      } else if (mine.length > 0 || c.payout_rows > 0) {
        payoutProblems.push(
          `${d.day} account ${c.account_id}: balance ${balance} but ${mine.length} payouts`,
        );
      }
    }
    if (d.accounts_paid !== dayPaid || Number(d.total_paid) !== dayTotal || d.accounts_in_red !== dayRed)
      payoutProblems.push(
        `${d.day} figures: paid ${d.accounts_paid}/${dayPaid} accounts, ${d.total_paid}/${dayTotal} cents, in red ${d.accounts_in_red}/${dayRed}`,
      );
    paidAccounts += dayPaid;
    paidCents += dayTotal;
  }
  limited(problems, 'payouts', payoutProblems);
  const emails = emlFiles.filter((f) => f.startsWith('payout-notice_')).length;
  if (emails !== sentKeys.size)
    problems.push(`${emails} .eml files for ${sentKeys.size} emails recorded as sent`);
  return {
    figures: {
      'days closed': days.length,
      payouts: payouts.length,
      'accounts paid': paidAccounts,
      'total paid': formatMoney(paidCents),
      'bank payments': bank.length,
      'payout attempts': payouts.reduce((n, p) => n + p.attempts, 0),
      'emails sent': sentKeys.size,
    },
    problems,
  };
}

/**
 * Every event sits in exactly one place per consumer: every event its producer wrote that the
 * consumer applies is in that consumer's inbox or in its dead letters, never both, never
 * neither, and nothing else is in its inbox.
 */
/**
 * `restored`: producers' databases put back to a backup during the run. A work-queue job such a
 * producer wrote after the backup is not in its restored outbox (the queue keeps nothing to roll
 * forward from): the consumer's inbox row for it is a warning, not a problem.
 */
export async function checkEvents(
  cluster: ChaosCluster,
  pipeline: Pipeline,
  restored: readonly DatabaseName[] = [],
): Promise<CheckResult> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const produced = new Map<string, Array<{ id: string; type: string }>>();
  for (const domain of Object.keys(PRODUCERS)) {
    const rows = await cluster.sql(PRODUCERS[domain]!)<{ id: string; type: string }[]>`
      select id::text as id, type from outbox where subject like ${`${domain}.%`}`;
    produced.set(domain, rows);
  }
  const figures: Record<string, number | string> = {};
  let events = 0;
  for (const { domain, name } of pipeline.streams()) {
    const count = produced.get(domain)?.length ?? 0;
    events += count;
    const info = await pipeline.jsm.streams.info(name);
    figures[`events ${domain}`] = `${count} (stream ${name}: ${info.state.last_seq} stored)`;
    // A work queue deletes what was taken; the others keep everything (limits retention).
    if (info.state.last_seq < count)
      problems.push(`stream ${name} stored ${info.state.last_seq} messages for ${count} events`);
  }
  figures.events = events;
  let applied = 0;
  let dead = 0;
  for (const c of CONSUMERS) {
    const want = (produced.get(c.domain) ?? []).filter((e) => c.types.includes(e.type));
    const sql = cluster.sql(c.db);
    const inbox = await sql<{ id: string; type: string }[]>`
      select event_id::text as id, type from inbox where consumer = ${c.name}`;
    const letters = await sql<{ id: string | null; reason: string }[]>`
      select event_id as id, reason from dead_letters where consumer = ${c.name} and status = 'dead'`;
    applied += inbox.length;
    dead += letters.length;
    const inInbox = new Set(inbox.map((r) => r.id));
    const inDead = new Set(letters.flatMap((r) => (r.id ? [r.id] : [])));
    const wanted = new Set(want.map((e) => e.id));
    const nowhere = want
      .filter((e) => !inInbox.has(e.id) && !inDead.has(e.id))
      .map((e) => `${e.type} ${e.id}`);
    const twice = want.filter((e) => inInbox.has(e.id) && inDead.has(e.id)).map((e) => `${e.type} ${e.id}`);
    const unknown = inbox.filter((r) => !wanted.has(r.id)).map((r) => `${r.type} ${r.id}`);
    limited(problems, `${c.name}: events neither applied nor dead-lettered`, nowhere);
    limited(problems, `${c.name}: events both applied and dead-lettered`, twice);
    const jobsOfRestored = c.domain === 'jobs' && restored.includes(PRODUCERS[c.domain]!);
    limited(
      jobsOfRestored ? warnings : problems,
      jobsOfRestored
        ? `${c.name}: jobs its producer wrote after the backup it was restored from (not in its outbox)`
        : `${c.name}: inbox rows for no event of its stream and types (update CONSUMERS?)`,
      unknown,
    );
    limited(
      warnings,
      `${c.name}: dead letters`,
      letters.map((l) => `${l.id ?? '(unreadable)'}: ${l.reason.slice(0, 200)}`),
    );
    figures[`inbox ${c.name}`] =
      `${inbox.length}/${want.length}${letters.length ? ` + ${letters.length} dead` : ''}`;
  }
  figures['applied (all inboxes)'] = applied;
  figures['dead letters'] = dead;
  return { figures, problems, warnings };
}
